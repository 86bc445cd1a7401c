"""`digest serve` end to end in headless Chromium (Playwright): edits on disk show up in
pages that are already open, without navigating; CSS is swapped without a reload; build
errors show an overlay that goes away once fixed."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_serve import Served, make_project, serving, write_article

CHROMIUM = Path("/usr/bin/chromium")
WAIT_MS = 20_000


def _check_browser() -> None:
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} is missing (Debian: apt-get install chromium, or `make test`)"
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI is set, so the browser test may not be skipped")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    _check_browser()
    base = tmp_path_factory.mktemp("browser")
    root = make_project(base / "project")
    with serving(root, base) as srv:
        yield srv


@pytest.fixture(scope="module")
def browser(server: Served) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=str(CHROMIUM), timeout=60_000,
            args=["--headless", "--no-sandbox", "--disable-gpu",
                  "--disable-background-networking"])
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def context(browser: object) -> Iterator[object]:
    ctx = browser.new_context()  # type: ignore[attr-defined]
    ctx.set_default_timeout(WAIT_MS)
    errors: list[str] = []
    ctx.on("weberror", lambda e: errors.append(str(e.error)))
    try:
        yield ctx
        assert errors == [], f"JavaScript errors: {errors}"
    finally:
        ctx.close()


def _open(context: object, server: Served, path: str, wait: bool = True) -> object:
    page = context.new_page()  # type: ignore[attr-defined]
    page.goto(f"http://127.0.0.1:{server.port}{path}", wait_until="commit")
    if wait:
        _connected(page)
    return page


def _connected(page: object) -> None:
    """The page's live script has its event stream (through the shared worker)."""
    page.wait_for_function(  # type: ignore[attr-defined]
        "window.__digestLive && window.__digestLive.connected")


def test_title_edit_shows_in_open_page(server: Served, context: object) -> None:
    server.settle(quiet=0.3)
    slug = "2025-01-13-harbour-bridge"
    page = _open(context, server, f"/articles/{slug}/")
    assert "Harbour bridge reopens" in page.inner_text("h1")
    write_article(server.root, slug, "Harbour bridge reopens to trams only")
    page.wait_for_function(
        "document.querySelector('h1').textContent.includes('to trams only')")
    assert page.url.endswith(f"/articles/{slug}/")  # same page, reloaded in place


def test_css_change_applies_without_reload(server: Served, context: object) -> None:
    server.settle(quiet=0.3)
    page = _open(context, server, "/")
    page.evaluate("window.__marker = 1")
    old_href = page.get_attribute('link[rel="stylesheet"]', "href")
    css = server.root / "templates" / "static" / "style.css"
    css.write_text(css.read_text() + "\n:root { --live-test: 7; }\n")
    page.wait_for_function(
        "getComputedStyle(document.documentElement).getPropertyValue('--live-test').trim()"
        " === '7'")
    assert page.evaluate("window.__marker") == 1  # the page was not reloaded
    page.wait_for_function("document.querySelectorAll('link[rel=\"stylesheet\"]').length === 1")
    assert page.get_attribute('link[rel="stylesheet"]', "href") != old_href


def test_broken_front_matter_overlay_then_fixed(server: Served, context: object) -> None:
    server.settle(quiet=0.3)
    page = _open(context, server, "/")
    path = server.root / "content" / "articles" / "2025-01-14-library-budget.md"
    good = path.read_text()
    overlay_shows = ("(() => { const o = document.getElementById('__digest-overlay');"
                     " return o && o.textContent.includes('2025-01-14-library-budget.md'); })()")
    try:
        path.write_text("---\ntitle: Library: budget: doubled\nsource: AP\n---\n\nBody.\n")
        page.wait_for_function(overlay_shows)
        assert "front matter" in page.inner_text("#__digest-overlay")
        later = _open(context, server, "/sources/")  # opened while the error is active
        later.wait_for_function(overlay_shows)
    finally:
        path.write_text(good)
    page.wait_for_function("!document.getElementById('__digest-overlay')")
    later.wait_for_function("!document.getElementById('__digest-overlay')")


def test_new_article_appears_and_deleted_one_disappears_in_many_tabs(
        server: Served, context: object) -> None:
    """Seven tabs: more than the browser's six connections per host. An event stream per
    tab would stall the seventh; the shared worker keeps one stream for all of them."""
    server.settle(quiet=0.3)
    pages = [_open(context, server, "/", wait=False) for _ in range(7)]  # load side by side
    for page in pages:
        _connected(page)
    assert server.status()["clients"] <= 2
    title = "Volunteers clean the river"
    shown = f"document.body.innerText.includes({title!r})"
    path = write_article(server.root, "2025-01-18-river-cleanup", title, source="BBC",
                         date="2025-01-18",
                         body="About 300 volunteers cleaned the river banks on Saturday.")
    try:
        for page in pages:
            page.wait_for_function(shown)
    finally:
        path.unlink()
    pages[0].wait_for_function(f"!{shown}")
    pages[-1].wait_for_function(f"!{shown}")


def test_site_folder_has_no_live_script(server: Served) -> None:
    """Nothing of the live script ever lands in site/ (it is injected when serving only)."""
    for f in (server.root / "site").rglob("*.html"):
        assert b"__digest" not in f.read_bytes(), f
