"""Accessibility: axe-core in headless Chromium on the index, a story, a story with a chart
of a figure that changed, an article, search, and the archived story and article pages
that keep an expired story's URLs (keep_days).

No serious or critical violation, in the light and the dark colour scheme, at phone and
desktop width. Screenshots of each go to tests/artifacts/ (git-ignored) for a person to
look at. axe-core comes from npm (scripts/install-test-tools.sh puts it in node_modules/).
Without chromium or axe-core the test is skipped, except under CI, where it must run.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.sitekit import ROOT, DemoSite, demo_site, retention_site

CHROMIUM = Path(os.environ.get("DIGEST_CHROMIUM", "/usr/bin/chromium"))
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "tests" / "artifacts"
SIZES = {"phone": (390, 844), "desktop": (1280, 900)}
SCHEMES = ("light", "dark")
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _require_tools() -> None:
    missing = []
    if not (CHROMIUM.exists() or shutil.which("chromium")):
        missing.append("chromium (apt-get install chromium)")
    if not AXE.is_file():
        missing.append("axe-core (bash scripts/install-test-tools.sh)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("playwright (pip install -e '.[test]')")
    if missing:
        message = "accessibility test tools missing: " + ", ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def pages(request: pytest.FixtureRequest) -> dict[str, str]:
    """name -> URL of the pages to check."""
    _require_tools()
    site: DemoSite = demo_site()
    story_dir = next(d for d in sorted((site.site / "stories").iterdir())
                     if "zelensk" in d.name)
    # a story with a figure that changed between reports: its inline SVG chart
    development = next(d for d in sorted((site.site / "stories").iterdir())
                       if 'class="dev-chart"' in (d / "index.html").read_text("utf-8"))
    article = sorted((site.site / "articles").iterdir())[0]
    # the small pages that keep an expired story's and article's URLs (keep_days)
    kept: DemoSite = retention_site()
    archived = next(d.name for d in sorted((kept.site / "stories").iterdir())
                    if "left the digest" in (d / "index.html").read_text("utf-8"))
    archived_article = next(d.name for d in sorted((kept.site / "articles").iterdir())
                            if "Read the original" in (d / "index.html").read_text("utf-8"))
    return {"index": site.base_url, "story": f"{site.base_url}stories/{story_dir.name}/",
            "development": f"{site.base_url}stories/{development.name}/",
            "article": f"{site.base_url}articles/{article.name}/",
            "search": f"{site.base_url}search/?q=earthquake",
            "archived story": f"{kept.base_url}stories/{archived}/",
            "archived article": f"{kept.base_url}articles/{archived_article}/"}


@pytest.fixture(scope="module")
def browser():
    _require_tools()
    from playwright.sync_api import sync_playwright

    executable = str(CHROMIUM) if CHROMIUM.exists() else shutil.which("chromium")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=LAUNCH_ARGS)
        yield b
        b.close()


def _serious(violations: list[dict]) -> list[str]:
    out = []
    for v in violations:
        if v.get("impact") in ("serious", "critical"):
            targets = [" ".join(n["target"]) if isinstance(n["target"], list) else n["target"]
                       for n in v["nodes"][:3]]
            out.append(f"{v['id']} ({v['impact']}): {v['help']} at {targets}")
    return out


@pytest.mark.parametrize("scheme", SCHEMES)
def test_no_serious_axe_violations_and_screenshots(browser, pages: dict[str, str],
                                                   scheme: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    width, height = SIZES["desktop"]
    ctx = browser.new_context(viewport={"width": width, "height": height},
                              color_scheme=scheme, reduced_motion="reduce")
    page = ctx.new_page()
    for name, url in pages.items():
        page.set_viewport_size({"width": width, "height": height})
        response = page.goto(url, wait_until="load")
        assert response is not None and response.ok, url
        if name == "search":  # Pagefind's UI, with results for the query in the URL
            page.wait_for_selector(".pagefind-ui__result", timeout=15000)
            page.wait_for_timeout(200)
        # axe once per page and scheme (at desktop width: its rules do not depend on width)
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
        problems += [f"{name} {scheme}: {p}" for p in _serious(result["violations"])]
        for size_name, (w, h) in SIZES.items():
            page.set_viewport_size({"width": w, "height": h})
            page.screenshot(path=str(ARTIFACTS / f"{name}-{size_name}-{scheme}.png"))
            # no page is wider than the screen (the matrix scrolls inside its own box)
            overflow = page.evaluate(
                "() => document.documentElement.scrollWidth - window.innerWidth")
            if overflow > 1:
                problems.append(f"{name} {size_name} {scheme}: page scrolls sideways "
                                f"by {overflow}px")
    ctx.close()
    assert not problems, "\n".join(problems)


def test_keyboard_focus_is_visible(browser, pages: dict[str, str]) -> None:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    page.goto(pages["story"])
    page.keyboard.press("Tab")
    focused = page.evaluate("""() => {
        const el = document.activeElement, r = el.getBoundingClientRect(), s = getComputedStyle(el);
        return {cls: el.className, text: el.textContent.trim(), left: r.left, top: r.top,
                outline: s.outlineStyle, width: parseFloat(s.outlineWidth)};
    }""")
    assert focused["text"] == "Skip to content", focused
    assert focused["left"] >= 0 and focused["top"] >= 0, focused  # on screen when focused
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    style = page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
        return {outline: s.outlineStyle, width: parseFloat(s.outlineWidth)}; }""")
    assert style["outline"] != "none" and style["width"] >= 2, style
    ctx.close()


def test_pages_work_with_javascript_off(browser, pages: dict[str, str]) -> None:
    ctx = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = ctx.new_page()
    for name, url in pages.items():
        if name == "search":
            continue
        page.goto(url)
        assert page.locator("main h1").count() == 1
    page.goto(pages["story"])
    assert page.locator("table.matrix th[scope=col]").count() >= 3
    page.goto(pages["index"] + "search/")
    assert page.get_by_text("needs JavaScript").is_visible()
    ctx.close()
