#!/usr/bin/env bash
# Installs what the browser tests need and a fresh machine lacks: Debian's chromium.
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  echo "installing chromium (Debian package) for the browser tests"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
# axe-core (accessibility rules, run in the browser by tests/test_a11y.py), into ./node_modules
if [ ! -f node_modules/axe-core/axe.min.js ]; then
  if command -v npm >/dev/null 2>&1; then
    echo "installing axe-core (npm) for the accessibility tests"
    npm install --no-save --no-audit --no-fund --silent axe-core@4 >/dev/null
  else
    echo "warning: npm is missing: tests/test_a11y.py needs node_modules/axe-core" >&2
  fi
fi
