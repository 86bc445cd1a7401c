"""The search index in shards (digest/search.py): a story's pages in one shard, an edit
re-indexes only its story's shard, the result equals a clean build byte for byte, and the
search page finds pages of every shard in headless Chromium, under a sub-path.

Shards hold TARGET_PAGES pages; the tests set it to a few pages so that the evaluation
articles (40 articles, ~60 pages) make many shards, as 10,000 articles do by default.
"""

from __future__ import annotations

import gzip
import http.server
import json
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

import digest.search
from digest.build import Builder, build
from tests.sitekit import EVAL, PREFIX, _Handler

CHROMIUM = Path(os.environ.get("DIGEST_CHROMIUM", "/usr/bin/chromium"))
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture
def small_shards(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(digest.search, "TARGET_PAGES", 6)


def eval_project(tmp_path: Path, config: str = "") -> Path:
    project = tmp_path / "p"
    shutil.copytree(EVAL, project / "content" / "articles")
    (project / "digest.yaml").write_text(config, encoding="utf-8")
    return project


def shard_urls(site: Path) -> dict[str, set[str]]:
    """Shard folder -> the URLs its fragments (one a page) index."""
    out: dict[str, set[str]] = {}
    for f in sorted((site / "pagefind").glob("*/fragment/*.pf_fragment")):
        data = gzip.decompress(f.read_bytes())  # b"pagefind_dcd" + the page's JSON record
        record = json.loads(data[data.index(b"{"):])
        out.setdefault(f.parent.parent.name, set()).add(record["url"])
    return out


def snapshot(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes()
            for p in sorted(site.rglob("*")) if p.is_file()}


def test_a_story_and_its_articles_share_a_shard(tmp_path: Path, small_shards: None) -> None:
    project = eval_project(tmp_path)
    result = build(project)
    site = project / "site"
    listing = json.loads((site / "pagefind" / "shards.json").read_text(encoding="utf-8"))
    names = [s["path"].rstrip("/") for s in listing["shards"]]
    urls = shard_urls(site)
    assert len(names) >= 4 and names == sorted(urls)  # every listed shard, and only those
    assert (site / "pagefind" / "pagefind-ui.js").is_file()
    assert not list((site / "pagefind").glob("*/pagefind-ui.js"))  # kept once, at the top
    where = {url: name for name, found in urls.items() for url in found}
    pages = 0
    for story in result.stories:
        shard = where[f"/stories/{story.id}/"]
        for a in story.articles:
            assert where[f"/articles/{a.id}/"] == shard, (story.id, a.id)
        pages += 1 + len(story.articles)
    assert len(where) == pages  # every story and article page indexed once; nothing else


def test_an_edit_reindexes_only_its_story_shard(tmp_path: Path, small_shards: None) -> None:
    project = eval_project(tmp_path)
    first = build(project)
    site = project / "site"
    entries = {p.parent.name: p.stat().st_ino
               for p in (site / "pagefind").glob("*/pagefind-entry.json")}
    art = "2025-03-03-turkey-quake-aljazeera"
    story = next(s for s in first.stories if any(a.id == art for a in s.articles))
    shard = next(name for name, found in shard_urls(site).items()
                 if f"/stories/{story.id}/" in found)
    path = project / "content" / "articles" / f"{art}.md"
    path.write_text(path.read_text(encoding="utf-8").rstrip("\n")
                    + " Quokkaville sent aid convoys by evening.\n", encoding="utf-8")
    build(project)
    after = {p.parent.name: p.stat().st_ino
             for p in (site / "pagefind").glob("*/pagefind-entry.json")}
    assert after.keys() == entries.keys()
    assert [n for n in sorted(after) if after[n] != entries[n]] == [shard]
    assert any("Quokkaville" in gzip.decompress(f.read_bytes()).decode()
               for f in (site / "pagefind" / shard / "fragment").glob("*.pf_fragment"))
    # the same bytes as a clean build of the same files, the index included
    fresh = eval_project(tmp_path / "fresh")
    shutil.copy(path, fresh / "content" / "articles" / path.name)
    build(fresh, use_cache=False)
    assert snapshot(site) == snapshot(fresh / "site")


def test_the_dev_server_path_updates_the_changed_shard(tmp_path: Path,
                                                       small_shards: None) -> None:
    """Builder(defer=True) leaves the index to update_search(), as `digest serve` does; it
    re-indexes the edited story's shard and ends with the clean build's bytes."""
    project = eval_project(tmp_path)
    builder = Builder(project, in_place=True, defer=True)
    builder.build()
    builder.update_search()
    site = project / "site"
    assert len(shard_urls(site)) >= 4
    path = project / "content" / "articles" / "2025-03-03-turkey-quake-aljazeera.md"
    path.write_text(path.read_text(encoding="utf-8").rstrip("\n")
                    + " Wombats gathered at the shelter.\n", encoding="utf-8")
    builder.build()
    assert builder.search_stale
    assert not builder.update_search()
    assert not builder.search_stale
    fresh = eval_project(tmp_path / "fresh")
    shutil.copy(path, fresh / "content" / "articles" / path.name)
    build(fresh, use_cache=False)
    assert snapshot(site) == snapshot(fresh / "site")


@pytest.fixture
def served(tmp_path: Path, small_shards: None) -> Iterator[tuple[Path, str]]:
    """The evaluation articles built with base_url http://127.0.0.1:PORT/news/ and served
    under /news/ by a real HTTP server (anything else is a 404)."""
    project = eval_project(tmp_path)
    handler = type("Handler", (_Handler,), {"site": project / "site"})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{server.server_address[1]}{PREFIX}"
    try:
        result = build(project, base_url=base_url)
        assert not result.errors, result.errors
        yield project / "site", base_url
    finally:
        server.shutdown()
        server.server_close()


def test_search_finds_a_page_of_a_later_shard_in_chromium(served: tuple[Path, str]) -> None:
    if not (CHROMIUM.exists() or shutil.which("chromium")):
        if os.environ.get("CI"):
            pytest.fail("chromium missing (apt-get install chromium)")
        pytest.skip("chromium missing (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    site, base_url = served
    listing = json.loads((site / "pagefind" / "shards.json").read_text(encoding="utf-8"))
    names = [s["path"].rstrip("/") for s in listing["shards"]]
    assert len(names) >= 4
    # a story page indexed only in the last shard (the first is the one the UI opens)
    urls = shard_urls(site)
    target = sorted(u for u in urls[names[-1]] if u.startswith("/stories/"))[0]
    assert not any(target in urls[n] for n in names[:-1])
    html = (site / target.strip("/") / "index.html").read_text(encoding="utf-8")
    title = html.split('data-pagefind-meta="title">')[1].split("</h1>")[0]
    requested: list[str] = []
    executable = str(CHROMIUM) if CHROMIUM.exists() else shutil.which("chromium")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=LAUNCH_ARGS)
        try:
            page = browser.new_page()
            page.on("request", lambda r: requested.append(r.url))
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            response = page.goto(f"{base_url}search/", wait_until="load")
            assert response is not None and response.ok
            page.wait_for_selector(".pagefind-ui__search-input", timeout=15000)
            page.fill(".pagefind-ui__search-input", title)
            link = page.wait_for_selector(
                f'.pagefind-ui__result-link[href="{PREFIX}{target.lstrip("/")}"]',
                timeout=15000)
            assert link is not None and link.inner_text().strip() == title
            assert not errors, errors
        finally:
            browser.close()
    # every shard was asked, each under the sub-path, and nothing outside it
    for name in names:
        assert any(u.startswith(f"{base_url}pagefind/{name}/pagefind-entry.json")
                   for u in requested), name
    assert all(u.startswith(base_url) for u in requested if u.startswith("http://127.0.0.1"))
