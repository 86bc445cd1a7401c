"""Static search: a Pagefind index (https://pagefind.app) built over the finished site.

Pagefind reads the rendered HTML (only the parts marked `data-pagefind-body`: story and
article pages) and writes a search bundle into `site/pagefind/`; the search page loads it
in the browser. It needs no server, works under a base_url sub-path, and the site works
without it (the search page then says search needs JavaScript and links to the lists).

The build calls `SearchIndex` on the staged site before swapping it in (digest/build.py), so
the live site and its index always match. When the site's HTML has not changed since the
last build, the previous index is reused instead of re-indexed (keyed in .digest-cache/).
`search: false` in digest.yaml turns all of it off.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from digest.config import Config

BUNDLE_DIR = "pagefind"


BACKGROUND_NICE = 10  # the dev server's Pagefind yields the CPU to rebuilds and requests


def _html_key(site_dir: Path, keys: dict[str, str] | None = None,
              cancel: threading.Event | None = None) -> str:
    """Hash of every HTML file of the site (path and bytes): what the index is built from.

    `keys` (site path -> the build's page key, which determines the page's bytes) stands in
    for reading a page: a warm build of a big site need not read every page back.
    Setting `cancel` stops the walk (a second at 10,000 articles) with SearchCancelled."""
    h = hashlib.sha256(_pagefind_version().encode())
    for dirpath, dirs, files in os.walk(site_dir):
        if cancel is not None and cancel.is_set():
            raise SearchCancelled()
        dirs[:] = sorted(d for d in dirs if d != BUNDLE_DIR or Path(dirpath) != site_dir)
        for name in sorted(files):
            if name.endswith(".html"):
                p = Path(dirpath) / name
                rel = p.relative_to(site_dir).as_posix()
                h.update(rel.encode() + b"\0")
                key = keys.get(rel) if keys else None
                h.update(b"k" + key.encode() if key else p.read_bytes())
                h.update(b"\0")
    return h.hexdigest()


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


class SearchCancelled(Exception):
    """A newer build started while the index was being made (the dev server)."""


def run_pagefind(site_dir: Path, out_dir: Path, cancel: threading.Event | None = None,
                 timeout: float = 600) -> None:
    """Index site_dir's HTML into out_dir with the Pagefind binary the pip package ships.

    Setting `cancel` stops Pagefind and raises SearchCancelled."""
    cmd = [sys.executable, "-m", "pagefind", "--site", str(site_dir),
           "--output-path", str(out_dir), "--silent"]
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
    return sorted(p.relative_to(rel_to).as_posix() for p in folder.rglob("*") if p.is_file())


class SearchIndex:
    """The build's post-processing step: (re)builds site_dir/pagefind/ for a complete site.

    Returns the site-relative paths of the files it leaves there. `owns` names the folder
    it manages, which the in-place writer must not treat as stale.
    """

    owns = (BUNDLE_DIR + "/",)

    def __init__(self, cfg: Config, use_cache: bool = True,
                 cancel: threading.Event | None = None):
        self.cfg = cfg
        self.use_cache = use_cache
        self.cancel = cancel
        self.enabled = bool(getattr(cfg, "search", True))

    def deferred(self) -> _Deferred:
        """A stand-in that keeps the index folder and does nothing (the dev server updates
        the index after pages reload: Builder.update_search)."""
        return _Deferred()

    def __call__(self, site_dir: Path, keys: dict[str, str] | None = None) -> list[str]:
        """`keys`: the page keys of the build that wrote site_dir (see _html_key)."""
        bundle = site_dir / BUNDLE_DIR
        if not self.enabled:
            shutil.rmtree(bundle, ignore_errors=True)
            return []
        if not pagefind_available():
            print("warning: search index skipped: the 'pagefind' package is missing "
                  "(pip install 'pagefind[bin]'), or set 'search: false' in digest.yaml",
                  file=sys.stderr)
            return _files(bundle, site_dir) if bundle.is_dir() else []
        key = _html_key(site_dir, keys, self.cancel)
        stamp = self.cfg.cache / "search.key"
        previous = self.cfg.output / BUNDLE_DIR
        if self.use_cache and previous.is_dir() and _read(stamp) == _stamp(key, previous):
            if bundle.resolve() != previous.resolve():  # staging: link the previous index in
                shutil.rmtree(bundle, ignore_errors=True)
                shutil.copytree(previous, bundle, copy_function=_link_or_copy)
            return _files(bundle, site_dir)
        fresh = site_dir.with_name(f".{site_dir.name}.pagefind-{os.getpid()}")
        shutil.rmtree(fresh, ignore_errors=True)
        try:
            run_pagefind(site_dir, fresh, self.cancel)
            old = site_dir.with_name(f".{site_dir.name}.pagefind-old-{os.getpid()}")
            if bundle.exists():
                os.replace(bundle, old)
            os.replace(fresh, bundle)
            shutil.rmtree(old, ignore_errors=True)
        except SearchCancelled:
            _remove_later(fresh)  # thousands of files: not while an edit waits
            raise
        finally:
            shutil.rmtree(fresh, ignore_errors=True)
        if self.use_cache:
            _write(stamp, _stamp(key, bundle))
        return _files(bundle, site_dir)


class _Deferred:
    """For the in-place writer only: owns the bundle folder, lists nothing."""

    owns = SearchIndex.owns

    def __call__(self, site_dir: Path, keys: dict[str, str] | None = None) -> list[str]:
        return []


def _stamp(key: str, bundle: Path) -> str:
    """The HTML key plus a hash of the bundle's entry file: a previous index is reused only
    when it is the very one built for this HTML (not one a failed swap left behind)."""
    try:
        entry = hashlib.sha256((bundle / "pagefind-entry.json").read_bytes()).hexdigest()
    except OSError:
        entry = "-"
    return f"{key} {entry}"


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8").strip()
    except (OSError, ValueError):  # missing or corrupt: no stamp
        return None


def _write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n", encoding="utf-8")
    except OSError:
        pass  # the stamp only saves time
