"""JSONL batch importer: one JSON object per line (text/html/url + metadata), validated per line.

A bad line yields a BatchLineError naming the line number and never stops the other lines.
Rows with "text" or "html" become RawArticles here (article_from_row); rows with only a "url"
are fetched by the importer.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from digest.ingest.html import escape_markdown, iso_date, normalize_lang, parse_html
from digest.ingest.model import RawArticle
from digest.ingest.textcodec import normalize_text

__all__ = ["BatchLineError", "CONTENT_FIELDS", "META_FIELDS", "parse_jsonl", "article_from_row"]

CONTENT_FIELDS = ("text", "html", "url")
META_FIELDS = ("title", "source", "url", "date", "author", "language")


@dataclass(frozen=True)
class BatchLineError:
    """Why one line of a JSONL batch was rejected."""

    line: int
    message: str
    origin: str = ""

    def __str__(self) -> str:
        where = f"{self.origin}: " if self.origin else ""
        return f"{where}line {self.line}: {self.message}"


def _type_name(value: object) -> str:
    return {
        dict: "object",
        list: "array",
        str: "string",
        bool: "true/false",
        int: "number",
        float: "number",
        type(None): "null",
    }.get(type(value), type(value).__name__)


def _validate(obj: object) -> tuple[dict, str | None]:
    if not isinstance(obj, dict):
        return {}, f"expected a JSON object, got {_type_name(obj)}"
    row: dict[str, object] = {}
    for key in set(CONTENT_FIELDS) | set(META_FIELDS):
        if key not in obj or obj[key] is None:
            continue
        value = obj[key]
        if not isinstance(value, str):
            return {}, f'"{key}" must be a string, got {_type_name(value)}'
        if key in ("text", "html") and not value.strip():
            return {}, f'"{key}" is empty'
        row[key] = value if key in ("text", "html") else value.strip()
    if "text" in row and "html" in row:
        return {}, 'give either "text" or "html", not both'
    if not any(k in row for k in CONTENT_FIELDS):
        return {}, 'needs one of "text", "html" or "url"'
    if "url" in row:
        parts = urlsplit(str(row["url"]))
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return {}, f'"url" must be an http(s) URL, got {row["url"]!r}'
    if "date" in row:
        date = iso_date(str(row["date"]))
        if date is None:
            return {}, f'"date" {row["date"]!r} is not a date (use YYYY-MM-DD)'
        row["date"] = date
    if "language" in row:
        lang = normalize_lang(str(row["language"]))
        if lang is None:
            return {}, f'"language" {row["language"]!r} is not a language tag like "en"'
        row["language"] = lang
    extra = {
        k: v
        for k, v in obj.items()
        if k not in row
        and k not in CONTENT_FIELDS + META_FIELDS
        and isinstance(k, str)
        and isinstance(v, str | int | float | bool)
    }
    if extra:
        row["extra"] = extra
    return row, None


def parse_jsonl(data: str, origin: str = "") -> tuple[list[tuple[int, dict]], list[BatchLineError]]:
    """Validate a JSONL batch line by line.

    Returns (rows, errors): rows are (line number, validated dict) for good lines, errors one
    BatchLineError per bad line. Blank lines are skipped. A validated dict has some of text,
    html, url, title, source, date (ISO), author, language, and "extra" with any other
    fields whose values are plain strings/numbers/booleans (they become front matter).
    """
    rows: list[tuple[int, dict]] = []
    errors: list[BatchLineError] = []
    data = data.lstrip("\ufeff")
    for lineno, line in enumerate(data.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(
                BatchLineError(lineno, f"not valid JSON ({exc.msg} at column {exc.colno})", origin)
            )
            continue
        row, problem = _validate(obj)
        if problem:
            errors.append(BatchLineError(lineno, problem, origin))
        else:
            rows.append((lineno, row))
    return rows, errors


def _text_body(text: str) -> str:
    text = normalize_text(text)
    blocks = [b for b in re.split(r"\n\s*\n", text) if b.strip()]
    if len(blocks) == 1 and "\n" in blocks[0]:
        blocks = [ln for ln in blocks[0].split("\n") if ln.strip()]  # one paragraph per line
    return "\n\n".join(escape_markdown(" ".join(b.split())) for b in blocks)


def article_from_row(lineno: int, row: dict, origin: str = "") -> RawArticle:
    """A RawArticle from a validated row that carries "text" or "html" (not a bare "url").

    The row's own title/source/url/date/author/language win over what the HTML says.
    Raises ValueError for a bare-URL row, and ExtractionError for HTML with no article text.
    """
    where = f"{origin}:{lineno}" if origin else f"line {lineno}"
    if "html" in row:
        article = parse_html(str(row["html"]), url=row.get("url"), origin=where)
    elif "text" in row:
        body = _text_body(str(row["text"]))
        title = row.get("title")
        if not title:
            first = body.split("\n\n", 1)[0].lstrip("\\")
            words = first.split()
            title = " ".join(words[:12]) + ("…" if len(words) > 12 else "")
        article = RawArticle(
            title=str(title),
            body_markdown=body,
            origin=where,
            checksum=hashlib.sha256(" ".join(str(row["text"]).split()).encode()).hexdigest(),
        )
    else:
        raise ValueError(f"{where}: a row with only a url has to be fetched first")
    for key in ("title", "source", "url", "date", "author", "language"):
        if row.get(key):
            setattr(article, key, normalize_text(str(row[key])))
    if isinstance(row.get("extra"), dict):
        article.extra.update(row["extra"])
    return article
