#!/usr/bin/env python3
"""What grouping costs on the client at archive sizes (docs/SCALING.md).

    python benchmarks/group_scale.py --n 100000 [--years 1] [--seed 1] [--jobs 2]

Generates --n articles in memory with benchmarks/gen_corpus.py's planner and renderer (one
year, 2025, as gen_corpus writes them), parses each and takes its grouping terms in
--jobs processes (what `digest build` does in its load stage, on a cluster's workers with
--executor dask://), keeps of each article only what grouping reads (id, path, date, story
pin; the body is dropped, as the client could) and its packed terms, then times
digest.group.group_into_stories over all of them in this process, as `digest build` runs
it on the client: wall and CPU seconds, peak RSS, stories.

--years K repeats the year K times (each copy 364 days later, so weekdays stay, with new
ids; the very same term objects): an archive of K years at --n articles a year. 100,000 x
10 is a million articles at the density of a 100,000-article year: grouping's cost per
article depends on how many stories are active inside the time window, not on the
archive's length.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import importlib.util
import multiprocessing
import resource
import sys
import time
from pathlib import Path

from digest.group import Terms, article_terms, group_into_stories
from digest.load import parse_article
from digest.model import Article

HERE = Path(__file__).resolve().parent


def _gen_module():
    spec = importlib.util.spec_from_file_location("bench_gen_corpus", HERE / "gen_corpus.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _light(plans: list[dict], seed: int) -> list[tuple[Article, Terms]]:
    """Render, parse and take terms of each article of these events; drop the bodies."""
    gen = _gen_module()
    out = []
    for plan in plans:
        for art_id, text, _slug in gen.render_event(plan, seed):
            article, _warnings = parse_article(text, f"content/articles/{art_id}.md")
            terms = article_terms(article)
            out.append((dataclasses.replace(article, body_markdown="", paragraphs=[],
                                            meta={}), terms))
    return out


def load(n: int, seed: int, jobs: int) -> tuple[list[Article], dict[str, Terms]]:
    plans = _gen_module().plan_events(n, seed)
    chunks = [plans[i:i + 200] for i in range(0, len(plans), 200)]
    with multiprocessing.get_context("spawn").Pool(jobs) as pool:
        parts = pool.starmap(_light, [(c, seed) for c in chunks], chunksize=1)
    articles = [a for part in parts for a, _t in part]
    terms = {a.id: t for part in parts for a, t in part}
    return articles, terms


def repeat_years(articles: list[Article], terms: dict[str, Terms], years: int
                 ) -> tuple[list[Article], dict[str, Terms]]:
    all_articles, all_terms = list(articles), dict(terms)
    for k in range(1, years):
        shift = dt.timedelta(days=364 * k)
        for a in articles:
            copy = dataclasses.replace(a, id=f"{a.id}-y{k}", path=a.path.replace(
                ".md", f"-y{k}.md"), published=a.published + shift if a.published else None)
            all_articles.append(copy)
            all_terms[copy.id] = terms[a.id]
    return all_articles, all_terms


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=100000, help="articles a year (default 100000)")
    ap.add_argument("--years", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=2, help="processes that parse (default 2)")
    ap.add_argument("--window", type=int, default=4, help="group_window_days (default 4)")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    articles, terms = load(args.n, args.seed, args.jobs)
    articles, terms = repeat_years(articles, terms, args.years)
    print(f"[group] {len(articles)} articles ({args.n} a year x {args.years}) generated, "
          f"parsed and reduced in {time.perf_counter() - t0:.0f} s", flush=True)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    w0, c0 = time.perf_counter(), time.process_time()
    groups = group_into_stories(articles, window_days=args.window, terms=terms)
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"| articles | years | stories | group wall s | group CPU s | ms/article | "
          f"peak RSS MiB (before grouping) |\n|---|---|---|---|---|---|---|\n"
          f"| {len(articles)} | {args.years} | {len(groups)} | {wall:.1f} | {cpu:.1f} | "
          f"{1000 * cpu / len(articles):.2f} | {rss:.0f} ({rss0:.0f}) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
