"""`digest serve`: the live preview. Builds, serves site/ over HTTP, watches the inputs,
rebuilds on change and tells every open page to reload (or just swap its stylesheet, or
show the build error). Owns the HTTP handler, the site lock and the rebuild loop."""

from __future__ import annotations

import contextlib
import http.server
import json
import mimetypes
import multiprocessing
import os
import queue
import re
import secrets
import select
import signal
import socket
import sys
import threading
import time
import traceback
import webbrowser
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote, unquote, urlsplit

from digest.build import Builder, BuildResult, TerminalProgress
from digest.config import Config, ConfigError, load_config
from digest.livereload import (
    EVENTS_PATH,
    LIVE_JS,
    PREFIX,
    SCRIPT_PATH,
    STATUS_PATH,
    WORKER_JS,
    WORKER_PATH,
    Hub,
    inject,
    sse_message,
)
from digest.render import TemplateProblem
from digest.search import SearchCancelled
from digest.watch import Debouncer, ProjectWatcher, WatchPaths

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".xml": "application/xml",
    ".atom": "application/atom+xml",
    ".rss": "application/rss+xml",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".webmanifest": "application/manifest+json",
    ".pdf": "application/pdf",
    ".wasm": "application/wasm",
}

# How long a request waits for a running build before giving up with 503.
REQUEST_BUILD_WAIT = 300.0
MAX_LISTED = 3  # changed paths named in the terminal line
BACKGROUND_AFTER = 0.3  # quiet seconds before the search index and caches catch up
# An edit gets a first, provisional answer (Builder.quick) after this much quiet; the full
# build waits for the debouncer's own quiet period, so a burst of events (an editor's save
# is a few) still makes one full build.
QUICK_QUIET = 0.01


def content_type(path: str, head: bytes = b"") -> str:
    """The Content-Type for a site file; .xml feeds are told apart by their root element."""
    ext = os.path.splitext(path)[1].lower()
    if ext == ".xml" and head:
        if b"<feed" in head and b"http://www.w3.org/2005/Atom" in head:
            return "application/atom+xml"
        if b"<rss" in head:
            return "application/rss+xml"
    if ext in CONTENT_TYPES:
        return CONTENT_TYPES[ext]
    guessed, _ = mimetypes.guess_type(path)
    return guessed or "application/octet-stream"


class BadRequest(Exception):
    pass


class StillBuilding(Exception):
    """A request waited REQUEST_BUILD_WAIT seconds for a build to finish."""


def site_file(site: Path, url_path: str) -> tuple[Path | None, list[str]]:
    """Map a URL path onto a file inside `site`, or None when it is not there.

    Refuses (BadRequest) backslashes, NUL and undecodable escapes; returns None for `..`
    segments (plain or %2e%2e) and for anything whose real path (symlinks resolved) falls
    outside the site. Also returns the clean path segments (for redirects).
    """
    if "\\" in url_path or "%5c" in url_path.lower():
        raise BadRequest("backslash in path")
    try:
        decoded = unquote(url_path, errors="strict")
    except UnicodeDecodeError as exc:
        raise BadRequest("path is not UTF-8") from exc
    if "\0" in decoded or "\\" in decoded or not decoded.startswith("/"):
        raise BadRequest("malformed path")
    segments = [s for s in decoded.split("/") if s not in ("", ".")]
    if ".." in segments:
        return None, segments
    base = os.path.realpath(site)
    candidate = os.path.realpath(os.path.join(base, *segments))
    if candidate != base and not candidate.startswith(base + os.sep):
        return None, segments  # a symlink in site/ pointing elsewhere
    return Path(candidate), segments


class SiteLock:
    """Many readers (requests) or one writer (a build), writers first.

    A build swaps a staging folder into site/ by renames; between them site/ does not
    exist. Requests therefore wait for a running build instead of seeing half a site.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writer = False
        self._writers_waiting = 0

    @contextlib.contextmanager
    def reading(self, timeout: float = REQUEST_BUILD_WAIT) -> Iterator[None]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._writer or self._writers_waiting:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise StillBuilding
                self._cond.wait(left)
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                if not self._readers:
                    self._cond.notify_all()

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        with self._cond:
            self._writers_waiting += 1
            while self._writer or self._readers:
                self._cond.wait()
            self._writers_waiting -= 1
            self._writer = True
        try:
            yield
        finally:
            with self._cond:
                self._writer = False
                self._cond.notify_all()


def _problem_dict(path: str, line: int | None, message: str, hint: str = "") -> dict[str, Any]:
    return {"path": path, "line": line, "message": message, "hint": hint}


_CONFIG_WHERE = re.compile(r"^(?P<path>[^\s:]+?)(?::(?P<line>\d+))?: (?P<msg>.*)$", re.S)


class LiveServer:
    """The preview server: one builder thread, one watcher, many request threads."""

    def __init__(self, root: Path, host: str = "127.0.0.1", port: int = 8000,
                 poll: bool = False, debounce: float = 0.1, heartbeat: float = 15.0,
                 poll_interval: float = 1.0, in_place: bool = True,
                 out: IO[str] | None = None):
        self.root = root.resolve()
        self.host, self.port = host, port
        self.heartbeat = heartbeat
        self.out = out or sys.stderr
        self.token = secrets.token_hex(4)  # tells a restarted server from the old one
        self.build_no = 0  # bumped whenever open pages are told to update
        self.builds = 0  # build attempts, for /__digest/status and the tests
        self.search_updates = 0  # search index runs after deferred builds
        self.quick_builds = 0  # provisional rebuilds of edited stories (Builder.quick)
        self.building = False
        self.errors: list[dict[str, Any]] = []
        self.site_lock = SiteLock()
        self.hub = Hub()
        self.debouncer = Debouncer(quiet=debounce)
        self._stop = threading.Event()
        # Changes seen since open pages were last told to update (kept across failed builds).
        self._pending_written: set[str] = set()
        self._pending_removed: set[str] = set()
        self._pending_inputs: set[Path] = set()
        self._reload_all = False
        self._last_warnings: set[str] = set()
        self.httpd = self._bind()
        self.port = self.httpd.server_address[1]
        self.url = f"http://{_url_host(host)}:{self.port}/"
        self.cfg = self._load_config()
        # In place: only changed files are replaced (each by an atomic rename). Swapping a
        # whole staging copy in costs a hard link and an unlink per file on every rebuild
        # (10 of 36 s for 1,000 articles); the site lock keeps requests out while a build
        # writes, so they never see a half-updated site.
        # Deferred: the search index and the disk caches are brought up to date once the
        # pages have reloaded and no change is waiting (_rebuild_loop), never before.
        self.builder = Builder(self.root, base_url=self.url, in_place=in_place, defer=True,
                               record_ids=False)  # previews: content/stories.lock is left alone
        self.watcher = ProjectWatcher(WatchPaths.from_config(self.cfg), self.debouncer.add,
                                      poll=poll, poll_interval=poll_interval)
        self._thread: threading.Thread | None = None
        self._serving = False
        self._serving_thread: threading.Thread | None = None

    # --- set-up and tear-down ------------------------------------------------------------

    def _bind(self) -> _HTTPServer:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        server_cls = type("_Server", (_HTTPServer,), {"address_family": family})
        httpd = server_cls((self.host, self.port), _Handler)
        httpd.live = self
        return httpd

    def _load_config(self) -> Config:
        try:
            return load_config(self.root, base_url=self.url)
        except ConfigError:
            return Config(root=self.root, base_url=self.url)  # the build reports the error

    def start(self) -> None:
        """Watch, build once, start the rebuild thread (the HTTP loop is serve_forever)."""
        self.watcher.start()  # before the first build: nothing saved meanwhile is missed
        self.rebuild(None)
        self._thread = threading.Thread(target=self._rebuild_loop, name="digest-rebuild",
                                        daemon=True)
        self._thread.start()

    def serve_forever(self) -> None:
        self._serving, self._serving_thread = True, threading.current_thread()
        self.httpd.serve_forever(poll_interval=0.25)

    def shutdown(self) -> None:
        self._stop.set()
        self.debouncer.close()
        self.watcher.stop()
        self.hub.close()
        if self._serving and threading.current_thread() is not self._serving_thread:
            self.httpd.shutdown()  # serve_forever runs in another thread: stop it
        self.httpd.server_close()
        # A build's pool workers would otherwise finish their chunk (minutes, on a big
        # first build) as orphans; the interrupted build then fails and is not saved.
        for child in multiprocessing.active_children():
            child.terminate()
        if self._thread:
            self._thread.join(timeout=30)  # let a running build finish writing
        self.builder.close()  # a Dask cluster's connection (executor: in digest.yaml)
        if self._thread is None or not self._thread.is_alive():
            try:  # the next start is warm (the search index is made by the next build)
                self.builder.save_caches()
            except Exception:  # noqa: BLE001 - a cache only saves time
                traceback.print_exc(file=self.out)

    # --- rebuilding ----------------------------------------------------------------------

    def _rebuild_loop(self) -> None:
        while not self._stop.is_set():
            behind = self.builder.search_stale or self.builder.caches_dirty
            early = self.builder.quick_ready and not self.errors
            batch = self.debouncer.take(idle=BACKGROUND_AFTER if behind else None,
                                        quiet=QUICK_QUIET if early else None)
            if batch is None:
                return
            try:
                if batch:
                    self.rebuild(batch, early=early)
                else:
                    self._catch_up()
            except Exception:  # noqa: BLE001 - the loop must survive anything
                traceback.print_exc(file=self.out)

    def _catch_up(self) -> None:
        """Quiet for a moment: re-index for search, then save the caches. A change stops
        the search index at once (it runs again after the next build)."""
        if self.builder.search_stale:
            start = time.perf_counter()
            try:
                problems = self.builder.update_search(cancel=self.debouncer.activity)
            except SearchCancelled:
                return
            for p in problems:
                print(f"    {p}", file=self.out, flush=True)
            self.search_updates += 1
            print(f"[{time.strftime('%H:%M:%S')}] search index updated in "
                  f"{time.perf_counter() - start:.2f}s", file=self.out, flush=True)
        elif self.builder.caches_dirty:  # stopped by a change, like the search index
            self.builder.save_caches(cancel=self.debouncer.activity)

    def rebuild(self, batch: dict[Path, str] | None, early: bool = False
                ) -> BuildResult | None:
        """One build (batch None: the first, full one), then tell the open pages.

        `early`: the batch was taken after QUICK_QUIET only. The edited articles' pages
        are written and reloaded first (Builder.quick) if that applies; the full build
        waits for the rest of the burst."""
        start = time.perf_counter()
        if early and batch:
            if self.watcher.paths.config_file not in batch and not self.errors:
                self.building = True
                self._quick(batch, set(batch), start)
            batch = self.debouncer.settle(batch)
        changed = set(batch) if batch is not None else None
        if changed is None or self.watcher.paths.config_file in changed:
            cfg = self._load_config()
            self.watcher.refresh(WatchPaths.from_config(cfg))
        else:
            cfg = self.cfg
            self.watcher.refresh()  # content/ or templates/ may have been replaced
        result: BuildResult | None = None
        failure: list[dict[str, Any]] | None = None
        self.building = True
        # The site lock is held only while new pages are renamed into site/ (write_lock):
        # reading, grouping, comparing and rendering happen while the last site is served.
        # A progress line on a terminal once a build passes a second (a big first build).
        progress = TerminalProgress(self.out)
        self.builder.progress = progress
        try:
            result = self.builder.build(changed, write_lock=self.site_lock.writing)
        except ConfigError as exc:
            m = _CONFIG_WHERE.match(str(exc))
            failure = [_problem_dict(m["path"], int(m["line"]) if m["line"] else None,
                                     m["msg"]) if m else
                       _problem_dict("digest.yaml", None, str(exc))]
        except TemplateProblem as exc:
            failure = [_problem_dict(self._rel(exc.template), exc.line, exc.message,
                                     "fix the template and save; the site keeps its "
                                     "last good pages")]
        except Exception as exc:  # noqa: BLE001 - a bug in a build must not end the preview
            traceback.print_exc(file=self.out)
            failure = [_problem_dict("(build)", None, f"{type(exc).__name__}: {exc}",
                                     "this is a bug in digest; the traceback is in the "
                                     "terminal")]
        finally:
            progress.close()
            self.builder.progress = None
            self.builds += 1
            self.building = False
        with self.site_lock.writing():
            self.cfg = cfg
            event = self._after_build(batch, result, failure)
        elapsed = time.perf_counter() - start
        if event is not None:
            sent = self.hub.publish(*event)
        else:
            sent = 0
        self._report(batch, result, failure, event, sent, elapsed)
        return result

    def _quick(self, batch: dict[Path, str] | None, changed: set[Path], start: float) -> None:
        """Edited articles only: their stories' pages first (Builder.quick), reload sent;
        the full build that follows confirms or corrects them."""
        try:
            quick = self.builder.quick(changed, write_lock=self.site_lock.writing)
        except Exception:  # noqa: BLE001 - the full build that follows will tell
            traceback.print_exc(file=self.out)
            quick = None
        if quick is None:
            return
        with self.site_lock.writing():
            self.quick_builds += 1
            event = self._after_build(batch, quick, None)
        sent = self.hub.publish(*event) if event is not None else 0
        self._report(batch, quick, None, event, sent, time.perf_counter() - start)

    def _after_build(self, batch: dict[Path, str] | None, result: BuildResult | None,
                     failure: list[dict[str, Any]] | None) -> tuple[str, dict] | None:
        """Decide what open pages must do; runs under the write lock so that a page
        served right after this build carries the new build id."""
        if result is not None:
            self._pending_written.update(result.written_paths)
            self._pending_removed.update(result.removed_paths)
        else:
            # An in-place build that raised may have replaced some pages before it stopped,
            # and we do not learn which: once the site builds again, every page reloads.
            self._reload_all = True
        if batch:
            self._pending_inputs.update(batch)
        errors = failure
        if errors is None and result is not None:
            errors = [_problem_dict(p.path, p.line, p.message, p.hint)
                      for p in result.problems if p.severity == "error"]
        had_errors = bool(self.errors)
        self.errors = errors or []
        if self.errors:
            # Pages keep what they show (plus the overlay) until a build succeeds: a reload
            # now would show a site missing the broken article.
            return ("errors", {"errors": self.errors})
        written, removed, inputs = (self._pending_written, self._pending_removed,
                                    self._pending_inputs)
        self._pending_written, self._pending_removed = set(), set()
        self._pending_inputs = set()
        paths = written | removed
        reload_all, self._reload_all = self._reload_all, False
        if not paths and not reload_all:
            return ("errors", {"errors": []}) if had_errors else None
        self.build_no += 1
        if not reload_all and self._css_only(paths, inputs):
            sheets = ["/" + p for p in sorted(written) if p.endswith(".css")]
            return ("css", {"build": self.build_id, "stylesheets": sheets})
        url_paths = sorted("/" + p for p in paths)
        if reload_all or len(url_paths) > 1000:  # too many to list: every page reloads
            return ("reload", {"build": self.build_id, "all": True})
        return ("reload", {"build": self.build_id, "paths": url_paths})

    def _css_only(self, paths: set[str], inputs: set[Path]) -> bool:
        """Only stylesheets changed. HTML pages are rewritten too (they link the new
        fingerprinted name), but when every changed input was a .css file in the theme,
        that href is all that changed in them."""
        if not paths or not any(p.endswith(".css") for p in paths):
            return False
        if all(p.endswith(".css") for p in paths):
            return True
        templates = self.watcher.paths.templates
        return bool(inputs) and all(
            p.suffix == ".css" and templates in p.parents for p in inputs
        ) and all(p.endswith((".css", ".html")) for p in paths)

    @property
    def build_id(self) -> str:
        return f"{self.token}-{self.build_no}"

    def _rel(self, path: str | Path) -> str:
        p = Path(path)
        try:
            return p.resolve().relative_to(self.root).as_posix() if p.is_absolute() else str(p)
        except ValueError:
            return str(p)

    # --- the terminal --------------------------------------------------------------------

    def _report(self, batch: dict[Path, str] | None, result: BuildResult | None,
                failure: list[dict[str, Any]] | None, event: tuple[str, dict] | None,
                sent: int, elapsed: float) -> None:
        """One line per rebuild: what changed, what was rebuilt, how long, what pages do."""
        stamp = time.strftime("%H:%M:%S")
        if batch is None:
            what = "first build"
        else:
            items = sorted(batch.items(), key=lambda kv: str(kv[0]))
            named = [f"{self._rel(p)} ({action})" for p, action in items[:MAX_LISTED]]
            more = len(items) - MAX_LISTED
            what = ", ".join(named) + (f" and {more} more" if more > 0 else "")
        if result is not None and result.provisional:
            did = (f"edited stories first: {result.pages_written} written "
                   "(the full build follows)")
        elif result is not None:
            removed = len(result.removed_paths)
            did = (f"{len(result.articles)} articles, {len(result.stories)} stories: "
                   f"{result.pages_written} written, {result.pages_unchanged} unchanged"
                   + (f", {removed} removed" if removed else ""))
        else:
            did = "build failed, the last good site stays up"
        kind = event[0] if event else None
        if batch is None:
            then = "ready" if not self.errors else f"{len(self.errors)} error(s)"
        elif kind == "reload":
            then = f"reload sent to {sent} client(s)"
        elif kind == "css":
            then = f"stylesheet swap sent to {sent} client(s)"
        elif kind == "errors" and self.errors:
            then = f"{len(self.errors)} error(s), overlay shown"
        elif kind == "errors":
            then = "errors cleared"
        else:
            then = "no page changed"
        lines = [f"[{stamp}] {what} -> {did} in {elapsed:.2f}s; {then}"]
        for e in (failure or self.errors)[:10]:
            where = f"{e['path']}:{e['line']}" if e["line"] else e["path"]
            hint = f" ({e['hint']})" if e["hint"] else ""
            lines.append(f"    error: {where}: {e['message']}{hint}")
        if len(self.errors) > 10:
            lines.append(f"    ... and {len(self.errors) - 10} more error(s)")
        if result is not None:
            warnings = {str(p) for p in result.problems if p.severity != "error"}
            new = sorted(warnings - self._last_warnings)
            self._last_warnings = warnings
            for w in new[:10]:
                lines.append(f"    {w}")
            if len(new) > 10:
                lines.append(f"    ... and {len(new) - 10} more new warning(s)")
        print("\n".join(lines), file=self.out, flush=True)

    # --- state for the browser -----------------------------------------------------------

    def hello(self) -> bytes:
        return sse_message("hello", {"build": self.build_id, "errors": self.errors})

    def status(self) -> dict[str, Any]:
        return {"build": self.build_id, "builds": self.builds, "building": self.building,
                "search_stale": self.builder.search_stale,
                "quick_builds": self.quick_builds,
                "search_updates": self.search_updates,
                "errors": self.errors, "clients": len(self.hub)}


def _url_host(host: str) -> str:
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


class _HTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # event streams never end by themselves
    request_queue_size = 1024  # many tabs / a load test connecting at once
    allow_reuse_address = True
    live: LiveServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError | TimeoutError):
            return  # the client went away: normal for a browser
        super().handle_error(request, client_address)


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _HTTPServer
    server_version = "digest-serve"
    protocol_version = "HTTP/1.1"
    timeout = 60  # idle keep-alive connections and stalled readers are dropped

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # one line per rebuild is the terminal's job; no line per request

    def do_GET(self) -> None:  # noqa: N802
        self._dispatch(head=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self._dispatch(head=True)

    def _dispatch(self, head: bool) -> None:
        try:
            self._route(head)
        except (ConnectionError, TimeoutError):
            self.close_connection = True

    def _route(self, head: bool) -> None:
        live = self.server.live
        url_path = urlsplit(self.path).path or "/"
        if url_path.startswith(PREFIX):
            if url_path == EVENTS_PATH:
                return self._events(head)
            if url_path == SCRIPT_PATH:
                return self._send(200, "text/javascript; charset=utf-8", LIVE_JS.encode(), head)
            if url_path == WORKER_PATH:
                return self._send(200, "text/javascript; charset=utf-8", WORKER_JS.encode(),
                                  head)
            if url_path == STATUS_PATH:
                return self._send(200, "application/json",
                                  json.dumps(live.status()).encode(), head)
        try:
            with live.site_lock.reading():
                self._serve_file(url_path, head)
        except BadRequest as exc:
            self._send(400, "text/plain; charset=utf-8", f"400 {exc}\n".encode(), head)
        except StillBuilding:
            self._send(503, "text/plain; charset=utf-8", b"503 still building\n", head)

    def _serve_file(self, url_path: str, head: bool) -> None:
        """Runs under the read lock: no build swaps the site between resolving the path
        (symlinks included) and opening the file."""
        live = self.server.live
        target, segments = site_file(live.cfg.output, url_path)
        if target is not None and target.is_dir():
            if not url_path.endswith("/"):
                location = "/" + "".join(quote(s) + "/" for s in segments)
                query = urlsplit(self.path).query
                return self._send(301, "text/plain; charset=utf-8", b"", head,
                                  {"Location": location + (f"?{query}" if query else "")})
            target, _ = site_file(live.cfg.output, url_path + "index.html")
        if target is None or not target.is_file():
            return self._not_found(head)
        try:
            fh = open(target, "rb")  # noqa: SIM115 - closed below, after the lock is released
        except OSError:
            return self._not_found(head)
        with fh:
            ctype = content_type(target.name)
            if ctype.startswith("text/html"):
                body = inject(fh.read(), live.build_id)
                return self._send(200, ctype, body, head)
            if target.suffix.lower() == ".xml":
                ctype = content_type(target.name, fh.read(1024))
                fh.seek(0)
            st = os.fstat(fh.fileno())
            etag = f'"{st.st_ino:x}-{st.st_mtime_ns:x}-{st.st_size:x}"'
            if self.headers.get("If-None-Match") == etag:
                return self._send(304, ctype, b"", True, {"ETag": etag})
            # Unchanged files are hard links kept across builds, so their ETag is stable.
            data = fh.read()
        self._send(200, ctype, data, head, {"ETag": etag})

    def _not_found(self, head: bool) -> None:
        live = self.server.live
        page = live.cfg.output / "404.html"
        try:
            body = page.read_bytes()
        except OSError:
            body = (b"<!doctype html><meta charset=utf-8><title>Not found</title>"
                    b"<body><h1>404 Not found</h1><p>No such page in site/ (yet).</p></body>")
        self._send(404, "text/html; charset=utf-8", inject(body, live.build_id, 404), head)

    def _send(self, status: int, ctype: str, body: bytes, head: bool,
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache")
        self.send_header("X-Content-Type-Options", "nosniff")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if not head and status != 304:
            self.wfile.write(body)

    def _events(self, head: bool) -> None:
        live = self.server.live
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache, no-transform")
        self.send_header("X-Accel-Buffering", "no")
        self.send_header("Connection", "close")  # the body ends when the connection does
        self.end_headers()
        self.close_connection = True
        if head:
            return
        # Subscribe before taking the state: an event published in between is then sent
        # after the hello (harmless) instead of being lost.
        client = live.hub.subscribe()
        try:
            self.wfile.write(b"retry: 1000\n\n" + live.hello())
            last_write = time.monotonic()
            while not client.dropped:
                try:
                    msg = client.queue.get(timeout=1.0)
                except queue.Empty:
                    if self._client_gone():
                        break
                    if time.monotonic() - last_write < live.heartbeat:
                        continue
                    msg = b": heartbeat\n\n"  # keeps proxies and idle timeouts at bay
                if msg is None:
                    break
                self.wfile.write(msg)
                last_write = time.monotonic()
        except (ConnectionError, TimeoutError, OSError):
            pass  # the tab was closed or reloaded
        finally:
            live.hub.unsubscribe(client)

    def _client_gone(self) -> bool:
        """An event stream's client sends nothing after its request: a readable socket
        means it hung up. Noticing this frees the thread without waiting for a write."""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            return bool(readable) and not self.connection.recv(1, socket.MSG_PEEK)
        except (OSError, ValueError):
            return True


def _safe_process_pools() -> None:
    """Make the build's process pool start its workers from a fork server.

    Forking this process (watcher, request and rebuild threads) can hand a worker a lock
    some other thread held at that instant, and our SIGTERM handler; workers forked from a
    clean single-threaded server have neither problem (Python 3.14's default on Linux).
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return
    try:
        multiprocessing.set_start_method("forkserver")
    except RuntimeError:
        return  # already chosen by whoever embeds us
    multiprocessing.set_forkserver_preload(["digest.build"])


def serve(root: Path, host: str = "127.0.0.1", port: int = 8000, open_browser: bool = False,
          poll: bool = False, debounce: float = 0.1) -> int:
    """Run the live preview until Ctrl-C (or SIGTERM). Returns the exit code."""
    _safe_process_pools()
    try:
        live = LiveServer(root, host=host, port=port, poll=poll, debounce=debounce)
    except OSError as exc:
        print(f"error: cannot listen on {host}:{port} ({exc.strerror or exc})", file=sys.stderr)
        return 1

    def _terminate(signum: int, frame: Any) -> None:
        # Stop a build's pool workers first: the pool waits for their work otherwise.
        for child in multiprocessing.active_children():
            child.terminate()
        raise KeyboardInterrupt

    with contextlib.suppress(ValueError):  # only possible in the main thread
        signal.signal(signal.SIGTERM, _terminate)
    try:
        print(f"building {live.root} ...", file=sys.stderr, flush=True)
        live.start()
        watched = [live._rel(p) + "/" for p in live.watcher.paths.dirs_to_watch() if p.is_dir()]
        how = "; polling" if poll else ""
        print(f"serving {live._rel(live.cfg.output)}/ at {live.url} "
              f"(watching {', '.join([*watched, 'digest.yaml'])}{how}; Ctrl-C stops)",
              file=sys.stderr, flush=True)
        if open_browser:
            threading.Thread(target=webbrowser.open, args=(live.url,), daemon=True).start()
        live.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        live.shutdown()
    return 0
