"""Site options and page dependencies: the search switch, CNAME, narrow page keys."""

from __future__ import annotations

import shutil
from pathlib import Path

from digest.build import Builder, build
from tests.conftest import ROOT

EVAL = ROOT / "tests" / "eval" / "articles"


def seeds_project(tmp_path: Path, config: str) -> Path:
    project = tmp_path / "p"
    shutil.copytree(ROOT / "content", project / "content")
    (project / "digest.yaml").write_text(config, encoding="utf-8")
    return project


def test_search_can_be_switched_off_and_on(tmp_path: Path) -> None:
    project = seeds_project(tmp_path, "search: false\n")
    builder = Builder(project, in_place=True)
    builder.build()
    site = project / "site"
    index = (site / "index.html").read_text(encoding="utf-8")
    assert not (site / "pagefind").exists() and not (site / "search").exists()
    assert "/search/" not in index and not (site / "CNAME").exists()

    (project / "digest.yaml").write_text("search: true\ncname: n.example.org\n")
    builder.build()
    assert (site / "pagefind" / "pagefind-ui.js").is_file()
    assert (site / "search" / "index.html").is_file()
    assert 'href="/search/"' in (site / "index.html").read_text(encoding="utf-8")
    assert (site / "CNAME").read_text() == "n.example.org\n"

    (project / "digest.yaml").write_text("search: false\n")
    builder.build()  # in place: the index is removed with the switch
    assert not (site / "pagefind").exists() and not (site / "search").exists()
    build(project)  # and a swapped build has none either
    assert not (site / "pagefind").exists()


def test_a_cancelled_search_index_leaves_the_last_one(tmp_path: Path) -> None:
    """The dev server cancels the search index when an edit comes in: Pagefind is stopped,
    the last index stays as it was, and its half-written output goes away."""
    import threading
    import time

    import pytest

    from digest.config import load_config
    from digest.search import SearchCancelled, SearchIndex

    project = seeds_project(tmp_path, "")
    build(project)
    site = project / "site"
    before = {p: p.read_bytes() for p in (site / "pagefind").rglob("*") if p.is_file()}
    assert before
    (site / "index.html").write_text("<html><body>changed</body></html>")
    cancel = threading.Event()
    cancel.set()  # an edit is already waiting
    with pytest.raises(SearchCancelled):
        SearchIndex(load_config(project), cancel=cancel)(site)
    assert {p: p.read_bytes() for p in (site / "pagefind").rglob("*") if p.is_file()} == before
    deadline = time.monotonic() + 30
    while list(project.glob(".site.pagefind-*")) and time.monotonic() < deadline:
        time.sleep(0.05)  # deleted in the background
    assert not list(project.glob(".site.pagefind-*"))


def test_editing_one_article_rewrites_only_the_pages_that_show_it(tmp_path: Path) -> None:
    project = tmp_path / "p"
    shutil.copytree(EVAL, project / "content" / "articles")
    first = build(project)
    story = next(s for s in first.stories
                 if any(a.id == "2025-03-03-turkey-quake-aljazeera" for a in s.articles))
    path = project / "content" / "articles" / "2025-03-03-turkey-quake-aljazeera.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.rstrip("\n") + " Aid convoys reached the town by evening.\n",
                    encoding="utf-8")
    again = build(project)
    html = sorted(p for p in again.written_paths if p.endswith(".html"))
    assert "articles/2025-03-03-turkey-quake-aljazeera/index.html" in html
    allowed = {f"stories/{story.id}/index.html",
               "articles/2025-03-03-turkey-quake-aljazeera/index.html",
               "index.html", "sources/al-jazeera/index.html"}  # the last two if a summary moved
    assert set(html) <= allowed, html
    # the story's other articles show only its title and counts: not rewritten
    assert not any(p.startswith("articles/") and "aljazeera" not in p for p in html)
    # written in place (one story changed), with the search index made again beside it
    assert (project / "site" / "pagefind" / "pagefind-ui.js").is_file()
    assert not any(p.startswith("pagefind/") for p in again.removed_paths)
    assert not list(project.glob(".site.*"))


def test_outlets_whose_names_slug_alike_get_a_page_each(tmp_path: Path) -> None:
    arts = tmp_path / "content" / "articles"
    arts.mkdir(parents=True)
    for name, source, day in [("a", "A.P.", "01"), ("b", "A P", "03"), ("c", "Reuters", "05"),
                              ("d", "REUTERS", "07")]:
        (arts / f"{name}.md").write_text(
            f"---\ntitle: Story {name}\nsource: {source}\ndate: 2025-01-{day}\n---\n"
            f"Words about the {name} event, told once.\n", encoding="utf-8")
    build(tmp_path, use_cache=False)
    pages = {p.parent.name: p.read_text(encoding="utf-8")
             for p in (tmp_path / "site" / "sources").glob("*/index.html")}
    assert sorted(pages) == ["a-p", "a-p-2", "reuters"]  # Reuters = REUTERS: one outlet
    assert {"A P", "A.P."} == {h.split("<h1>")[1].split("</h1>")[0]
                               for k, h in pages.items() if k.startswith("a-p")}
    assert "Story c" in pages["reuters"] and "Story d" in pages["reuters"]
