"""Build: the one place with I/O. Reads content/, runs the stages, writes site/ atomically.

Five caches (in `.digest-cache/`, all safe to delete or corrupt: they are only ever
trusted when they load cleanly and carry this digest version) make rebuilds cheap:

- parsed articles, keyed by path + mtime + size (an unchanged file is not even read);
- the grouping, keyed by a hash of all its inputs (a template or settings change keeps it);
- story analyses, keyed by the fingerprints of the story's articles;
- the page manifest: the key of every page written last time. A page whose key is the
  same is not rendered again: its file in site/ is already right;
- what each story's pages are (their paths and keys, its card; site.PageMemo), keyed by
  everything those pages show, so that unchanged stories are not fingerprinted again.

Each cache is a folder of shard files (by a hash of the entry's key); a build rewrites
only the shards whose entries changed.

A clean build and a cached one produce byte-identical sites; a test holds them to it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import hashlib
import hmac
import io
import itertools
import json
import multiprocessing
import os
import pickle
import shutil
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from stat import S_ISREG
from typing import Any

from digest.compare import PackedAnalysis, compare_packed, retitle
from digest.config import Config, load_config
from digest.freshness import (  # noqa: F401 - BuildResult and the report are re-exported
    RACY_NS,
    STAGE_MODULES,
    BuildResult,
    TerminalProgress,
    _code_version,
    _inputs_state,
    _record_state,
    _up_to_date,
    existing_files,
    module_closure,
    print_report,
    recover_interrupted,
    theme_state,
)
from digest.group import Terms, article_terms, group_into_stories
from digest.load import (
    ArticleError,
    ParsedArticle,
    article_fingerprint,
    find_article_files,
    parse_article_bytes,
    read_article_file,
    read_markdown_file,
    read_story_note,
)
from digest.model import Article, Problem, Story
from digest.render import Renderer, article_path, story_path
from digest.retention import Archive, for_grouping, make_archive, retention_for, split_groups
from digest.search import SearchIndex
from digest.site import PageData, PageMemo, PageSpec, release_lines, site_pages
from digest.storyids import StoryLock, assign_story_ids, format_lock, read_lock, save_lock
from digest.text import slugify

PARALLEL_MIN_STORIES = 64  # below this a process pool costs more than it saves
IN_PLACE_STORIES = 8  # a build that changes no more stories (or 2%) writes site/ in place


# --- caches -----------------------------------------------------------------------------

_MAGIC = b"DGC3"  # signature (of the shard's name and payload), header {version, chunks}, chunks


def _cache_key() -> bytes | None:
    """A per-user secret that signs cache files: a planted .digest-cache file is never
    unpickled (pickle runs code). Kept outside the project, so a shared or cloned project
    cannot carry a forged cache. None when no place for it can be had: no disk cache then.
    """
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "digest"
    path = base / "cache.key"
    try:
        key = path.read_bytes()
        if len(key) == 32:
            return key
    except OSError:
        pass
    try:
        base.mkdir(parents=True, exist_ok=True)
        key = os.urandom(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(key)
        return key
    except FileExistsError:  # another build created it first
        return _cache_key_once(path)
    except OSError:
        return None


def _cache_key_once(path: Path) -> bytes | None:
    try:
        key = path.read_bytes()
    except OSError:
        return None
    return key if len(key) == 32 else None


CACHE_SHARDS = 64  # files per cache: an edit rewrites only the few holding a changed entry
_MISSING = object()


def _shard_of(key: str) -> int:
    return zlib.crc32(key.encode("utf-8", "surrogatepass")) % CACHE_SHARDS


def _shard_path(folder: Path, n: int) -> Path:
    return folder / f"{n:02d}.pickle"


def _load_cache(folder: Path, stage: str | None,
                saved: dict[int, dict[str, Any]] | None = None,
                freeze: bool = False) -> dict[str, Any]:
    """Every entry of a cache: the shard files of `folder` that load cleanly, are signed
    with this user's key and were written by this very code (`stage`). `saved`, when
    given, is told what each shard file holds (`_tokens`; a missing file: nothing; an
    unreadable one is left out, so that the next save rewrites it). `freeze`: the entries
    are frozen for the garbage collector (gc.freeze; a one-shot build's, which keeps them
    to its end): otherwise its next collections walk all of them, being new (0.4 s at
    10,000 articles)."""
    key = _cache_key()
    if key is None:
        return {}
    version = _code_version(stage)
    entries: dict[str, Any] = {}
    with _no_gc():  # millions of new objects, none garbage: 10.7 -> 1.8 s at 10,000
        for n in range(CACHE_SHARDS):
            part = _load_shard(_shard_path(folder, n), key, version, f"{folder.name}/{n}")
            if part is not None:
                entries.update(part)
                if saved is not None:
                    saved[n] = _tokens(part)
        if freeze:
            gc.freeze()
    return entries


def _load_shard(path: Path, key: bytes, version: str, name: str) -> dict[str, Any] | None:
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError:
        return None
    try:
        if blob[:4] != _MAGIC:
            return None
        signature, payload = blob[4:36], blob[36:]
        sign = hmac.new(key, name.encode() + b"\0", "sha256")
        sign.update(payload)
        if not hmac.compare_digest(signature, sign.digest()):
            return None
        stream = io.BytesIO(payload)
        head = pickle.load(stream)
        if not isinstance(head, dict) or head.get("version") != version:
            return None
        entries: dict[str, Any] = {}
        for _ in range(head["chunks"]):
            entries.update(pickle.load(stream))
        return entries
    except Exception:  # noqa: BLE001 - a corrupt shard is simply empty
        return None


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    """The cyclic garbage collector paused: it would scan the growing heap again and again
    while a cache is unpickled."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


CACHE_CHUNK = 100  # entries pickled at a time: a save can stop between two chunks


def _tokens(entries: dict[str, Any]) -> dict[str, Any]:
    """What a shard file is remembered by: each entry's string, or the id of its object.
    No object is kept alive by it (a template change would otherwise hold every story's
    old pages and API line in memory until the save). An id can be reused by a new object
    once the old one is gone, which could leave an entry unsaved: harmless, because every
    cache is keyed by content (same key, same value) except the parsed articles, whose
    entries are checked against the file's stat when loaded."""
    return {k: v if isinstance(v, str) else id(v) for k, v in entries.items()}


def _same(old: dict[str, Any] | None, new: dict[str, Any]) -> bool:
    """Whether a shard's entries are the very ones its file holds (the same objects, or
    equal strings): then it need not be written again."""
    if old is None or len(old) != len(new):
        return False
    for k, v in new.items():
        if old.get(k, _MISSING) != (v if isinstance(v, str) else id(v)):
            return False
    return True


def _save_cache(folder: Path, entries: dict[str, Any], stage: str | None,
                cancel: threading.Event | None = None,
                saved: dict[int, dict[str, Any]] | None = None) -> bool:
    """Write a cache as signed shard files in `folder`. With `saved` (what each file holds,
    kept up to date here), only the shards whose entries changed are written: one edited
    article rewrites one shard of each cache, not the whole cache.

    With `cancel` (the dev server's), stop as soon as it is set and return False: pickling
    holds the interpreter, and an edit must not wait seconds for it. The shards already
    written are whole; the others keep their previous file."""
    key = _cache_key()
    if key is None:
        return True
    parts: list[dict[str, Any]] = [{} for _ in range(CACHE_SHARDS)]
    for k, v in entries.items():
        parts[_shard_of(k)][k] = v
    version = _code_version(stage)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(OSError):  # the single file of digest before 2026-11-27
            folder.with_name(folder.name + ".pickle").unlink(missing_ok=True)
        for n, part in enumerate(parts):
            if saved is not None and _same(saved.get(n), part):
                continue
            if cancel is not None and cancel.is_set():
                return False
            path = _shard_path(folder, n)
            if not part:
                path.unlink(missing_ok=True)
            elif not _write_shard(path, part, key, version, f"{folder.name}/{n}", cancel):
                return False
            if saved is not None:
                saved[n] = _tokens(part)
        return True
    except OSError as exc:  # a cache we cannot write only costs speed next time
        print(f"warning: cannot write cache {folder} ({exc.strerror})", file=sys.stderr)
        return True


def _write_shard(path: Path, entries: dict[str, Any], key: bytes, version: str, name: str,
                 cancel: threading.Event | None) -> bool:
    """One signed shard file: a header, then the entries in chunks; False if cancelled."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        items = list(entries.items())
        chunks = range(0, len(items), CACHE_CHUNK)
        sign = hmac.new(key, name.encode() + b"\0", "sha256")
        with tmp.open("wb") as fh:
            fh.write(_MAGIC + bytes(32))  # the signature, once the payload is known
            head = pickle.dumps({"version": version, "chunks": len(chunks)},
                                protocol=pickle.HIGHEST_PROTOCOL)
            parts = (pickle.dumps(dict(items[i:i + CACHE_CHUNK]),
                                  protocol=pickle.HIGHEST_PROTOCOL) for i in chunks)
            for part in itertools.chain([head], parts):  # pickled one by one
                if cancel is not None and cancel.is_set():
                    break
                sign.update(part)
                fh.write(part)
            else:
                fh.seek(len(_MAGIC))
                fh.write(sign.digest())
                fh.close()
                os.replace(tmp, path)
                return True
        tmp.unlink(missing_ok=True)
        return False
    except BaseException:
        with contextlib.suppress(OSError):  # (its folder may be a file)
            tmp.unlink(missing_ok=True)
        raise


def _exchange(a: Path, b: Path) -> bool:
    """Swap two directories in one atomic step (Linux renameat2 RENAME_EXCHANGE), so there
    is no moment without a site/. False where the system cannot, and the caller falls back
    to two renames."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                          ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


# --- load -------------------------------------------------------------------------------

def load_articles(cfg: Config, cache: dict[str, Any] | None = None,
                  parsed_paths: list[str] | None = None, executor: Executor | None = None
                  ) -> tuple[list[Article], list[Problem], dict[str, Terms]]:
    """Every article under content/; a bad file is a Problem, never a crash.

    `cache` (rel path -> ParsedArticle) is read and updated in place when given; the files
    that had to be parsed (not found in it by stat or by bytes) are added to `parsed_paths`.
    `executor` (a cluster's: digest.executor.DaskExecutor): the files to parse are parsed
    there, and their grouping terms taken, when there are at least REMOTE_MIN_FILES of
    them; this process reads them (it must, to know which changed) and sends their bytes.
    """
    articles: list[Article] = []
    problems: list[Problem] = []
    terms: dict[str, Terms] = {}
    if not cfg.content.is_dir():
        problems.append(Problem(cfg.content_dir, None, "content folder does not exist",
                                "create it, or run 'digest import FILE' to add articles"))
        return articles, problems, terms
    rels: list[str] = []
    remote = bool(getattr(executor, "remote", False))
    # each file in order: its ParsedArticle, or the Problem that keeps it out, or (on a
    # cluster) what it takes to parse it (rel, stat, read_ns, bytes, text) until it is
    # parsed below
    slots: list[ParsedArticle | Problem | tuple[str, tuple[int, int], int, bytes, str]] = []
    root = os.path.join(str(cfg.root), "")  # with one trailing separator
    for path in find_article_files(cfg.content):
        # path.relative_to(cfg.root).as_posix(), as strings (both are lexical)
        rel = str(path)
        if rel.startswith(root):
            rel = rel[len(root):].replace(os.sep, "/")
        rels.append(rel)
        read_ns = time.time_ns()
        try:
            st = path.stat()
            stat = (st.st_mtime_ns, st.st_size)
        except OSError:
            stat = (0, -1)
        hit = cache.get(rel) if cache is not None else None
        if isinstance(hit, ParsedArticle) and hit.fresh(stat):
            slots.append(hit)
            continue
        try:
            data, text = read_markdown_file(path, rel)
        except ArticleError as exc:
            slots.append(exc.problem)
            continue
        if isinstance(hit, ParsedArticle) and \
                hit.article.fingerprint == article_fingerprint(rel, data):
            # same bytes under a new file time (a fresh clone, a restored CI cache, a
            # `touch`): the parsed article stands, with the new stat
            slots.append(dataclasses.replace(hit, stat=stat, read_ns=read_ns))
        elif remote:  # parsed below, on the cluster: its bytes are sent there
            slots.append((rel, stat, read_ns, data, text))
        else:  # parsed now: a cold build never holds every file's bytes and text at once
            slots.append(_parsed_slot(rel, stat, read_ns, _parse(rel, data, text),
                                      parsed_paths))
    todo = [n for n, slot in enumerate(slots) if isinstance(slot, tuple)]
    for n, outcome in zip(todo, _parse_all([slots[n] for n in todo], executor), strict=True):
        rel, stat, read_ns, _data, _text = slots[n]
        slots[n] = _parsed_slot(rel, stat, read_ns, outcome, parsed_paths)
    for rel, slot in zip(rels, slots, strict=True):
        if isinstance(slot, Problem):
            problems.append(slot)
            if cache is not None:
                cache.pop(rel, None)
            continue
        assert isinstance(slot, ParsedArticle)
        if cache is not None:
            cache[rel] = slot
        problems.extend(slot.warnings)
        articles.append(slot.article)
        terms[slot.article.id] = slot.terms
    if cache is not None:
        seen = set(rels)
        for rel in [r for r in cache if r not in seen]:
            del cache[rel]
    return _dedupe(articles, problems), problems, terms


REMOTE_MIN_FILES = 64  # fewer files to parse than this are parsed here, not on a cluster
Parsed = tuple[Article, list[Problem], Terms] | Problem  # a file parsed, or why it is not


def _parsed_slot(rel: str, stat: tuple[int, int], read_ns: int, outcome: Parsed,
                 parsed_paths: list[str] | None) -> ParsedArticle | Problem:
    """What load_articles keeps of a file it parsed (its path added to parsed_paths)."""
    if isinstance(outcome, Problem):
        return outcome
    article, warnings, article_terms_ = outcome
    if parsed_paths is not None:
        parsed_paths.append(rel)
    return ParsedArticle(stat, article, warnings, article_terms_, read_ns)


def _parse(rel: str, data: bytes, text: str) -> Parsed:
    """The article (its body packed: Article.pack; a build reads the bodies of the stories
    it writes, each expanded, then released), its warnings and grouping terms."""
    try:
        article, warnings = parse_article_bytes(data, text, rel)
    except ArticleError as exc:
        return exc.problem
    return article.pack(), warnings, article_terms(article)


def _parse_remote(files: list[tuple[str, bytes]]) -> tuple[str, list[Parsed]]:
    """A cluster task: parse files (path, bytes) read by the client and take their grouping
    terms; with the hash of the code that did it (executor.check_version)."""
    from digest.executor import code_version

    # the client decoded every one of these as UTF-8 already
    return code_version("articles"), [_parse(rel, data, data.decode("utf-8"))
                                      for rel, data in files]


def _parse_all(files: list[tuple[str, tuple[int, int], int, bytes, str]],
               executor: Executor | None) -> Iterator[Parsed]:
    """_parse of every file, in order: on the cluster when there is one and enough work."""
    if not getattr(executor, "remote", False) or len(files) < REMOTE_MIN_FILES:
        for rel, _stat, _read_ns, data, text in files:
            yield _parse(rel, data, text)
        return
    from digest.executor import check_version, code_version, run_ordered

    assert executor is not None
    slots = executor.slots  # type: ignore[attr-defined]
    size = min(256, max(16, len(files) // (slots * 8)))
    chunks = [[(rel, data) for rel, _s, _r, data, _t in files[i:i + size]]
              for i in range(0, len(files), size)]
    for version, parsed in run_ordered(executor, _parse_remote, chunks, window=slots * 4):
        check_version(version, code_version("articles"), executor)
        yield from parsed


def _dedupe(articles: list[Article], problems: list[Problem]) -> list[Article]:
    by_id: dict[str, Article] = {}
    by_url: dict[str, Article] = {}
    kept: list[Article] = []
    for a in articles:
        if a.id in by_id:
            problems.append(Problem(a.path, 2, f"duplicate id {a.id!r} (also in "
                                    f"{by_id[a.id].path})", "give one of them another 'id:'"))
            continue
        if a.url and a.url in by_url:
            problems.append(Problem(a.path, 2, f"same url as {by_url[a.url].path}",
                                    "remove one copy, or correct its 'url:'", severity="warning"))
        by_id[a.id] = a
        if a.url:
            by_url.setdefault(a.url, a)
        kept.append(a)
    return kept


def load_story_notes(cfg: Config, renderer: Renderer) -> tuple[dict[str, dict], list[Problem]]:
    """content/stories/<id>.md: an editor's headline and note for a story."""
    notes: dict[str, dict] = {}
    problems: list[Problem] = []
    folder = cfg.content / "stories"
    if not folder.is_dir():
        return notes, problems
    for path in sorted(folder.glob("*.md")):
        rel = path.relative_to(cfg.root).as_posix()
        try:
            title, body = read_story_note(path, rel)
        except ArticleError as exc:
            problems.append(exc.problem)
            continue
        notes[slugify(path.stem, max_len=120)] = {
            "title": title,
            "note_html": renderer.markdown(body) if body.strip() else "",
        }
    return notes, problems


# --- group + compare ----------------------------------------------------------------------

def _partition_of(ids: Any, by_id: dict[str, Article]) -> bool:
    """Whether a stored grouping is a list of lists of these articles' ids, each id once."""
    if not isinstance(ids, list) or not all(isinstance(g, list) and g for g in ids):
        return False
    flat = [i for g in ids for i in g]
    return len(flat) == len(by_id) and set(flat) == by_id.keys()


def _analysis_key(members: list[Article]) -> str:
    h = hashlib.sha256()
    for a in members:
        h.update(a.fingerprint.encode() or a.id.encode())
        h.update(b"\0")
    return h.hexdigest()


def _compare_many(groups: list[list[Article]]) -> list[PackedAnalysis]:
    return [compare_packed(g) for g in groups]


Progress = Callable[[str, int, int], None]  # (stage, done, total); total 0 = unknown
WriteLock = Callable[[], contextlib.AbstractContextManager[Any]]


Wire = tuple[str, bytes] | Article  # an article as a cluster task gets it: (path, bytes)


def _wire(root: Path, a: Article) -> Wire:
    """What a cluster's worker gets for an article: its path and bytes, read again here
    (the worker parses them into the very same Article); the Article itself only when the
    file no longer holds those bytes (edited since it was loaded)."""
    try:
        data, _text = read_markdown_file(root / a.path, a.path)
    except ArticleError:
        return a
    return (a.path, data) if article_fingerprint(a.path, data) == a.fingerprint else a


def _compare_remote(stories: list[list[Wire]]) -> tuple[str, list[PackedAnalysis]]:
    """A cluster task: compare_story over stories given as their articles' bytes; with the
    hash of the code that did it (executor.check_version)."""
    from digest.executor import code_version

    def article(item: Wire) -> Article:
        if isinstance(item, Article):
            return item
        rel, data = item
        return parse_article_bytes(data, data.decode("utf-8"), rel)[0]

    version = code_version("articles") + code_version("analyses")
    return version, [compare_packed([article(x) for x in members]) for members in stories]


def _analyse_remote(groups: list[list[Article]], todo: list[int], executor: Executor,
                    root: Path, progress: Progress | None) -> Iterator[PackedAnalysis]:
    """The analyses of groups[i] for i in todo, in order, compared on a cluster."""
    from digest.executor import check_version, code_version, run_ordered

    slots = executor.slots  # type: ignore[attr-defined]
    size = min(64, max(4, len(todo) // (slots * 8)))
    chunks = [todo[i:i + size] for i in range(0, len(todo), size)]
    mine = code_version("articles") + code_version("analyses")
    done = 0
    results = run_ordered(executor, _compare_remote, chunks, window=slots * 4,
                          prepare=lambda c: [[_wire(root, a) for a in groups[i]] for i in c])
    for chunk, (version, analyses) in zip(chunks, results, strict=True):
        check_version(version, mine, executor)
        yield from analyses
        done += len(chunk)
        if progress:
            progress("compare", done, len(todo))


def analyse_stories(groups: list[list[Article]], cache: dict[str, Any] | None,
                    executor: Executor | None = None,
                    progress: Progress | None = None,
                    root: Path | None = None) -> list[PackedAnalysis]:
    """compare_story over every group, packed (PackedAnalysis), reusing cached analyses, in
    parallel when worth it.

    `executor`: a process pool to use instead of a new one, or a cluster's
    (digest.executor.DaskExecutor), whose workers get the articles' bytes, read from
    under `root` (the project), instead of the Article objects."""
    keys = [_analysis_key(g) for g in groups]
    results: list[PackedAnalysis | None] = [
        cache.get(k) if cache is not None else None for k in keys]
    todo = [i for i, r in enumerate(results) if not isinstance(r, PackedAnalysis)]
    if getattr(executor, "remote", False) and root is not None and \
            len(todo) >= PARALLEL_MIN_STORIES:
        assert executor is not None
        for i, analysis in zip(todo, _analyse_remote(groups, todo, executor, root, progress),
                               strict=True):
            results[i] = analysis
    elif len(todo) >= PARALLEL_MIN_STORIES and (os.cpu_count() or 1) > 1:
        own = executor is None
        # Spawned workers (a new interpreter each, ~0.3 s): a fork of this process would
        # start as big as it is (every article is in memory: 3 GiB at 100,000) and copy the
        # pages it touches, and forking a process with threads (the dev server) can
        # deadlock. Not a fork server either: its workers are not this process's children,
        # so their CPU time would be missing from this process's rusage (and benchmarks).
        pool = executor or ProcessPoolExecutor(max_workers=os.cpu_count(),
                                               mp_context=multiprocessing.get_context("spawn"))
        try:
            size = max(8, len(todo) // ((os.cpu_count() or 2) * 8))
            chunks = [todo[i:i + size] for i in range(0, len(todo), size)]
            futures = [pool.submit(_compare_many, [groups[i] for i in c]) for c in chunks]
            done = 0
            for chunk, fut in zip(chunks, futures, strict=True):
                for i, analysis in zip(chunk, fut.result(), strict=True):
                    results[i] = analysis
                done += len(chunk)
                if progress:
                    progress("compare", done, len(todo))
        except BaseException:
            if own:  # interrupted: do not wait for the queued stories
                pool.shutdown(wait=False, cancel_futures=True)
            raise
        else:
            if own:
                pool.shutdown()
    else:
        for n, i in enumerate(todo, start=1):
            results[i] = compare_packed(groups[i])
            if progress and n % 16 == 0:
                progress("compare", n, len(todo))
    if cache is not None:
        cache.clear()
        cache.update({k: r for k, r in zip(keys, results, strict=True)})
    return [r for r in results if r is not None]


StoryMemo = dict[str, tuple[tuple[Any, ...], Story]]


def _story(sid: str, members: list[Article], analysis: PackedAnalysis, note: dict | None,
           memo: StoryMemo | None) -> tuple[tuple[Any, ...], Story]:
    """The story `sid` (its memo entry): the memo's Story object when its article objects,
    analysis object and note are the very same, else a new one."""
    same = (analysis, *members, note and (note["title"], note["note_html"]))
    old = memo.get(sid) if memo is not None else None
    if old is not None and len(old[0]) == len(same) and all(
            x is y or x == y and isinstance(x, tuple | None) for x, y in
            zip(old[0], same, strict=True)):
        return old
    story = Story(id=sid, title=analysis.title, articles=members, summary=analysis.summary,
                  packed=analysis)
    if note:
        if note["title"]:
            story.title, story.title_from_editor = note["title"], True
        story.note_html = note["note_html"]
    return same, story


def make_stories(groups: list[list[Article]], analyses: list[PackedAnalysis],
                 notes: dict[str, dict], memo: StoryMemo | None = None,
                 ids: list[str] | None = None) -> list[Story]:
    """Stories from groups and their analyses, newest first. `ids`: each group's story id
    (storyids.assign_story_ids, from content/stories.lock); without it, the ids a digest
    with no lock would get.

    With `memo` (the dev server's), a story whose id, article objects, analysis object and
    note are the very ones of the previous build is the previous Story object, so that
    what the site derived from it (cards, page keys: site.PageMemo) is reused.
    """
    if ids is None:
        ids = assign_story_ids(groups, StoryLock())[0]
    stories: list[Story] = []
    fresh: StoryMemo = {}
    for sid, members, analysis in zip(ids, groups, analyses, strict=True):
        fresh[sid] = _story(sid, members, analysis, notes.get(sid), memo)
        stories.append(fresh[sid][1])
    if memo is not None:
        memo.clear()
        memo.update(fresh)
    stories.sort(key=lambda s: (-(s.last_published or date.min).toordinal(), s.id))
    return stories


# --- write ------------------------------------------------------------------------------

def _check_rel(path: str) -> Path:
    rel = Path(path)
    if rel.is_absolute() or ".." in rel.parts or "\0" in path or not rel.parts:
        raise ValueError(f"refusing to write outside the site: {path!r}")
    return rel


@dataclass
class _WriteStats:
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    rendered: int = 0
    problems: list[Problem] = field(default_factory=list)
    paths: set[str] = field(default_factory=set)  # every file the build put in the site
    search_seconds: float = 0.0


def _run_postprocess(postprocess: SearchIndex, site: Path, stats: _WriteStats,
                     keys: dict[str, str] | None = None) -> list[str]:
    """The search index is a convenience: if it fails, the site still goes out without it."""
    start = time.perf_counter()
    try:
        return postprocess(site, keys)
    except (RuntimeError, OSError) as exc:
        stats.problems.append(Problem("search", None, f"search index not built ({exc})",
                                      "check that the pagefind package is installed, or set "
                                      "'search: false' in digest.yaml"))
        return []
    finally:
        stats.search_seconds += time.perf_counter() - start


def _page_bytes(spec: PageSpec, old: Path, manifest: dict[str, str], new_manifest: dict[str, str],
                global_key: str, stats: _WriteStats) -> PageData | None:
    """The page's bytes, or None when the file in the old site is already right."""
    key = f"{global_key}:{spec.key}" if spec.key is not None else None
    if key is not None:
        new_manifest[spec.path] = key
        if manifest.get(spec.path) == key and spec.trusted and _regular_file(old):
            return None
    data = spec.make()
    stats.rendered += key is not None
    if not isinstance(data, bytes):
        return data  # chunks: compared with the old file while written (_write_data)
    try:
        if _regular_file(old) and old.stat().st_size == len(data) and old.read_bytes() == data:
            return None
    except OSError:
        pass
    return data


def _regular_file(path: Path) -> bool:
    """path is a regular file, not a symlink (one lstat, not is_file() and is_symlink())."""
    try:
        return S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


@contextlib.contextmanager
def _reader(path: Path) -> Iterator[io.BufferedReader | None]:
    """The regular file at path open for reading, or None."""
    try:
        fh = path.open("rb") if _regular_file(path) else None
    except OSError:
        fh = None
    try:
        yield fh
    finally:
        if fh is not None:
            fh.close()


def _write_data(path: Path, data: PageData, old: Path) -> bool:
    """Write a page to path. Chunks (a big file, api/stories.json: 114 MB at 10,000
    articles, made as it is written, never whole in memory) are compared with the file
    `old` on the way: True when `old` holds exactly the bytes written."""
    if isinstance(data, bytes):
        path.write_bytes(data)
        return False
    try:
        with path.open("wb") as fh, _reader(old) as prev:
            same = prev is not None
            for chunk in data:
                fh.write(chunk)
                same = same and prev is not None and prev.read(len(chunk)) == chunk
            return same and prev is not None and prev.read(1) == b""
    finally:
        close = getattr(data, "close", None)
        if close is not None:  # a generator stopped half-way lets go of its files now
            close()


def write_site_swap(output: Path, specs: Iterable[PageSpec], manifest: dict[str, str],
                    global_key: str, postprocess: SearchIndex | None = None
                    ) -> tuple[_WriteStats, dict[str, str]]:
    """Write into a staging folder and swap it into place (a full `digest build`).

    Unchanged files are hard-linked from the current site; an interrupted build leaves
    the previous site/ untouched.
    """
    staging = output.with_name(f".{output.name}.staging-{os.getpid()}")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    stats = _WriteStats()
    new_manifest: dict[str, str] = {}
    paths: set[str] = set()
    try:
        for spec in specs:
            rel = _check_rel(spec.path)
            paths.add(spec.path)
            target, old = staging / rel, output / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            data = _page_bytes(spec, old, manifest, new_manifest, global_key, stats)
            if data is None:
                try:
                    os.link(old, target)
                    stats.unchanged += 1
                    continue
                except OSError:
                    data = spec.make()
            if _write_data(target, data, old):
                stats.unchanged += 1  # (made and written again, byte for byte the old file)
                continue
            stats.written.append(spec.path)
        if postprocess is not None:  # the search index, built over the complete staged site
            paths.update(_run_postprocess(postprocess, staging, stats, new_manifest))
        stats.removed = sorted(p for p in existing_files(output) if p not in paths)
        if output.is_dir() and not output.is_symlink() and _exchange(staging, output):
            shutil.rmtree(staging, ignore_errors=True)  # now holds the previous site
        else:
            old_site = output.with_name(f".{output.name}.old-{os.getpid()}")
            if output.exists():
                os.replace(output, old_site)
            os.replace(staging, output)  # recover_interrupted() mends a kill between these
            shutil.rmtree(old_site, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return stats, new_manifest


def write_site_in_place(output: Path, specs: Iterable[PageSpec], manifest: dict[str, str],
                        global_key: str, postprocess: SearchIndex | None = None,
                        known: set[str] | None = None, partial: bool = False,
                        lock: WriteLock | None = None) -> tuple[_WriteStats, dict[str, str]]:
    """Replace only the files that changed, each atomically (the dev server's rebuilds).

    Pages are rendered and written to hidden temporary files first; then, holding `lock`
    (the dev server's: requests wait meanwhile), they are renamed into place and stale
    files removed, so that nobody sees a half-updated site and requests wait only for the
    renames. If rendering fails, nothing is replaced.
    `known`: the files the previous in-place build left (stats.paths); with it, stale files
    are found without walking the whole site. `partial`: `specs` are some of the site's
    files only (they must all be in `known`): none is stale, every other file and its
    manifest entry stay as they are.
    """
    stats = _WriteStats()
    new_manifest: dict[str, str] = dict(manifest) if partial else {}
    paths: set[str] = set()
    staged: list[tuple[Path, Path, str]] = []  # (temporary file, target, page path)
    output.mkdir(parents=True, exist_ok=True)
    try:
        for spec in specs:
            paths.add(spec.path)
            if known is not None and spec.key is not None and spec.trusted \
                    and spec.path in known:
                # this very file was put there by the previous build: its key says it is right
                key = new_manifest[spec.path] = f"{global_key}:{spec.key}"
                if manifest.get(spec.path) == key:
                    stats.unchanged += 1
                    continue
            rel = _check_rel(spec.path)
            target = output / rel
            data = _page_bytes(spec, target, manifest, new_manifest, global_key, stats)
            if data is None:
                stats.unchanged += 1
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
            staged.append((tmp, target, spec.path))
            if _write_data(tmp, data, target):
                staged.pop()
                tmp.unlink()
                stats.unchanged += 1
    except BaseException:
        for tmp, _target, _path in staged:
            tmp.unlink(missing_ok=True)
        raise
    with lock() if lock is not None else contextlib.nullcontext():
        for tmp, target, path in staged:
            os.replace(tmp, target)
            stats.written.append(path)
        if partial:
            stats.paths = known or set()
            return stats, new_manifest
        owned = postprocess.owns if postprocess is not None else ()  # its folder: not stale
        existing = known if known is not None else existing_files(output)
        for stale in sorted(p for p in existing if p not in paths and not p.startswith(owned)):
            (output / stale).unlink(missing_ok=True)
            stats.removed.append(stale)
    if postprocess is not None:  # the search index, over the site as it now is
        _run_postprocess(postprocess, output, stats, new_manifest)
    if known is None:
        _prune_empty_dirs(output)
    else:
        for stale in stats.removed:  # only the folders that lost a file can be empty
            for parent in (output / stale).parents:
                if parent == output or not parent.is_relative_to(output):
                    break
                try:
                    parent.rmdir()
                except OSError:
                    break
    stats.paths = paths
    return stats, new_manifest


def _prune_empty_dirs(output: Path) -> None:
    for dirpath, dirs, files in sorted(os.walk(output, topdown=False), reverse=False):
        if not dirs and not files and Path(dirpath) != output:
            try:
                os.rmdir(dirpath)
            except OSError:
                pass


def _global_key(cfg: Config, renderer: Renderer) -> str:
    """Everything every page depends on: digest's version, the config, the templates.

    The templates as the renderer resolves them: a name in the project's templates/ hides
    the default theme's (Jinja's loader and Renderer._static_files look in the folders in
    order), so only the file of that name in the first folder counts. The default theme
    copied into a project unchanged renders every page as before, and is not a change."""
    h = hashlib.sha256(_code_version().encode())
    settings = cfg.settings(root=False)
    h.update(json.dumps(settings, sort_keys=True, default=str).encode())
    used: dict[str, Path] = {}
    for d in renderer.template_dirs:
        for f in sorted(d.rglob("*")):
            if f.is_file():
                used.setdefault(f.relative_to(d).as_posix(), f)
    for rel, f in sorted(used.items()):
        h.update(rel.encode() + b"\0" + f.read_bytes())
    return h.hexdigest()[:16]


# --- the build ----------------------------------------------------------------------------

@dataclass
class _LastBuild:
    """What the last successful build of a Builder decided: Builder.quick() starts there."""

    cfg: Config
    renderer: Renderer
    global_key: str
    groups: list[list[Article]]
    analyses: list[PackedAnalysis]  # one per group
    notes: dict[str, dict]
    problems: list[Problem]
    stories: list[Story]
    # an article's path -> (its group, its place in the group, its story's place in stories)
    where: dict[str, tuple[int, int, int]]


class Builder:
    """A build engine; keeps its caches in memory between rebuilds (for `digest serve`).

    `build()` always produces exactly what a clean full build of the same content would.
    Between builds of one Builder it also reuses what provably did not change: the Renderer
    (same settings, same theme files), the grouping (the same articles with the very same
    term counts), Story objects and the page keys derived from them (site.PageMemo).

    `defer=True` (the dev server) leaves the search index and the disk caches to
    `update_search()` and `save_caches()`, which the server runs once pages are told to
    reload.
    """

    def __init__(self, root: Path, base_url: str | None = None, in_place: bool = False,
                 use_cache: bool = True, progress: Progress | None = None,
                 defer: bool = False, record_ids: bool = True,
                 executor: str | Executor | None = None):
        self.root = root
        # where load and compare run: None takes `executor:` from digest.yaml; 'local' or
        # 'dask://HOST:PORT' (digest/executor.py); or an Executor of the caller's
        self.executor = executor
        self._executor: tuple[str, Executor | None] | None = None  # (spec, the one opened)
        # write content/stories.lock when the ids it records change: `digest build` does,
        # `digest serve` does not (its builds are previews; docs/STABLE_URLS.md)
        self.record_ids = record_ids
        self.lock = StoryLock()  # the last build's story ids, merged and removed stories
        self.progress = progress
        self.base_url = base_url
        self.in_place = in_place
        self.use_cache = use_cache
        self.defer = defer
        self._caches: dict[str, dict[str, Any]] | None = None
        self._saved: dict[str, dict[int, dict[str, Any]]] = {}  # what each shard file holds
        self._cfg: Config | None = None
        self._renderer: tuple[tuple[Any, ...], Renderer, str] | None = None
        self._groups: tuple[tuple[Any, ...], list[Terms], list[list[str]]] | None = None
        self._stories: StoryMemo = {}
        self._pages = PageMemo()
        self._last: _LastBuild | None = None  # what quick() starts from
        self._site_paths: set[str] | None = None  # what the last in-place build left in ...
        self._site_paths_of: Path | None = None  # ... this output folder
        self.search_stale = False
        self._search_groups: dict[str, str] | None = None  # the last build's (search_groups)
        self.caches_dirty = False
        # a one-shot build (`build()`): the loaded caches and articles are frozen for the
        # garbage collector (gc.freeze) until it ends
        self.freeze_gc = False

    def _executor_for(self, cfg: Config) -> Executor | None:
        """The executor the load and compare stages use: None for the local process pool.
        A cluster's is opened once per Builder (it connects on first use) and kept open
        until close(). Raises ConfigError for a bad spec, ExecutorError when Dask
        distributed is not installed."""
        if isinstance(self.executor, Executor):
            return self.executor
        from digest.executor import open_executor, parse_spec

        spec = self.executor if self.executor is not None else cfg.executor
        parse_spec(spec)  # a bad --executor is a ConfigError before anything is read
        if self._executor is None or self._executor[0] != spec:
            self.close()
            self._executor = (spec, open_executor(spec))
        executor = self._executor[1]
        if executor is not None:
            executor.connect()  # an unreachable scheduler: ExecutorError, before any work
        return executor

    def close(self) -> None:
        """Close the connection to a cluster, if one was opened (a Builder can still build
        afterwards: it connects again)."""
        if self._executor is not None and self._executor[1] is not None:
            self._executor[1].shutdown(wait=False)
        self._executor = None

    def _cache_paths(self, cfg: Config) -> dict[str, Path]:
        return {name: cfg.cache / name
                for name in ("articles", "analyses", "pages", "stories", "groups")}

    def _renderer_for(self, cfg: Config) -> tuple[Renderer, str]:
        """The Renderer and global page key, made again only when settings or theme changed."""
        settings = json.dumps(cfg.settings(), sort_keys=True, default=str)
        # a theme file saved just now may be saved again unseen by its stat: no reuse then
        sig = (settings, theme_state(cfg) or object())
        if self._renderer is None or self._renderer[0] != sig:
            renderer = Renderer(cfg)
            self._renderer = (sig, renderer, _global_key(cfg, renderer))
        return self._renderer[1], self._renderer[2]

    def _group(self, cfg: Config, articles: list[Article], terms: dict[str, Terms],
               stored: dict[str, Any], background: list[Article] | None = None
               ) -> list[list[Article]]:
        """group_into_stories, or the previous grouping when its every input is the same:
        the same articles (id, path, date, story pin) with the same term counts. In one
        process that is checked by the very same term objects; across processes by a hash
        of all of it (`stored`: the "groups" cache), so that a changed template, setting or
        story note does not group 100,000 articles again (260 s). `background`: the
        articles retention keeps out of the groups, which still count in the IDF."""
        sig: tuple[Any, ...] = (cfg.group_window_days, *((a.id, a.path, a.published, a.story)
                                                         for a in articles))
        counts = [terms[a.id] for a in articles]
        if background:
            sig += ("background", *(a.id for a in background))
            counts += [terms[a.id] for a in background]
        memo = self._groups
        by_id = {a.id: a for a in articles}
        if memo is not None and memo[0] == sig and all(
                x is y for x, y in zip(memo[1], counts, strict=True)):
            return [[by_id[i] for i in ids] for ids in memo[2]]
        h = hashlib.sha256(json.dumps(sig, default=str).encode("utf-8", "surrogatepass"))
        for c in counts:
            h.update(c.keys.encode("utf-8", "surrogatepass") + b"\0" + c.weights + b"\0")
        key = h.hexdigest()
        ids = stored.get(key)
        if not _partition_of(ids, by_id):
            groups = group_into_stories(articles, window_days=cfg.group_window_days,
                                        terms=terms, background=counts[len(articles):])
            ids = [[a.id for a in g] for g in groups]
            stored.clear()
            stored[key] = ids
        self._groups = (sig, counts, ids)
        return [[by_id[i] for i in g] for g in ids]

    def build(self, changed: set[Path] | None = None,
              write_lock: WriteLock | None = None) -> BuildResult:
        """Build the site. `changed` is a hint only; correctness never depends on it.

        `write_lock` (the dev server's) is held while site/ changes, and only then: in
        place, while the pages rendered meanwhile are renamed into it and stale files
        removed; reading, grouping, comparing and rendering happen while the last site is
        still served.
        Raises ConfigError or TemplateProblem when the site cannot be built at all.
        """
        result = BuildResult()
        t0 = time.perf_counter()
        self._last = None  # quick() starts only from a build that went through
        cfg = load_config(self.root, base_url=self.base_url)
        # A one-shot build whose inputs and output are exactly as the last build left them
        # has nothing to do: not even the caches are read (a warm `digest build`).
        if not self.in_place:
            recover_interrupted(cfg.output)  # before the site is judged up to date
        inputs = _inputs_state(cfg) if self.use_cache and self._caches is None else None
        if inputs is not None and not self.in_place:
            done = _up_to_date(cfg, inputs)
            if done is not None:
                done.timings = {"check": time.perf_counter() - t0}
                return done
        lock, lock_bytes = read_lock(cfg.content, cfg.root)  # LockError: nothing is built
        renderer, global_key = self._renderer_for(cfg)
        paths = self._cache_paths(cfg)
        if not self.use_cache:
            caches: dict[str, dict[str, Any]] = {n: {} for n in paths}
        elif self._caches is None:
            self._saved = {str(p): {} for p in paths.values()}
            caches = {n: _load_cache(p, _stage(n), self._saved[str(p)], self.freeze_gc)
                      for n, p in paths.items()}
        else:
            caches = self._caches
        if self._pages.stories is not caches["stories"]:  # what the pages of a story were
            self._pages = PageMemo(caches["stories"])
        parsed_paths: list[str] = []
        executor = self._executor_for(cfg)
        articles, problems, terms = load_articles(cfg, caches["articles"], parsed_paths,
                                                  executor)
        result.articles_parsed = len(parsed_paths)
        if self.freeze_gc:
            # what was loaded lives to the end of the build: out of the garbage collector's
            # sight, so that its full collections do not walk it again (one edit at 10,000
            # articles: two such walks of ~0.3 s)
            gc.freeze()
        notes, note_problems = load_story_notes(cfg, renderer)
        result.problems = problems + note_problems
        result.articles = articles
        t1 = time.perf_counter()
        # retention (keep_days): old articles are neither grouped nor compared
        kept = retention_for(cfg.keep_days, cfg.group_window_days, articles)
        recent, expired = for_grouping(kept, articles)
        groups, expired_grouped = split_groups(kept, self._group(
            cfg, recent, terms, caches["groups"], background=expired))
        expired += expired_grouped
        t2 = time.perf_counter()
        analyses = analyse_stories(groups, caches["analyses"], executor=executor,
                                   progress=self.progress, root=cfg.root)
        ids, self.lock = assign_story_ids(groups, lock, [a.id for a in expired])
        result.stories = make_stories(groups, analyses, notes, self._stories, ids)
        archive = make_archive(kept, self.lock, result.stories, expired, notes)
        t3 = time.perf_counter()
        stats = self._write(cfg, renderer, global_key, result.stories, caches, write_lock,
                            archive)
        new_lock = format_lock(self.lock)
        if self.record_ids and new_lock != lock_bytes and (lock_bytes or self.lock.stories):
            save_lock(cfg.content, new_lock)  # after the site: it records what was published
            inputs = _inputs_state(cfg) if inputs is not None else None
        t4 = time.perf_counter()
        self._cfg = cfg
        if not result.errors and self.in_place:  # quick() answers in-place builds only
            place = {a.path: n for n, st in enumerate(result.stories) for a in st.articles}
            where = {a.path: (g, i, place[a.path]) for g, members in enumerate(groups)
                     for i, a in enumerate(members)}
            self._last = _LastBuild(cfg, renderer, global_key, groups, analyses, notes,
                                    list(result.problems), result.stories, where)
        if self.use_cache:
            self._caches = caches
            self.caches_dirty = True
            if not self.defer:
                self.save_caches()
        self.search_stale = self.search_stale or bool(stats.written or stats.removed)
        result.problems.extend(stats.problems)
        result.written_paths = stats.written
        result.removed_paths = stats.removed
        result.pages_written = len(stats.written)
        result.pages_unchanged = stats.unchanged
        result.pages_rendered = stats.rendered
        if inputs is not None and not self.in_place:
            _record_state(cfg, inputs, result)
        t5 = time.perf_counter()
        result.timings = {"load": t1 - t0, "group": t2 - t1, "compare": t3 - t2,
                          "render+write": t4 - t3 - stats.search_seconds,
                          "search index": stats.search_seconds, "cache": t5 - t4}
        return result

    def _write(self, cfg: Config, renderer: Renderer, global_key: str, stories: list[Story],
               caches: dict[str, dict[str, Any]], write_lock: WriteLock | None = None,
               archive: Archive | None = None) -> _WriteStats:
        self._pages.scope = global_key
        specs = _counting(site_pages(cfg, renderer, stories, self._pages,
                                     aliases=self.lock.aliases, removed=self.lock.removed,
                                     archive=archive),
                          self.progress)
        manifest = caches["pages"] if self.use_cache else {}
        self._search_groups = search_groups(stories)
        search = SearchIndex(cfg, use_cache=self.use_cache, groups=self._search_groups)
        postprocess = search.deferred() if self.defer else search
        if self.in_place:
            known = self._site_paths if self._site_paths_of == cfg.output else None
            self._site_paths = None  # unknown again if this build stops half-way
            stats, new_manifest = write_site_in_place(cfg.output, specs, manifest, global_key,
                                                      postprocess, known, lock=write_lock)
            self._site_paths, self._site_paths_of = stats.paths, cfg.output
        elif self._few_changes(cfg, global_key, stories, manifest, archive):
            stats, new_manifest = write_site_in_place(cfg.output, specs, manifest, global_key,
                                                      postprocess, lock=write_lock)
        else:
            with write_lock() if write_lock is not None else contextlib.nullcontext():
                stats, new_manifest = write_site_swap(cfg.output, specs, manifest, global_key,
                                                      postprocess)
        self._pages.api_written(cfg.output / "api/stories.json")
        caches["pages"] = new_manifest
        return stats

    def _few_changes(self, cfg: Config, global_key: str, stories: list[Story],
                     manifest: dict[str, str], archive: Archive | None = None) -> bool:
        """Whether a one-shot build may write into site/ in place instead of swapping in a
        staged copy: when site/ is the last build's (same settings, theme and code) and at
        most IN_PLACE_STORIES stories (or 2%) changed. A staged copy costs a hard link per
        file and removing the old tree (4.6 s of system time at 10,000 articles) however
        little changed; in place, the changed pages are rendered to temporary files and
        renamed into place once all are made, so an interrupted build leaves every file
        whole and the next build finishes the job."""
        if not manifest or not cfg.output.is_dir() or cfg.output.is_symlink() or \
                not next(iter(manifest.values())).startswith(global_key + ":"):
            return False
        archived = archive.all_articles() if archive is not None else ()
        return self._pages.changed(stories, archived) <= max(IN_PLACE_STORIES,
                                                             len(stories) // 50)

    @property
    def quick_ready(self) -> bool:
        """quick() may answer the next edit (the last build went through, in place)."""
        return self._last is not None and self._caches is not None and self.in_place \
            and self._site_paths is not None

    def quick(self, changed: set[Path], write_lock: WriteLock | None = None
              ) -> BuildResult | None:
        """A provisional rebuild for the dev server: the edited articles' stories compared
        again and only the pages that show them written (site_pages(only=...)): their
        story and article pages and the index pages that list them.

        Only for edits of articles the last (error-free, in-place) build had, keeping their
        id, date, outlet and story pin, so that every page's path, every story's place and
        every outlet stay what they were; None for anything else. Its pages show an edit at
        once; the server then runs build(), which gives exactly the clean-build site (an
        edited article may, say, belong to another story now; the outlet pages, feeds,
        sitemap and API file are written there) and rewrites what differs.
        """
        last, caches = self._last, self._caches
        if not self.quick_ready or last is None or caches is None or not changed \
                or len(changed) > 8 or self._site_paths_of != last.cfg.output:
            return None
        t0 = time.perf_counter()
        cfg = last.cfg
        groups = list(last.groups)
        problems = list(last.problems)
        edited: dict[int, int] = {}  # group -> its story's place
        articles: list[Article] = []  # the edited ones
        compared: set[int] = set()  # groups with more than a new headline to show
        for path in sorted(changed):
            if path.suffix != ".md" or not path.is_file() or not path.is_relative_to(cfg.root):
                return None
            rel = path.relative_to(cfg.root).as_posix()
            if rel not in last.where:
                return None
            g, i, n = last.where[rel]
            old = groups[g][i]
            try:
                article, warnings = read_article_file(path, rel)
            except (ArticleError, OSError):
                return None  # the full build reports it
            if (article.id, article.published, article.story, article.source.casefold()) != \
                    (old.id, old.published, old.story, old.source.casefold()):
                return None
            groups[g] = [*groups[g][:i], article, *groups[g][i + 1:]]
            edited[g] = n
            articles.append(article)
            if dataclasses.replace(article, title=old.title, fingerprint=old.fingerprint,
                                   meta=old.meta) != old:
                compared.add(g)
            problems = [p for p in problems if p.path != rel] + warnings
        # the same dates and ids: every story keeps its id and its place in the list
        stories = list(last.stories)
        for g, n in edited.items():
            key = _analysis_key(groups[g])
            analysis = caches["analyses"].get(key)
            if not isinstance(analysis, PackedAnalysis) and g in compared:
                analysis = caches["analyses"][key] = compare_packed(groups[g])
            elif not isinstance(analysis, PackedAnalysis):
                # new titles only: the same facts and differences, perhaps a new headline
                # (the full build checks)
                analysis = PackedAnalysis.pack(retitle(last.analyses[g].unpack(), groups[g]))
            sid = stories[n].id
            self._stories[sid] = _story(sid, groups[g], analysis, last.notes.get(sid),
                                        self._stories)
            stories[n] = self._stories[sid][1]
        only = {stories[n].id for n in edited.values()}
        t1 = time.perf_counter()
        self._pages.scope = last.global_key
        specs = site_pages(cfg, last.renderer, stories, self._pages, only=only)
        stats, caches["pages"] = write_site_in_place(
            cfg.output, specs, caches["pages"], last.global_key, known=self._site_paths,
            partial=True, lock=write_lock)
        self.caches_dirty = True
        self.search_stale = self.search_stale or bool(stats.written)
        # its articles: the edited ones (the totals are in counts)
        result = BuildResult(articles=articles,
                             counts={"articles": len(last.where), "stories": len(stories)},
                             stories=stories,
                             problems=problems + stats.problems,
                             written_paths=stats.written, removed_paths=stats.removed,
                             pages_written=len(stats.written), pages_unchanged=stats.unchanged,
                             pages_rendered=stats.rendered, provisional=True)
        result.timings = {"compare": t1 - t0, "render+write": time.perf_counter() - t1}
        return result

    def save_caches(self, cancel: threading.Event | None = None) -> None:
        """Write the in-memory caches to .digest-cache/ (the next process starts warm).
        Setting `cancel` stops it (they stay dirty, to be saved later)."""
        if self._caches is None or self._cfg is None or not self.caches_dirty:
            return
        for name, path in self._cache_paths(self._cfg).items():
            if not _save_cache(path, self._caches[name], _stage(name), cancel,
                               self._saved.setdefault(str(path), {})):
                return
        self.caches_dirty = False

    def update_search(self, cancel: threading.Event | None = None) -> list[Problem]:
        """Re-index the site for search after deferred builds; problems if it failed.

        Raises SearchCancelled when `cancel` is set meanwhile (a newer build started)."""
        if self._cfg is None or not self.search_stale:
            return []
        stats = _WriteStats()
        index = SearchIndex(self._cfg, use_cache=self.use_cache, cancel=cancel,
                            groups=self._search_groups)
        keys = self._caches.get("pages") if self._caches is not None else None
        _run_postprocess(index, self._cfg.output, stats, keys)
        self.search_stale = False
        return stats.problems


def search_groups(stories: list[Story]) -> dict[str, str]:
    """Every story and article page (its path in the site) -> its story's id: a story's
    pages go into one search shard (digest/search.py)."""
    groups: dict[str, str] = {}
    for story in stories:
        groups.setdefault(story_path(story) + "index.html", story.id)
        for a in story.articles:
            groups.setdefault(article_path(a) + "index.html", story.id)
    return groups


def _stage(cache: str) -> str | None:
    return cache if cache in STAGE_MODULES else None


def _counting(specs: Iterable[PageSpec], progress: Progress | None) -> Iterator[PageSpec]:
    for n, spec in enumerate(specs, start=1):
        if progress and n % 200 == 0:
            progress("render", n, 0)
        yield spec


def build(root: Path, base_url: str | None = None, use_cache: bool = True,
          progress: Progress | None = None, executor: str | None = None) -> BuildResult:
    """Build the site of the digest at `root` (one-shot, swapped into place). `executor`:
    'local' or 'dask://HOST:PORT' (None: `executor:` in digest.yaml; docs/SCALING.md)."""
    builder = Builder(root, base_url=base_url, use_cache=use_cache, progress=progress,
                      executor=executor)
    builder.freeze_gc = True
    try:
        return builder.build()
    finally:
        gc.unfreeze()
        release_lines()
        builder.close()
