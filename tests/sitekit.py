"""A built demo site served under a sub-path, shared by the site and browser tests.

`demo_site()` copies content/ (the seeds) and tests/eval/articles into a temporary digest,
adds an article with a hostile headline, builds it with base_url http://127.0.0.1:PORT/news/
and serves the PARENT of site/ with the stdlib http.server, mapping /news/ to site/ (anything
else is a 404), as GitHub Pages serves a project site. Built once per test session.
"""

from __future__ import annotations

import atexit
import functools
import http.server
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from digest.build import build

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT / "tests" / "eval" / "articles"
PREFIX = "/news/"
HOSTILE_TITLE = 'Hostile </script><script>alert("x")</script> headline & <!-- more'

HOSTILE_ARTICLE = f"""---
title: '{HOSTILE_TITLE}'
source: 'Odd <b>Wire</b>'
date: 2025-05-02
url: 'javascript:alert(1)'
---

A volcano erupted on the remote island of Testa on Friday, officials said.

## A heading
Ash fell on three villages.

#### A deeper heading
No injuries were reported.
"""


class _Handler(http.server.SimpleHTTPRequestHandler):
    site: Path

    def translate_path(self, path: str) -> str:
        path = unquote(urlsplit(path).path)
        if not path.startswith(PREFIX):
            # a file that never exists: 404 (a NUL in the path made open() raise
            # ValueError, and the handler dropped the connection instead of answering)
            return str(self.site.parent / "no-such-file-outside-the-prefix")
        return str(self.site.joinpath(*[p for p in path[len(PREFIX):].split("/")
                                        if p not in ("", ".", "..")]))

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass


def prefix_handler(site: Path) -> type[http.server.SimpleHTTPRequestHandler]:
    """A handler that serves `site` under /news/, as GitHub Pages serves a project site;
    any other path is a 404."""
    return type("Handler", (_Handler,), {"site": site})


@dataclass
class DemoSite:
    project: Path
    site: Path
    base_url: str  # http://127.0.0.1:PORT/news/
    port: int


@functools.lru_cache(maxsize=1)
def demo_site() -> DemoSite:
    tmp = Path(tempfile.mkdtemp(prefix="digest-site-"))
    atexit.register(shutil.rmtree, tmp, True)
    project = tmp / "project"
    shutil.copytree(ROOT / "content", project / "content")
    for f in sorted(EVAL.glob("*.md")):
        shutil.copy(f, project / "content" / "articles" / f.name)
    (project / "content" / "articles" / "hostile.md").write_text(HOSTILE_ARTICLE,
                                                                  encoding="utf-8")
    (project / "content" / "stories").mkdir(exist_ok=True)
    (project / "digest.yaml").write_text(
        'title: "Demo digest"\nstories_per_page: 5\ncname: news.example.org\n',
        encoding="utf-8")

    return _build_and_serve(project)


@functools.lru_cache(maxsize=1)
def retention_site() -> DemoSite:
    """tests/eval/articles published, then built with `keep_days: 10`: the stories of
    February and March have left the digest, and their published pages are now archived
    pages (digest/retention.py)."""
    tmp = Path(tempfile.mkdtemp(prefix="digest-retention-"))
    atexit.register(shutil.rmtree, tmp, True)
    project = tmp / "project"
    shutil.copytree(EVAL, project / "content" / "articles")
    config = project / "digest.yaml"
    config.write_text('title: "Kept digest"\n', encoding="utf-8")
    site = _build_and_serve(project)  # every story published (content/stories.lock)
    config.write_text('title: "Kept digest"\nkeep_days: 10\n', encoding="utf-8")
    result = build(project, base_url=site.base_url)
    assert not result.errors, result.errors
    return site


def _build_and_serve(project: Path) -> DemoSite:
    """Serve project/site under /news/ on a free port, and build it for that address."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), prefix_handler(project / "site"))
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    atexit.register(server.shutdown)
    base_url = f"http://127.0.0.1:{port}{PREFIX}"
    result = build(project, base_url=base_url)
    assert not result.errors, result.errors
    return DemoSite(project, project / "site", base_url, port)
