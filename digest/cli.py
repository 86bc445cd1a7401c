"""The `digest` command: argument parsing and dispatch to the stages. Exit codes live here."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from digest import __version__
from digest.config import ConfigError, load_config


def _cmd_build(args: argparse.Namespace) -> int:
    from digest.build import build, print_report
    from digest.render import TemplateProblem

    start = time.perf_counter()
    try:
        result = build(Path(args.root), base_url=args.base_url)
    except (ConfigError, TemplateProblem) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print_report(result, time.perf_counter() - start)
    if args.strict and result.problems:
        print(f"--strict: {len(result.problems)} problem(s) in the input", file=sys.stderr)
        return 1
    return 0


def _cmd_import(args: argparse.Namespace) -> int:
    from digest.ingest.feeds import FeedError, load_feed_list
    from digest.ingest.importer import ImportOptions, import_paths, is_url

    try:
        cfg = load_config(Path(args.root))
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    feeds: list[str] = []
    try:
        for feed_file in args.feeds or []:
            feeds += load_feed_list(feed_file)
    except FeedError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if not args.inputs and not args.feeds:
        # `digest import` alone: the feeds listed in digest.yaml
        feeds = [f if is_url(f) or Path(f).is_absolute() else str(cfg.root / f)
                 for f in cfg.feeds]
        if not feeds:
            print("error: nothing to import: give files, folders or URLs, or --feeds FILE "
                  "(or list feeds: in digest.yaml)", file=sys.stderr)
            return 2
    opts = ImportOptions(source=args.source, url=args.url, date=args.date, title=args.title,
                         force=args.force, fetch=args.fetch, timeout=args.timeout)
    summary = import_paths(args.inputs, cfg.content, opts, feeds=feeds)
    for line in summary.lines():
        print(line)
    return 1 if summary.failures and not summary.results else 0


def _cmd_serve(args: argparse.Namespace) -> int:
    from digest.serve import serve

    return serve(Path(args.root), host=args.host, port=args.port, open_browser=args.open,
                 poll=args.poll)


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="digest", description="Turn news articles into a static digest of what the "
        "sources agree on and where they differ.")
    parser.add_argument("--version", action="version", version=f"digest {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("build", help="build site/ from content/")
    p.add_argument("--root", default=".", help="the digest's folder (default: .)")
    p.add_argument("--base-url", help="override base_url from digest.yaml")
    p.add_argument("--strict", action="store_true", help="exit non-zero on any input problem")
    p.set_defaults(func=_cmd_build)

    p = sub.add_parser("import", help="import articles into content/articles/")
    p.add_argument("inputs", nargs="*", metavar="FILE",
                   help="files, folders, http(s) URLs, RSS/Atom feeds or .jsonl batches "
                   "(none: the feeds listed in digest.yaml)")
    p.add_argument("--root", default=".", help="the digest's folder (default: .)")
    p.add_argument("--source", help="outlet name (default: detected, else the file name)")
    p.add_argument("--url", help="URL of the original article")
    p.add_argument("--date", help="publication date, YYYY-MM-DD")
    p.add_argument("--title", help="headline (default: detected)")
    p.add_argument("--force", action="store_true",
                   help="replace an article already imported from the same input")
    p.add_argument("--feeds", action="append", metavar="FILE",
                   help="import every feed listed in FILE (YAML: feeds: [url-or-path, ...])")
    p.add_argument("--fetch", action="store_true",
                   help="for feed entries with only a summary, fetch the linked page")
    p.add_argument("--timeout", type=float, default=15.0, metavar="SECONDS",
                   help="per-URL fetch timeout (default: 15)")
    p.set_defaults(func=_cmd_import)

    p = sub.add_parser("serve", help="build, serve on 127.0.0.1 and rebuild + reload on change")
    p.add_argument("--root", default=".", help="the digest's folder (default: .)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default: 127.0.0.1, this machine only)")
    p.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    p.add_argument("--open", action="store_true", help="open the site in a web browser")
    p.add_argument("--poll", action="store_true",
                   help="poll for changes instead of OS events (network drives, Docker "
                   "volumes, WSL)")
    p.set_defaults(func=_cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
