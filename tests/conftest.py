"""Shared fixtures: the seed articles, temporary digest projects, the CLI."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "tests" / "fixtures" / "seeds"
SEED_SOURCES = {
    "000_18d70cfc18c7a424.txt": "World News Summary",
    "001_275daff4724fd889.txt": "NewsBytes",
    "002_45292c7bef8dfaaf.txt": "Satirical rewrite",
    "003_41355db6c868b72e.txt": "Business Recorder",
    "004_1a6d8c0a848bbe60.txt": "AFP via Hindustan Times",
}


def run_digest(*args: str, cwd: Path | None = None, check: bool = True,
               env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run the real `digest` command line in a subprocess; `env` adds variables. The GitHub
    Actions report files are never inherited (a CI run's own job summary stays clean)."""
    full = {k: v for k, v in os.environ.items()
            if k not in ("GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT")}
    full.update(env or {})
    proc = subprocess.run([sys.executable, "-m", "digest", *args], cwd=cwd, env=full,
                          capture_output=True, text=True, timeout=300)
    if check and proc.returncode != 0:
        raise AssertionError(f"digest {' '.join(args)} failed ({proc.returncode}):\n"
                             f"{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "content" / "articles").mkdir(parents=True)
    return tmp_path


@pytest.fixture
def seeded(project: Path) -> Path:
    """A project with the five seeds imported through the CLI."""
    for name, source in SEED_SOURCES.items():
        run_digest("import", "--root", str(project), "--source", source, str(SEEDS / name))
    return project


@pytest.fixture(scope="session")
def seeded_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeds imported and built once for the read-only tests."""
    root = tmp_path_factory.mktemp("seeded")
    for name, source in SEED_SOURCES.items():
        run_digest("import", "--root", str(root), "--source", source, str(SEEDS / name))
    run_digest("build", "--root", str(root))
    return root


def stories_json(root: Path) -> dict:
    return json.loads((root / "site" / "api" / "stories.json").read_text(encoding="utf-8"))


@contextlib.contextmanager
def local_http_server(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """A threaded HTTP server on 127.0.0.1 (a free port) for the duration; yields its base URL."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
