"""The `digest` command: argument parsing and dispatch to the stages. Exit codes live here."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from digest import __version__
from digest.config import ConfigError, load_config

if TYPE_CHECKING:
    from digest.ingest.importer import ImportSummary


def _cmd_build(args: argparse.Namespace) -> int:
    from digest.executor import ExecutorError, parse_spec, require_distributed
    from digest.freshness import TerminalProgress, print_report, up_to_date_build

    start = time.perf_counter()
    progress = TerminalProgress()
    try:
        if args.executor is not None and parse_spec(args.executor) is not None:
            require_distributed()  # asked for a cluster: say at once if it cannot be had
        # nothing changed: say so without importing the build's machinery
        result = up_to_date_build(Path(args.root), base_url=args.base_url)
        if result is None:
            from digest.build import build

            result = build(Path(args.root), base_url=args.base_url, progress=progress,
                           executor=args.executor)
    except (ConfigError, ExecutorError) as exc:
        progress.close()
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # disk full, site/ not writable: the previous site stays as it was
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"error: cannot write the site: {where}{exc.strerror or exc} (the previous "
              "site/ is unchanged; free space or fix permissions, then build again)",
              file=sys.stderr)
        return 1
    except Exception as exc:  # a template's problem (render imported only if needed)
        from digest.render import TemplateProblem

        if not isinstance(exc, TemplateProblem):
            raise
        progress.close()
        print(f"error: {exc}", file=sys.stderr)
        return 1
    progress.close()
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
    _github_report(summary)
    # every input failed (all feeds down, say): nonzero, so a scheduled run shows red; one
    # failure among others, or nothing new at all, is a success (docs/HOSTING.md)
    return 1 if summary.failures and not summary.results else 0


def _github_report(summary: ImportSummary) -> None:
    """In a GitHub Actions step: the per-feed table appended to the job summary, and the
    counts and a commit message as step outputs (`steps.<id>.outputs.new`, `.message`)."""
    new = summary.new
    targets = [("GITHUB_STEP_SUMMARY", summary.feeds_markdown()),
               ("GITHUB_OUTPUT", f"new={new}\nduplicate={summary.count('duplicate')}\n"
                f"failed={len(summary.failures)}\nmessage={summary.commit_message()}\n")]
    for variable, text in targets:
        path = os.environ.get(variable)
        if not path:
            continue
        try:
            with open(path, "a", encoding="utf-8") as fh:
                fh.write(text)
        except OSError as exc:
            print(f"warning: cannot write ${variable} ({path}): {exc.strerror or exc}",
                  file=sys.stderr)


def _cmd_serve(args: argparse.Namespace) -> int:
    from digest.serve import serve

    return serve(Path(args.root), host=args.host, port=args.port, open_browser=args.open,
                 poll=args.poll)


def _cmd_init(args: argparse.Namespace) -> int:
    from digest.scaffold import PLACEHOLDER_SPEC, ScaffoldError, init

    root = Path(args.dir)
    try:
        result = init(root, title=args.title, install=args.install, force=args.force)
    except ScaffoldError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for rel in result.written:
        print(f"wrote {root / rel}")
    if result.install == PLACEHOLDER_SPEC:
        print("warning: edit 'Install digest' in .github/workflows/pages.yml: digest was not "
              "installed from a git URL, so the workflow cannot know where to install it from "
              "(or run init again with --install SPEC)", file=sys.stderr)
    print(f"\nNext: cd {root} && digest build && digest serve\n"
          "Follow feeds: list them in feeds.yaml; digest import --feeds feeds.yaml --fetch\n"
          "Publish: push to GitHub and set Settings -> Pages -> Source: GitHub Actions; the "
          "workflow then imports the feeds, commits and publishes every day (see "
          "docs/HOSTING.md). Or run digest gh-deploy.")
    return 0


def _cmd_gh_deploy(args: argparse.Namespace) -> int:
    from digest.deploy import DeployError, gh_deploy
    from digest.render import TemplateProblem

    try:
        result = gh_deploy(Path(args.root), remote=args.remote, branch=args.branch,
                           message=args.message, push=not args.no_push,
                           base_url=args.base_url, build_first=not args.no_build)
    except (ConfigError, TemplateProblem, DeployError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    where = f"pushed to {args.remote}/{result.branch}" if result.pushed else \
        f"committed to {result.branch} (not pushed)"
    print(f"site for {result.base_url} {where}")
    return 0


def _add_hosting_parsers(sub: argparse._SubParsersAction) -> None:
    """`digest init` and `digest gh-deploy` (digest/scaffold.py, digest/deploy.py)."""
    p = sub.add_parser("init", help="create a new digest in DIR (config, example article, "
                       "theme, GitHub Pages workflow)")
    p.add_argument("dir", metavar="DIR", nargs="?", default=".",
                   help="folder to create the digest in (default: .)")
    p.add_argument("--title", default="News digest", help="the site's title")
    p.add_argument("--install", metavar="SPEC",
                   help="pip requirement the GitHub workflow installs digest from "
                   "(default: where this digest was installed from)")
    p.add_argument("--force", action="store_true", help="overwrite files that already exist")
    p.set_defaults(func=_cmd_init)

    p = sub.add_parser("gh-deploy", help="build and push site/ to the gh-pages branch")
    p.add_argument("--root", default=".", help="the digest's folder (default: .)")
    p.add_argument("--base-url", help="the published address (default: base_url from "
                   "digest.yaml, https://CNAME/, or the origin remote's GitHub Pages address)")
    p.add_argument("--remote", default="origin", help="git remote (default: origin)")
    p.add_argument("--branch", default="gh-pages", help="branch (default: gh-pages)")
    p.add_argument("--message", help="commit message on the branch")
    p.add_argument("--no-push", action="store_true", help="commit to the branch, do not push")
    p.add_argument("--no-build", action="store_true", help="deploy site/ as it is")
    p.set_defaults(func=_cmd_gh_deploy)


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
    p.add_argument("--executor", metavar="SPEC",
                   help="where loading and comparing run: 'local' (this machine's processes) "
                   "or 'dask://HOST:PORT' (a Dask scheduler's workers; needs "
                   "pip install 'digest[dask]'; docs/SCALING.md). Default: executor: in "
                   "digest.yaml, else local")
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
    _add_hosting_parsers(sub)
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
