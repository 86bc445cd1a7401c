"""Story URLs never move (content/stories.lock, docs/STABLE_URLS.md): whatever arrives or
leaves - an earlier report, a merge, a split, a deleted article, a deleted story - every
story URL ever published still answers 200 from a real HTTP server, merged stories redirect
to the story that absorbed them, the feed lists each story once, and the site equals a
clean build of the same content and lock byte for byte."""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import urllib.error
import urllib.request
from datetime import date
from pathlib import Path

import feedparser
import pytest

from digest.build import Builder
from digest.model import Article
from digest.storyids import StoryLock, assign_story_ids, parse_lock
from tests.conftest import local_http_server, run_digest, stories_json
from tests.test_incremental import clean_build, snapshot

EVAL = Path(__file__).parent / "eval" / "articles"
QUAKE = "2025-03-03-turkey-quake-aljazeera"
MISSILES = "2025-03-10-nk-ballistic-missiles-nhk"
DESTROYER = "2025-03-12-kim-destroyer-reuters"
SHIPWRECK = "2025-03-16-libya-shipwreck-reuters"
CENTRAL_BANK = "2025-03-06-turkey-central-bank-ft"


def _lock(project: Path) -> StoryLock:
    return parse_lock((project / "content" / "stories.lock").read_text(encoding="utf-8"),
                      "content/stories.lock")


def _get(base: str, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(base + path, timeout=10) as r:
            return r.status, r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, ""


def _pin(path: Path, story: str | None) -> None:
    """Set (or, with None, drop) an article's `story:` pin."""
    text = re.sub(r"^story: .*\n", "", path.read_text(encoding="utf-8"), flags=re.M)
    if story:
        text = text.replace("---\n", f"---\nstory: {story}\n", 1)
    path.write_text(text, encoding="utf-8")


def _articles_of(project: Path, story: str) -> list[Path]:
    folder = project / "content" / "articles"
    return [folder / f"{a}.md" for a in _lock(project).stories[story]]


class Published:
    """Every story id the digest has published so far, and checks on the built site."""

    def __init__(self, project: Path, tmp: Path):
        self.project, self.tmp = project, tmp
        self.ids: set[str] = set()

    def build(self) -> dict:
        run_digest("build", "--root", str(self.project))
        lock = _lock(self.project)
        live = {s["id"] for s in stories_json(self.project)["stories"]}
        assert live == {s for s, arts in lock.stories.items() if arts}
        self.ids |= live
        self.check(lock, live)
        return {"lock": lock, "live": live}

    def check(self, lock: StoryLock, live: set[str]) -> None:
        site = self.project / "site"
        handler = functools.partial(_Quiet, directory=str(site))
        with local_http_server(handler) as base:
            for sid in sorted(self.ids):  # every story URL ever published answers
                status, html = _get(base, f"/stories/{sid}/")
                assert status == 200, sid
                if sid in lock.aliases:
                    target = lock.aliases[sid]
                    assert target in live
                    assert f'<meta http-equiv="refresh" content="0; url=/stories/{target}/">' \
                        in html
                    assert f'<link rel="canonical" href="http://127.0.0.1:8000/stories/' \
                        f'{target}/">' in html
                    assert f'href="/stories/{target}/"' in html  # a visible link
                    assert 'content="noindex"' in html
                elif sid not in live:
                    assert "This story was removed" in html and 'content="noindex"' in html
                else:
                    assert 'class="story"' in html
            _, feed = _get(base, "/feed.xml")
            _, sitemap = _get(base, "/sitemap.xml")
        entries = [e.id for e in feedparser.parse(feed).entries]
        assert len(entries) == len(set(entries))  # each story once
        assert {e.rsplit("/stories/", 1)[1].strip("/") for e in entries} == live
        for sid in set(lock.aliases) | set(lock.removed):
            assert f"/stories/{sid}/" not in sitemap
        assert snapshot(site) == clean_build(self.project, self.tmp)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    shutil.copytree(EVAL, project / "content" / "articles")
    return project


def test_story_urls_survive_earlier_reports_merges_splits_and_deletions(
        corpus: Path, tmp_path: Path) -> None:
    site = Published(corpus, tmp_path)
    first = site.build()
    assert {QUAKE, MISSILES, DESTROYER, SHIPWRECK, CENTRAL_BANK} <= first["live"]
    articles = corpus / "content" / "articles"

    # an earlier-dated report joins the quake story: the story keeps its id
    src = (articles / "2025-03-03-turkey-quake-malatya-reuters.md").read_text(encoding="utf-8")
    (articles / "2025-03-02-quake-early.md").write_text(
        src.replace("id: 2025-03-03-turkey-quake-malatya-reuters", "id: 2025-03-02-quake-early")
        .replace("date: 2025-03-03", "date: 2025-03-02")
        .replace("url: https://", "url: https://example.org/early/", 1), encoding="utf-8")
    earlier = site.build()
    assert "2025-03-02-quake-early" in earlier["lock"].stories[QUAKE]
    assert "2025-03-02-quake-early" not in earlier["live"]

    # two stories merge (both pinned to one id): the other one's URL redirects there
    missiles, destroyer = _articles_of(corpus, MISSILES), _articles_of(corpus, DESTROYER)
    for path in missiles + destroyer:
        _pin(path, MISSILES)
    merged = site.build()
    assert merged["lock"].aliases == {DESTROYER: MISSILES}
    assert DESTROYER not in merged["live"]
    assert set(merged["lock"].stories[MISSILES]) == {p.stem for p in missiles + destroyer}

    # split again: the absorbed story comes back at its own URL (it holds its founding
    # report), the other keeps its id
    for path in destroyer:
        _pin(path, None)
    split = site.build()
    assert {MISSILES, DESTROYER} <= split["live"] and not split["lock"].aliases

    # a story's founding report is deleted: the story keeps its URL
    (articles / f"{SHIPWRECK}.md").unlink()
    deleted = site.build()
    assert SHIPWRECK in deleted["live"]
    assert f"{SHIPWRECK}" not in deleted["lock"].stories[SHIPWRECK]

    # every article of a story is deleted: its URL says the story was removed
    for path in _articles_of(corpus, CENTRAL_BANK):
        path.unlink()
    gone = site.build()
    assert gone["lock"].stories[CENTRAL_BANK] == () and CENTRAL_BANK not in gone["live"]

    # a split that the grouping makes (a pin moves one report out): the id stays with the
    # part that holds the report it was named after, the other part gets a new id
    _pin(articles / "2025-03-04-turkey-quake-malatya-ap.md", "quake-aftermath")
    parted = site.build()
    assert {QUAKE, "quake-aftermath"} <= parted["live"]
    assert "2025-03-04-turkey-quake-malatya-ap" in parted["lock"].stories["quake-aftermath"]
    assert site.ids >= first["live"]


def test_a_broken_lock_stops_the_build_names_the_line_and_is_left_alone(corpus: Path) -> None:
    run_digest("build", "--root", str(corpus))
    lock = corpus / "content" / "stories.lock"
    lines = lock.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[5] = lines[5].replace(": [", ": ")  # a story line without its brackets
    lock.write_text("".join(lines), encoding="utf-8")
    before = lock.read_bytes()
    site_before = snapshot(corpus / "site")
    proc = run_digest("build", "--root", str(corpus), check=False)
    assert proc.returncode == 1
    assert "error: content/stories.lock:6: not a line of a stories.lock" in proc.stderr
    assert "git checkout -- content/stories.lock" in proc.stderr
    assert lock.read_bytes() == before
    assert snapshot(corpus / "site") == site_before

    first, second = sorted(_lock_ids(before))[:2]
    dup = before.decode().replace(f"  {second}: [", f"  {second}: [{first}, ", 1)
    lock.write_text(dup.replace(lines[5], lines[5].replace(": ", ": [", 1)), encoding="utf-8")
    proc = run_digest("build", "--root", str(corpus), check=False)
    assert proc.returncode == 1
    assert re.search(rf"content/stories.lock:\d+: article '{first}' is also in story", proc.stderr)


def _lock_ids(data: bytes) -> list[str]:
    return re.findall(r"^  ([a-z0-9-]+): \[", data.decode(), flags=re.M)


def test_the_dev_servers_builds_leave_the_lock_alone(corpus: Path) -> None:
    run_digest("build", "--root", str(corpus))
    lock = corpus / "content" / "stories.lock"
    before = lock.read_bytes()
    (corpus / "content" / "articles" / f"{SHIPWRECK}.md").unlink()
    result = Builder(corpus, in_place=True, record_ids=False).build()
    assert SHIPWRECK in {s.id for s in result.stories}  # ids still come from the lock
    assert lock.read_bytes() == before


def _article(aid: str, day: int = 1) -> Article:
    return Article(id=aid, title=aid, source="Outlet", url=None, published=date(2025, 1, day),
                   path=f"content/articles/{aid}.md", body_markdown="", paragraphs=[])


def test_ids_are_assigned_by_the_documented_rules() -> None:
    a, b, c, d, e = (_article(i) for i in "abcde")
    # a merge: both stories' founding reports are in the group; the one with more of its
    # articles there keeps its id, the other becomes an alias of it
    lock = StoryLock(stories={"c": ("c", "d", "e"), "a": ("a", "b")})
    ids, new = assign_story_ids([[a, b, c, d, e]], lock)
    assert ids == ["c"] and new.aliases == {"a": "c"}
    assert assign_story_ids([[a, b, c, d, e]], new) == (ids, new)  # a fixed point
    # a split: the part with the founding report keeps the id, even when smaller
    ids, new = assign_story_ids([[a], [b, c, d, e]], StoryLock(stories={"a": tuple("abcde")}))
    assert ids == ["a", "b"]
    # an earlier report: the id stays
    ids, _ = assign_story_ids([[_article("early"), a, b]], StoryLock(stories={"a": ("a", "b")}))
    assert ids == ["a"]
    # a new story whose first report's id a story of this build has: a suffix, never one
    # the lock holds (here, for a merged story)
    lock = StoryLock(stories={"a": ("b", "c")}, aliases={"a-2": "a"})
    ids, _ = assign_story_ids([[b, c], [a]], lock)
    assert ids == ["a", "a-3"]
