"""Site: which files the site has, what each one shows, and a key for what it depends on.

`site_pages` lists every output file as a PageSpec: its path, a key that changes whenever
anything the page shows changes, and a function that renders it. The build skips rendering
a page whose key matches the previous build's (the file in site/ is already right), which
is what makes warm and one-article rebuilds fast. Keys are computed from the very context
handed to the template (see `fingerprint`), so a template can only show what its key covers.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import stat
import tempfile
import zlib
from collections import UserDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Set
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO

from digest import __version__
from digest.config import Config
from digest.feeds_out import atom_feed, robots_txt, sitemap
from digest.model import Article, Difference, Story
from digest.render import (
    API_SEPARATOR,
    Page,
    Renderer,
    article_path,
    first_sentence,
    safe_url,
    shorten,
    source_path,
    stories_json_chunks,
    stories_json_head,
    story_line,
    story_path,
)
from digest.retention import Archive
from digest.text import slugify

FEED_ENTRIES = 50  # the newest stories in each Atom feed


# a file's bytes, or its bytes in chunks (a big file: made as it is written, never whole)
PageData = bytes | Iterable[bytes]


@dataclass
class PageSpec:
    path: str  # relative to site/
    key: str | None  # None: always render (cheap or global pages)
    make: Callable[[], PageData]
    # False: the file in site/ may not be the one its key was recorded for (edited by hand):
    # made and compared whatever the page manifest says
    trusted: bool = True


# --- the lines of api/stories.json ------------------------------------------------------
# A story's line of api/stories.json (~41 KiB) is made once, when the story is first
# fingerprinted, and never held: it goes to a spool file, and the API file is streamed from
# there, or copied from the previous API file (PageMemo.api_file).

LineRef = tuple[int, int, int]  # where a line is in a file: offset, length, its CRC-32


def _pwrite_all(fd: int, data: bytes, offset: int) -> None:
    view = memoryview(data)
    while view:
        n = os.pwrite(fd, view, offset)
        view, offset = view[n:], offset + n


class _Spool:
    """The lines this process made, appended to an unnamed temporary file: it has no name
    to leave behind, and is gone when closed or when the process ends, however it ends."""

    def __init__(self) -> None:
        self.file: BinaryIO | None = None
        self.size = 0
        self.folder: Path | None = None  # where the next spool file goes (None: the system's)

    def add(self, line: bytes) -> LineRef:
        if self.file is None:
            try:
                self.file = tempfile.TemporaryFile(dir=self.folder)
            except OSError:  # the cache folder is gone or read-only
                self.file = tempfile.TemporaryFile()
            self.size = 0
        offset = self.size
        _pwrite_all(self.file.fileno(), line, offset)
        self.size += len(line)
        return offset, len(line), zlib.crc32(line)

    def read(self, ref: LineRef) -> bytes:
        assert self.file is not None
        line = os.pread(self.file.fileno(), ref[1], ref[0])
        if len(line) != ref[1]:
            raise OSError(f"the spool of api/stories.json lines is short at {ref[0]}")
        return line

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
        self.file, self.size = None, 0


_spool = _Spool()
# id(story) -> (story, where its api line is in the spool, its fingerprint); kept to the
# current build's stories
_story_data: dict[int, tuple[Story, LineRef, str]] = {}


def _data_of(story: Story) -> tuple[Story, LineRef, str]:
    cached = _story_data.get(id(story))
    if cached and cached[0] is story:
        return cached
    line = story_line(story)
    h = hashlib.sha256(line)
    h.update(story.note_html.encode("utf-8", "surrogatepass"))
    for a in story.articles:
        h.update(a.fingerprint.encode())
    cached = _story_data[id(story)] = (story, _spool.add(line), h.hexdigest())
    return cached


def _line_of(story: Story) -> tuple[bytes, int]:
    """The story's api line (from the spool) and its CRC-32."""
    ref = _data_of(story)[1]
    return _spool.read(ref), ref[2]


def story_fingerprint(story: Story) -> str:
    """Hash of everything a story shows: its analysis, note, and its articles' bytes."""
    return _data_of(story)[2]


def _forget_other_stories(stories: list[Story]) -> None:
    """Keep only these stories' lines and fingerprints; the spool is copied to a new one
    when most of it is lines of stories gone (a long dev-server session)."""
    global _spool
    alive = {id(s) for s in stories}
    for k in [k for k in _story_data if k not in alive]:
        del _story_data[k]
    live = sum(ref[1] for _s, ref, _fp in _story_data.values())
    if _spool.size > 2 * live + (1 << 20):
        old, _spool = _spool, _Spool()
        _spool.folder = old.folder
        for k, (s, ref, fp) in _story_data.items():
            _story_data[k] = (s, _spool.add(old.read(ref)), fp)
        old.close()


def release_lines() -> None:
    """Forget every story's line and fingerprint, and remove the spool (a build's end)."""
    _story_data.clear()
    _spool.close()


def _identity(st: os.stat_result) -> tuple[int, int, int, int]:
    return st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev


@dataclass(slots=True)
class ApiFile:
    """The api/stories.json a build wrote: its identity when written (size, mtime_ns,
    inode, device) and where each story's line is in it, by story key (`PageMemo`)."""

    identity: tuple[int, int, int, int]
    lines: dict[str, LineRef]


@contextlib.contextmanager
def _recorded_file(path: Path, record: ApiFile | None) -> Iterator[int | None]:
    """A descriptor of `path` open for reading if there is a record of the file the last
    build wrote there and `path` is a regular file, else None. Not only the very file: a CI
    run restores site/ from its cache (same bytes, new inode and times), and every line
    copied from it is checked against the length and CRC-32 recorded for it."""
    fd = None
    if record is not None:
        with contextlib.suppress(OSError):
            opened = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | os.O_NONBLOCK)
            try:
                if stat.S_ISREG(os.fstat(opened).st_mode):
                    fd, opened = opened, -1
            finally:
                if opened >= 0:
                    os.close(opened)
    try:
        yield fd
    finally:
        if fd is not None:
            os.close(fd)


def _recorded_line(fd: int, ref: LineRef) -> bytes | None:
    """The line at `ref` in the previous API file, if it is there whole and unchanged."""
    try:
        line = os.pread(fd, ref[1], ref[0])
    except OSError:
        return None
    return line if len(line) == ref[1] and zlib.crc32(line) == ref[2] else None


class Keyed(UserDict):
    """A piece of page context (a story card, a source page's entry) that carries the hash
    of its own content, computed once: a page listing thousands of them is keyed without
    encoding them all again. Templates read it like a dict (`card.title`, `card['title']`).
    """

    def __init__(self, data: dict[str, Any]):
        super().__init__(data)
        h = hashlib.sha256()
        fingerprint(self.data, h)
        self.fp = h.hexdigest()


def _fingerprint_default(value: Any) -> str:
    if isinstance(value, Keyed):
        return "K" + value.fp
    if isinstance(value, Story):
        return "S" + story_fingerprint(value)
    if isinstance(value, Article):
        return "A" + (value.fingerprint or repr(value))
    if isinstance(value, date):
        return "D" + value.isoformat()
    if isinstance(value, tuple | set | frozenset):
        return "T" + json.dumps(sorted(value, key=repr) if not isinstance(value, tuple)
                                else list(value), default=_fingerprint_default)
    if callable(value):
        return "F" + getattr(value, "__qualname__", "?")
    raise TypeError(f"cannot fingerprint {type(value).__name__} for the page cache")


def fingerprint(value: Any, h: Any) -> None:
    """Feed a stable description of a template context value into hash h.

    json's C encoder walks the context; stories and articles stand in by their own
    fingerprints, so a page's key costs little more than its context's size.
    """
    h.update(json.dumps(value, sort_keys=True, ensure_ascii=False, check_circular=False,
                        default=_fingerprint_default).encode("utf-8", "surrogatepass"))


def _spec(renderer: Renderer, template: str, path: str, **context: Any) -> PageSpec:
    h = hashlib.sha256(template.encode() + b"\0" + path.encode())
    fingerprint(context, h)

    def make() -> bytes:
        return renderer.render(template, path, **context).data

    return PageSpec(path, h.hexdigest(), make)


def _data(path: str, make: Callable[..., bytes], **context: Any) -> PageSpec:
    """A data file (feed, sitemap) keyed, like a template page, by exactly what it holds."""
    h = hashlib.sha256(b"data\0" + path.encode() + b"\0"
                       + getattr(make, "__qualname__", "?").encode())
    fingerprint(context, h)
    return PageSpec(path, h.hexdigest(), lambda: make(**context))


def _fixed(page: Page) -> PageSpec:
    return PageSpec(page.path, None, lambda: page.data)


# --- what each page shows ------------------------------------------------------------------
# Pages get plain dicts holding only what they show, so that a page's key (a fingerprint of
# its context) changes only when something it shows changes: an edit to one article's body
# re-renders that article, its story and (if the story's summary changed) the index pages
# that list it - not every page of the site.

def disputed(story: Story) -> list[Difference]:
    """Differences other than coverage (details only one source gives)."""
    return [d for d in story.differences if d.kind != "coverage"]


class Outlets:
    """Every outlet of the site: one name and one page path each, never shared.

    Outlets are told apart by name, case-insensitively ('Reuters' = 'REUTERS'). Two outlets
    whose names make the same slug ('A.P.', 'A P') get distinct paths: in name order, the
    first has sources/<slug>/, the next sources/<slug>-2/, and so on.
    """

    def __init__(self, stories: list[Story], archived: Iterable[Article] = ()):
        self.names: dict[str, str] = {}  # casefolded name -> the name as first written
        for story in stories:
            for a in story.articles:
                self.names.setdefault(a.source.casefold(), a.source)
        # the outlets of expired articles (retention) too: an outlet's page path never
        # moves because another outlet's stories left the digest
        for a in archived:
            self.names.setdefault(a.source.casefold(), a.source)
        self._paths: dict[str, str] = {}
        used: set[str] = set()
        for key in sorted(self.names, key=lambda k: (slugify(self.names[k]), k)):
            slug = slugify(self.names[key])
            candidate, n = slug, 1
            while candidate in used:
                n += 1
                candidate = f"{slug}-{n}"
            used.add(candidate)
            self._paths[key] = f"sources/{candidate}/"

    def path(self, source: str) -> str:
        return self._paths.get(source.casefold()) or source_path(source)


def story_card(story: Story, outlets: Outlets | None = None) -> Keyed:
    """What a list of stories shows about one story."""
    spath = outlets.path if outlets else source_path
    n_disputed = len(disputed(story))
    return Keyed({
        "id": story.id, "title": story.title, "path": story_path(story),
        "summary": story.summary,
        "line": first_sentence(story.summary or next(
            (a.paragraphs[0] for a in story.articles if a.paragraphs), "")),
        "sources": story.sources,
        "source_paths": [spath(s) for s in story.sources],
        "articles": len(story.articles),
        "first": story.first_published, "last": story.last_published,
        "counts": {"facts": len(story.facts), "disputed": n_disputed,
                   "single": len(story.differences) - n_disputed},
    })


def _release(story: Story) -> None:
    """A story whose pages are written: its analysis and its articles' bodies packed
    again (read again if needed), so that a build holds one story's at a time."""
    story.release()
    for article in story.articles:
        article.release()


def _card(story: Story, outlets: Outlets) -> Keyed:
    """story_card, and the story released: the cards of every story are made first, each
    story's pages later, one story at a time (a cold build would otherwise hold every
    story's facts and differences unpacked at once)."""
    card = story_card(story, outlets)
    story.release()
    return card


def article_link(article: Article, outlets: Outlets | None = None) -> dict[str, Any]:
    spath = outlets.path if outlets else source_path
    return {"id": article.id, "title": article.title, "source": article.source,
            "source_path": spath(article.source), "path": article_path(article),
            "url": safe_url(article.url), "date": article.published}


def timeline(story: Story, outlets: Outlets | None = None) -> list[dict[str, Any]]:
    """The story's articles in publication order (undated ones last)."""
    arts = sorted(story.articles, key=lambda a: (a.published is None, a.published or date.min,
                                                 a.source.casefold(), a.id))
    return [article_link(a, outlets) for a in arts]


def value_letter(i: int) -> str:
    """A, B, ... Z, AA, AB: the name of a difference's i-th value (0-based)."""
    return value_letter(i // 26 - 1) + chr(65 + i % 26) if i >= 26 else chr(65 + i)


def point_label(d: Difference) -> str:
    """'kind: topic', without saying the kind twice ('date: date: ...')."""
    topic = shorten(d.topic, 90)
    return topic if topic.casefold().startswith(d.kind.casefold()) else f"{d.kind}: {topic}"


def agreement_matrix(story: Story, outlets: Outlets | None = None) -> dict[str, Any]:
    """Rows: facts and disputed points; columns: outlets; cells: reports / value / silent.

    On a disputed point each value has a letter (A, B, ...), the same as in the list of
    differences, so a reader sees who shares which value without relying on colour; a value
    fewer outlets give than the row's most common one is marked `odd`.
    """
    sources = story.sources
    source_of = {a.id: a.source.casefold() for a in story.articles}
    facts = []
    for i, f in enumerate(story.facts, start=1):
        have = {s.casefold() for s in f.sources} | {
            source_of[e.article] for e in f.evidence if e.article in source_of}
        facts.append({"label": shorten(f.text, 90), "anchor": f"fact-{i}",
                      "cells": [{"state": "reports" if s.casefold() in have else "silent",
                                 "said": [], "odd": False} for s in sources]})
    points = []
    for i, d in enumerate(disputed(story), start=1):
        said: dict[str, list[int]] = {}
        for j, v in enumerate(d.values):
            for e in v.evidence:
                src = source_of.get(e.article)
                if src is not None and j not in said.get(src, []):
                    said.setdefault(src, []).append(j)
        support = [sum(j in js for js in said.values()) for j in range(len(d.values))]
        top = max(support, default=0)
        common = [j for j, n in enumerate(support) if n == top]
        majority = common[0] if len(common) == 1 else None
        cells = []
        for s in sources:
            js = said.get(s.casefold(), [])
            cells.append({
                "state": "value" if js else "silent",
                "said": [{"letter": value_letter(j), "text": shorten(d.values[j].value, 70)}
                         for j in js],
                "odd": majority is not None and bool(js) and majority not in js})
        points.append({"label": point_label(d), "anchor": f"diff-{i}", "cells": cells})
    spath = outlets.path if outlets else source_path
    return {"sources": sources, "source_paths": [spath(s) for s in sources],
            "facts": facts, "points": points}


def single_source(story: Story, outlets: Outlets | None = None) -> list[dict[str, Any]]:
    """Coverage differences (details one outlet alone gives), grouped by outlet."""
    spath = outlets.path if outlets else source_path
    art = {a.id: a for a in story.articles}
    groups: dict[str, dict[str, Any]] = {}
    for d in story.differences:
        if d.kind != "coverage":
            continue
        for v in d.values:
            for e in v.evidence:
                a = art.get(e.article)
                if a is None:
                    continue
                g = groups.setdefault(a.source.casefold(), {
                    "source": a.source, "path": spath(a.source), "items": []})
                g["items"].append({"sentence": e.sentence, "article_title": a.title,
                                   "article_path": article_path(a)})
    return [groups[k] for k in sorted(groups)]


def _feed_entries(cfg: Config, renderer: Renderer, cards: list[dict[str, Any]]
                  ) -> list[dict[str, Any]]:
    entries = []
    for c in cards[:FEED_ENTRIES]:
        n = c["counts"]
        about = (f"{len(c['sources'])} source{'s' if len(c['sources']) != 1 else ''} "
                 f"({', '.join(c['sources'])}): {n['facts']} shared facts, "
                 f"{n['disputed']} disputed points, {n['single']} single-source details.")
        entries.append({"url": renderer.abs_url(c["path"]), "title": c["title"],
                        "summary": f"{c['summary']} {about}".strip(), "first": c["first"],
                        "last": c["last"], "sources": c["sources"]})
    return entries


@dataclass(slots=True)
class StoryPages:
    """What `site_pages` derived from one story: its card, the path and key of its story
    and article pages, and its entry on each of its outlets' pages (made when needed).
    Its line of api/stories.json is not held: `ApiFile` says where it is."""

    card: Keyed
    pages: list[tuple[str, str | None]]
    entries: dict[str, Keyed] = field(default_factory=dict)


class PageMemo:
    """What `site_pages` learnt about each story, by a key of everything the story's pages
    can show (`story_key`): kept between the builds of a dev server, and saved with the
    build's caches so that the next `digest build` does not fingerprint every story again.

    A story's pages show the story (its id, title, note, articles: each article's file is
    in its fingerprint; its facts and differences are computed from those articles by
    digest's code, which is in `scope`), and the page path of each of its outlets. `scope`
    is the build's global key (digest's code, the settings, the theme): the caller sets it.
    Pages are rendered from a freshly built context if they must be written at all.

    It also records where each story's line is in the api/stories.json last written
    (`api_file`, told by `api_written`): the next build copies an unchanged story's line
    from there, if it is still there (its recorded length and CRC-32).
    """

    API = "api/stories.json"  # the entry of the API file's record (no story key is like it)

    def __init__(self, stored: dict[str, Any] | None = None) -> None:
        self.scope = ""
        self.stories: dict[str, Any] = stored if stored is not None else {}
        self.outlets: Outlets | None = None  # the last build's
        # where the lines went in the API file made last, once it was made to its end
        self.api_layout: dict[str, LineRef] | None = None

    def api_file(self) -> ApiFile | None:
        record = self.stories.get(self.API)
        return record if isinstance(record, ApiFile) else None

    def api_intact(self, path: Path) -> bool:
        """Whether the file at `path` is the very API file recorded (not edited, deleted or
        replaced since it was written)."""
        record = self.api_file()
        try:
            return record is not None and _identity(path.lstat()) == record.identity
        except OSError:
            return False

    def api_written(self, path: Path) -> None:
        """The build put the API file it made at `path` (written, or found the same):
        record that file's identity and where its lines are. Nothing to record when the
        build did not make it (its key said the file was right): the record stands."""
        layout, self.api_layout = self.api_layout, None
        if layout is None:
            return
        try:
            self.stories[self.API] = ApiFile(_identity(path.lstat()), layout)
        except OSError:
            self.stories.pop(self.API, None)

    def story_key(self, story: Story, outlets: Outlets) -> str | None:
        """The key of everything the story's pages show; None when an article has no
        fingerprint (not read from a file): such a story is never remembered."""
        if not all(a.fingerprint for a in story.articles):
            return None
        return hashlib.sha256(json.dumps(
            [self.scope, story.id, story.title, story.title_from_editor, story.note_html,
             [(a.fingerprint, outlets.path(a.source)) for a in story.articles]],
            ensure_ascii=False).encode("utf-8", "surrogatepass")).hexdigest()

    def changed(self, stories: list[Story], archived: Iterable[Article] = ()) -> int:
        """How many of these stories' pages are not known (a story new or changed)."""
        outlets = Outlets(stories, archived)
        return sum(self.get(self.story_key(s, outlets)) is None for s in stories)

    def get(self, key: str | None) -> StoryPages | None:
        hit = self.stories.get(key) if key is not None else None
        return hit if isinstance(hit, StoryPages) else None

    def keep(self, keys: Iterable[str | None]) -> None:
        """Forget what is not about these stories (the current build's)."""
        alive = {*keys, self.API}
        for k in [k for k in self.stories if k not in alive]:
            del self.stories[k]

    def entry(self, key: str | None, outlet: str, make: Callable[[], Keyed]) -> Keyed:
        hit = self.get(key)
        if hit is None:
            return make()
        if outlet not in hit.entries:
            hit.entries[outlet] = make()
        return hit.entries[outlet]


def _story_specs(renderer: Renderer, story: Story, card: dict[str, Any], outlets: Outlets,
                 helpers: dict[str, Any]) -> list[PageSpec]:
    """The story's page and its articles' pages."""
    specs = [_spec(renderer, "story.html", story_path(story) + "index.html", story=story,
                   card=card, matrix=agreement_matrix(story, outlets),
                   timeline=timeline(story, outlets),
                   single_source=single_source(story, outlets),
                   value_letter=value_letter, **helpers)]
    for article in story.articles:
        others = [article_link(a, outlets) for a in story.articles if a.id != article.id]
        specs.append(_spec(renderer, "article.html", article_path(article) + "index.html",
                           article=article, source_href=outlets.path(article.source),
                           story=card, others=others, **helpers))
    return specs


def _archived_specs(renderer: Renderer, archive: Archive, outlets: Outlets,
                    helpers: dict[str, Any]) -> Iterator[PageSpec]:
    """The small pages that keep expired stories' and articles' URLs answering."""
    for story in archive.stories:
        yield _spec(renderer, "archived.html", f"stories/{story.id}/index.html",
                    story={"id": story.id, "title": story.title, "note_html": story.note_html,
                           "first": story.first, "last": story.last,
                           "articles": [article_link(a, outlets) for a in story.articles]},
                    keep_days=archive.keep_days, **helpers)
    for article, sid, title, live in archive.articles:
        yield _spec(renderer, "archived_article.html", article_path(article) + "index.html",
                    article=article_link(article, outlets), author=article.author,
                    story={"path": f"stories/{sid}/", "title": title, "live": live},
                    keep_days=archive.keep_days, **helpers)


def _lazy(make_all: Callable[[], list[PageSpec]], path: str) -> Callable[[], PageData]:
    def make() -> PageData:
        return next(s for s in make_all() if s.path == path).make()
    return make


def _api_chunks(stories: list[Story], keys: Mapping[str, str | None], memo: PageMemo | None,
                old: Path) -> Iterator[bytes]:
    """api/stories.json, a line at a time: a story's line copied from the previous file
    `old` when the memo's record says where it is there and it is still there (length and
    CRC-32), else from the spool (made now if need be). Where each line went is told to
    the memo once the last chunk is taken (PageMemo.api_written records it)."""
    layout: dict[str, LineRef] = {}
    offset = len(stories_json_head())
    with _recorded_file(old, memo.api_file() if memo is not None else None) as fd:
        record = memo.api_file() if fd is not None and memo is not None else None

        def lines() -> Iterator[bytes]:
            nonlocal offset
            for n, story in enumerate(stories):
                key = keys.get(story.id)
                ref = record.lines.get(key) if record is not None and key else None
                line = _recorded_line(fd, ref) if fd is not None and ref else None
                if line is not None and ref is not None:
                    crc = ref[2]
                else:
                    line, crc = _line_of(story)
                    story.release()  # if its line was made here: no story is kept unpacked
                offset += len(API_SEPARATOR) if n else 0
                if key is not None:
                    layout[key] = (offset, len(line), crc)
                offset += len(line)
                yield line
        yield from stories_json_chunks(lines())
    if memo is not None:
        memo.api_layout = layout


def site_pages(cfg: Config, renderer: Renderer, stories: list[Story],
               memo: PageMemo | None = None, only: Set[str] | None = None,
               aliases: Mapping[str, str] | None = None, removed: Iterable[str] = (),
               archive: Archive | None = None) -> Iterator[PageSpec]:
    """Every output file of the site, in a deterministic order.

    `aliases` (merged story id -> the id it lives on as) and `removed` (ids of published
    stories with no article left; see digest/storyids.py) keep those stories' URLs
    answering: a redirect page, a "removed" page. Neither is in the sitemap, the feeds,
    the index or the API. `archive` (retention, digest/retention.py): the expired stories
    and articles, each with a small archived page, listed nowhere; an outlet all of whose
    stories expired keeps its page and feed (empty), out of the sources list and sitemap.

    `only` (story ids; the dev server's provisional rebuild of edited stories): just the
    story and article pages of those stories and the index pages that list them (the
    outlet pages, long lists, come with the full build that follows). The caller must know
    that nothing else changed: the same stories in the same order, with the same outlets.
    """
    if only is None:
        _forget_other_stories(stories)
        _spool.folder = cfg.cache if cfg.cache.is_dir() else None
        if memo is not None:
            memo.api_layout = None
    if only is not None and memo is not None and memo.outlets is not None:
        outlets = memo.outlets  # the same outlets: the caller says so
    else:
        outlets = Outlets(stories, archive.all_articles() if archive else ())
    per_page = max(1, cfg.stories_per_page)
    chunks = [stories[i:i + per_page] for i in range(0, len(stories), per_page)] or [[]]
    # the index pages to write: all, or those listing a story of `only`
    shown = range(len(chunks)) if only is None else \
        sorted({n // per_page for n, s in enumerate(stories) if s.id in only})
    listed = stories if only is None else [s for n in shown for s in chunks[n]]
    # the memo keys of the stories listed; a quick rebuild's edited stories are never
    # looked up (their analysis may be provisional) nor remembered: that is for the full
    # build that follows
    keys: dict[str, str | None] = {}
    if memo is not None:
        memo.outlets = outlets
        keys = {s.id: memo.story_key(s, outlets) for s in listed
                if only is None or s.id not in only}
        if only is None:
            memo.keep(keys.values())
    hits = {s.id: memo.get(keys.get(s.id)) for s in listed} if memo is not None else {}
    cards = {s.id: hit.card if (hit := hits.get(s.id)) else _card(s, outlets) for s in listed}
    search = bool(getattr(cfg, "search", True))
    helpers = {"story_path": story_path, "article_path": article_path,
               "source_path": source_path}
    urls: list[tuple[str, date | None]] = []  # for the sitemap

    for n0 in shown:
        n, chunk = n0 + 1, chunks[n0]
        path = "index.html" if n == 1 else f"page/{n}/index.html"
        urls.append((renderer.abs_url(path.removesuffix("index.html")),
                     chunk[0].last_published if chunk else None))
        yield _spec(renderer, "index.html", path, page_stories=[cards[s.id] for s in chunk],
                    page_number=n, page_count=len(chunks), **helpers)

    for story in stories if only is None else [s for s in stories if s.id in only]:
        urls.append((renderer.abs_url(story_path(story)), story.last_published))
        urls.extend((renderer.abs_url(article_path(a)), a.published) for a in story.articles)
        hit = hits.get(story.id)
        if hit is not None:
            @functools.cache  # once per story, however many of its pages must be made
            def make_all(story: Story = story) -> list[PageSpec]:
                return _story_specs(renderer, story, cards[story.id], outlets, helpers)
            for path, key in hit.pages:
                yield PageSpec(path, key, _lazy(make_all, path))
            _release(story)
            continue
        specs = _story_specs(renderer, story, cards[story.id], outlets, helpers)
        if memo is not None and (key := keys.get(story.id)) is not None:
            memo.stories[key] = StoryPages(cards[story.id], [(s.path, s.key) for s in specs])
        yield from specs
        _release(story)

    if only is not None:
        return
    # Index pages past the end: the list of stories gets shorter when stories expire, merge
    # or lose all their articles, but a page/N/ once published keeps answering (a redirect
    # to the last page). Every story ever published is live, an alias, removed or archived,
    # so this many pages is at least as many as the site ever had.
    removed = sorted(removed)
    ever = len(stories) + len(aliases or {}) + len(removed) + \
        len(archive.stories if archive else ())
    last = "" if len(chunks) == 1 else f"page/{len(chunks)}/"
    for n in range(len(chunks) + 1, -(-ever // per_page) + 1):
        yield _spec(renderer, "moved.html", f"page/{n}/index.html", target=last,
                    target_title=f"page {len(chunks)} of the stories", index_page=True)
    titles = {s.id: s.title for s in [*stories, *(archive.stories if archive else ())]}
    for sid, target in sorted((aliases or {}).items()):
        yield _spec(renderer, "moved.html", f"stories/{sid}/index.html",
                    target=f"stories/{target}/",
                    target_title=titles.get(target, "a story that was removed"))
    for sid in removed:
        yield _spec(renderer, "removed.html", f"stories/{sid}/index.html")
    if archive is not None:
        yield from _archived_specs(renderer, archive, outlets, helpers)
    by_source: dict[str, list[Story]] = {}  # casefolded outlet name -> its stories
    for s in stories:
        for src in s.sources:
            by_source.setdefault(src.casefold(), []).append(s)
    listed_sources = set(by_source)
    for key in outlets.names:  # outlets whose stories all expired (retention): no stories
        by_source.setdefault(key, [])
    sources = sorted(by_source, key=lambda k: (k, outlets.names[k]))
    source_rows = []
    for key in sources:
        src, spath, src_stories = outlets.names[key], outlets.path(key), by_source[key]
        def entry(s: Story, key: str = key) -> Keyed:
            return Keyed({"card": cards[s.id],
                          "articles": [article_link(a, outlets) for a in s.articles
                                       if a.source.casefold() == key]})
        items = [memo.entry(keys.get(s.id), key, lambda s=s: entry(s)) if memo is not None
                 else entry(s)
                 for s in src_stories]
        n_articles = sum(len(i["articles"]) for i in items)
        latest = max((s.last_published for s in src_stories if s.last_published), default=None)
        if key in listed_sources:
            source_rows.append({"name": src, "path": spath, "stories": len(items),
                                "articles": n_articles, "latest": latest})
            urls.append((renderer.abs_url(spath), latest))
        yield _spec(renderer, "source.html", spath + "index.html", source=src,
                    source_href=spath, source_items=items, **helpers)
        yield _data(spath + "feed.xml", atom_feed,
                    title=f"{src} · {cfg.title}",
                    subtitle=f"Stories {src} covered, compared with the other sources.",
                    feed_url=renderer.abs_url(spath + "feed.xml"),
                    site_url=renderer.abs_url(spath), author=cfg.title,
                    language=cfg.language,
                    entries=_feed_entries(cfg, renderer, [cards[s.id] for s in src_stories]))
    urls.append((renderer.abs_url("sources/"), None))
    yield _spec(renderer, "sources.html", "sources/index.html", source_rows=source_rows,
                **helpers)

    yield _data("feed.xml", atom_feed, title=cfg.title, subtitle=cfg.description,
                feed_url=renderer.abs_url("feed.xml"), site_url=renderer.abs_url(),
                author=cfg.title, language=cfg.language,
                entries=_feed_entries(cfg, renderer, [cards[s.id] for s in stories]))
    if search:
        yield _spec(renderer, "search.html", "search/index.html", **helpers)
    yield _spec(renderer, "404.html", "404.html", **helpers)
    yield _data("sitemap.xml", sitemap, urls=urls)
    yield _fixed(Page("robots.txt", robots_txt(renderer.abs_url("sitemap.xml"))))
    api = hashlib.sha256(b"api/stories.json\0" + __version__.encode())
    for s in stories:  # the memo's story keys say as much, and cost no encoding
        api.update((keys.get(s.id) or story_fingerprint(s)).encode())
    old_api = cfg.output / "api/stories.json"
    yield PageSpec("api/stories.json", api.hexdigest(),
                   lambda: _api_chunks(stories, keys, memo, old_api),
                   trusted=memo is None or memo.api_intact(old_api))
    yield _fixed(Page(".nojekyll", b""))
    if cfg.cname:
        yield _fixed(Page("CNAME", (cfg.cname.strip() + "\n").encode()))
    for page in renderer.iter_static():
        yield _fixed(page)
