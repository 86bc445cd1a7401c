#!/usr/bin/env python3
"""What a CI build costs after one new article, with and without the restored build cache.

The daily workflow (.github/workflows/pages.yml, docs/HOSTING.md) runs in a fresh clone:
every file has a new modification time. It restores `.digest-cache/` and `site/` from the
last run with actions/cache. This script measures, on one generated corpus, in one run:

  cold             a fresh clone, no cache: what every CI build cost before
  restored cache   a fresh clone plus the last run's .digest-cache/ (not site/), one new article
  restored + site  a fresh clone plus .digest-cache/ and site/ (what the workflow restores),
                   one new article
  nothing new      the same, with no new article (a day whose feeds brought nothing)
  local            the working copy the cache came from (old file times), after `git pull`
                   brought the one new article: a local incremental build

Each build is a child process timed by wall clock and rusage (CPU, peak RSS); the ratios are
within this one run. It also checks that the three builds after the new article wrote the
same bytes. Nothing here is a test.

    .venv/bin/python benchmarks/ci_cache.py --n 1000 [--no-search] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import gen_corpus  # noqa: E402
from run_bench import REPO, digest_env, run_measured, tree_hash  # noqa: E402


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=Bench", "-c", "user.email=bench@example.org", *args],
                   cwd=cwd, check=True, capture_output=True)


def parsed(log: Path) -> str:
    lines = [x.split() for x in log.read_text(errors="replace").splitlines()]
    return next((x[1] for x in reversed(lines) if len(x) == 2 and x[0] == "parsed"), "?")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=1000, help="articles (default 1000)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=HERE / "out" / "ci-cache")
    ap.add_argument("--no-search", action="store_true", help="build with search: false")
    ap.add_argument("--json", type=Path, help="also write the rows here")
    args = ap.parse_args(argv)

    out = args.out.resolve()
    shutil.rmtree(out, ignore_errors=True)
    src = out / "origin-work"
    gen_corpus.generate(args.n, args.seed, src)
    if args.no_search:
        (src / "digest.yaml").write_text("search: false\n", encoding="utf-8")
    (src / ".gitignore").write_text("site/\n.digest-cache/\ntruth.jsonl\n")
    git(src, "init", "-q", "-b", "main")
    git(src, "add", "-A")
    git(src, "commit", "-q", "-m", "corpus")
    origin = out / "origin.git"
    git(out, "clone", "-q", "--bare", str(src), str(origin))

    env = digest_env()
    log = out / "build.log"
    rows: list[dict] = []

    def build(name: str, proj: Path) -> dict:
        print(f"[ci-cache] {name} ...", flush=True)
        mark = log.stat().st_size if log.exists() else 0
        r = run_measured([sys.executable, "-m", "digest", "build", "--root", str(proj)],
                         cwd=REPO, log=log, env=env)
        if r.returncode != 0:
            raise SystemExit(f"{name}: build failed, see {log}")
        piece = out / "piece.log"
        piece.write_bytes(log.read_bytes()[mark:])
        row = {"scenario": name, "wall_s": round(r.wall_s, 2), "cpu_s": round(r.cpu_s, 2),
               "peak_mib": round(r.maxrss_kib / 1024), "parsed": parsed(piece),
               "site": tree_hash(proj / "site")}
        rows.append(row)
        return row

    def clone(name: str) -> Path:
        path = out / name
        git(out, "clone", "-q", f"file://{origin}", str(path))
        time.sleep(0.01)
        return path

    # day 0: the last run, cold; what it leaves is the cache the next run restores
    last = clone("last-run")
    build("cold", last)
    cache = out / "actions-cache"
    for rel in (".digest-cache", "site"):
        shutil.copytree(last / rel, cache / rel, copy_function=shutil.copy2)

    # the nothing-new day first, then one new article is pushed
    quiet = clone("nothing-new")
    for rel in (".digest-cache", "site"):
        shutil.copytree(cache / rel, quiet / rel, copy_function=shutil.copy2)
    build("nothing new", quiet)

    articles = sorted((src / "content" / "articles").glob("*.md"))
    model = articles[len(articles) // 2].read_text(encoding="utf-8")
    new = src / "content" / "articles" / "zz-bench-new-article.md"
    model = re.sub(r"^source: .*$", "source: Bench Wire", model, count=1, flags=re.M)
    new.write_text(model.replace("\nid: ", "\nid: zz-bench-new-", 1)
                   .replace("\nurl: ", "\nurl: https://example.org/bench-new?", 1),
                   encoding="utf-8")
    git(src, "add", "-A")
    git(src, "commit", "-q", "-m", "one new article")
    git(src, "push", "-q", str(origin), "main")

    only_cache = clone("restored-cache")
    shutil.copytree(cache / ".digest-cache", only_cache / ".digest-cache",
                    copy_function=shutil.copy2)
    build("restored cache", only_cache)

    with_site = clone("restored-cache-and-site")
    for rel in (".digest-cache", "site"):
        shutil.copytree(cache / rel, with_site / rel, copy_function=shutil.copy2)
    build("restored + site", with_site)

    git(last, "pull", "-q", "origin", "main")
    build("local", last)

    cold = rows[0]
    print()
    print(f"{args.n} articles, search {'off' if args.no_search else 'on'}; one run; "
          "CPU ratio against the cold build and against the local incremental build")
    print("| scenario | wall s | CPU s | peak MiB | files parsed | CPU / cold | CPU / local |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    local = rows[-1]
    for r in rows:
        print(f"| {r['scenario']} | {r['wall_s']:.2f} | {r['cpu_s']:.2f} | {r['peak_mib']} | "
              f"{r['parsed']} | {r['cpu_s'] / cold['cpu_s']:.2f} | "
              f"{r['cpu_s'] / local['cpu_s']:.2f} |")
    after = {r["site"] for r in rows if r["scenario"] in ("restored cache", "restored + site",
                                                          "local")}
    print(f"\nthe three builds after the new article wrote the same site: "
          f"{'yes' if len(after) == 1 else 'NO: ' + ', '.join(sorted(after))}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"n": args.n, "search": not args.no_search,
                                         "rows": rows}, indent=1))
    return 0 if len(after) == 1 else 1


if __name__ == "__main__":
    raise SystemExit(main())
