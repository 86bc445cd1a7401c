"""`digest serve` over HTTP: a real server subprocess on a free port, a temporary project.

Covers path safety, the 404 page, content types, the event stream, which file events
rebuild (and which must not), debouncing, build errors, deletions and a bounded load test.
"""

from __future__ import annotations

import contextlib
import gzip
import http.client
import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
THEME_CSS = ROOT / "templates" / "static" / "style.css"


# --- helpers (also used by test_serve_browser.py) -------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_article(root: Path, slug: str, title: str, source: str = "Reuters",
                  date: str = "2025-01-13", body: str | None = None) -> Path:
    """A small Markdown article, written atomically (temp file + rename, as editors do)."""
    path = root / "content" / "articles" / f"{slug}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    body = body or (f"{title}. The council said on Monday that 40 people attended the "
                    f"meeting in the town hall.\n\nOfficials declined to comment further.")
    text = f"---\ntitle: {json.dumps(title)}\nsource: {source}\ndate: {date}\n---\n\n{body}\n"
    tmp = path.with_name(f".{path.name}.tmp-save")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path


def make_project(root: Path, css: bool = True) -> Path:
    """Three unrelated articles and (optionally) a theme with its own stylesheet."""
    write_article(root, "2025-01-13-harbour-bridge", "Harbour bridge reopens after repairs")
    write_article(root, "2025-01-14-library-budget", "City library budget doubled",
                  source="AP", date="2025-01-14",
                  body="The library budget was doubled to 2 million euros, the mayor said.")
    write_article(root, "2025-01-15-snow-closes-schools", "Snow closes schools in the north",
                  source="BBC", date="2025-01-15",
                  body="Heavy snow closed 120 schools on Wednesday, the region said.")
    if css:
        static = root / "templates" / "static"
        static.mkdir(parents=True)
        shutil.copy(THEME_CSS, static / "style.css")
    return root


class Served:
    """A `digest serve` subprocess; always stopped by the fixture that made it."""

    def __init__(self, root: Path, log: Path, *extra: str):
        self.root = root
        self.port = free_port()
        self.log_path = log
        self._log = open(log, "wb")  # a file, not a pipe: a full pipe would block the server
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "digest", "serve", "--root", str(root),
             "--port", str(self.port), *extra],
            stdout=self._log, stderr=subprocess.STDOUT, cwd=ROOT)
        try:
            self.wait(lambda: self._ready(), timeout=30, what="the server to start")
        except BaseException:
            self.stop()
            raise

    def _ready(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(f"digest serve exited ({self.proc.returncode}):\n{self.output()}")
        try:
            return self.status()["builds"] >= 1
        except OSError:
            return False

    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_output(self, text: str, timeout: float = 15) -> str:
        """The terminal output once it holds `text` (the server reports a build on the
        terminal after it told the pages, so a loaded machine may print it a moment later);
        fails after `timeout` seconds with what it has."""
        deadline = time.monotonic() + timeout
        while text not in (out := self.output()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert text in out, out
        return out

    def request(self, path: str, method: str = "GET", timeout: float = 15,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.putrequest(method, path, skip_accept_encoding=True)  # the raw path, as given
            for k, v in (headers or {}).items():
                conn.putheader(k, v)
            conn.endheaders()
            resp = conn.getresponse()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
        finally:
            conn.close()

    def get(self, path: str) -> tuple[int, str, bytes]:
        status, headers, body = self.request(path)
        return status, headers.get("content-type", ""), body

    def status(self) -> dict:
        return json.loads(self.request("/__digest/status", timeout=5)[2])

    def wait(self, cond: Callable[[], object], timeout: float = 15, what: str = "") -> object:
        deadline = time.monotonic() + timeout
        while True:
            value = cond()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout}s waiting for {what or cond}"
                                     f"\n--- server output ---\n{self.output()}")
            time.sleep(0.05)

    def settle(self, quiet: float = 0.5, timeout: float = 20) -> int:
        """Wait until no build runs or starts for `quiet` seconds and the search index has
        caught up (it runs after builds, in the background); return the build count."""
        deadline = time.monotonic() + timeout
        last, since = None, time.monotonic()
        while time.monotonic() < deadline:
            st = self.status()
            key = (st["builds"], st["building"], st["search_stale"])
            if key != last:
                last, since = key, time.monotonic()
            elif not st["building"] and not st["search_stale"] and \
                    time.monotonic() - since >= quiet:
                return st["builds"]
            time.sleep(0.05)
        raise AssertionError("the server never settled\n" + self.output())

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._log.close()


class EventStream:
    """A Server-Sent Events reader for /__digest/events (a raw socket, so a read that
    times out can simply be tried again)."""

    def __init__(self, port: int, timeout: float = 15):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.sendall(b"GET /__digest/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          b"Accept: text/event-stream\r\n\r\n")
        self.buf = b""
        deadline = time.monotonic() + timeout
        while b"\r\n\r\n" not in self.buf:
            self._fill(deadline)
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode().split("\r\n")
        assert lines[0].split()[1] == "200", lines[0]
        assert any(h.lower().startswith("content-type: text/event-stream") for h in lines[1:])

    def _fill(self, deadline: float) -> None:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("no event")
        self.sock.settimeout(left)
        try:
            chunk = self.sock.recv(65536)
        except TimeoutError:
            raise TimeoutError("no event") from None
        if not chunk:
            raise ConnectionError("stream closed")
        self.buf += chunk

    def next(self, timeout: float = 15) -> tuple[str, dict]:
        """The next event (comments and retry: lines skipped)."""
        deadline = time.monotonic() + timeout
        while True:
            while b"\n\n" not in self.buf:
                self._fill(deadline)
            block, self.buf = self.buf.split(b"\n\n", 1)
            event, data = "message", ""
            for line in block.decode().split("\n"):
                if line.startswith("event:"):
                    event = line[6:].strip()
                elif line.startswith("data:"):
                    data += line[5:].strip()
            if data:
                return event, json.loads(data)

    def wait_for(self, name: str, timeout: float = 15) -> dict:
        deadline = time.monotonic() + timeout
        seen = []
        while True:
            try:
                event, data = self.next(max(0.01, deadline - time.monotonic()))
            except TimeoutError:
                raise AssertionError(f"no {name!r} event within {timeout}s (saw {seen})") from None
            if event == name:
                return data
            seen.append(event)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()


@contextlib.contextmanager
def serving(root: Path, log_dir: Path, *extra: str) -> Iterator[Served]:
    server = Served(root, log_dir / "serve.log", *extra)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One server for the whole module (starting one costs a second or two). Tests that
    change the project put it back as they found it."""
    base = tmp_path_factory.mktemp("serve")
    root = make_project(base / "project")
    static = root / "templates" / "static"
    (static / "logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>\n')
    (static / "feed.xml").write_text('<?xml version="1.0"?>\n<feed xmlns="http://www.w3.org/'
                                     '2005/Atom"><title>t</title></feed>\n')
    (static / "sitemap.xml").write_text('<?xml version="1.0"?>\n<urlset/>\n')
    (root / "secret.txt").write_text("TOP SECRET\n")
    with serving(root, base) as server:
        yield server


def site_file(server: Served, prefix: str, suffix: str) -> str:
    """The URL of a fingerprinted static file (static/<prefix>.<hash><suffix>)."""
    for f in (server.root / "site" / "static").iterdir():
        if f.name.startswith(prefix + ".") and f.name.endswith(suffix):
            return "/static/" + f.name
    raise AssertionError(f"no static/{prefix}.*{suffix} in the site")


def article_url(slug: str) -> str:
    return f"/articles/{slug}/"


# --- read-only: paths, types, 404 ------------------------------------------------------------

@pytest.mark.parametrize("path", [
    "/../secret.txt",
    "/../../../../etc/passwd",
    "/%2e%2e/secret.txt",
    "/%2E%2E/%2E%2E/etc/passwd",
    "/static/..%2f..%2fsecret.txt",
    "/static/%2e%2e/%2e%2e/secret.txt",
    "/..%5csecret.txt",
    "/static\\..\\..\\secret.txt",
    "/%252e%252e/secret.txt",
    "/%00/secret.txt",
    "/%ff%fe",
    "//secret.txt",
])
def test_paths_outside_the_site_are_refused(live: Served, path: str) -> None:
    status, _ctype, body = live.get(path)
    assert status in (400, 404), (path, status)
    assert b"TOP SECRET" not in body and b"root:" not in body


def test_symlinks_out_of_the_site_are_refused(live: Served) -> None:
    site = live.root / "site"
    (site / "leak.txt").symlink_to(live.root / "secret.txt")
    (site / "leakdir").symlink_to(live.root)
    (site / "inside.css").symlink_to(next((site / "static").glob("style.*.css")))
    try:
        for path in ("/leak.txt", "/leakdir/secret.txt", "/leakdir/"):
            status, _ctype, body = live.get(path)
            assert status == 404, path
            assert b"TOP SECRET" not in body
        assert live.get("/inside.css")[0] == 200  # a link that stays inside is fine
    finally:
        for name in ("leak.txt", "leakdir", "inside.css"):
            (site / name).unlink(missing_ok=True)


def test_404_uses_the_sites_page(live: Served) -> None:
    status, ctype, body = live.get("/no/such/page/")
    assert status == 404
    assert ctype == "text/html; charset=utf-8"
    assert b"Page not found" in body
    assert b"/__digest/live.js" in body  # live reload works on a 404 page too


def test_content_types(live: Served) -> None:
    expected = {
        "/": "text/html; charset=utf-8",
        "/index.html": "text/html; charset=utf-8",
        site_file(live, "style", ".css"): "text/css; charset=utf-8",
        "/api/stories.json": "application/json",
        site_file(live, "logo", ".svg"): "image/svg+xml",
        site_file(live, "feed", ".xml"): "application/atom+xml",
        site_file(live, "sitemap", ".xml"): "application/xml",
        "/__digest/live.js": "text/javascript; charset=utf-8",
        "/__digest/status": "application/json",
    }
    for path, ctype in expected.items():
        status, got, _body = live.get(path)
        assert (status, got) == (200, ctype), path
    status, headers, body = live.request("/", method="HEAD")
    assert status == 200 and body == b"" and int(headers["content-length"]) > 0


def test_folders_serve_their_index(live: Served) -> None:
    slug = "2025-01-13-harbour-bridge"
    status, ctype, body = live.get(article_url(slug))
    assert status == 200 and b"Harbour bridge reopens" in body
    status, headers, _ = live.request(article_url(slug).rstrip("/") + "?x=1")
    assert status == 301 and headers["location"] == article_url(slug) + "?x=1"
    assert live.get("/static/")[0] == 404  # no folder listings


def test_script_is_injected_but_never_written_to_site(live: Served) -> None:
    _status, _ctype, body = live.get("/")
    assert body.count(b"/__digest/live.js") == 1
    assert body.index(b"/__digest/live.js") < body.rindex(b"</body>")
    for f in (live.root / "site").rglob("*"):
        if f.is_file():
            assert b"__digest" not in f.read_bytes(), f
    _status, _ctype, css = live.get(site_file(live, "style", ".css"))
    assert b"__digest" not in css  # only HTML responses carry the script


def test_etag_revalidation(live: Served) -> None:
    css = site_file(live, "style", ".css")
    status, headers, _ = live.request(css)
    assert status == 200 and headers.get("etag")
    status, _, body = live.request(css, headers={"If-None-Match": headers["etag"]})
    assert status == 304 and body == b""


# --- rebuilds and events ---------------------------------------------------------------------

def test_reload_event_after_an_edit(live: Served) -> None:
    live.settle(quiet=0.3)  # the previous test's saves are built
    stream = EventStream(live.port)
    try:
        hello = stream.wait_for("hello")
        assert hello["errors"] == []
        slug = "2025-01-13-harbour-bridge"
        write_article(live.root, slug, "Harbour bridge stays shut")
        data = stream.wait_for("reload")
        assert data["build"] != hello["build"]
        assert article_url(slug) + "index.html" in data["paths"]
        _status, _ctype, body = live.get(article_url(slug))
        assert b"Harbour bridge stays shut" in body
    finally:
        stream.close()
    # one line per rebuild, printed after the pages were told (a loaded machine: later)
    out = live.wait_output("2025-01-13-harbour-bridge.md (edited)")
    assert "written" in out and "unchanged" in out


def test_editor_noise_and_own_writes_do_not_rebuild(live: Served) -> None:
    builds = live.settle()
    art = live.root / "content" / "articles"
    target = art / "2025-01-13-harbour-bridge.md"
    noise = [".2025-01-13-harbour-bridge.md.swp", ".2025-01-13-harbour-bridge.md.swx",
             "2025-01-13-harbour-bridge.md~", ".#2025-01-13-harbour-bridge.md",
             "#2025-01-13-harbour-bridge.md#", "4913", "2025-01-13-harbour-bridge.md.bck",
             "2025-01-13-harbour-bridge.md___jb_tmp___", "jb_old_copy",
             ".goutputstream-ABC123", ".tmp-x8f2.md", "notes.txt"]
    for name in noise:
        (art / name).write_text("junk: [\n")
    for name in noise:
        (art / name).unlink()
    os.chmod(target, 0o600)  # permission-only change
    os.chmod(target, 0o644)
    st = target.stat()
    os.utime(target, ns=(st.st_atime_ns + 10**9, st.st_mtime_ns))  # atime only
    (live.root / "site" / "stray.html").write_text("<p>x</p>")  # our own output folder
    (live.root / ".digest-cache").mkdir(exist_ok=True)
    (live.root / ".digest-cache" / "x.pickle").write_bytes(b"x")
    (live.root / ".site.staging-99999").mkdir()
    (live.root / ".site.staging-99999" / "index.html").write_text("x")
    (live.root / ".site.old-99999").mkdir()
    (live.root / "templates" / ".style.css.swp").write_text("x")
    (live.root / "README.txt").write_text("not an input")
    time.sleep(0.6)  # six times the debounce: any rebuild would have started
    assert live.settle() == builds, live.output()


def test_burst_of_writes_is_one_or_two_rebuilds(live: Served) -> None:
    builds = live.settle()
    slug = "2025-01-14-library-budget"
    path = live.root / "content" / "articles" / f"{slug}.md"
    for i in range(20):
        title = f"Library budget draft {i}" + "!" * i  # sizes differ: no same-stat rewrite
        if i % 2:
            write_article(live.root, slug, title, source="AP", date="2025-01-14")
        else:  # in place, as some editors save
            path.write_text(f"---\ntitle: {title}\nsource: AP\ndate: 2025-01-14\n---\n\nBody.\n")
    after = live.settle()
    assert 1 <= after - builds <= 2, live.output()
    _status, _ctype, body = live.get(article_url(slug))
    assert b"Library budget draft 19" + b"!" * 19 in body


def test_an_early_batch_settles_with_the_rest_of_its_burst() -> None:
    """The dev server looks at an edit after QUICK_QUIET, then waits out the full quiet
    period: what arrives meanwhile joins the same full build, merged as one change."""
    import threading

    from digest.watch import Debouncer

    d = Debouncer(quiet=0.3)
    a, b = Path("/p/a.md"), Path("/p/b.md")
    d.add(a, "deleted")
    early = d.take(quiet=0.01)
    assert early == {a: "deleted"}
    later = threading.Timer(0.05, lambda: (d.add(a, "added"), d.add(b, "edited")))
    later.start()
    settled = d.settle(early)
    later.join()
    assert settled == {a: "edited", b: "edited"}  # delete + create: an atomic save
    assert d.take(idle=0.01) == {}  # nothing left over for another build


def test_new_and_deleted_articles(live: Served) -> None:
    live.settle(quiet=0.3)  # the previous test's saves are built
    stream = EventStream(live.port)
    try:
        stream.wait_for("hello")
        slug = "2025-01-16-ferry-strike"
        write_article(live.root, slug, "Ferry workers strike", source="AFP", date="2025-01-16",
                      body="Ferry workers walked out on Thursday over pay, the union said.")
        data = stream.wait_for("reload")
        assert "/index.html" in data["paths"]
        assert live.get(article_url(slug))[0] == 200
        assert b"Ferry workers strike" in live.get("/")[2]
        (live.root / "content" / "articles" / f"{slug}.md").unlink()
        data = stream.wait_for("reload")
        assert article_url(slug) + "index.html" in data["paths"]
        assert live.get(article_url(slug))[0] == 404
        assert b"Ferry workers strike" not in live.get("/")[2]
        stories = json.loads(live.get("/api/stories.json")[2])
        assert "Ferry workers strike" not in json.dumps(stories)
    finally:
        stream.close()


def _fragments_text(site: Path) -> str:
    """Every Pagefind fragment (one gzipped JSON record per indexed page, in every shard:
    pagefind/NN/fragment/), as text."""
    return "\n".join(gzip.decompress(f.read_bytes()).decode("utf-8", "replace")
                     for f in (site / "pagefind").glob("*/fragment/*.pf_fragment"))


def test_search_index_catches_up_after_the_reload(live: Served) -> None:
    """The reload does not wait for Pagefind; the index follows once saves stop."""
    live.settle(quiet=0.3)
    site = live.root / "site"
    assert "Quokkaville" not in _fragments_text(site)
    before = live.status()["search_updates"]
    slug = "2025-01-17-quokka-census"
    write_article(live.root, slug, "Quokka census", source="AFP", date="2025-01-17",
                  body="Quokkaville counted 312 quokkas on Friday, the ranger service said.")
    try:
        live.settle(quiet=0.3)
        assert live.status()["search_updates"] > before
        assert "Quokkaville" in _fragments_text(site)
    finally:
        (live.root / "content" / "articles" / f"{slug}.md").unlink()
        live.settle(quiet=0.3)
    assert "Quokkaville" not in _fragments_text(site)


def test_move_out_of_content_and_new_folder(live: Served, tmp_path: Path) -> None:
    live.settle(quiet=0.3)  # the previous test's saves are built
    stream = EventStream(live.port)
    try:
        stream.wait_for("hello")
        src = live.root / "content" / "articles" / "2025-01-15-snow-closes-schools.md"
        shutil.move(src, tmp_path / "moved-away.md")
        stream.wait_for("reload")
        assert b"Snow closes schools" not in live.get("/")[2]
        folder = live.root / "content" / "articles" / "2025"
        folder.mkdir()
        shutil.move(tmp_path / "moved-away.md", folder / "snow.md")
        stream.wait_for("reload")
        assert b"Snow closes schools" in live.get("/")[2]
    finally:
        stream.close()


def test_bad_front_matter_shows_errors_and_recovers(live: Served) -> None:
    live.settle(quiet=0.3)  # the previous test's saves are built
    stream = EventStream(live.port)
    path = live.root / "content" / "articles" / "2025-01-13-harbour-bridge.md"
    good = path.read_text()
    try:
        stream.wait_for("hello")
        path.write_text("---\ntitle: [unclosed\nsource: Reuters\n---\n\nBody.\n")
        data = stream.wait_for("errors")
        assert data["errors"] and data["errors"][0]["path"].endswith("2025-01-13-harbour-bridge.md")
        assert data["errors"][0]["line"]
        assert live.get("/")[0] == 200  # still serving
        late = EventStream(live.port)  # a page opened now learns about the error at once
        try:
            assert late.wait_for("hello")["errors"][0]["path"].endswith("harbour-bridge.md")
        finally:
            late.close()
        live.wait_output("error: content/articles/2025-01-13-harbour-bridge.md")
        path.write_text(good)
        stream.wait_for("reload")
        assert live.status()["errors"] == []
    finally:
        stream.close()


def test_template_error_keeps_last_good_site(live: Served) -> None:
    live.settle(quiet=0.3)  # the previous test's saves are built
    tpl = live.root / "templates" / "index.html"
    stream = EventStream(live.port)
    try:
        stream.wait_for("hello")
        before = live.get("/")[2]
        tpl.write_text('{% extends "base.html" %}{% block main %}{% for x in %}{% endblock %}')
        data = stream.wait_for("errors")
        assert data["errors"][0]["path"] == "templates/index.html"
        status, _ctype, body = live.get("/")
        assert status == 200 and body.split(b"<script src=\"/__digest")[0] == \
            before.split(b"<script src=\"/__digest")[0]
        live.wait_output("templates/index.html")
        tpl.unlink()  # back to the default theme's index.html
        data = stream.wait_for("reload")  # the failed build may have replaced some pages
        assert data.get("all") is True
        assert live.status()["errors"] == []
    finally:
        stream.close()


def test_config_change_and_config_error(live: Served) -> None:
    live.settle(quiet=0.3)  # the previous test's saves are built
    config = live.root / "digest.yaml"
    stream = EventStream(live.port)
    try:
        stream.wait_for("hello")
        config.write_text("title: Harbour Town Digest\n")
        stream.wait_for("reload")
        assert b"Harbour Town Digest" in live.get("/")[2]
        config.write_text("title: [broken\n")
        data = stream.wait_for("errors")
        assert data["errors"][0]["path"] == "digest.yaml"
        assert b"Harbour Town Digest" in live.get("/")[2]  # the last good site
        config.unlink()
        stream.wait_for("reload")
        assert live.status()["errors"] == []
        assert b"Harbour Town Digest" not in live.get("/")[2]
    finally:
        config.unlink(missing_ok=True)
        stream.close()


def test_unreadable_file_is_an_error_not_a_crash(live: Served) -> None:
    live.settle(quiet=0.3)  # the previous test's saves are built
    path = live.root / "content" / "articles" / "2025-01-14-library-budget.md"
    good = path.read_bytes()
    stream = EventStream(live.port)
    try:
        stream.wait_for("hello")
        path.write_bytes(good + b"Caf\xe9 owners agreed.\n")  # Latin-1, not UTF-8
        data = stream.wait_for("errors")
        assert "not UTF-8" in data["errors"][0]["message"]
        path.write_bytes(good)
        stream.wait_for("reload")
        if os.geteuid() != 0:  # root reads any file whatever its mode
            path.chmod(0)
            data = stream.wait_for("errors")
            assert "not readable" in data["errors"][0]["message"]
            path.chmod(0o644)
            stream.wait_for("reload")
    finally:
        path.chmod(0o644)
        if path.read_bytes() != good:
            path.write_bytes(good)
        stream.close()


def test_css_only_change_sends_css_event(live: Served) -> None:
    live.settle(quiet=0.3)  # the previous test's saves are built
    stream = EventStream(live.port)
    try:
        stream.wait_for("hello")
        css = live.root / "templates" / "static" / "style.css"
        css.write_text(css.read_text() + "\nbody { outline: 1px solid red; }\n")
        data = stream.wait_for("css")
        [sheet] = data["stylesheets"]
        assert sheet.startswith("/static/style.") and sheet in live.get("/")[2].decode()
        assert b"outline: 1px solid red" in live.get(sheet)[2]
    finally:
        stream.close()


def test_poll_watcher_sees_saves_and_skips_noise(tmp_path: Path) -> None:
    """--poll: watchdog's PollingObserver through the same filters (in-process, fast)."""
    from digest.config import load_config
    from digest.watch import ProjectWatcher, WatchPaths

    root = make_project(tmp_path / "project", css=False)
    seen: list[tuple[Path, str]] = []
    watcher = ProjectWatcher(WatchPaths.from_config(load_config(root)),
                             lambda path, action: seen.append((path, action)),
                             poll=True, poll_interval=0.1)
    watcher.start()
    try:
        art = root / "content" / "articles"
        (art / ".2025-01-13-harbour-bridge.md.swp").write_text("x")
        (art / "2025-01-13-harbour-bridge.md~").write_text("x")
        os.chmod(art / "2025-01-14-library-budget.md", 0o600)
        write_article(root, "2025-01-13-harbour-bridge", "Polled harbour title")
        deadline = time.monotonic() + 10
        while not seen and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)  # a few more polls: nothing else may turn up
    finally:
        watcher.stop()
    assert {p.name for p, _action in seen} == {"2025-01-13-harbour-bridge.md"}, seen


def test_cli_serve_options() -> None:
    from digest.cli import make_parser

    args = make_parser().parse_args(["serve", "--poll", "--open", "--port", "9", "--host", "::1"])
    assert (args.poll, args.open, args.port, args.host, args.root) == (True, True, 9, "::1", ".")
    args = make_parser().parse_args(["serve"])
    assert (args.poll, args.open, args.port, args.host) == (False, False, 8000, "127.0.0.1")


@pytest.mark.parametrize(("rel", "is_input"), [
    ("content/articles/a.md", True),
    ("content/articles/2025/a.md", True),
    ("content/stories/s.md", True),
    ("content/articles/2025", True),  # a folder (event with is_dir)
    ("content/articles/a.txt", False),
    ("content/articles/.a.md.swp", False),
    ("content/articles/.a.md.swx", False),
    ("content/articles/a.md.swp", False),
    ("content/articles/a.md~", False),
    ("content/articles/.#a.md", False),
    ("content/articles/#a.md#", False),
    ("content/articles/4913", False),
    ("content/articles/a.md.bck", False),
    ("content/articles/a.md___jb_tmp___", False),
    ("content/articles/a.md___jb_old___", False),
    ("content/articles/jb_a.md", False),
    ("content/articles/.goutputstream-X1Y2", False),
    ("content/articles/.tmp-abc123.md", False),
    ("content/.hidden/a.md", False),
    ("templates/story.html", True),
    ("templates/static/style.css", True),
    ("templates/static/.style.css.swp", False),
    ("templates/story.html~", False),
    ("digest.yaml", True),
    ("site/index.html", False),
    (".digest-cache/pages.pickle", False),
    (".site.staging-123/index.html", False),
    (".site.old-123", False),
    ("README.md", False),
])
def test_which_paths_are_inputs(tmp_path: Path, rel: str, is_input: bool) -> None:
    from digest.config import load_config
    from digest.watch import WatchPaths

    paths = WatchPaths.from_config(load_config(tmp_path))
    is_dir = rel == "content/articles/2025" or rel.startswith(".site.old")
    assert paths.is_input(tmp_path / rel, is_dir) is is_input


def test_sse_clients_that_vanish_do_not_hurt(live: Served) -> None:
    live.settle(quiet=0.3)  # the previous test's saves are built
    streams = [EventStream(live.port) for _ in range(30)]
    for s in streams:
        s.wait_for("hello")
    for s in streams[:25]:
        s.close()  # tabs closed mid-stream
    write_article(live.root, "2025-01-13-harbour-bridge", "Harbour bridge: new date set")
    for s in streams[25:]:
        s.wait_for("reload")
        s.close()
    live.wait(lambda: live.status()["clients"] == 0, what="closed streams to be dropped")
    assert live.get("/")[0] == 200
    assert "Traceback" not in live.output()


# --- load ----------------------------------------------------------------------------------

def _serve_load_module():
    """benchmarks/serve_load.py: the test runs the very load the benchmark runs."""
    spec = importlib.util.spec_from_file_location("bench_serve_load",
                                                  ROOT / "benchmarks" / "serve_load.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def test_load_200_clients_while_files_change(live: Served) -> None:
    bench = _serve_load_module()
    builds = live.settle(quiet=0.3)
    urls = ["/", article_url("2025-01-13-harbour-bridge"), article_url("2025-01-14-library-budget"),
            "/api/stories.json", site_file(live, "style", ".css"), "/__digest/live.js"]

    def change(n: int) -> None:
        write_article(live.root, "2025-01-14-library-budget", f"Library budget update {n}",
                      source="AP", date="2025-01-14")

    stats = bench.run_load(live.port, urls, seconds=3.0, clients=200, streams=50,
                           change=change, change_every=0.5)
    assert stats["errors"] == [], stats["errors"][:10]
    assert stats["hung_threads"] == 0
    assert stats["streams_ok"] == 50
    assert stats["requests"] > 200
    assert live.proc.poll() is None
    assert live.settle(quiet=0.3) > builds  # it kept rebuilding under load
    assert stats["events"] >= 50 * 2  # every stream got its hello and at least one update
    assert "Traceback" not in live.output()


def _site_files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*"))
            if p.is_file() and not p.relative_to(site).as_posix().startswith("pagefind/")}


def test_an_edit_shows_at_once_and_the_full_build_has_the_last_word(tmp_path: Path) -> None:
    """An edited article's story is written first (reload sent), then the full build runs:
    when the edit moves the article into another story, the full build moves it, and the
    served site ends exactly as a clean build of the same files."""
    from digest.build import build

    root = make_project(tmp_path / "project", css=False)
    slug = "2025-01-14-library-budget"
    with serving(root, tmp_path) as server:
        server.settle(quiet=0.3)
        stream = EventStream(server.port)
        try:
            stream.wait_for("hello")
            write_article(root, slug, "City library budget tripled", source="AP",
                          date="2025-01-14",
                          body="The library budget was tripled to 3 million euros.")
            data = stream.wait_for("reload")
            assert article_url(slug) + "index.html" in data["paths"]
            assert b"City library budget tripled" in server.get(article_url(slug))[2]
            assert server.status()["quick_builds"] == 1
            server.settle(quiet=0.3)

            # now the same report as the harbour story: it belongs there
            write_article(root, slug, "Harbour bridge reopens after repairs", source="AP",
                          date="2025-01-14")
            server.settle(quiet=0.3)
            assert server.status()["quick_builds"] == 2
            assert "2 source" in server.get("/")[2].decode()

            # while the settings (or another file) are broken, an edit goes straight to the
            # full build: no provisional reload that would clear the error overlay
            broken = root / "digest.yaml"
            broken.write_text("title: [unclosed\n", encoding="utf-8")
            assert stream.wait_for("errors")["errors"]
            write_article(root, slug, "Harbour bridge reopens after long repairs",
                          source="AP", date="2025-01-14")
            assert stream.wait_for("errors")["errors"]  # still shown, not cleared
            assert server.status()["quick_builds"] == 2
            broken.unlink()
            stream.wait_for("reload")  # fixed: the pages that changed meanwhile reload
            assert server.status()["errors"] == []
            server.settle(quiet=0.3)
        finally:
            stream.close()
        served = _site_files(root / "site")
    fresh = tmp_path / "fresh"
    shutil.copytree(root / "content", fresh / "content")
    build(fresh, base_url=f"http://127.0.0.1:{server.port}/", use_cache=False)
    assert served == _site_files(fresh / "site")
