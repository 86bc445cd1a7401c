"""Retention (`keep_days`, digest/retention.py): stories whose newest report is more than
keep_days older than the newest article leave the index, feeds, sitemap, search index,
API and outlet pages, and their articles are not compared; every story, article and outlet
URL a build without keep_days published still answers 200 from a real HTTP server (a small
archived page); nothing under content/ changes (not even the lock); the site is a clean
build's, byte for byte, and the same on every build."""

from __future__ import annotations

import functools
import json
import re
import shutil
from datetime import date
from pathlib import Path

import feedparser
import pytest

from digest.build import build
from digest.model import Article
from digest.retention import for_grouping, retention_for, split_groups
from digest.storyids import StoryLock, assign_story_ids
from tests.conftest import local_http_server, run_digest, stories_json
from tests.test_incremental import clean_build, snapshot
from tests.test_serve import _fragments_text
from tests.test_stable_urls import _get, _lock, _pin, _Quiet

EVAL = Path(__file__).parent / "eval" / "articles"
KEEP = 30  # the eval corpus runs from 2025-02-22 to 2025-04-16: cutoff 2025-03-17
CUTOFF = "2025-03-17"
DESTROYER = "2025-03-12-kim-destroyer-reuters"  # expired, inside the grouping horizon
QUAKE = "2025-03-03-turkey-quake-aljazeera"  # expired, before the horizon
SHIPWRECK = "2025-03-16-libya-shipwreck-reuters"  # newest report on the cutoff: kept


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    shutil.copytree(EVAL, project / "content" / "articles")
    return project


def _keep(project: Path, days: int | None) -> None:
    text = f"title: Daily digest\nkeep_days: {days}\n" if days is not None else \
        "title: Daily digest\n"
    (project / "digest.yaml").write_text(text, encoding="utf-8")


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _published(project: Path) -> dict[str, set[str]]:
    """Every story, article and outlet URL (and outlet feed) the built site has."""
    site = project / "site"
    return {kind: {p.parent.relative_to(site).as_posix() + "/"
                   for p in (site / kind).glob("*/index.html")}
            for kind in ("stories", "articles", "sources")}


def test_expired_stories_leave_the_listings_and_every_published_url_still_answers(
        corpus: Path, tmp_path: Path) -> None:
    _keep(corpus, None)
    run_digest("build", "--root", str(corpus))
    everything = stories_json(corpus)["stories"]
    before = _published(corpus)
    assert len(before["stories"]) == len(everything) > 10
    lock_before = _lock(corpus)
    expired = {s["id"] for s in everything if s["last_published"] < CUTOFF}
    kept = {s["id"] for s in everything} - expired
    assert {DESTROYER, QUAKE} <= expired and SHIPWRECK in kept and len(kept) >= 5

    _keep(corpus, KEEP)
    content = _files(corpus / "content")
    run_digest("build", "--root", str(corpus))
    assert _files(corpus / "content") == content  # nothing deleted, not even the lock moved
    lock = _lock(corpus)
    assert lock == lock_before and not lock.removed  # expired stories are still recorded

    site = corpus / "site"
    api = stories_json(corpus)["stories"]
    assert {s["id"] for s in api} == kept
    by_id = {s["id"]: s for s in everything}
    assert all(s == by_id[s["id"]] for s in api)  # a kept story is compared as before
    feed = feedparser.parse((site / "feed.xml").read_bytes())
    assert {e.id.rsplit("/stories/", 1)[1].strip("/") for e in feed.entries} == kept
    listed = "".join(p.read_text(encoding="utf-8") for p in
                     [site / "index.html", *site.glob("page/*/index.html"),
                      *site.glob("sources/**/*.html"), *site.glob("sources/*/feed.xml"),
                      site / "sitemap.xml"])
    searchable = _fragments_text(site)
    for sid in expired:
        assert f"/stories/{sid}/" not in listed and f"/stories/{sid}/" not in searchable
        for aid in lock.stories[sid]:
            assert f"/articles/{aid}/" not in listed + searchable
    for sid in kept:
        assert f"/stories/{sid}/" in listed and f"/stories/{sid}/" in searchable
    assert _published(corpus) == before  # the same story, article and outlet pages

    articles = {a: (sid, sid in expired) for sid, arts in lock.stories.items() for a in arts}
    handler = functools.partial(_Quiet, directory=str(site))
    with local_http_server(handler) as base:
        for path in sorted(set().union(*before.values())):
            status, html = _get(base, "/" + path)
            assert status == 200, path
            kind, name = path.strip("/").split("/")
            if kind == "stories" and name in expired:
                assert "Archived story" in html and 'content="noindex"' in html
                assert f"more than {KEEP} days" in html and 'href="/"' in html
                assert "data-pagefind-body" not in html and 'class="agreement' not in html
                for aid in lock.stories[name]:  # each report, linked to its original
                    url = re.search(r"^url: (\S+)$", (corpus / "content" / "articles" /
                                    f"{aid}.md").read_text(encoding="utf-8"), re.M)[1]
                    assert f'href="{url}"' in html
            elif kind == "articles" and articles[name][1]:
                assert "Archived article" in html and 'content="noindex"' in html
                assert f'href="/stories/{articles[name][0]}/">' in html
                assert "Read the original at" in html and "data-pagefind-body" not in html
            elif kind == "stories":
                assert 'class="story"' in html
            elif kind == "articles":
                assert 'class="article"' in html
            else:  # an outlet: its page, and its feed
                assert _get(base, f"/{path}feed.xml")[0] == 200

    assert snapshot(site) == clean_build(corpus, tmp_path) == clean_build(corpus, tmp_path)
    _keep(corpus, None)  # keep_days taken out: the whole digest is back
    run_digest("build", "--root", str(corpus))
    assert {s["id"] for s in stories_json(corpus)["stories"]} == kept | expired


def test_a_story_merged_into_one_that_expired_redirects_to_its_archived_page(
        corpus: Path, tmp_path: Path) -> None:
    folder = corpus / "content" / "articles"
    run_digest("build", "--root", str(corpus))
    missiles = "2025-03-10-nk-ballistic-missiles-nhk"
    for aid in _lock(corpus).stories[DESTROYER]:
        _pin(folder / f"{aid}.md", missiles)
    run_digest("build", "--root", str(corpus))
    assert _lock(corpus).aliases == {DESTROYER: missiles}
    _keep(corpus, KEEP)
    run_digest("build", "--root", str(corpus))
    lock = _lock(corpus)
    assert lock.aliases == {DESTROYER: missiles} and DESTROYER in lock.stories[missiles]
    moved = (corpus / "site" / "stories" / DESTROYER / "index.html").read_text(encoding="utf-8")
    archived = (corpus / "site" / "stories" / missiles / "index.html").read_text(encoding="utf-8")
    title = re.search(r"<h1>(.*)</h1>", archived)[1]
    assert "Archived story" in archived and f">{title}</a>" in moved
    assert f'url=/stories/{missiles}/"' in moved
    assert snapshot(corpus / "site") == clean_build(corpus, tmp_path)


def test_keep_days_that_expires_nothing_changes_nothing(corpus: Path, tmp_path: Path) -> None:
    _keep(corpus, None)
    build(corpus, use_cache=False)
    everything = snapshot(corpus / "site")
    _keep(corpus, 3650)
    build(corpus, use_cache=False)
    assert snapshot(corpus / "site") == everything


def _copy(project: Path, name: str, new_id: str, day: str) -> Path:
    """Another outlet's report of the same event: the same text under a new id and date."""
    folder = project / "content" / "articles"
    text = (folder / f"{name}.md").read_text(encoding="utf-8")
    text = re.sub(r"^id: .*$", f"id: {new_id}", text, count=1, flags=re.M)
    text = re.sub(r"^date: .*$", f"date: {day}", text, count=1, flags=re.M)
    text = re.sub(r"^source: .*$", "source: Late Wire", text, count=1, flags=re.M)
    text = re.sub(r"^url: (.*)$", r"url: \1-late", text, count=1, flags=re.M)
    path = folder / f"{new_id}.md"
    path.write_text(text, encoding="utf-8")
    return path


def test_late_reports_of_expired_stories(corpus: Path, tmp_path: Path) -> None:
    """A report dated inside keep_days brings its story back (at its id); one dated before
    the cutoff that the lock does not know is kept in content/ but never published."""
    _keep(corpus, None)
    run_digest("build", "--root", str(corpus))
    _keep(corpus, 34)  # cutoff 2025-03-13: the destroyer story (2025-03-12) just expired
    run_digest("build", "--root", str(corpus))
    assert DESTROYER not in {s["id"] for s in stories_json(corpus)["stories"]}

    # inside the grouping window of its reports (group_window_days: 4)
    _copy(corpus, "2025-03-12-kim-warship-ap", "2025-03-14-kim-warship-late", "2025-03-14")
    run_digest("build", "--root", str(corpus))
    back = {s["id"]: s for s in stories_json(corpus)["stories"]}
    assert DESTROYER in back
    assert {a["id"] for a in back[DESTROYER]["articles"]} == {
        DESTROYER, "2025-03-12-kim-warship-ap", "2025-03-14-kim-warship-late"}
    assert 'class="story"' in (corpus / "site" / "stories" / DESTROYER / "index.html"
                               ).read_text(encoding="utf-8")

    lock = (corpus / "content" / "stories.lock").read_bytes()
    _copy(corpus, "2025-03-04-turkey-quake-malatya-ap", "2025-03-04-quake-late", "2025-03-04")
    run_digest("build", "--root", str(corpus))
    assert (corpus / "content" / "stories.lock").read_bytes() == lock
    assert not (corpus / "site" / "articles" / "2025-03-04-quake-late").exists()
    assert "quake-late" not in (corpus / "site" / "stories" / QUAKE / "index.html"
                                ).read_text(encoding="utf-8")
    assert snapshot(corpus / "site") == clean_build(corpus, tmp_path)


@pytest.mark.parametrize(("value", "shown"), [("-3", "-3"), ("ten", "'ten'"), ("1.5", "1.5"),
                                              ("true", "True"), ("[30]", "[30]")])
def test_a_bad_keep_days_names_the_file_the_line_and_the_fix(
        corpus: Path, value: str, shown: str) -> None:
    (corpus / "digest.yaml").write_text(f"title: Daily\n\nkeep_days: {value}\nsearch: false\n",
                                        encoding="utf-8")
    proc = run_digest("build", "--root", str(corpus), check=False)
    assert proc.returncode != 0 and not (corpus / "site").exists()
    assert f"digest.yaml:3: keep_days must be a whole number of days, 0 or more, got {shown}" \
        in proc.stderr
    assert "'keep_days: 30'" in proc.stderr and "delete the line" in proc.stderr


def _article(aid: str, day: date | None, story: str | None = None) -> Article:
    return Article(id=aid, title=aid, source="Outlet", url=None, published=day,
                   path=f"content/articles/{aid}.md", body_markdown="", paragraphs=[],
                   story=story)


def test_the_lock_keeps_expired_articles_in_their_stories() -> None:
    a, b, c, d = (_article(i, date(2025, 1, n)) for n, i in enumerate("abcd", start=1))
    lock = StoryLock(stories={"a": ("a", "b"), "c": ("c", "d"), "x": ("x",)})
    # a and b expired: story a stays (not removed) with its articles; x has none left
    ids, new = assign_story_ids([[c, d]], lock, expired=["a", "b"])
    assert ids == ["c"] and new.stories == {"a": ("a", "b"), "c": ("c", "d"), "x": ()}
    assert assign_story_ids([[c, d]], new, expired=["a", "b"]) == (ids, new)  # fixed point
    # one report of a still in the digest, grouped with c's: a is merged into c, and its
    # expired report goes along to the story it lives on as
    ids, new = assign_story_ids([[b, c, d]], lock, expired=["a"])
    assert ids == ["c"] and new.aliases == {"a": "c"}
    assert new.stories["c"] == ("a", "b", "c", "d")
    # an expired article the lock does not know (a late arrival) is in no story
    assert assign_story_ids([[c, d]], lock, expired=["a", "b", "late"])[1] == \
        assign_story_ids([[c, d]], lock, expired=["a", "b"])[1]


def test_init_writes_a_commented_keep_days(tmp_path: Path) -> None:
    run_digest("init", str(tmp_path / "news"))
    text = (tmp_path / "news" / "digest.yaml").read_text(encoding="utf-8")
    assert re.search(r"^# keep_days: \d+$", text, re.M)
    uncommented = re.sub(r"^# (keep_days: \d+)$", r"\1", text, flags=re.M)
    (tmp_path / "news" / "digest.yaml").write_text(uncommented, encoding="utf-8")
    run_digest("build", "--root", str(tmp_path / "news"))
    assert json.loads((tmp_path / "news" / "site" / "api" / "stories.json").read_text(
        encoding="utf-8"))["stories"]


def test_the_reference_day_horizon_pins_and_undated_articles() -> None:
    newest, undated = _article("newest", date(2025, 5, 31)), _article("undated", None)
    old = _article("old", date(2025, 1, 1))
    old_pinned = _article("old-pinned", date(2025, 1, 2), "p")
    pinned = _article("pinned", date(2025, 5, 30), "p")
    buffer = _article("buffer", date(2025, 5, 20))
    articles = [old, old_pinned, buffer, pinned, undated, newest]
    assert retention_for(None, 4, articles).active is False
    ret = retention_for(7, 4, articles)  # newest 05-31: cutoff 05-24, horizon 05-18
    assert (ret.reference, ret.cutoff, ret.horizon) == (
        date(2025, 5, 31), date(2025, 5, 24), date(2025, 5, 18))
    grouped, kept_out = for_grouping(ret, articles)
    assert grouped == [old_pinned, buffer, pinned, undated, newest] and kept_out == [old]
    live, expired = split_groups(ret, [[old_pinned, pinned], [buffer], [undated], [newest]])
    assert live == [[old_pinned, pinned], [undated], [newest]] and expired == [buffer]
    assert retention_for(7, 4, [undated]).active is False  # no date: nothing expires
