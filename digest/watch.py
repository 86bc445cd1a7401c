"""Watching a digest project for `digest serve`: which file events matter, and debouncing.

Editors do not simply "write the file": they write a temp file and rename it over the
original, keep swap and backup files next to it, touch permissions, and emit a burst of
events for one save. This module turns that noise into "these inputs changed", and the
Debouncer turns a burst of those into one rebuild.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver, ObservedWatch
from watchdog.observers.polling import PollingObserver

from digest.config import CONFIG_NAME, Config

# Names no build ever reads: editor swap/backup/lock files and atomic-save temporaries.
# (Any name starting with "." is ignored as well: digest skips hidden files.)
_IGNORED_FILE = re.compile(
    r"""^(?:
        .*~                                  # backup: file.md~ (vim, emacs, kate)
      | \#.*\#                               # emacs auto-save: #file.md#
      | \d+                                  # vim's write test file: 4913, 5036, ...
      | .*\.sw[a-px]  | .*\.swpx             # vim swap when 'directory' puts it in plain sight
      | .*\.(?:bck|bak|orig|rej|tmp|temp|part|crdownload|crswap|kate-swp)
      | .*___jb_(?:tmp|old|bak)___           # JetBrains safe write
      | jb_.*                                # JetBrains temp prefix
      | ~\$.*                                # office lock files
      | Thumbs\.db | desktop\.ini
    )$""",
    re.X | re.I,
)


def is_ignored_name(name: str, is_dir: bool = False) -> bool:
    """True for a file or folder name that is never an input of the build."""
    if name.startswith("."):  # .file.md.swp, .#file.md, .goutputstream-*, .tmp-* (importer)
        return True
    return not is_dir and bool(_IGNORED_FILE.match(name))


@dataclass(frozen=True)
class WatchPaths:
    """Where a project's inputs and outputs are (absolute, from its Config)."""

    root: Path
    content: Path
    templates: Path
    output: Path
    cache: Path
    config_file: Path

    @classmethod
    def from_config(cls, cfg: Config) -> WatchPaths:
        root = cfg.root
        return cls(root=root, content=_abs(root, cfg.content), templates=_abs(root, cfg.templates),
                   output=_abs(root, cfg.output), cache=_abs(root, cfg.cache),
                   config_file=root / CONFIG_NAME)

    def is_input(self, path: Path, is_dir: bool = False) -> bool:
        """Could a change at `path` change the built site?"""
        if path == self.config_file:
            return True
        for out in (self.output, self.cache):  # our own writes: never a reason to rebuild
            if path == out or out in path.parents:
                return False
        for base, md_only in ((self.content, True), (self.templates, False)):
            if path != base and base not in path.parents:
                continue
            rel = path.relative_to(base).parts
            if any(part.startswith(".") for part in rel[:-1]):  # inside a hidden folder
                return False
            if rel and is_ignored_name(rel[-1], is_dir):
                return False
            # Only *.md files under content/ are read; a folder event can mean many of them.
            return is_dir or not md_only or path.suffix == ".md"
        return False

    def dirs_to_watch(self) -> list[Path]:
        """Recursive watches; the root itself is watched non-recursively for digest.yaml."""
        return [d for d in (self.content, self.templates) if d != self.root]


def _abs(root: Path, path: Path) -> Path:
    return Path(os.path.abspath(root / path))


def _signature(path: Path) -> tuple[int, int, int, bool] | None:
    """What a real edit changes; a chmod/chown/touch-of-atime does not change this."""
    try:
        st = path.stat()
    except OSError:
        return None
    # Readability is part of it: a file made unreadable must rebuild (and show the error).
    return (st.st_ino, st.st_size, st.st_mtime_ns, os.access(path, os.R_OK))


class Debouncer:
    """Collects changed paths; hands them out as one batch once the burst is over."""

    def __init__(self, quiet: float = 0.1, max_wait: float = 2.0):
        self.quiet = quiet  # wait this long after the last event ...
        self.max_wait = max_wait  # ... but never longer than this after the first
        self._cond = threading.Condition()
        self._pending: dict[Path, str] = {}
        self._first = self._last = 0.0
        self._closed = False
        self.activity = threading.Event()  # set by every change: stops background work

    def add(self, path: Path, action: str) -> None:
        with self._cond:
            self.activity.set()
            now = time.monotonic()
            if not self._pending:
                self._first = now
            self._last = now
            self._pending[path] = _merge(self._pending.get(path), action)
            self._cond.notify_all()

    def take(self, idle: float | None = None, quiet: float | None = None
             ) -> dict[Path, str] | None:
        """Block until a batch is ready; None once closed; an empty batch when `idle`
        seconds passed without any change. `quiet` overrides the quiet period (the dev
        server takes a first look early, then `settle()`s for the rest of the burst)."""
        quiet = self.quiet if quiet is None else quiet
        with self._cond:
            if idle is not None and not self._pending and not self._closed:
                self._cond.wait(idle)
                if not self._pending and not self._closed:
                    return {}
            while not self._pending and not self._closed:
                self._cond.wait()
            if self._closed:
                return None
            self._wait_quiet(quiet)
            batch, self._pending = self._pending, {}
            self.activity.clear()
            return batch

    def settle(self, batch: dict[Path, str]) -> dict[Path, str]:
        """Wait out the full quiet period after the last change (or max_wait), then add
        what changed meanwhile to `batch`: the rest of a burst that `take(quiet=...)`
        answered early."""
        with self._cond:
            self._wait_quiet(self.quiet)
            for path, action in self._pending.items():
                batch[path] = _merge(batch.get(path), action)
            self._pending = {}
            self.activity.clear()
            return batch

    def _wait_quiet(self, quiet: float) -> None:
        while True:
            due = min(self._last + quiet, self._first + self.max_wait)
            now = time.monotonic()
            if now >= due or self._closed:
                return
            self._cond.wait(due - now)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self.activity.set()
            self._cond.notify_all()


def _merge(old: str | None, new: str) -> str:
    """Combine two actions on one path within a batch into what happened overall."""
    if old == "added" and new == "edited":
        return "added"
    if old == "deleted" and new in ("added", "edited"):
        return "edited"  # delete + create = an atomic save
    return new


class _Handler(FileSystemEventHandler):
    def __init__(self, watcher: ProjectWatcher):
        self.watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        self.watcher._on_event(event)


class ProjectWatcher:
    """Watches content/, templates/ and digest.yaml; reports input changes to `on_change`.

    `on_change(path, action)` is called from watchdog's thread with action one of
    added / edited / deleted, only for paths `WatchPaths.is_input` accepts, and not for
    events that leave the file's content and readability as they were (chmod, touch -a).
    """

    def __init__(self, paths: WatchPaths, on_change: Callable[[Path, str], None],
                 poll: bool = False, poll_interval: float = 1.0):
        self.paths = paths
        self.on_change = on_change
        self.poll = poll
        self.observer: BaseObserver = (PollingObserver(timeout=poll_interval) if poll
                                       else Observer())
        self._handler = _Handler(self)
        self._lock = threading.Lock()
        self._sigs: dict[Path, tuple[int, int, int, bool] | None] = {}
        self._watches: dict[Path, tuple[ObservedWatch, tuple[int, int]]] = {}

    def start(self) -> None:
        self._snapshot()
        self.observer.schedule(self._handler, str(self.paths.root), recursive=False)
        self.refresh()
        self.observer.start()

    def stop(self) -> None:
        self.observer.stop()
        self.observer.join(timeout=5)

    def refresh(self, paths: WatchPaths | None = None) -> None:
        """(Re)schedule the recursive watches: a folder may have been created, replaced
        (deleted and created again) or moved since, or digest.yaml may name other folders."""
        with self._lock:
            if paths is not None and paths != self.paths:
                self.paths = paths
                self._snapshot_locked()
            wanted = {}
            for d in self.paths.dirs_to_watch():
                try:
                    st = d.stat()
                except OSError:
                    continue
                if os.path.isdir(d):
                    wanted[d] = (st.st_dev, st.st_ino)
            for d, (watch, ident) in list(self._watches.items()):
                if wanted.get(d) != ident:
                    try:
                        self.observer.unschedule(watch)
                    except (KeyError, ValueError):
                        pass  # its emitter already stopped when the folder went away
                    del self._watches[d]
            for d, ident in wanted.items():
                if d not in self._watches:
                    watch = self.observer.schedule(self._handler, str(d), recursive=True)
                    self._watches[d] = (watch, ident)

    def _snapshot(self) -> None:
        with self._lock:
            self._snapshot_locked()

    def _snapshot_locked(self) -> None:
        self._sigs.clear()
        self._sigs[self.paths.config_file] = _signature(self.paths.config_file)
        for d in self.paths.dirs_to_watch():
            for dirpath, dirnames, filenames in os.walk(d):
                dirnames[:] = [n for n in dirnames if not n.startswith(".")]
                for name in filenames:
                    p = Path(dirpath) / name
                    if self.paths.is_input(p):
                        self._sigs[p] = _signature(p)

    def _on_event(self, event: FileSystemEvent) -> None:
        kind = event.event_type
        if kind in ("opened", "closed_no_write"):
            return
        if event.is_directory and kind in ("modified", "attrib", "closed"):
            return  # a folder's mtime moves whenever a child changes; the child reports itself
        src = Path(os.fsdecode(event.src_path))
        dest = Path(os.fsdecode(event.dest_path)) if kind == "moved" else None
        paths = self.paths
        watched = paths.dirs_to_watch()
        if event.is_directory and (src in watched or dest in watched):
            # content/ or templates/ itself appeared, vanished or was replaced: the rebuild
            # thread calls refresh() before building, which re-creates the watch.
            for p in (src, dest):
                if p in watched:
                    self.on_change(p, "deleted" if kind == "deleted" or p == src and dest
                                   else "added")
            return
        if dest is not None:
            src_in = paths.is_input(src, event.is_directory)
            dest_in = paths.is_input(dest, event.is_directory)
            with self._lock:
                self._sigs.pop(src, None)
                existed = dest in self._sigs
                if dest_in:
                    self._sigs[dest] = _signature(dest)
            if src_in:
                self.on_change(src, "deleted")
            if dest_in:  # tmp -> file.md is how most editors save
                self.on_change(dest, "edited" if existed else "added")
            return
        if not paths.is_input(src, event.is_directory):
            return
        if kind == "deleted":
            with self._lock:
                self._sigs.pop(src, None)
            self.on_change(src, "deleted")
        elif kind == "created":
            with self._lock:
                existed = src in self._sigs
                self._sigs[src] = _signature(src)
            self.on_change(src, "edited" if existed else "added")
        elif kind in ("modified", "closed", "attrib"):
            sig = _signature(src)
            with self._lock:
                if src in self._sigs and self._sigs[src] == sig:
                    return  # permission-only or no-op event: the build would not differ
                self._sigs[src] = sig
            self.on_change(src, "edited" if sig is not None else "deleted")
