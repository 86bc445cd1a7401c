#!/usr/bin/env python3
"""CPU time of story grouping per article, on a project's own articles.

Loads ROOT's articles (content/) with digest.build.load_articles and times
digest.group.group_into_stories over all of them, as `digest build` calls it, with
time.process_time (CPU time, so other work on a shared machine skews it little).

Prints ms/article (best of --repeat runs), the number of stories and a hash of the
partition (sorted tuples of article ids), so two versions can be compared.

Usage:
    python benchmarks/profile_group.py ROOT [--repeat 3] [--profile]
        [--cache FILE] [--baseline OTHER_GROUP.py]

--cache FILE pickles (articles, terms) to FILE on the first run and reads them from it
afterwards (loading 10,000 articles takes about a minute).
--baseline times group_into_stories from another copy of group.py too, alternating runs
with the current one, and prints the CPU ratio (baseline / current).
--profile adds a cProfile table (top 30 by cumulative and by internal time).
--truth FILE scores the partition against gen_corpus.py's truth.jsonl (one line per event):
B-cubed precision, recall and F1 (benchmarks/eval_compare.py's bcubed) and the largest
stories. --before YYYY-MM-DD keeps only the articles dated before that day: the first 36
days of a 100,000-article year is 10,000 articles at the density of the whole.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import importlib.util
import json
import pickle
import pstats
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from digest.build import load_articles
from digest.config import load_config
from digest.group import Terms, group_into_stories
from digest.model import Article

GroupFn = Callable[..., list[list[Article]]]


def load(root: Path, cache: Path | None) -> tuple[list[Article], dict[str, Terms], int]:
    """(articles, terms, window_days) of the project at root, via the pickle cache if given."""
    cfg = load_config(root)
    if cache is not None and cache.exists():
        with cache.open("rb") as f:
            articles, terms = pickle.load(f)
    else:
        articles, _problems, terms = load_articles(cfg)
        if cache is not None:
            with cache.open("wb") as f:
                pickle.dump((articles, terms), f, protocol=pickle.HIGHEST_PROTOCOL)
    return articles, terms, cfg.group_window_days


def partition_hash(groups: list[list[Article]]) -> str:
    """A short hash of the partition: sorted tuples of sorted article ids."""
    parts = sorted(tuple(sorted(a.id for a in g)) for g in groups)
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def run_once(fn: GroupFn, articles: list[Article], terms: dict[str, Terms],
             window_days: int) -> tuple[float, list[list[Article]]]:
    """CPU seconds of one grouping, and its result."""
    start = time.process_time()
    groups = fn(articles, window_days=window_days, terms=terms)
    return time.process_time() - start, groups


def truth_score(groups: list[list[Article]], truth: Path) -> str:
    """B-cubed figures of groups against the events of a gen_corpus truth.jsonl."""
    ev = load_module(Path(__file__).with_name("eval_compare.py"), "eval_compare")
    ids = {a.id for g in groups for a in g}
    events = []
    for line in truth.read_text(encoding="utf-8").splitlines():
        members = [i for i in json.loads(line)["articles"] if i in ids]
        if members:
            events.append(members)
    r = ev.bcubed([[a.id for a in g] for g in groups], events)
    largest = sorted((len(g) for g in groups), reverse=True)[:5]
    return (f"B-cubed precision {r['precision']:.3f}, recall {r['recall']:.3f}, "
            f"F1 {r['f1']:.3f} over {r['items']} articles in {len(events)} events; "
            f"largest stories {largest}")


def load_module(path: Path, name: str) -> Any:
    """The Python file at path, imported as a module called name."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    mod: Any = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up there
    spec.loader.exec_module(mod)
    return mod


def load_baseline(path: Path) -> GroupFn:
    return load_module(path, "digest_group_baseline").group_into_stories  # type: ignore[no-any-return]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("root", type=Path, help="project folder (with content/)")
    ap.add_argument("--repeat", type=int, default=1, help="runs; the fastest is reported")
    ap.add_argument("--profile", action="store_true", help="print a cProfile top 30")
    ap.add_argument("--cache", type=Path, help="pickle of (articles, terms) to reuse")
    ap.add_argument("--baseline", type=Path, help="another group.py to compare with")
    ap.add_argument("--truth", type=Path, help="gen_corpus truth.jsonl to score against")
    ap.add_argument("--before", type=date.fromisoformat, metavar="YYYY-MM-DD",
                    help="only the articles dated before this day")
    args = ap.parse_args(argv)

    articles, terms, window_days = load(args.root, args.cache)
    if args.before is not None:
        articles = [a for a in articles if a.published and a.published < args.before]
    n = len(articles)
    versions: dict[str, GroupFn] = {"current": group_into_stories}
    if args.baseline is not None:
        versions = {"baseline": load_baseline(args.baseline), **versions}
    times: dict[str, list[float]] = {name: [] for name in versions}
    results: dict[str, list[list[Article]]] = {}
    for _ in range(args.repeat):
        for name, fn in versions.items():  # alternate, so drift hits both alike
            t, results[name] = run_once(fn, articles, terms, window_days)
            times[name].append(t)
    print(f"{n} articles, window {window_days} days")
    for name in versions:
        best = min(times[name])
        groups = results[name]
        print(f"{name}: CPU {best:.3f}s, {1000 * best / max(1, n):.3f} ms/article, "
              f"{len(groups)} stories, partition {partition_hash(groups)} "
              f"(runs: {', '.join(f'{t:.3f}' for t in times[name])})")
    if args.truth is not None:
        for name in versions:
            print(f"{name}: {truth_score(results[name], args.truth)}")
    if args.baseline is not None:
        ratio = min(times["baseline"]) / max(1e-9, min(times["current"]))
        same = partition_hash(results["baseline"]) == partition_hash(results["current"])
        print(f"speed-up {ratio:.2f}x, partition {'identical' if same else 'DIFFERENT'}")
        if not same:
            where = {a.id: i for i, g in enumerate(results["baseline"]) for a in g}
            moved = 0
            for g in results["current"]:
                owners = Counter(where[a.id] for a in g)
                moved += len(g) - owners.most_common(1)[0][1]
            print(f"articles outside their baseline story's majority: {moved}")
    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        group_into_stories(articles, window_days=window_days, terms=terms)
        prof.disable()
        stats = pstats.Stats(prof, stream=sys.stdout)
        stats.sort_stats("cumulative").print_stats(30)
        stats.sort_stats("tottime").print_stats(30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
