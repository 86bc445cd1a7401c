"""Render: stories and articles -> the bytes of every file of the site (no disk writes here)."""

from __future__ import annotations

import functools
import hashlib
import json
import re
import traceback
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
import markupsafe
import nh3
from markdown_it import MarkdownIt

from digest import __version__
from digest.config import Config, default_theme_dir  # noqa: F401 - re-exported
from digest.load import markdown_parser
from digest.model import Article, Difference, Evidence, Story
from digest.text import slugify
from digest.watch import is_ignored_name

PACKAGE_DIR = Path(__file__).resolve().parent


class TemplateProblem(Exception):
    """A template failed: names the template file and line."""

    def __init__(self, template: str, line: int | None, message: str):
        where = f"{template}:{line}" if line else template
        super().__init__(f"{where}: template error: {message}")
        self.template, self.line, self.message = template, line, message


def _template_location(exc: BaseException) -> tuple[str, int | None]:
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return exc.filename or exc.name or "?", exc.lineno
    for frame, lineno in reversed(list(traceback.walk_tb(exc.__traceback__))):
        filename = frame.f_code.co_filename
        if filename.endswith((".html", ".xml", ".txt", ".json", ".css")):
            return filename, lineno
    return "?", None


# What an editor's note (Markdown rendered to HTML, shown unescaped) may contain.
NOTE_TAGS = frozenset({"p", "br", "em", "strong", "code", "pre", "blockquote", "ul", "ol",
                       "li", "a", "h2", "h3", "h4", "h5", "h6", "hr"})


def sanitize_html(html: str) -> str:
    """HTML that can be shown as is: a small tag set, no attribute but href on <a>, links
    only to http(s), mailto and relative URLs, marked rel="nofollow noopener"."""
    return nh3.clean(html, tags=set(NOTE_TAGS), clean_content_tags={"script", "style"},
                     attributes={"a": {"href"}}, url_schemes={"http", "https", "mailto"},
                     link_rel="nofollow noopener", strip_comments=True)


def _project_relative(filename: str, cfg: Config | None) -> str:
    """A template's file name as the user knows it: templates/x.html, not an absolute path."""
    path = Path(filename)
    for base in ([cfg.root] if cfg else []) + [PACKAGE_DIR.parent]:
        try:
            return path.resolve().relative_to(base.resolve()).as_posix()
        except (ValueError, OSError):
            continue
    return filename


def safe_url(url: str | None) -> str | None:
    """Only http(s) and relative URLs become links; javascript:, data: and the rest do not."""
    if not url:
        return None
    url = url.strip()
    scheme = urlsplit(url).scheme.lower()
    if scheme in ("http", "https"):
        return url
    if not scheme and not url.startswith("//") and ":" not in url.split("/")[0]:
        return url
    return None


@dataclass
class Page:
    path: str  # relative to site/, e.g. "stories/x/index.html"
    data: bytes


class Renderer:
    """Holds the compiled templates; renders each page from the build's data."""

    def __init__(self, cfg: Config):
        self.cfg = cfg
        dirs = [cfg.templates] if cfg.templates.is_dir() else []
        theme = default_theme_dir()
        if theme.resolve() not in [d.resolve() for d in dirs]:
            dirs.append(theme)
        self.template_dirs = dirs
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader([str(d) for d in dirs]),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            # a Renderer lives for one build: its templates cannot change under it, so
            # get_template() need not stat every template file again for every page
            auto_reload=False,
        )
        self.md: MarkdownIt = markdown_parser()
        # the last 512 article bodies: the dev server re-renders an edited story's pages
        self._body = functools.lru_cache(maxsize=512)(self._render_body)
        self.env.globals.update(
            site=self._site_globals(),
            url=self.url,
            abs_url=self.abs_url,
            safe_url=safe_url,
            version=__version__,
        )
        self.env.filters["slug"] = slugify
        self.env.filters["isodate"] = isodate
        self.env.filters["longdate"] = self.longdate
        self._longdates: dict[date, str] = {}
        self._base_path: tuple[str, str] | None = None  # (base_url, its base_path)
        self.env.filters["markdown"] = lambda text: markupsafe.Markup(self.markdown(text))
        self.env.filters["tojson_attr"] = lambda v: json.dumps(v, ensure_ascii=False)
        self.env.filters["jsonld"] = jsonld
        self.env.filters["mark_words"] = mark_words
        self.env.filters["mark_in"] = mark_in_sentence
        self.env.filters["first_sentence"] = first_sentence
        self.env.filters["quoted_outlets"] = quoted_outlets
        self.env.filters["shorten"] = shorten
        self.env.filters["body_html"] = self.body_html
        self.env.globals["development_chart"] = development_chart
        self.static_files = self._static_files()
        self.env.globals["asset"] = self.asset

    def _site_globals(self) -> dict[str, Any]:
        return {"title": self.cfg.title, "description": self.cfg.description,
                "base_url": self.cfg.base_url, "base_path": self.cfg.base_path,
                "language": self.cfg.language,
                "search": bool(getattr(self.cfg, "search", True)),
                "cname": self.cfg.cname}

    def url(self, path: str = "") -> str:
        """Site-internal link that works under base_url's sub-path."""
        cached = self._base_path
        if cached is None or cached[0] is not self.cfg.base_url:
            cached = self._base_path = (self.cfg.base_url, self.cfg.base_path)
        return cached[1] + path.lstrip("/")

    def longdate(self, d: date | None) -> str:
        """'March 4, 2025' ('undated' for no date); computed once per date of the build."""
        if not d:
            return "undated"
        if type(d) is not date:  # a datetime (or subclass): equal values may differ in tz
            return f"{d.strftime('%B')} {d.day}, {d.year}"
        text = self._longdates.get(d)
        if text is None:
            text = self._longdates[d] = f"{d.strftime('%B')} {d.day}, {d.year}"
        return text

    def abs_url(self, path: str = "") -> str:
        return self.cfg.base_url + path.lstrip("/")

    def _static_files(self) -> dict[str, tuple[str, bytes]]:
        """static/<name> -> (fingerprinted path, bytes); the user's theme wins over the default."""
        found: dict[str, tuple[str, bytes]] = {}
        for d in reversed(self.template_dirs):
            static = d / "static"
            if not static.is_dir():
                continue
            for f in sorted(static.rglob("*")):
                rel_parts = f.relative_to(static).parts
                # editor swap/backup files and hidden files are never published
                if f.is_file() and not any(is_ignored_name(p) for p in rel_parts):
                    rel = f.relative_to(static).as_posix()
                    data = f.read_bytes()
                    digest = hashlib.sha256(data).hexdigest()[:10]
                    stem, dot, ext = rel.rpartition(".")
                    fp = f"static/{stem}.{digest}.{ext}" if dot else f"static/{rel}.{digest}"
                    found[rel] = (fp, data)
        return found

    def asset(self, name: str) -> str:
        if name not in self.static_files:
            raise jinja2.UndefinedError(f"no static file {name!r} in the theme's static/")
        return self.url(self.static_files[name][0])

    def render(self, template: str, path: str, **context: Any) -> Page:
        try:
            html = self.env.get_template(template).render(page_path=path, **context)
        except jinja2.TemplateError as exc:
            name, line = _template_location(exc)
            raise TemplateProblem(_project_relative(name, self.cfg), line,
                                  exc.message or str(exc)) from exc
        except Exception as exc:  # a template's own bug: {{ 1 + "a" }}, a failing filter
            name, line = _template_location(exc)
            if name == "?":
                raise
            raise TemplateProblem(_project_relative(name, self.cfg), line,
                                  f"{type(exc).__name__}: {exc}") from exc
        return Page(path, html.encode("utf-8", errors="replace"))

    def markdown(self, text: str) -> str:
        """Markdown as sanitised HTML (for notes shown unescaped)."""
        return sanitize_html(self.md.render(text))

    def body_html(self, text: str, top: int = 2) -> markupsafe.Markup:
        """An article body as HTML whose headings start at h{top} and skip no level.

        Articles are written by many hands: a body may use '#' or jump from '#' to '###'.
        The page already has its h1, so the body's heading levels are renumbered in order.
        """
        return self._body(text, top)

    def _render_body(self, text: str, top: int) -> markupsafe.Markup:
        tokens = self.md.parse(text)
        levels = sorted({int(t.tag[1]) for t in tokens if t.type == "heading_open"})
        remap = {lvl: min(6, top + i) for i, lvl in enumerate(levels)}
        for t in tokens:
            if t.type in ("heading_open", "heading_close"):
                t.tag = f"h{remap[int(t.tag[1])]}"
        return markupsafe.Markup(self.md.renderer.render(tokens, self.md.options, {}))

    def iter_static(self) -> Iterator[Page]:
        for _name, (fp, data) in sorted(self.static_files.items()):
            yield Page(fp, data)


def isodate(d: date | None) -> str:
    """A date as YYYY-MM-DD ('' for no date)."""
    return d.isoformat() if d else ""


_WORD = re.compile(r"[\w'’-]+")


def jsonld(value: Any) -> markupsafe.Markup:
    """JSON for a <script type="application/ld+json"> block that no string can break out of.

    '<', '>' and '&' are written as JSON unicode escapes, so a headline holding
    '</script>' stays inside the JSON string.
    """
    text = json.dumps(value, ensure_ascii=False, sort_keys=False, indent=None)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return markupsafe.Markup(text)


def mark_words(text: str, words: list[str] | None) -> markupsafe.Markup:
    """Escape text and wrap the given words in <mark>, matching them in order.

    `words` is a Difference.highlight entry: the words of this value that the other
    values lack, listed in the order they occur, so repeated words are marked only where
    they differ.
    """
    if not words:
        return markupsafe.escape(text)
    out: list[str] = []
    pos, i = 0, 0
    for m in _WORD.finditer(text):
        if i < len(words) and m.group() == words[i]:
            out.append(str(markupsafe.escape(text[pos:m.start()])))
            out.append(f"<mark>{markupsafe.escape(m.group())}</mark>")
            pos, i = m.end(), i + 1
    out.append(str(markupsafe.escape(text[pos:])))
    return markupsafe.Markup("".join(out))


def mark_in_sentence(sentence: str, value: str, words: list[str] | None) -> markupsafe.Markup:
    """Escape a quoted sentence, marking `words` inside the part that is `value`."""
    at = sentence.find(value) if words and value else -1
    if at < 0:
        return markupsafe.escape(sentence)
    end = at + len(value)
    return markupsafe.Markup(markupsafe.escape(sentence[:at]) + mark_words(value, words)
                             + markupsafe.escape(sentence[end:]))


def quoted_outlets(evidence: list[Evidence], source_of: dict[str, str]) -> list[str]:
    """The outlets of the quoted articles, each once, in the order first quoted.

    `source_of` maps an article id to its outlet (story.html builds it once per page).
    """
    names: list[str] = []
    for e in evidence:
        try:
            name = source_of[e.article]
        except KeyError:
            raise jinja2.UndefinedError(f"no article {e.article!r} in the story") from None
        if name not in names:
            names.append(name)
    return names


def first_sentence(text: str, limit: int = 220) -> str:
    """The first sentence of a summary, shortened to `limit` characters."""
    text = " ".join(text.split())
    m = re.search(r"(?<=[.!?”\"])\s+(?=[A-Z“\"‘(])", text)
    if m:
        text = text[:m.start()]
    return shorten(text, limit)


def shorten(text: str, limit: int = 100) -> str:
    """Cut text at a word boundary to at most `limit` characters, with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit - 1].rsplit(" ", 1)[0].rstrip(",;:–— ")
    return cut + "…"


def story_path(story: Story) -> str:
    return f"stories/{story.id}/"


def article_path(article: Article) -> str:
    return f"articles/{article.id}/"


def source_path(source: str) -> str:
    return f"sources/{slugify(source)}/"


CHART_W, CHART_H, CHART_PAD = 260, 64, 14


def development_chart(d: Difference, chart_id: str) -> markupsafe.Markup:
    """A small inline SVG line of a figure that changed between reports (values with an
    `amount`, in report order), each point labelled with its value: no script, no colour
    needed, named by its <title> and described point by point in its <desc>. Empty when
    fewer than two values have an amount."""
    points = [v for v in d.values if v.amount is not None]
    if len(points) < 2:
        return markupsafe.Markup("")
    amounts = [float(v.amount) for v in points]  # type: ignore[arg-type]
    low, high = min(amounts), max(amounts)
    span = (high - low) or 1.0
    step = (CHART_W - 2 * CHART_PAD) / (len(points) - 1)
    xy = [(CHART_PAD + i * step,
           CHART_H - CHART_PAD - (a - low) / span * (CHART_H - 2 * CHART_PAD - 10))
          for i, a in enumerate(amounts)]
    esc = markupsafe.escape
    desc = "; ".join(f"{v.value} ({v.as_of})" if v.as_of else v.value for v in points)
    parts = [
        f'<svg class="dev-chart" role="img" viewBox="0 0 {CHART_W} {CHART_H}" '
        f'width="{CHART_W}" height="{CHART_H}" aria-labelledby="{chart_id}-t {chart_id}-d">',
        f'<title id="{chart_id}-t">{esc(d.topic)}: {esc(d.note)}</title>',
        f'<desc id="{chart_id}-d">{esc(desc)}</desc>',
        '<polyline fill="none" stroke="currentColor" stroke-width="1.5" points="'
        + " ".join(f"{x:.1f},{y:.1f}" for x, y in xy) + '"/>',
    ]
    for (x, y), amount in zip(xy, amounts, strict=True):
        anchor = "start" if x == xy[0][0] else "end" if x == xy[-1][0] else "middle"
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="currentColor"/>')
        parts.append(f'<text x="{x:.1f}" y="{y - 6:.1f}" font-size="10" '
                     f'text-anchor="{anchor}" fill="currentColor">'
                     f'{esc(_chart_label(amount))}</text>')
    parts.append("</svg>")
    return markupsafe.Markup("".join(parts))


def _chart_label(amount: float) -> str:
    return f"{int(amount):,}" if amount == int(amount) else f"{amount:,}"


def difference_json(d: Difference) -> dict[str, Any]:
    """One difference for api/stories.json; `parts`, `as_of`, `amount` and the difference's
    `note` are there only when set (docs/API.md)."""
    out: dict[str, Any] = {"kind": d.kind, "topic": d.topic, "detail": d.detail}
    if d.note:
        out["note"] = d.note
    values = []
    for v in d.values:
        item: dict[str, Any] = {"value": v.value, "note": v.note}
        if v.parts:
            item["parts"] = list(v.parts)
        if v.as_of:
            item["as_of"] = v.as_of
        if v.amount is not None:
            item["amount"] = v.amount
        item["evidence"] = [{"article": e.article, "sentence": e.sentence} for e in v.evidence]
        values.append(item)
    out["values"] = values
    return out


def story_json(story: Story) -> dict[str, Any]:
    return {
        "id": story.id,
        "title": story.title,
        "summary": story.summary,
        "first_published": story.first_published.isoformat() if story.first_published else None,
        "last_published": story.last_published.isoformat() if story.last_published else None,
        "articles": [
            {"id": a.id, "title": a.title, "source": a.source, "url": safe_url(a.url),
             "date": a.published.isoformat() if a.published else None}
            for a in story.articles
        ],
        "facts": [
            {"text": f.text, "sources": f.sources,
             "evidence": [{"article": e.article, "sentence": e.sentence} for e in f.evidence]}
            for f in story.facts
        ],
        "differences": [difference_json(d) for d in story.differences],
    }


def story_line(story: Story) -> bytes:
    """One story of api/stories.json: compact, so json's C encoder does the work (an
    indented dump runs the pure-Python encoder, ten times slower on a big digest), and
    safe to paste into HTML (even a <script> block) as it is."""
    text = json.dumps(story_json(story), ensure_ascii=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return text.encode("utf-8", "replace")


API_SEPARATOR = b",\n"  # between two stories' lines in api/stories.json


def stories_json_head() -> bytes:
    """What api/stories.json holds before its first story's line."""
    head = json.dumps(f"digest {__version__}").replace("<", "\\u003c").replace(
        ">", "\\u003e").replace("&", "\\u0026").encode("utf-8", "replace")
    return b'{"generator": ' + head + b', "stories": [\n'


def stories_json_chunks(lines: Iterable[bytes]) -> Iterator[bytes]:
    """api/stories.json from its stories' lines, as chunks to write one after another
    (it is about 40 KB a story: joined, a second copy of it all in memory). A line is
    asked for only when the chunks before it have been taken, so that `lines` can be made
    (or read from a file) one at a time."""
    yield stories_json_head()
    for n, line in enumerate(lines):
        if n:
            yield API_SEPARATOR
        yield line
    yield b"\n]}\n"
