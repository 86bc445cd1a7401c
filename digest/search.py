"""Static search: a Pagefind index (https://pagefind.app), in shards, over the finished site.

Pagefind reads the rendered HTML (only the parts marked `data-pagefind-body`: story and
article pages) and writes search bundles into `site/pagefind/`; the search page loads them
in the browser. It needs no server, works under a base_url sub-path, and the site works
without it (the search page then says search needs JavaScript and links to the lists).

Pagefind has no incremental mode: a run indexes every page it is given, and its time and
memory grow with them (at 10,000 articles one run over the whole site took 52 s and 3.6 GiB;
at 100,000 it could not run). So the pages are split into shards, each indexed by its own
Pagefind run into `site/pagefind/NN/`:

- a story's page and its articles' pages are in one shard, chosen by a hash of the story id
  (an edit or a new article changes its article page and its story page: one shard);
- the number of shards is a power of two chosen from the page count (TARGET_PAGES pages a
  shard, at most MAX_SHARDS), so a shard's Pagefind run is bounded; it changes only when the
  site doubles or halves (then every shard is indexed again, once);
- a shard is indexed again only when one of its pages changed (its key: the page keys of
  the build, or the bytes of a page without one; kept in .digest-cache/search.json); the
  other shards' folders stay as they are. When the keys changed but what Pagefind reads of
  the pages did not (their `<html>` tag and the `data-pagefind-body` element: a template
  change around the content rewrites every page), the shard is kept too (_indexed_part);
- `site/pagefind/shards.json` lists the shards; the search page (static/search.js) opens
  the first with Pagefind's UI and merges the others (`mergeIndex`: merged indexes share the
  first one's WebAssembly; each costs its entry file, its metadata and one index chunk a
  search word). Pagefind's own UI script and style sheet are at `site/pagefind/`.

Pagefind's output is deterministic for the same pages, so a shard re-indexed gives the
bytes a clean build gives. The build calls `SearchIndex` on the staged site before swapping
it in (digest/build.py), or on site/ after an in-place write, so the live site and its
index match; `digest serve` runs it after the reload (Builder.update_search), stopped by
the next save (the shards finished by then are kept). `search: false` in digest.yaml turns
all of it off.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from digest.config import Config
from digest.freshness import existing_files

BUNDLE_DIR = "pagefind"
SHARDS_FILE = "shards.json"
STAMPS_FILE = "search.json"  # in .digest-cache/: shard name -> its stamp (_stamp)
TARGET_PAGES = 400  # pages a shard: smaller ones rank worse (docs/PERFORMANCE.md, search)
MAX_SHARDS = 32  # each costs a search in the browser an entry file, a metadata file and a chunk
UI_FILES = ("pagefind-ui.js", "pagefind-ui.css")  # kept once, at the bundle's top
# Pagefind's other front ends: the search page does not load them
UNUSED = ("pagefind-ui.js", "pagefind-ui.css", "pagefind-component-ui.js",
          "pagefind-component-ui.css", "pagefind-modular-ui.js", "pagefind-modular-ui.css",
          "pagefind-highlight.js")

BACKGROUND_NICE = 10  # the dev server's Pagefind yields the CPU to rebuilds and requests


def shard_count(pages: int) -> int:
    """Shards for a site with this many indexed pages: a power of two, TARGET_PAGES pages
    a shard or fewer, at most MAX_SHARDS."""
    n = 1
    while n < MAX_SHARDS and pages > n * TARGET_PAGES:
        n *= 2
    return n


def shard_of(group: str, count: int) -> int:
    """The shard of a story's pages (`group`: the story id): a hash, the same everywhere."""
    return int.from_bytes(hashlib.sha256(group.encode("utf-8", "surrogatepass")).digest()[:8],
                          "big") % count


def shard_name(k: int) -> str:
    return f"{k:02d}"


def _pagefind_version() -> str:
    try:
        from importlib.metadata import version

        return version("pagefind")
    except Exception:  # noqa: BLE001 - not installed: no version
        return "?"


def pagefind_available() -> bool:
    try:
        from pagefind.service import _must_get_executable  # noqa: F401
    except ImportError:
        return False
    return True


def _pagefind_command() -> list[str]:
    """The Pagefind binary the pip package ships (without a Python process in front of it,
    which costs 0.1 s a shard), or `python -m pagefind`."""
    try:
        from pagefind.service import _must_get_executable

        return [str(_must_get_executable().resolve())]
    except Exception:  # noqa: BLE001 - an older or newer wrapper: let it find its binary
        return [sys.executable, "-m", "pagefind"]


class SearchCancelled(Exception):
    """A newer build started while the index was being made (the dev server)."""


def run_pagefind(site_dir: Path, out_dir: Path, cancel: threading.Event | None = None,
                 timeout: float = 600) -> None:
    """Index site_dir's HTML into out_dir with the Pagefind binary the pip package ships.

    Setting `cancel` stops Pagefind and raises SearchCancelled."""
    cmd = [*_pagefind_command(), "--site", str(site_dir), "--output-path", str(out_dir),
           "--silent"]
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT)
        if cancel is not None:  # the dev server's: in the background, behind its requests
            with contextlib.suppress(AttributeError, OSError):  # (set before Pagefind's
                os.setpriority(os.PRIO_PROCESS, proc.pid, BACKGROUND_NICE)  # threads start)
        deadline = time.monotonic() + timeout
        stop = cancel if cancel is not None else threading.Event()  # (never set)
        try:
            while (code := proc.poll()) is None:
                # woken at once by a cancel (a new edit waits for this thread)
                if stop.wait(0.02):
                    raise SearchCancelled()
                if time.monotonic() > deadline:
                    raise RuntimeError(f"pagefind took longer than {timeout:.0f}s")
        except BaseException:
            proc.kill()
            # a killed Pagefind of a big site takes a while to give back its memory
            threading.Thread(target=proc.wait, name="digest-reap", daemon=True).start()
            raise
        if code != 0:
            log.seek(0)
            text = log.read().decode("utf-8", "replace").strip()[-2000:]
            raise RuntimeError(f"pagefind failed ({code}): {text}")


def _remove_later(folder: Path) -> None:
    """Rename `folder` out of the way now and delete it in a background thread."""
    trash = folder.with_name(f"{folder.name}.trash-{time.monotonic_ns()}")
    try:
        os.replace(folder, trash)
    except OSError:
        return
    threading.Thread(target=shutil.rmtree, args=(trash,), kwargs={"ignore_errors": True},
                     name="digest-remove", daemon=True).start()


def _files(folder: Path, rel_to: Path) -> list[str]:
    """The files under folder (following links, as is_file does), as sorted paths relative
    to rel_to, which holds it."""
    top, prefix = str(folder), folder.relative_to(rel_to).as_posix() + "/"
    return sorted(prefix + rel for rel in existing_files(folder)
                  if os.path.isfile(os.path.join(top, rel)))


def indexed_pages(site_dir: Path, groups: Mapping[str, str] | None = None
                  ) -> dict[str, str]:
    """The pages to index (site path -> the group that keeps them in one shard).

    `groups`: the build's (every story and article page -> its story id). Without it, every
    HTML page with a `data-pagefind-body` is read and is its own group."""
    if groups is not None:
        site = str(site_dir)
        return {rel: g for rel, g in groups.items() if os.path.isfile(os.path.join(site, rel))}
    found: dict[str, str] = {}
    for dirpath, dirs, files in os.walk(site_dir):
        dirs[:] = sorted(d for d in dirs if d != BUNDLE_DIR or Path(dirpath) != site_dir)
        for name in sorted(files):
            if name.endswith(".html"):
                p = Path(dirpath) / name
                if b"data-pagefind-body" in p.read_bytes():
                    rel = p.relative_to(site_dir).as_posix()
                    found[rel] = rel  # its own group
    return found


def plan_shards(pages: Mapping[str, str], count: int | None = None) -> dict[str, list[str]]:
    """Shard name -> its pages (sorted), for the non-empty shards."""
    count = count or shard_count(len(pages))
    shards: dict[str, list[str]] = {}
    for rel in sorted(pages):
        shards.setdefault(shard_name(shard_of(pages[rel], count)), []).append(rel)
    return dict(sorted(shards.items()))


def _shard_key(name: str, count: int, pages: list[str], site_dir: Path,
               keys: Mapping[str, str] | None, cancel: threading.Event | None) -> str:
    """Hash of what a shard's index is made from: Pagefind's version, the shard, and each
    page's path and key (a page's key determines its bytes) or bytes."""
    def part(rel: str) -> bytes:
        key = keys.get(rel) if keys else None
        return b"k" + key.encode() if key else (site_dir / rel).read_bytes()
    return _hash_pages(name, count, pages, part, cancel)


def _content_key(name: str, count: int, pages: list[str], site_dir: Path,
                 cancel: threading.Event | None) -> str:
    """Hash of what Pagefind reads of a shard's pages (_indexed_part): pages that differ
    elsewhere (a template's head, menu or footer) give the same index."""
    return _hash_pages(name, count, pages,
                       lambda rel: _indexed_part((site_dir / rel).read_bytes()), cancel)


def _hash_pages(name: str, count: int, pages: list[str], part: Callable[[str], bytes],
                cancel: threading.Event | None) -> str:
    h = hashlib.sha256(f"{_pagefind_version()}\0{count}\0{name}\0".encode())
    for n, rel in enumerate(pages):
        if cancel is not None and n % 500 == 0 and cancel.is_set():
            raise SearchCancelled()
        h.update(rel.encode("utf-8", "surrogatepass") + b"\0")
        h.update(part(rel))
        h.update(b"\0")
    return h.hexdigest()


# What Pagefind reads of a page, by its documentation (pagefind.app, "Indexing" and
# "Metadata"): the `lang` of <html>; when an element has data-pagefind-body, that element
# and nothing else of the page's text; data-pagefind-* attributes anywhere (filters, meta,
# sort, weights, even in <head>); the first <h1> and the first <img> after it for the
# automatic title and image, wherever they are. So a page's indexed part is its <html> tag
# and its body element, unless something Pagefind reads stands outside that element, or the
# element holds raw text in which its end tag could hide (a script, a comment): then it is
# the whole page. (An <svg>'s <title> is an ordinary element there, escaped like the rest.)
_BODY_ATTR = b"data-pagefind-body"
_READ_OUTSIDE = re.compile(rb"data-pagefind|<h1[\s>/]|<img[\s>/]", re.I)
_RAW_TEXT = re.compile(rb"<(?:script|style|textarea|xmp|plaintext|noscript|template|iframe|"
                       rb"noembed|noframes|!--|!\[CDATA\[)", re.I)
_HTML_TAG = re.compile(rb"<html(?=[\s>])[^>]*>", re.I)
_TAG_NAME = re.compile(rb"<([A-Za-z][A-Za-z0-9-]*)")


def _indexed_part(page: bytes) -> bytes:
    """The part of a page's bytes that Pagefind's index of it depends on (see above)."""
    at = page.find(_BODY_ATTR)
    if at < 0 or page.find(_BODY_ATTR, at + 1) >= 0:
        return page
    start = page.rfind(b"<", 0, at)
    name = _TAG_NAME.match(page, start) if start >= 0 else None
    if name is None:
        return page
    depth, end = 0, -1
    tags = re.compile(rb"<(/?)" + re.escape(name.group(1)) + rb"(?=[\s/>])", re.I)
    for tag in tags.finditer(page, start):  # the element's end tag: nesting counted
        depth += -1 if tag.group(1) else 1
        if depth == 0:
            end = page.find(b">", tag.end())
            break
    if end < 0:
        return page
    body = page[start:end + 1]
    if _RAW_TEXT.search(body) or _READ_OUTSIDE.search(page, 0, start) \
            or _READ_OUTSIDE.search(page, end + 1):
        return page
    html = _HTML_TAG.search(page, 0, start)
    return (html.group(0) if html else b"") + b"\0" + body


class SearchIndex:
    """The build's post-processing step: brings site_dir/pagefind/ up to date for a complete
    site, re-indexing only the shards whose pages changed.

    Returns the site-relative paths of the files it leaves there. `owns` names the folder
    it manages, which the in-place writer must not treat as stale. `shards` forces the
    number of shards (benchmarks); by default it follows the page count (shard_count).
    `groups`: the build's story and article pages, each with its story's id (indexed_pages).
    """

    owns = (BUNDLE_DIR + "/",)

    def __init__(self, cfg: Config, use_cache: bool = True,
                 cancel: threading.Event | None = None, shards: int | None = None,
                 groups: Mapping[str, str] | None = None):
        self.cfg = cfg
        self.groups = groups
        self.use_cache = use_cache
        self.cancel = cancel
        self.shards = shards
        self.enabled = bool(getattr(cfg, "search", True))
        self.indexed: list[str] = []  # the shards the last call ran Pagefind for

    def deferred(self) -> _Deferred:
        """A stand-in that keeps the index folder and does nothing (the dev server updates
        the index after pages reload: Builder.update_search)."""
        return _Deferred()

    def __call__(self, site_dir: Path, keys: Mapping[str, str] | None = None) -> list[str]:
        """`keys`: the page keys of the build that wrote site_dir (see _shard_key)."""
        bundle = site_dir / BUNDLE_DIR
        self.indexed = []
        if not self.enabled:
            shutil.rmtree(bundle, ignore_errors=True)
            return []
        if not pagefind_available():
            print("warning: search index skipped: the 'pagefind' package is missing "
                  "(pip install 'pagefind[bin]'), or set 'search: false' in digest.yaml",
                  file=sys.stderr)
            return _files(bundle, site_dir) if bundle.is_dir() else []
        pages = indexed_pages(site_dir, self.groups)
        count = self.shards or shard_count(len(pages))
        plan = plan_shards(pages, count)
        stamps_path = self.cfg.cache / STAMPS_FILE
        stamps = _read_stamps(stamps_path) if self.use_cache else {}
        previous = self.cfg.output / BUNDLE_DIR
        in_place = bundle.resolve() == previous.resolve()
        if not in_place:
            shutil.rmtree(bundle, ignore_errors=True)
        bundle.mkdir(parents=True, exist_ok=True)
        work = site_dir.with_name(f".{site_dir.name}.pagefind-{os.getpid()}")
        shutil.rmtree(work, ignore_errors=True)
        new_stamps: dict[str, str] = {}
        try:
            for name, shard_pages in plan.items():
                key = _shard_key(name, count, shard_pages, site_dir, keys, self.cancel)
                old = previous / name
                # what Pagefind reads of the pages: hashed when first needed, once (the
                # pages do not change while the index is made)
                content = functools.cache(functools.partial(
                    _content_key, name, count, shard_pages, site_dir, self.cancel))
                reused = self._reusable(stamps.get(name), key, old, content)
                if reused is not None:
                    if not in_place:  # staging: link the previous shard in
                        shutil.copytree(old, bundle / name, copy_function=_link_or_copy)
                    new_stamps[name] = reused
                    continue
                out = self._index(site_dir, shard_pages, work / name)
                _swap_in(out, bundle / name)
                self.indexed.append(name)
                new_stamps[name] = _stamp(key, content(), bundle / name)
                if self.use_cache and in_place:  # kept if a later shard is cancelled
                    stamps[name] = new_stamps[name]
                    _write(stamps_path, json.dumps(stamps, sort_keys=True))
            self._top_files(bundle, previous, work, plan)
        except SearchCancelled:
            _remove_later(work)  # thousands of files: not while an edit waits
            raise
        finally:
            shutil.rmtree(work, ignore_errors=True)
        for stale in sorted(p for p in bundle.iterdir() if p.is_dir() and p.name not in plan):
            shutil.rmtree(stale, ignore_errors=True)
        if self.use_cache and new_stamps != _read_stamps(stamps_path):
            _write(stamps_path, json.dumps(new_stamps, sort_keys=True))
        return _files(bundle, site_dir)

    def _reusable(self, stamp: str | None, key: str, old: Path,
                  content: Callable[[], str]) -> str | None:
        """The stamp to keep the previous shard `old` under, or None to index it again.

        The previous shard is kept when its pages have the keys it was built for, or when
        their keys changed but what Pagefind reads of them did not (a template change that
        touches only the page around the indexed content: every page is written again,
        and the index would come out the same)."""
        if not (self.use_cache and stamp and old.is_dir()):
            return None
        parts = stamp.split(" ")
        if len(parts) != 3 or parts[2] != _entry_tag(old):
            return None  # an older format, or not the shard built for that stamp
        if parts[0] == key:
            return stamp
        if parts[1] == content():
            return f"{key} {parts[1]} {parts[2]}"
        return None

    def _index(self, site_dir: Path, pages: list[str], work: Path) -> Path:
        """Run Pagefind over just these pages (hard links, at their paths in the site)."""
        src, out = work / "pages", work / "bundle"
        for rel in pages:
            target = src / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            _link_or_copy(str(site_dir / rel), str(target))
        run_pagefind(src, out, self.cancel)
        ui = work.parent / "ui"
        if not ui.is_dir():  # Pagefind's UI, the same in every shard: kept once
            ui.mkdir(parents=True)
            for f in UI_FILES:
                shutil.copy2(out / f, ui / f)
        for f in UNUSED:
            (out / f).unlink(missing_ok=True)
        return out

    def _top_files(self, bundle: Path, previous: Path, work: Path,
                   plan: Mapping[str, list[str]]) -> None:
        """Pagefind's UI files and shards.json at the top of the bundle."""
        for f in UI_FILES:
            made, old, target = work / "ui" / f, previous / f, bundle / f
            source = made if made.is_file() else old if old.is_file() else None
            if source is None:  # no shard indexed and no previous UI: index one again
                continue
            if target.is_file() and target.read_bytes() == source.read_bytes():
                continue
            _replace_file(target, source.read_bytes())
        listing = {"version": _pagefind_version(),
                   "shards": [{"path": f"{name}/", "tag": _entry_tag(bundle / name)}
                              for name in plan]}
        data = (json.dumps(listing, sort_keys=True, indent=1) + "\n").encode()
        target = bundle / SHARDS_FILE
        if not (target.is_file() and target.read_bytes() == data):
            _replace_file(target, data)


class _Deferred:
    """For the in-place writer only: owns the bundle folder, lists nothing."""

    owns = SearchIndex.owns

    def __call__(self, site_dir: Path, keys: Mapping[str, str] | None = None) -> list[str]:
        return []


def _swap_in(fresh: Path, target: Path) -> None:
    """Put the folder `fresh` at `target`, replacing what is there (two renames)."""
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        os.replace(target, old)
    os.replace(fresh, target)
    shutil.rmtree(old, ignore_errors=True)


def _replace_file(target: Path, data: bytes) -> None:
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, target)


def _entry_tag(shard: Path) -> str:
    try:
        return hashlib.sha256((shard / "pagefind-entry.json").read_bytes()).hexdigest()[:16]
    except OSError:
        return "-"


def _stamp(key: str, content: str, shard: Path) -> str:
    """The shard's key (_shard_key), the key of what Pagefind read (_content_key), and a
    hash of its entry file: a previous shard is reused only when it is the very one built
    for these pages (not one a failed swap left behind)."""
    return f"{key} {content} {_entry_tag(shard)}"


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _read_stamps(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # missing or corrupt: no stamp
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}


def _write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(text + "\n", encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # the stamps only save time
