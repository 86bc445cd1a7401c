"""Load: content/**/*.md -> Article objects, with every input problem reported as file:line."""

from __future__ import annotations

import hashlib
import os
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml
from markdown_it import MarkdownIt

from digest.model import Article, Problem
from digest.text import slugify

try:  # libyaml's C loader is several times faster; still a *safe* loader
    _BaseLoader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - pyyaml built without libyaml
    _BaseLoader = yaml.SafeLoader


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """The safe loader, except that a date-looking value that is no real date (2025-13-45)
    stays text, so it is reported as a bad date on its line instead of failing the file."""


def _lenient_timestamp(loader: Any, node: yaml.Node) -> object:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError):
        return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _lenient_timestamp)

MAX_FILE_BYTES = 5 * 1024 * 1024
_FENCE = re.compile(r"^(---|\.\.\.)[ \t]*$")
_STRING_FIELDS = ("title", "source", "url", "author", "language", "story", "family", "id")


def markdown_parser() -> MarkdownIt:
    """The one Markdown dialect digest reads: CommonMark plus tables, raw HTML off."""
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")
    return md


_MD = markdown_parser()


class ArticleError(Exception):
    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


def split_front_matter(text: str, path: str) -> tuple[dict[str, Any], str, int, str]:
    """Return (front matter, body, line number where the body starts, raw YAML)."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise ArticleError(
            Problem(path, 1, "no front matter", "start the file with a line '---', then "
                    "'title: ...', 'source: ...', 'date: YYYY-MM-DD', then a line '---'")
        )
    for i in range(1, len(lines)):
        if _FENCE.match(lines[i]):
            raw = "\n".join(lines[1:i])
            break
    else:
        raise ArticleError(
            Problem(path, 1, "front matter is not closed",
                    "add a line '---' after the last front matter field")
        )
    try:
        data = yaml.load(raw, Loader=_Loader) if raw.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark else 1
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ArticleError(
            Problem(path, line, f"front matter is not valid YAML ({reason})",
                    "fix the YAML syntax; quote titles that contain ': '")
        ) from exc
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        raise ArticleError(
            Problem(path, 2, f"front matter cannot be read ({type(exc).__name__}: {exc})",
                    "simplify the front matter to plain 'field: value' lines")
        ) from exc
    if not isinstance(data, dict):
        raise ArticleError(
            Problem(path, 2, f"front matter must be a mapping of fields, got {type(data).__name__}",
                    "write one 'field: value' per line")
        )
    return data, "\n".join(lines[i + 1:]), i + 2, raw


def field_line(raw: str, key: str) -> int:
    """Line number (in the file) of a front matter key, for messages."""
    for n, line in enumerate(raw.split("\n")):
        if line.startswith(f"{key}:"):
            return n + 2
    return 1


_DATE_FORMATS = ("%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%Y/%m/%d", "%d.%m.%Y")


def parse_date(value: object) -> date | None:
    """A date from YAML (date, datetime or string); None when it cannot be read."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    s = value.strip()
    try:
        return datetime.fromisoformat(s.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(s, fmt).date()
        except ValueError:
            continue
    return None


def body_paragraphs(body: str) -> list[str]:
    """Plain text of every paragraph in a Markdown body (headings excluded)."""
    tokens = _MD.parse(body)
    out: list[str] = []
    in_heading = False
    for tok in tokens:
        if tok.type == "heading_open":
            in_heading = True
        elif tok.type == "heading_close":
            in_heading = False
        elif tok.type == "inline" and not in_heading:
            parts: list[str] = []
            for child in tok.children or []:
                if child.type in ("text", "code_inline"):
                    parts.append(child.content)
                elif child.type in ("softbreak", "hardbreak"):
                    parts.append(" ")
            text = re.sub(r"[ \t]+", " ", "".join(parts)).strip()
            if text:
                out.append(text)
    return out


def parse_article(text: str, path: str) -> tuple[Article, list[Problem]]:
    """Parse one article file's text. Raises ArticleError when it cannot be used at all."""
    if "\x00" in text:
        raise ArticleError(Problem(path, None, "file looks binary (contains NUL bytes)",
                                   "only Markdown text files belong under content/"))
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    data, body, _body_line, raw = split_front_matter(text, path)
    warnings: list[Problem] = []
    for key in _STRING_FIELDS:
        value = data.get(key)
        if value is not None and not isinstance(value, str | int | float):
            raise ArticleError(
                Problem(path, field_line(raw, key),
                        f"field '{key}' must be text, got {type(value).__name__}",
                        f"write it as {key}: \"...\"")
            )
    title = str(data.get("title") or "").strip()
    if not title:
        raise ArticleError(Problem(path, 2, "missing 'title' in front matter",
                                   "add a line 'title: \"...\"' between the '---' lines"))
    published = None
    if data.get("date") is None:
        warnings.append(Problem(path, 2, "missing 'date' in front matter",
                                "add 'date: YYYY-MM-DD'; without it the article cannot "
                                "be placed in time", severity="warning"))
    else:
        published = parse_date(data["date"])
        if published is None:
            warnings.append(Problem(path, field_line(raw, "date"),
                                    f"date {data['date']!r} is not a date",
                                    "write it as YYYY-MM-DD", severity="warning"))
    source = str(data.get("source") or "").strip()
    if not source:
        source = "Unknown source"
        warnings.append(Problem(path, 2, "missing 'source' in front matter",
                                "add 'source: Outlet name'", severity="warning"))
    stem = Path(path).stem
    article_id = slugify(str(data.get("id") or stem), max_len=120)
    url = data.get("url")
    story = data.get("story")
    article = Article(
        id=article_id,
        title=title,
        source=source,
        url=str(url).strip() if url else None,
        published=published,
        path=path,
        body_markdown=body.strip("\n") + "\n",
        paragraphs=body_paragraphs(body),
        language=str(data["language"]) if data.get("language") else None,
        author=str(data["author"]) if data.get("author") else None,
        story=slugify(str(story), max_len=120) if story else None,
        family=slugify(str(data["family"]), max_len=120) if data.get("family") else None,
        partial=bool(data.get("partial", False)),
        meta={k: v for k, v in data.items() if isinstance(k, str)},
    )
    if not article.paragraphs:
        warnings.append(Problem(path, None, "article has no body text",
                                "write the article text below the closing '---'",
                                severity="warning"))
    return article, warnings


def read_article_file(path: Path, rel: str) -> tuple[Article, list[Problem]]:
    """Read and parse one file, turning every OS or encoding failure into an ArticleError."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ArticleError(Problem(rel, None, f"file is too large ({size // 1024} KiB)",
                                       f"articles over {MAX_FILE_BYTES // 1024 // 1024} MiB "
                                       "are skipped; split or trim it"))
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise ArticleError(Problem(rel, None, "file disappeared while reading",
                                   "nothing to do if you deleted it")) from exc
    except PermissionError as exc:
        raise ArticleError(Problem(rel, None, "file is not readable (permission denied)",
                                   f"chmod a+r {rel}")) from exc
    except OSError as exc:
        raise ArticleError(Problem(rel, None, f"cannot read file ({exc.strerror})", "")) from exc
    if b"\x00" in data:
        raise ArticleError(Problem(rel, None, "file looks binary (contains NUL bytes)",
                                   "only Markdown text files belong under content/"))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ArticleError(Problem(rel, line, "file is not UTF-8 text",
                                   "re-save it as UTF-8 (or re-import it with "
                                   "'digest import', which detects encodings)")) from exc
    article, warnings = parse_article(text, rel)
    article.fingerprint = hashlib.sha256(rel.encode() + b"\0" + data).hexdigest()
    return article, warnings


def find_article_files(content: Path) -> list[Path]:
    """Every *.md under content/articles (and content/ itself), sorted; symlink loops safe."""
    found: list[Path] = []
    seen_dirs: set[tuple[int, int]] = set()
    for dirpath, dirnames, filenames in os.walk(content, followlinks=True):
        try:
            st = os.stat(dirpath)
        except OSError:
            dirnames[:] = []
            continue
        key = (st.st_dev, st.st_ino)
        if key in seen_dirs:
            dirnames[:] = []
            continue
        seen_dirs.add(key)
        rel_dir = Path(dirpath).relative_to(content)
        if rel_dir.parts and rel_dir.parts[0] == "stories":
            dirnames[:] = []
            continue
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.endswith(".md") and not name.startswith("."):
                found.append(Path(dirpath) / name)
    return found
