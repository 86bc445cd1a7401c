"""What a build can know before it does any work: whether it has any to do.

`digest build` asks `up_to_date_build` first, importing only this module, the config and
the data model: when digest's code, the settings, the theme, the libraries that shape the
output, every content file and every file of site/ are as the last build left them (by
stat), the last build's result is shown again and nothing else is read. Also here: which
code each cache depends on (a cache is trusted only while that code is unchanged), the
build's result and its terminal report.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import hashlib
import json
import os
import shutil
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from digest import __version__
from digest.config import Config, default_theme_dir, load_config
from digest.model import Article, Problem, Story
from digest.storyids import LOCK_NAME

CACHE_FORMAT = 1
# A file modified this recently (ns) is not trusted by its stat: file times are coarse, so
# a second write in the same clock tick would not show (see load.ParsedArticle.fresh).
RACY_NS = 2_000_000_000


@dataclass
class BuildResult:
    articles: list[Article] = field(default_factory=list)
    stories: list[Story] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    pages_written: int = 0
    pages_unchanged: int = 0
    pages_rendered: int = 0
    articles_parsed: int = 0  # read and parsed this build (the others came from the cache)
    written_paths: list[str] = field(default_factory=list)  # site-relative, this build only
    removed_paths: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    # set when nothing changed since the last build and none of it was redone
    up_to_date: bool = False
    provisional: bool = False  # Builder.quick(): a full build follows
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def article_count(self) -> int:
        return self.counts.get("articles", len(self.articles))

    @property
    def story_count(self) -> int:
        return self.counts.get("stories", len(self.stories))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


# What each cache's entries are computed by: a cache is trusted only while the source of
# these modules and of every digest module they import (found by reading their imports) is
# unchanged. An edit to a template or to the site code then keeps the costly comparisons.
STAGE_MODULES: dict[str, tuple[str, ...]] = {
    "articles": ("digest.load", "digest.group"),
    "analyses": ("digest.compare",),
}


def _module_file(package: Path, name: str) -> Path | None:
    """digest.compare -> .../digest/compare/__init__.py; None for a name that is no module."""
    base = package.joinpath(*name.split(".")[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file() and candidate.is_relative_to(package):
            return candidate
    return None


def module_closure(roots: Iterable[str]) -> list[Path]:
    """The source files of the given digest modules and of every digest module they import,
    transitively (read from their import statements, nothing is imported)."""
    package = Path(__file__).resolve().parent
    seen: dict[str, Path] = {}
    todo = list(roots)
    while todo:
        name = todo.pop()
        path = _module_file(package, name)
        if name in seen or path is None:
            continue
        seen[name] = path
        for node in ast.walk(ast.parse(path.read_bytes())):
            if isinstance(node, ast.Import):
                todo += [a.name for a in node.names if a.name.split(".")[0] == "digest"]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0 \
                    and node.module.split(".")[0] == "digest":
                todo.append(node.module)
                todo += [f"{node.module}.{a.name}" for a in node.names]
    return sorted(set(seen.values()))


@functools.cache
def _code_version(stage: str | None = None) -> str:
    """digest's version plus a hash of the source a stage depends on (all of digest when
    stage is None): a change to that code (a better comparison rule, say) invalidates the
    stage's cache, even without a version bump."""
    h = hashlib.sha256(f"{__version__}:{CACHE_FORMAT}:{stage}".encode())
    package = Path(__file__).resolve().parent
    files = module_closure(STAGE_MODULES[stage]) if stage else sorted(package.rglob("*.py"))
    for f in files:
        h.update(f.relative_to(package).as_posix().encode() + b"\0" + f.read_bytes())
    return h.hexdigest()[:20]


def recover_interrupted(output: Path) -> None:
    """Undo what a killed build left: restore site/ if it died between its two renames,
    and remove stale staging, old and search index folders."""
    parent = output.parent
    if not parent.is_dir():
        return
    leftovers = sorted(parent.glob(f".{output.name}.old-*"))
    if not output.exists() and leftovers:
        os.replace(leftovers[-1], output)
        leftovers = leftovers[:-1]
    mine = {f".{output.name}.staging-{os.getpid()}", f".{output.name}.old-{os.getpid()}"}
    for stale in leftovers + sorted(parent.glob(f".{output.name}.staging-*")) + sorted(
            parent.glob(f".{output.name}.pagefind-*")):  # a search index cut short
        if stale.name not in mine and stale.is_dir() and not stale.is_symlink():
            shutil.rmtree(stale, ignore_errors=True)


STATE_FILE = "state.json"


def existing_files(output: Path) -> Iterator[str]:
    """Every file under output, as a path relative to it with '/' separators; by string
    operations (pathlib's took 0.6 s for the 12,900 files of 10,000 articles)."""
    if not output.is_dir():
        return
    top = os.fspath(output)
    cut = len(os.path.join(top, ""))  # os.walk joins every folder below top to it
    for dirpath, _dirs, files in os.walk(top):
        rel = dirpath[cut:]
        prefix = rel.replace(os.sep, "/") + "/" if rel else ""
        for name in files:
            yield prefix + name


def _tree_state(folder: Path, h: Any, since_ns: int | None, skip: str | None = None) -> bool:
    """Feed every file's (path, inode, size, mtime) under folder into h; False if a file
    was modified after since_ns (too recent to trust its time: see ParsedArticle.fresh).
    `skip`: a file (its path) left out."""
    settled = True
    seen: set[tuple[int, int]] = set()
    for dirpath, dirs, files in os.walk(folder, followlinks=True):
        try:
            st = os.stat(dirpath)
        except OSError:
            continue
        if (st.st_dev, st.st_ino) in seen:
            dirs[:] = []
            continue
        seen.add((st.st_dev, st.st_ino))
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(dirpath, name)
            if path == skip:
                continue
            try:
                st = os.stat(path)
            except OSError:
                h.update(f"{path}\0?\n".encode("utf-8", "surrogateescape"))
                continue
            h.update(f"{path}\0{st.st_ino}\0{st.st_size}\0{st.st_mtime_ns}\n".encode(
                "utf-8", "surrogateescape"))
            if since_ns is not None and st.st_mtime_ns > since_ns:
                settled = False
    return settled


def _inputs_state(cfg: Config) -> str | None:
    """A hash of everything a build reads: digest's code, the settings, the theme and
    content files (by stat). None when an input is too recently modified to be trusted."""
    h = hashlib.sha256(_code_version().encode())
    h.update(json.dumps(cfg.settings(), sort_keys=True, default=str).encode())
    theme = theme_state(cfg)
    if theme is None:
        return None
    h.update(theme.encode())
    h.update(_library_versions().encode())
    # content/stories.lock by its bytes: a build writes it (storyids), and its state after
    # that build must count as the one it was built from
    lock = os.path.join(cfg.content, LOCK_NAME)
    if not _tree_state(cfg.content, h, time.time_ns() - RACY_NS, skip=lock):
        return None
    try:
        with open(lock, "rb") as fh:
            h.update(b"lock\0" + hashlib.sha256(fh.read()).digest())
    except OSError:
        h.update(b"no lock\0")
    return h.hexdigest()


def _library_versions() -> str:
    """The libraries whose upgrade can change the site's bytes without touching an input."""
    from importlib.metadata import PackageNotFoundError, version

    found = []
    for name in ("jinja2", "markupsafe", "markdown-it-py", "nh3", "pyyaml", "pagefind"):
        try:
            found.append(f"{name}={version(name)}")
        except PackageNotFoundError:
            found.append(f"{name}=-")
    return " ".join(found)


def _output_state(cfg: Config) -> str:
    h = hashlib.sha256()
    _tree_state(cfg.output, h, None)
    return h.hexdigest()


def _up_to_date(cfg: Config, inputs: str) -> BuildResult | None:
    """The last build's result, if it was built from these very inputs and site/ is still
    exactly what it wrote; else None."""
    try:
        saved = json.loads((cfg.cache / STATE_FILE).read_text(encoding="utf-8"))
        if saved["inputs"] != inputs or saved["output"] != _output_state(cfg):
            return None
        problems = [Problem(**p) for p in saved["problems"]]
        return BuildResult(problems=problems, up_to_date=True, counts=saved["counts"],
                           pages_unchanged=saved["counts"]["files"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _record_state(cfg: Config, inputs: str, result: BuildResult) -> None:
    files = result.pages_written + result.pages_unchanged
    state = {"inputs": inputs, "output": _output_state(cfg),
             "counts": {"articles": len(result.articles), "stories": len(result.stories),
                        "files": files},
             "problems": [dataclasses.asdict(p) for p in result.problems]}
    path = cfg.cache / STATE_FILE
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # only costs the next build its shortcut


def theme_state(cfg: Config) -> str | None:
    """A hash of the theme folders' files by stat (the project's templates/ and digest's own
    theme); None when one was modified in the last RACY_NS, too recently to be trusted."""
    h = hashlib.sha256()
    since = time.time_ns() - RACY_NS
    dirs = [cfg.templates] if cfg.templates.is_dir() else []
    settled = [_tree_state(d, h, since) for d in [*dirs, default_theme_dir()]]
    return h.hexdigest() if all(settled) else None


def up_to_date_build(root: Path, base_url: str | None = None) -> BuildResult | None:
    """The last build's result if nothing changed since (see the module's doc), else None.

    Raises ConfigError for a broken digest.yaml, as a build would."""
    cfg = load_config(root, base_url=base_url)
    recover_interrupted(cfg.output)
    inputs = _inputs_state(cfg)
    return _up_to_date(cfg, inputs) if inputs is not None else None


def print_report(result: BuildResult, elapsed: float, stream=sys.stderr) -> None:
    for p in result.problems:
        print(str(p), file=stream)
    total = result.pages_written + result.pages_unchanged
    errors = len(result.errors)
    print(
        f"{'up to date' if result.up_to_date else 'built'}: "
        f"{result.article_count} articles in {result.story_count} stories: "
        f"{total} files ({result.pages_written} written, {result.pages_unchanged} unchanged, "
        f"{len(result.removed_paths)} removed) in {elapsed:.2f}s",
        file=stream,
    )
    rows = [("articles", str(result.article_count)), ("stories", str(result.story_count)),
            ("files", str(total)), ("written", str(result.pages_written)),
            ("rendered", str(result.pages_rendered)),
            ("parsed", str(result.articles_parsed)),
            ("problems", f"{len(result.problems)} ({errors} errors)")]
    rows += [(stage, f"{seconds:.2f}s") for stage, seconds in result.timings.items()]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"  {key:<{width}}  {value:>10}", file=stream)


class TerminalProgress:
    """A one-line progress display on a terminal, shown only once a build passes a second."""

    def __init__(self, stream=sys.stderr, delay: float = 1.0):
        self.stream = stream
        self.start = time.perf_counter()
        self.delay = delay
        self.shown = False
        self.enabled = hasattr(stream, "isatty") and stream.isatty()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled or time.perf_counter() - self.start < self.delay:
            return
        text = f"{stage}: {done}/{total}" if total else f"{stage}: {done} files"
        self.stream.write(f"\r\x1b[K{text}")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
