#!/usr/bin/env python3
"""CPU time of the comparison stage per story, serially, on a project's own articles.

Loads ROOT's articles (content/), groups them as `digest build` does, and runs
digest.compare.compare_story over the first N groups in one process, timing with
time.process_time (CPU time, so other work on a shared machine skews it little).

Usage:
    python benchmarks/profile_compare.py ROOT [-n 60] [--repeat 1] [--profile]

--profile adds a cProfile table (top 30 by cumulative and by internal time).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from pathlib import Path

from digest.build import load_articles
from digest.compare import compare_story
from digest.config import load_config
from digest.group import group_into_stories
from digest.model import Article


def load_groups(root: Path, n: int) -> list[list[Article]]:
    """The first n story groups of the project at root, as `digest build` forms them."""
    cfg = load_config(root)
    articles, _problems, terms = load_articles(cfg)
    groups = group_into_stories(articles, window_days=cfg.group_window_days, terms=terms)
    return groups[:n]


def run_all(groups: list[list[Article]]) -> float:
    """CPU seconds to compare every group once."""
    start = time.process_time()
    for g in groups:
        compare_story(g)
    return time.process_time() - start


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("root", type=Path, help="project folder (with content/)")
    ap.add_argument("-n", type=int, default=60, help="groups to compare (default 60)")
    ap.add_argument("--repeat", type=int, default=1, help="runs; the fastest is reported")
    ap.add_argument("--profile", action="store_true", help="print a cProfile top 30")
    args = ap.parse_args(argv)

    groups = load_groups(args.root, args.n)
    n_articles = sum(len(g) for g in groups)
    print(f"{len(groups)} stories, {n_articles} articles")
    times = [run_all(groups) for _ in range(args.repeat)]
    best = min(times)
    print(f"CPU {best:.2f}s total, {1000 * best / max(1, len(groups)):.1f} ms/story "
          f"(runs: {', '.join(f'{t:.2f}' for t in times)})")
    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        run_all(groups)
        prof.disable()
        stats = pstats.Stats(prof, stream=sys.stdout)
        stats.sort_stats("cumulative").print_stats(30)
        stats.sort_stats("tottime").print_stats(30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
