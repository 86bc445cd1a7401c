"""Build: the one place with I/O. Reads content/, runs the stages, writes site/ atomically."""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from digest.compare import compare_story
from digest.config import Config, load_config
from digest.group import group_into_stories
from digest.load import ArticleError, find_article_files, read_article_file, split_front_matter
from digest.model import Article, Problem, Story
from digest.render import (
    Page,
    Renderer,
    article_path,
    source_path,
    stories_json,
    story_path,
)
from digest.text import slugify


@dataclass
class BuildResult:
    articles: list[Article] = field(default_factory=list)
    stories: list[Story] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    pages_written: int = 0
    pages_unchanged: int = 0
    written_paths: list[str] = field(default_factory=list)  # site-relative, this build only
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


def load_articles(cfg: Config) -> tuple[list[Article], list[Problem]]:
    """Every article under content/; a bad file is a Problem, never a crash."""
    articles: list[Article] = []
    problems: list[Problem] = []
    if not cfg.content.is_dir():
        problems.append(Problem(cfg.content_dir, None, "content folder does not exist",
                                "create it, or run 'digest import FILE' to add articles"))
        return articles, problems
    for path in find_article_files(cfg.content):
        rel = path.relative_to(cfg.root).as_posix() if path.is_relative_to(cfg.root) else str(path)
        try:
            article, warnings = read_article_file(path, rel)
        except ArticleError as exc:
            problems.append(exc.problem)
            continue
        problems.extend(warnings)
        articles.append(article)
    return _dedupe(articles, problems), problems


def _dedupe(articles: list[Article], problems: list[Problem]) -> list[Article]:
    by_id: dict[str, Article] = {}
    by_url: dict[str, Article] = {}
    kept: list[Article] = []
    for a in articles:
        if a.id in by_id:
            problems.append(Problem(a.path, 2, f"duplicate id {a.id!r} (also in "
                                    f"{by_id[a.id].path})", "give one of them another 'id:'"))
            continue
        if a.url and a.url in by_url:
            problems.append(Problem(a.path, 2, f"same url as {by_url[a.url].path}",
                                    "remove one copy, or correct its 'url:'", severity="warning"))
        by_id[a.id] = a
        if a.url:
            by_url.setdefault(a.url, a)
        kept.append(a)
    return kept


def load_story_notes(cfg: Config, renderer: Renderer) -> tuple[dict[str, dict], list[Problem]]:
    """content/stories/<id>.md: an editor's headline and note for a story."""
    notes: dict[str, dict] = {}
    problems: list[Problem] = []
    folder = cfg.content / "stories"
    if not folder.is_dir():
        return notes, problems
    for path in sorted(folder.glob("*.md")):
        rel = path.relative_to(cfg.root).as_posix()
        try:
            text = path.read_text(encoding="utf-8")
            data, body, _line, _raw = split_front_matter(text, rel)
        except ArticleError as exc:
            problems.append(exc.problem)
            continue
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(rel, None, f"cannot read story note ({exc})", ""))
            continue
        notes[slugify(path.stem, max_len=120)] = {
            "title": str(data.get("title") or "").strip(),
            "note_html": renderer.markdown(body) if body.strip() else "",
        }
    return notes, problems


def make_stories(articles: list[Article], cfg: Config, notes: dict[str, dict]) -> list[Story]:
    stories: list[Story] = []
    for members in group_into_stories(articles, window_days=cfg.group_window_days):
        first = members[0]
        sid = first.story or first.id
        analysis = compare_story(members)
        story = Story(id=sid, title=analysis.title, articles=members, summary=analysis.summary,
                      facts=analysis.facts, differences=analysis.differences)
        note = notes.get(sid)
        if note:
            if note["title"]:
                story.title, story.title_from_editor = note["title"], True
            story.note_html = note["note_html"]
        stories.append(story)
    stories.sort(key=lambda s: (-(s.last_published or date.min).toordinal(), s.id))
    return stories


def render_site(cfg: Config, renderer: Renderer, stories: list[Story]) -> Iterator[Page]:
    """Every output file of the site, in a deterministic order."""
    story_of: dict[str, Story] = {a.id: s for s in stories for a in s.articles}
    by_source: dict[str, list[Story]] = {}
    for s in stories:
        for src in s.sources:
            by_source.setdefault(src, []).append(s)
    common = {"stories": stories, "story_path": story_path, "article_path": article_path,
              "source_path": source_path, "sources_index": sorted(by_source, key=str.casefold)}
    per_page = max(1, cfg.stories_per_page)
    pages = [stories[i:i + per_page] for i in range(0, len(stories), per_page)] or [[]]
    for n, chunk in enumerate(pages, start=1):
        path = "index.html" if n == 1 else f"page/{n}/index.html"
        yield renderer.render("index.html", path, page_stories=chunk, page_number=n,
                              page_count=len(pages), **common)
    for story in stories:
        yield renderer.render("story.html", story_path(story) + "index.html", story=story,
                              **common)
        for article in story.articles:
            yield renderer.render("article.html", article_path(article) + "index.html",
                                  article=article, story=story_of[article.id],
                                  body_html=renderer.markdown(article.body_markdown), **common)
    for src, src_stories in sorted(by_source.items(), key=lambda kv: kv[0].casefold()):
        yield renderer.render("source.html", source_path(src) + "index.html", source=src,
                              source_stories=src_stories, **common)
    yield renderer.render("404.html", "404.html", **common)
    yield Page("api/stories.json", stories_json(stories))
    yield Page(".nojekyll", b"")
    yield from renderer.iter_static()


def write_site(output: Path, pages: Iterator[Page]) -> tuple[list[str], int]:
    """Write pages into a staging folder, then swap it into place.

    Unchanged files are hard-linked from the current site instead of rewritten, so their
    bytes and mtimes stay put; an interrupted build leaves the previous site/ untouched.
    """
    staging = output.with_name(f".{output.name}.staging-{os.getpid()}")
    if staging.exists():
        shutil.rmtree(staging)
    written: list[str] = []
    unchanged = 0
    try:
        for page in pages:
            rel = Path(page.path)
            if rel.is_absolute() or ".." in rel.parts:
                raise ValueError(f"refusing to write outside the site: {page.path}")
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            old = output / rel
            try:
                if old.is_file() and not old.is_symlink() and old.read_bytes() == page.data:
                    os.link(old, target)
                    unchanged += 1
                    continue
            except OSError:
                pass
            target.write_bytes(page.data)
            written.append(page.path)
        _swap(staging, output)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return written, unchanged


def _swap(staging: Path, output: Path) -> None:
    old = output.with_name(f".{output.name}.old-{os.getpid()}")
    if output.exists():
        os.replace(output, old)
    os.replace(staging, output)
    shutil.rmtree(old, ignore_errors=True)


def build(root: Path, base_url: str | None = None, cfg: Config | None = None) -> BuildResult:
    """Build the site of the digest at `root`. Raises ConfigError/TemplateProblem."""
    result = BuildResult()
    cfg = cfg or load_config(root, base_url=base_url)
    t0 = time.perf_counter()
    renderer = Renderer(cfg)
    articles, problems = load_articles(cfg)
    notes, note_problems = load_story_notes(cfg, renderer)
    result.problems = problems + note_problems
    result.articles = articles
    t1 = time.perf_counter()
    result.stories = make_stories(articles, cfg, notes)
    t2 = time.perf_counter()
    result.written_paths, result.pages_unchanged = write_site(
        cfg.output, render_site(cfg, renderer, result.stories))
    result.pages_written = len(result.written_paths)
    t3 = time.perf_counter()
    result.timings = {"load": t1 - t0, "group+compare": t2 - t1, "render+write": t3 - t2}
    return result


class Builder:
    """A build engine that lives across rebuilds (for `digest serve`).

    `build(changed)` rebuilds after the given files changed (None: unknown, rebuild all);
    the result is always byte-identical to a clean full build of the same content.
    """

    def __init__(self, root: Path, base_url: str | None = None):
        self.root = root
        self.base_url = base_url

    def build(self, changed: set[Path] | None = None) -> BuildResult:
        """Raises ConfigError or TemplateProblem when the site cannot be built at all."""
        return build(self.root, base_url=self.base_url)


def print_report(result: BuildResult, elapsed: float, stream=sys.stderr) -> None:
    for p in result.problems:
        print(str(p), file=stream)
    total = result.pages_written + result.pages_unchanged
    print(
        f"built {len(result.articles)} articles into {len(result.stories)} stories: "
        f"{total} files ({result.pages_written} written, {result.pages_unchanged} unchanged) "
        f"in {elapsed:.2f}s",
        file=stream,
    )
