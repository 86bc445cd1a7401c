#!/usr/bin/env python3
"""Load test for `digest serve`: many concurrent clients while files change.

    python benchmarks/serve_load.py [--seconds 30] [--clients 200] [--streams 50]
                                    [--change-every 0.5] [--root DIR]

Starts `python -m digest serve` on 127.0.0.1 (a free port) on a temporary copy of the
repository's content/ (or of --root's content/ and templates/), then runs CLIENTS concurrent
clients for SECONDS: STREAMS of them hold /__digest/events streams open (like open tabs),
the rest fetch pages, the stylesheet and stories.json in a loop over keep-alive connections.
Meanwhile an article's title is rewritten every CHANGE_EVERY seconds, so the server keeps
rebuilding (and making requests wait for each swap) under load.

Prints requests/s, latency percentiles, error count, events received, and the server's RSS
and thread count (from /proc/PID/status) before, right after, and once the clients have
gone. Loopback only; every loop is bounded by --seconds. tests/test_serve.py runs the same
load (run_load below) for a few seconds.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_status(pid: int) -> dict[str, str]:
    """Fields of /proc/PID/status (VmRSS, VmHWM, Threads, ...)."""
    out = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            out[key] = value.strip()
    except OSError:
        pass
    return out


def _stream(port: int, stop: threading.Event, timeout: float) -> int:
    """Hold one event stream open until `stop`; return how many events arrived."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        sock.sendall(b"GET /__digest/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed before the headers")
            buf += chunk
        head, buf = buf.split(b"\r\n\r\n", 1)
        if b" 200 " not in head.split(b"\r\n")[0]:
            raise ConnectionError(head.split(b"\r\n")[0].decode())
        events = buf.count(b"\nevent: ") + buf.startswith(b"event: ")
        sock.settimeout(0.25)
        while not stop.is_set():
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                continue
            if not chunk:
                raise ConnectionError("stream closed by the server")
            events += chunk.count(b"event: ")
        return events
    finally:
        sock.close()


def run_load(port: int, urls: list[str], seconds: float, clients: int = 200,
             streams: int = 50, change: Callable[[int], None] | None = None,
             change_every: float = 0.5, timeout: float = 30.0) -> dict:
    """`clients` concurrent clients for `seconds` (`streams` of them event streams), with
    `change(n)` called every `change_every` seconds. Returns counts, errors and latencies."""
    stop = threading.Event()
    lock = threading.Lock()
    stats: dict = {"requests": 0, "errors": [], "events": 0, "streams_ok": 0, "changes": 0,
                   "latencies": []}

    def fetcher(n: int) -> None:
        conn: http.client.HTTPConnection | None = None
        i = n
        lat: list[float] = []
        count = 0
        errors = []
        while not stop.is_set():
            path = urls[i % len(urls)]
            i += 1
            t0 = time.perf_counter()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
                conn.request("GET", path)
                resp = conn.getresponse()
                resp.read()
                if resp.status != 200:
                    errors.append((path, resp.status))
                if resp.will_close:
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException) as exc:
                errors.append((path, repr(exc)))
                if conn is not None:
                    conn.close()
                conn = None
            lat.append(time.perf_counter() - t0)
            count += 1
        if conn is not None:
            conn.close()
        with lock:
            stats["requests"] += count
            stats["errors"] += errors
            stats["latencies"] += lat

    def streamer() -> None:
        try:
            got = _stream(port, stop, timeout)
            with lock:
                stats["events"] += got
                stats["streams_ok"] += 1
        except Exception as exc:  # noqa: BLE001 - counted as an error
            with lock:
                stats["errors"].append(("/__digest/events", repr(exc)))

    def changer() -> None:
        n = 0
        while not stop.wait(change_every):
            n += 1
            change(n)  # type: ignore[misc]
            with lock:
                stats["changes"] += 1

    threads = [threading.Thread(target=streamer, daemon=True) for _ in range(streams)]
    threads += [threading.Thread(target=fetcher, args=(n,), daemon=True)
                for n in range(clients - streams)]
    if change is not None:
        threads.append(threading.Thread(target=changer, daemon=True))
    start = time.monotonic()
    for t in threads:
        t.start()
    stop.wait(seconds)
    stop.set()
    for t in threads:
        t.join(timeout=timeout + 5)
    stats["seconds"] = time.monotonic() - start
    stats["hung_threads"] = sum(t.is_alive() for t in threads)
    return stats


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def _retitle(path: Path) -> Callable[[int], None]:
    original = path.read_text(encoding="utf-8")

    def change(n: int) -> None:
        text = re.sub(r"(?m)^title: .*$", f"title: \"Load test edit {n}\"", original, count=1)
        tmp = path.with_name(f".{path.name}.tmp-load")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)  # an editor's atomic save

    return change


def _urls(site: Path) -> list[str]:
    pages = sorted(site.rglob("index.html"))[:20]
    urls = ["/" + p.parent.relative_to(site).as_posix() + "/" for p in pages]
    urls = [u.replace("//", "/") for u in urls]
    urls += ["/" + p.relative_to(site).as_posix() for p in sorted(site.glob("static/*.css"))]
    urls += ["/api/stories.json", "/__digest/live.js"]
    return urls


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--streams", type=int, default=50)
    ap.add_argument("--change-every", type=float, default=0.5)
    ap.add_argument("--root", type=Path, default=REPO,
                    help="project whose content/ (and templates/) to copy (default: the repo)")
    args = ap.parse_args(argv)
    if not 0 < args.seconds <= 600 or not 0 < args.clients <= 1000:
        ap.error("keep it bounded: 0 < --seconds <= 600, 0 < --clients <= 1000")

    with tempfile.TemporaryDirectory(prefix="digest-serve-load-") as tmp:
        project = Path(tmp) / "project"
        shutil.copytree(args.root / "content", project / "content")
        if (args.root / "templates").is_dir() and args.root.resolve() != REPO:
            shutil.copytree(args.root / "templates", project / "templates")
        target = sorted((project / "content" / "articles").rglob("*.md"))[0]
        port = free_port()
        log = open(Path(tmp) / "serve.log", "wb")  # noqa: SIM115 - closed in finally
        proc = subprocess.Popen([sys.executable, "-m", "digest", "serve", "--root", str(project),
                                 "--port", str(port)], stdout=log, stderr=subprocess.STDOUT,
                                cwd=REPO)
        try:
            deadline = time.monotonic() + 600
            while True:
                if proc.poll() is not None:
                    raise SystemExit("digest serve exited:\n" + (Path(tmp) / "serve.log")
                                     .read_text())
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                    conn.request("GET", "/__digest/status")
                    if json.loads(conn.getresponse().read())["builds"] >= 1:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit("digest serve did not start")
                time.sleep(0.1)
            urls = _urls(project / "site")
            before = proc_status(proc.pid)
            stats = run_load(port, urls, args.seconds, clients=args.clients,
                             streams=args.streams, change=_retitle(target),
                             change_every=args.change_every)
            after = proc_status(proc.pid)
            time.sleep(3)  # streams end, threads exit
            idle = proc_status(proc.pid)
            alive = proc.poll() is None
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
            log.close()
        output = (Path(tmp) / "serve.log").read_text(errors="replace")

    lat = stats["latencies"]
    rebuilds = output.count(" -> ") - 1
    print(f"digest serve under load: {args.clients} clients ({args.streams} event streams, "
          f"{args.clients - args.streams} fetching {len(urls)} URLs), {stats['seconds']:.1f}s, "
          f"an edit every {args.change_every}s")
    print()
    print("| measure | value |")
    print("|---|---|")
    rows = [
        ("requests", f"{stats['requests']}"),
        ("requests/s", f"{stats['requests'] / stats['seconds']:.0f}"),
        ("latency p50 / p95 / p99 / max",
         " / ".join(f"{percentile(lat, q) * 1000:.1f} ms" for q in (0.5, 0.95, 0.99, 1.0))),
        ("errors (non-200, resets, timeouts)", f"{len(stats['errors'])}"),
        ("event streams that lasted", f"{stats['streams_ok']} / {args.streams}"),
        ("events received (all streams)", f"{stats['events']}"),
        ("edits / rebuilds", f"{stats['changes']} / {rebuilds}"),
        ("server RSS before / after / idle",
         f"{before.get('VmRSS', '?')} / {after.get('VmRSS', '?')} / {idle.get('VmRSS', '?')}"),
        ("server peak RSS (VmHWM)", idle.get("VmHWM", "?")),
        ("server threads before / after / idle",
         " / ".join(s.get("Threads", "?") for s in (before, after, idle))),
        ("server alive at the end", "yes" if alive else "NO"),
        ("tracebacks in the server output", str(output.count("Traceback"))),
    ]
    for k, v in rows:
        print(f"| {k} | {v} |")
    if stats["errors"]:
        print("\nfirst errors:", *stats["errors"][:10], sep="\n  ")
    return 0 if alive and not stats["errors"] else 1


if __name__ == "__main__":
    sys.exit(main())
