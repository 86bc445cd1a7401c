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
import re
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


def _records(site: Path) -> Iterator[tuple[str, dict]]:
    """(shard folder, a page's Pagefind record: url, content, meta, ...) for every fragment
    (one a page) of every shard."""
    for f in sorted((site / "pagefind").glob("*/fragment/*.pf_fragment")):
        data = gzip.decompress(f.read_bytes())  # b"pagefind_dcd" + the page's JSON record
        yield f.parent.parent.name, json.loads(data[data.index(b"{"):])


def shard_urls(site: Path) -> dict[str, set[str]]:
    """Shard folder -> the URLs its fragments index."""
    out: dict[str, set[str]] = {}
    for shard, record in _records(site):
        out.setdefault(shard, set()).add(record["url"])
    return out


def fragments(site: Path) -> dict[str, dict]:
    """URL -> its page's Pagefind record, from every shard."""
    return {record["url"]: record for _shard, record in _records(site)}


def snapshot(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes()
            for p in sorted(site.rglob("*")) if p.is_file()}


def _entries(site: Path) -> dict[str, int]:
    """Shard -> the inode of its entry file (a re-indexed shard is a new folder)."""
    return {p.parent.name: p.stat().st_ino
            for p in (site / "pagefind").glob("*/pagefind-entry.json")}


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


def test_a_story_page_is_indexed_by_what_it_says_not_by_its_quotes(tmp_path: Path) -> None:
    """The quoted sentences under a story's facts and values are indexed on their article
    pages only: a story page's record holds its facts and values, not the quotes and their
    citation lines (that halves what Pagefind reads of a story page)."""
    project = eval_project(tmp_path)
    result = build(project)
    records = fragments(project / "site")
    story = next(s for s in result.stories if s.facts and len(s.facts[0].evidence) >= 2)
    text = records[f"/stories/{story.id}/"]["content"]
    assert story.facts[0].text[:60] in text
    html = (project / "site" / "stories" / story.id / "index.html").read_text(encoding="utf-8")
    # a citation line: "— <a href=...>Outlet</a>, <time ...>3 March 2025</time>", as text
    cite = re.sub(r"<[^>]+>", "", html.split('<p class="cite">')[1].split("</p>")[0])
    assert re.search(r"\d{4}$", cite) and cite not in text  # no citation line: no quote
    quoted = story.facts[0].evidence[0]
    article = next(a for a in story.articles if a.id == quoted.article)
    words = " ".join(quoted.sentence.split()[:6])
    assert words in records[f"/articles/{article.id}/"]["content"]


def test_an_edit_reindexes_only_its_story_shard(tmp_path: Path, small_shards: None) -> None:
    project = eval_project(tmp_path)
    first = build(project)
    site = project / "site"
    entries = _entries(site)
    art = "2025-03-03-turkey-quake-aljazeera"
    story = next(s for s in first.stories if any(a.id == art for a in s.articles))
    shard = next(name for name, found in shard_urls(site).items()
                 if f"/stories/{story.id}/" in found)
    path = project / "content" / "articles" / f"{art}.md"
    path.write_text(path.read_text(encoding="utf-8").rstrip("\n")
                    + " Quokkaville sent aid convoys by evening.\n", encoding="utf-8")
    build(project)
    after = _entries(site)
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


def _edit_template(project: Path, name: str, old: str, new: str) -> None:
    path = project / "templates" / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_template_change_around_the_content_reindexes_no_shard(tmp_path: Path,
                                                                 small_shards: None) -> None:
    """Every page is written again, but what Pagefind reads of them (their <html> tag and
    the data-pagefind-body element) is the same: the shards are kept, and the site equals
    a clean build's byte for byte. A change inside the indexed element re-indexes them."""
    project = eval_project(tmp_path)
    shutil.copytree(Path(__file__).parent.parent / "templates", project / "templates")
    build(project)
    site = project / "site"
    before = _entries(site)
    assert len(before) >= 4
    _edit_template(project, "base.html", "<p>Built with digest",
                   "<p>Corrections: desk@example.org.</p>\n    <p>Built with digest")
    themed = build(project)
    assert themed.pages_written > 40
    assert b"desk@example.org" in (site / "stories" / themed.stories[0].id
                                   / "index.html").read_bytes()
    assert _entries(site) == before  # no shard indexed again
    fresh = tmp_path / "fresh"
    shutil.copytree(project / "content", fresh / "content")
    shutil.copytree(project / "templates", fresh / "templates")
    shutil.copy(project / "digest.yaml", fresh / "digest.yaml")
    build(fresh, use_cache=False)
    assert snapshot(site) == snapshot(fresh / "site")

    # inside the indexed element of article pages: their shards (all) are indexed again
    _edit_template(project, "article.html", '<div class="body">',
                   '<p>Zanzibarish desk note.</p>\n<div class="body">')
    build(project)
    after = _entries(site)
    assert after.keys() == before.keys()
    assert all(after[n] != before[n] for n in after)
    assert all(any("Zanzibarish" in gzip.decompress(f.read_bytes()).decode()
                   for f in (site / "pagefind" / n / "fragment").glob("*.pf_fragment"))
               for n in after)


@pytest.mark.parametrize(("page", "indexed"), [
    # the <html> tag and the body element, nested elements of its kind counted
    ('<!doctype html><html lang="de"><head><title>T</title><link rel="stylesheet" '
     'href="a.css"></head><body><nav>Menu</nav><main><article data-pagefind-body><p>A</p>'
     '<article><p>B</p></article><p>C</p></article></main><footer>F</footer></body></html>',
     '<html lang="de">\0<article data-pagefind-body><p>A</p><article><p>B</p></article>'
     '<p>C</p></article>'),
    # Pagefind reads these outside the element too: the whole page counts
    ('<html><head><meta data-pagefind-meta="image[content]" content="x.png"></head><body>'
     '<div data-pagefind-body>A</div></body></html>', None),
    ('<html><body><h1>Title</h1><div data-pagefind-body>A</div></body></html>', None),
    ('<html><body><div data-pagefind-body>A</div><img src="x.png"></body></html>', None),
    # raw text, where an end tag could hide; two bodies; no end tag; no body at all
    ('<html><body><div data-pagefind-body><script>"</div>"</script>A</div></body></html>',
     None),
    ('<html><body><div data-pagefind-body>A</div><div data-pagefind-body>B</div></body>'
     '</html>', None),
    ('<html><body><div data-pagefind-body>A<div>B</div></body></html>', None),
    ('<html><body><p>A</p></body></html>', None),
])
def test_the_part_of_a_page_pagefind_reads(page: str, indexed: str | None) -> None:
    data = page.encode()
    assert digest.search._indexed_part(data) == (data if indexed is None else indexed.encode())


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
