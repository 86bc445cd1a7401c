"""Site: which files the site has, what each one shows, and a key for what it depends on.

`site_pages` lists every output file as a PageSpec: its path, a key that changes whenever
anything the page shows changes, and a function that renders it. The build skips rendering
a page whose key matches the previous build's (the file in site/ is already right), which
is what makes warm and one-article rebuilds fast. Keys are computed from the very context
handed to the template (see `fingerprint`), so a template can only show what its key covers.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from digest.config import Config
from digest.model import Article, Story
from digest.render import (
    Page,
    Renderer,
    article_path,
    source_path,
    stories_json,
    story_json,
    story_path,
)


@dataclass
class PageSpec:
    path: str  # relative to site/
    key: str | None  # None: always render (cheap or global pages)
    make: Callable[[], bytes]


_story_fp: dict[int, tuple[Story, str]] = {}


def story_fingerprint(story: Story) -> str:
    """Hash of everything a story shows: its analysis, note, and its articles' bytes."""
    cached = _story_fp.get(id(story))
    if cached and cached[0] is story:
        return cached[1]
    h = hashlib.sha256()
    h.update(json.dumps(story_json(story), ensure_ascii=False, sort_keys=True).encode())
    h.update(story.note_html.encode())
    for a in story.articles:
        h.update(a.fingerprint.encode())
    fp = h.hexdigest()
    _story_fp[id(story)] = (story, fp)
    return fp


def fingerprint(value: Any, h: Any) -> None:
    """Feed a stable description of a template context value into hash h."""
    if isinstance(value, Story):
        h.update(b"S" + story_fingerprint(value).encode())
    elif isinstance(value, Article):
        h.update(b"A" + (value.fingerprint or repr(value)).encode())
    elif isinstance(value, dict):
        h.update(b"{")
        for k in sorted(value, key=str):
            h.update(str(k).encode() + b":")
            fingerprint(value[k], h)
        h.update(b"}")
    elif isinstance(value, list | tuple):
        h.update(b"[")
        for v in value:
            fingerprint(v, h)
            h.update(b",")
        h.update(b"]")
    elif callable(value):
        h.update(b"F" + getattr(value, "__qualname__", "?").encode())
    elif isinstance(value, str | int | float | bool | date) or value is None:
        h.update(repr(value).encode())
    else:
        raise TypeError(f"cannot fingerprint {type(value).__name__} for the page cache")


def _spec(renderer: Renderer, template: str, path: str, **context: Any) -> PageSpec:
    h = hashlib.sha256(template.encode() + b"\0" + path.encode())
    fingerprint(context, h)

    def make() -> bytes:
        return renderer.render(template, path, **context).data

    return PageSpec(path, h.hexdigest(), make)


def _fixed(page: Page) -> PageSpec:
    return PageSpec(page.path, None, lambda: page.data)


def site_pages(cfg: Config, renderer: Renderer, stories: list[Story]) -> Iterator[PageSpec]:
    """Every output file of the site, in a deterministic order."""
    story_of: dict[str, Story] = {a.id: s for s in stories for a in s.articles}
    by_source: dict[str, list[Story]] = {}
    for s in stories:
        for src in s.sources:
            by_source.setdefault(src, []).append(s)
    helpers = {"story_path": story_path, "article_path": article_path,
               "source_path": source_path}
    per_page = max(1, cfg.stories_per_page)
    chunks = [stories[i:i + per_page] for i in range(0, len(stories), per_page)] or [[]]
    for n, chunk in enumerate(chunks, start=1):
        path = "index.html" if n == 1 else f"page/{n}/index.html"
        yield _spec(renderer, "index.html", path, page_stories=chunk, page_number=n,
                    page_count=len(chunks), **helpers)
    for story in stories:
        yield _spec(renderer, "story.html", story_path(story) + "index.html", story=story,
                    **helpers)
        for article in story.articles:
            yield _spec(renderer, "article.html", article_path(article) + "index.html",
                        article=article, story=story_of[article.id], **helpers)
    for src, src_stories in sorted(by_source.items(), key=lambda kv: kv[0].casefold()):
        yield _spec(renderer, "source.html", source_path(src) + "index.html", source=src,
                    source_stories=src_stories, **helpers)
    yield _spec(renderer, "404.html", "404.html", **helpers)
    yield _fixed(Page("api/stories.json", stories_json(stories)))
    yield _fixed(Page(".nojekyll", b""))
    for page in renderer.iter_static():
        yield _fixed(page)
