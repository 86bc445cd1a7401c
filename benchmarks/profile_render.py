"""Time (CPU) the rendering of every page of a digest, by page kind, from pickled stories.

Loading, grouping and comparing run once and their stories are pickled (`--stories`), so
later runs measure rendering alone: every PageSpec of `digest.site.site_pages` is made
and its CPU time (time.process_time) added to its page kind (index, story, article, ...).

    python benchmarks/profile_render.py --root /tmp/corpus            # prints the table
    python benchmarks/profile_render.py --root /tmp/corpus --dump /tmp/pages   # + every page
    python benchmarks/profile_render.py --root /tmp/corpus --profile story     # + cProfile

`--dump DIR` writes each page's bytes under DIR (diff two dumps with `diff -r`).
Not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import cProfile
import pickle
import pstats
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from digest.build import analyse_stories, load_articles, load_story_notes, make_stories
from digest.config import load_config
from digest.group import group_into_stories
from digest.model import Story
from digest.render import Renderer
from digest.site import site_pages


def page_kind(path: str) -> str:
    """The kind of page a site path is: index, story, article, source, sources, feed, ..."""
    if path == "index.html" or path.startswith("page/"):
        return "index"
    if path.startswith("stories/"):
        return "story"
    if path.startswith("articles/"):
        return "article"
    if path == "sources/index.html":
        return "sources"
    if path.startswith("sources/"):
        return "source-feed" if path.endswith(".xml") else "source"
    if path.startswith("static/"):
        return "static"
    return "other"


def load_stories(root: Path, pickled: Path) -> list[Story]:
    """The digest's stories: from the pickle when there is one, else built and pickled."""
    if pickled.exists():
        with pickled.open("rb") as f:
            stories: list[Story] = pickle.load(f)
        return stories
    cfg = load_config(root)
    renderer = Renderer(cfg)
    articles, _problems, terms = load_articles(cfg, {})
    notes, _ = load_story_notes(cfg, renderer)
    groups = group_into_stories(articles, window_days=cfg.group_window_days, terms=terms)
    analyses = analyse_stories(groups, {})
    stories = make_stories(groups, analyses, notes)
    with pickled.open("wb") as f:
        pickle.dump(stories, f, protocol=pickle.HIGHEST_PROTOCOL)
    return stories


def render_all(root: Path, stories: list[Story], dump: Path | None = None,
               profile_kind: str | None = None) -> dict[str, list[float]]:
    """Make every page once; CPU seconds per page, by kind (and the pages, if `dump`)."""
    cfg = load_config(root)
    renderer = Renderer(cfg)
    times: dict[str, list[float]] = defaultdict(list)
    prof = cProfile.Profile() if profile_kind else None
    clock = time.process_time
    specs = list(site_pages(cfg, renderer, stories))
    for spec in specs:
        kind = page_kind(spec.path)
        if prof is not None and kind == profile_kind:
            prof.enable()
        t = clock()
        made = spec.make()
        data = made if isinstance(made, bytes) else b"".join(made)  # chunks: made as taken
        times[kind].append(clock() - t)
        if prof is not None and kind == profile_kind:
            prof.disable()
        if dump is not None:
            out = dump / spec.path
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(data)
    if prof is not None:
        pstats.Stats(prof, stream=sys.stdout).sort_stats("tottime").print_stats(35)
    return times


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", type=Path, required=True, help="the digest's folder")
    ap.add_argument("--stories", type=Path, default=None,
                    help="pickle of the stories (default: ROOT/.profile-stories.pickle)")
    ap.add_argument("--dump", type=Path, default=None, help="write every page under DIR")
    ap.add_argument("--repeat", type=int, default=1, help="render the site N times")
    ap.add_argument("--profile", default=None, metavar="KIND",
                    help="cProfile the pages of one kind (e.g. story)")
    args = ap.parse_args(argv)
    pickled = args.stories or args.root / ".profile-stories.pickle"
    stories = load_stories(args.root, pickled)
    best: dict[str, Any] = {}
    for n in range(args.repeat):
        times = render_all(args.root, stories, args.dump if n == 0 else None,
                           args.profile if n == 0 else None)
        for kind, ts in times.items():
            if kind not in best or sum(ts) < sum(best[kind]):
                best[kind] = ts
    total = sum(sum(ts) for ts in best.values())
    print(f"{'kind':<12} {'pages':>6} {'CPU s':>8} {'ms/page':>8}   (best of {args.repeat})")
    for kind, ts in sorted(best.items(), key=lambda kv: -sum(kv[1])):
        print(f"{kind:<12} {len(ts):>6} {sum(ts):>8.3f} {1000 * sum(ts) / len(ts):>8.2f}")
    print(f"{'all':<12} {sum(len(ts) for ts in best.values()):>6} {total:>8.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
