"""The one shape every importer produces, whatever the input format."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class RawArticle:
    """An article as an importer understood it, before it is written to content/.

    Every parser (plain text, HTML, feed entry, JSONL row) returns this; the writer
    (digest.ingest.writer) turns it into a front-mattered Markdown file.
    """

    title: str
    body_markdown: str  # cleaned body: paragraphs and "## " sub-heads, no boilerplate
    source: str | None = None  # outlet name ("Reuters"); the writer falls back to the origin
    url: str | None = None  # canonical URL of the original
    date: str | None = None  # ISO "YYYY-MM-DD" or full ISO 8601 datetime
    author: str | None = None
    language: str | None = None
    partial: bool = False  # True when only a feed summary was available
    origin: str = ""  # the file path or URL it was read from (for messages)
    checksum: str = ""  # sha256 hex of the raw input, for duplicate detection
    extra: dict[str, object] = field(default_factory=dict)  # more front matter fields
