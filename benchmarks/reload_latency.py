#!/usr/bin/env python3
"""Save-to-reload latency of `digest serve`.

    python benchmarks/reload_latency.py [--cases demo 10000] [--kinds title body]
                                        [--edits 5] [--no-browser]

For each case and kind of edit, starts `python -m digest serve` on 127.0.0.1 and edits one
article EDITS times (an atomic save, as editors do): `title` changes its title (the story's
facts and differences stay; its headline is picked again), `body` adds a sentence (the
story is compared again). Measured:

  save -> event   the file is renamed into place -> the "reload" event naming that article's
                  page arrives on a /__digest/events stream (watch + debounce + rebuild +
                  publish)
  save -> DOM     ... -> the edit is in the DOM of the article page already open in
                  headless Chromium (the above + the worker relay + reload + page load)
  edited story   the server's own time from the save's batch to the edited story written
                  (Builder.quick; pages reload then)
  full build      ... to the end of the full build that follows (the site exactly as a
                  clean build; a second reload only if it changed more pages)

Cases: `demo` is a copy of the repository's content/ (five articles); a number N is the
synthetic corpus from gen_corpus.py (--n N --seed 1), generated once into
benchmarks/out/latency-nN/ and kept there (with its site/ and .digest-cache/), so only the
first run pays the cold build. The server's first build is reported too; its output is
kept in benchmarks/out/latency-CASE-serve.log.

Needs Playwright and /usr/bin/chromium for the DOM column (--no-browser skips it).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUT = HERE / "out"
CHROMIUM = "/usr/bin/chromium"
sys.path.insert(0, str(REPO))

from digest.load import read_article_file  # noqa: E402
from digest.render import article_path  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Events(threading.Thread):
    """Reads /__digest/events in the background; keeps (perf_counter, event, data)."""

    def __init__(self, port: int):
        super().__init__(daemon=True)
        self.port = port
        self.seen: list[tuple[float, str, dict]] = []
        self.cond = threading.Condition()
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=None)
        self.sock.sendall(b"GET /__digest/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")

    def run(self) -> None:
        buf = b""
        while True:
            try:
                chunk = self.sock.recv(65536)
            except OSError:
                return
            if not chunk:
                return
            now = time.perf_counter()
            buf += chunk
            while b"\n\n" in buf:
                block, buf = buf.split(b"\n\n", 1)
                m = re.search(rb"event: (\w+)\ndata: (.*)", block)
                if m:
                    with self.cond:
                        self.seen.append((now, m[1].decode(), json.loads(m[2])))
                        self.cond.notify_all()

    def wait_reload(self, after: float, page: str, timeout: float) -> float:
        """Time of the first reload event after `after` that names `page`."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for t, event, data in self.seen:
                    if t >= after and event == "reload" and (
                            data.get("all") or page in data.get("paths", [])):
                        return t
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no reload event for {page} within {timeout}s")
                self.cond.wait(left)


class Server:
    def __init__(self, project: Path, log: Path):
        self.port = free_port()
        self.log_path = log
        self._log = open(log, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "digest", "serve", "--root", str(project),
             "--port", str(self.port)], stdout=self._log, stderr=subprocess.STDOUT, cwd=REPO)

    def status(self) -> dict | None:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            conn.request("GET", "/__digest/status")
            return json.loads(conn.getresponse().read())
        except OSError:
            return None

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise SystemExit("digest serve exited:\n" + self.output())
            st = self.status()
            if st and st["builds"] >= 1:
                return
            if time.monotonic() > deadline:
                raise SystemExit("digest serve did not finish its first build")
            time.sleep(0.2)

    def settle(self, quiet: float = 0.5, timeout: float = 900) -> None:
        deadline = time.monotonic() + timeout
        last, since = None, time.monotonic()
        while time.monotonic() < deadline:
            st = self.status() or {}
            key = (st.get("builds"), st.get("building"))
            if key != last:
                last, since = key, time.monotonic()
            elif not st.get("building") and time.monotonic() - since >= quiet:
                return
            time.sleep(0.05)

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def build_times(self, quick: bool = False) -> list[float]:
        """Seconds from the save's batch to each full build's end (quick=True: to the
        provisional write of the edited story, Builder.quick)."""
        lines = re.findall(r" -> (.*?) in (\d+\.\d+)s;", self.output())
        return [float(t) for what, t in lines
                if ("edited stories first" in what) == quick]

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self._log.close()


def prepare(case: str, tmp: Path) -> Path:
    if case == "demo":
        project = tmp / "demo"
        shutil.copytree(REPO / "content", project / "content")
        return project
    n = int(case)
    project = OUT / f"latency-n{n}"
    if not (project / "content" / "articles").is_dir():
        print(f"[latency] generating {n} articles into {project} ...", file=sys.stderr)
        subprocess.run([sys.executable, str(HERE / "gen_corpus.py"), "--n", str(n),
                        "--seed", "1", "--out", str(project)], check=True)
    return project


def pick_target(project: Path) -> tuple[Path, str, str]:
    """A dated article from the middle of the corpus: (file, its page URL, its title)."""
    files = sorted((project / "content" / "articles").rglob("*.md"))
    dated = [f for f in files if re.search(r"(?m)^date: \d", f.read_text(encoding="utf-8"))]
    path = (dated or files)[len(dated or files) // 2]
    article, _ = read_article_file(path, path.relative_to(project).as_posix())
    return path, "/" + article_path(article) + "index.html", article.title


def edit(path: Path, original: str, kind: str, title: str, marker: str) -> float:
    """Atomic save of an edit; returns perf_counter() at the rename. `kind` title: the
    marker goes into the title; body: a sentence holding it ends the body (the story is
    compared again)."""
    if kind == "title":
        new = "title: " + json.dumps(f"{title} {marker}")
        text = re.sub(r"(?m)^title: .*$", lambda _m: new, original, count=1)
    else:
        text = original.rstrip("\n") + f"\n\nThe editor added this line {marker}.\n"
    tmp = path.with_name(f".{path.name}.latency-tmp")
    tmp.write_text(text, encoding="utf-8")
    t0 = time.perf_counter()
    os.replace(tmp, path)
    return t0


def run_case(case: str, kinds: list[str], edits: int, browser_on: bool, tmp: Path
             ) -> list[dict]:
    project = prepare(case, tmp)
    articles = sum(1 for _ in (project / "content" / "articles").rglob("*.md"))
    path, page, title = pick_target(project)
    original = path.read_text(encoding="utf-8")
    OUT.mkdir(exist_ok=True)
    server = Server(project, OUT / f"latency-{case}-serve.log")  # kept for a look afterwards
    rows = [{"case": case, "kind": kind, "articles": articles, "event": [], "dom": [],
             "rebuild": [], "quick": []} for kind in kinds]
    pw = browser = None
    try:
        t = time.perf_counter()
        server.wait_ready(timeout=3600)
        for row in rows:
            row["first_build"] = time.perf_counter() - t
        server.settle()
        if (server.status() or {}).get("errors"):
            raise SystemExit(f"the first build failed; see {server.log_path}:\n"
                             + server.output()[-3000:])
        events = Events(server.port)
        events.start()
        tab = None
        if browser_on:
            from playwright.sync_api import sync_playwright

            pw = sync_playwright().start()
            browser = pw.chromium.launch(
                executable_path=CHROMIUM,
                args=["--headless", "--no-sandbox", "--disable-gpu",
                      "--disable-background-networking"])
            tab = browser.new_page()
            tab.set_default_timeout(900_000)
            tab.goto(f"http://127.0.0.1:{server.port}{page[:-len('index.html')]}")
            tab.wait_for_function("window.__digestLive && window.__digestLive.connected")
        for row in rows:
            for i in range(1, edits + 1):
                server.settle()
                marker = f"({row['kind']} edit {i})"
                before = len(server.build_times())
                before_quick = len(server.build_times(quick=True))
                t0 = edit(path, original, row["kind"], title, marker)
                row["event"].append(events.wait_reload(t0, page, timeout=900) - t0)
                if tab is not None:
                    tab.wait_for_function(
                        "m => document.body.textContent.includes(m)", arg=marker)
                    row["dom"].append(time.perf_counter() - t0)
                server.settle()
                row["rebuild"] += server.build_times()[before:]
                row["quick"] += server.build_times(quick=True)[before_quick:]
    finally:
        if browser is not None:
            browser.close()
        if pw is not None:
            pw.stop()
        server.stop()
        path.write_text(original, encoding="utf-8")
    return rows


def fmt(values: list[float]) -> str:
    if not values:
        return "n/a"
    ms = [v * 1000 for v in values]
    return f"{statistics.median(ms):.0f} ms ({min(ms):.0f}-{max(ms):.0f})"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cases", nargs="+", default=["demo", "10000"],
                    help="'demo' and/or corpus sizes (default: demo 10000)")
    ap.add_argument("--edits", type=int, default=5, help="edits per case (default: 5)")
    ap.add_argument("--kinds", nargs="+", default=["title", "body"], choices=["title", "body"],
                    help="what the edits change (default: title body)")
    ap.add_argument("--no-browser", action="store_true", help="skip the Chromium DOM column")
    args = ap.parse_args(argv)
    browser_on = not args.no_browser and Path(CHROMIUM).exists()
    rows = []
    with tempfile.TemporaryDirectory(prefix="digest-latency-") as tmp:
        for case in args.cases:
            print(f"[latency] {case} ...", file=sys.stderr)
            rows += run_case(case, args.kinds, args.edits, browser_on, Path(tmp))
    print(f"\nsave-to-reload latency, {args.edits} edits per row, median (min-max); "
          f"{os.cpu_count()} CPUs\n")
    print("| content | articles | edit | server's first build | edited story written (server) "
          "| full build done (server) | save -> event | save -> new DOM |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['case']} | {r['articles']} | {r['kind']} | {r['first_build']:.1f} s "
              f"| {fmt(r['quick'])} "
              f"| {fmt(r['rebuild'])} | {fmt(r['event'])} | {fmt(r['dom'])} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
