"""Feed importer: RSS 2.0 / Atom (via feedparser) -> one RawArticle per entry; feeds.yaml lists.

An entry with full content (content:encoded, atom:content) gives a full article; an entry with
only a summary/description gives partial=True, which the importer can complete with --fetch.
HTML in entries goes through digest.ingest.html.html_to_markdown, the same converter used for
page bodies.
"""

from __future__ import annotations

import hashlib
import re
import time
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import yaml

from digest.ingest.html import (
    clean_author,
    domain_of,
    html_to_markdown,
    iso_date,
    normalize_lang,
    site_matches,
)
from digest.ingest.model import RawArticle
from digest.ingest.textcodec import normalize_text

__all__ = ["FeedError", "parse_feed", "load_feed_list", "feed_source_name", "looks_like_feed"]


class FeedError(ValueError):
    """The input is not a readable RSS/Atom feed, or a feed list is malformed."""


_TITLE_SEPS = re.compile(r"\s+(?:[|>»:·–—-])\s+")


def feed_source_name(feed_title: str | None, site_url: str | None) -> str | None:
    """The outlet name from a feed title: "Northwind Wire – Top Stories" -> "Northwind Wire".

    A title split on " - ", " | ", " > ", ": " keeps the segment that matches the site's domain;
    with no match the whole title is used. Without a title, the domain is the name.
    """
    title = normalize_text(feed_title or "").strip()
    domain = domain_of(site_url)
    if title:
        parts = [p.strip() for p in _TITLE_SEPS.split(title) if p.strip()]
        if len(parts) > 1:
            for part in parts:
                if site_matches(part, domain, ()):
                    return part
        return title
    return domain


# "Continue reading…", "Read more »", "[…]", "The post X appeared first on Y." at an entry's end
_TRAILER = re.compile(
    r"(\\?\[(…|\.\.\.)\\?\]|(?:^|(?<=[.!?…\]]))\s*(continue reading|read more|"
    r"read the full (story|article))\b[^\n]{0,40}|…)\W*$",
    re.IGNORECASE,
)
_POST_APPEARED = re.compile(r"^the post .+ appeared first on .+$", re.IGNORECASE)


def _is_truncated(markdown: str) -> bool:
    last = markdown.rstrip().rsplit("\n\n", 1)[-1]
    return bool(_TRAILER.search(last)) or last.endswith("...")


def _strip_trailer(markdown: str) -> str:
    """Drop a trailing "Continue reading…" / "[…]" / "The post X appeared first on Y." part."""
    blocks = markdown.split("\n\n")
    if blocks and _POST_APPEARED.match(blocks[-1]) and len(blocks[-1].split()) <= 30:
        blocks.pop()
    if blocks:
        m = _TRAILER.search(blocks[-1])
        if m and m.group(0).strip() != "…":
            blocks[-1] = blocks[-1][: m.start()].rstrip(" -–—:|»›>\\")
            if not blocks[-1]:
                blocks.pop()
    return "\n\n".join(blocks)


def _text_of(detail: dict) -> str:
    value = detail.get("value") or ""
    kind = (detail.get("type") or "").lower()
    if "html" in kind or re.search(r"<[a-zA-Z][^>]*>", value):
        return html_to_markdown(value)
    return html_to_markdown(value) if "&" in value else normalize_text(value)


def _entry_date(entry: dict) -> str | None:
    for key in ("published", "updated", "created", "dc_date"):
        date = iso_date(entry.get(key))
        if date:
            return date
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = entry.get(key)
        if isinstance(parsed, time.struct_time):
            return time.strftime("%Y-%m-%d", parsed)
    return None


def _entry_author(entry: dict) -> str | None:
    names = [a.get("name") for a in entry.get("authors") or [] if isinstance(a, dict)]
    raw = ", ".join(n for n in names if n) or entry.get("author")
    return clean_author(raw)


def _first_words(text: str, n: int = 12) -> str:
    words = re.sub(r"[#>*\\-]+\s", " ", text).split()
    return " ".join(words[:n]) + ("…" if len(words) > n else "")


def looks_like_feed(data: bytes | str) -> bool:
    """Cheap sniff: does this text start like an RSS/Atom/RDF document?"""
    head = data[:2048].decode("utf-8", "ignore") if isinstance(data, bytes) else data[:2048]
    head = head.lstrip("\ufeff \t\r\n")
    return bool(re.search(r"<(rss|feed|rdf:RDF)[\s>]", head)) and not re.match(
        r"(?i)<!doctype html|<html", head
    )


def parse_feed(data: bytes | str, url: str | None = None, origin: str = "") -> list[RawArticle]:
    """Parse an RSS 2.0 or Atom feed into one RawArticle per entry.

    url is where the feed came from (resolves relative links; the domain is the fallback
    outlet name). Raises FeedError when the input is not a feed at all.
    """
    import feedparser  # imported here: it is slow to import and plain-text imports skip it

    headers = {"content-location": url} if url else None
    parsed = feedparser.parse(data, response_headers=headers, sanitize_html=True)
    where = origin or url or "feed"
    if not parsed.get("version") and not parsed.entries:
        reason = parsed.get("bozo_exception")
        raise FeedError(f"{where}: not an RSS or Atom feed" + (f" ({reason})" if reason else ""))

    feed = parsed.feed
    site_url = feed.get("link") or url
    feed_source = feed_source_name(feed.get("title"), site_url) if feed.get("title") else None
    feed_lang = normalize_lang(feed.get("language"))

    articles: list[RawArticle] = []
    for entry in parsed.entries:
        link = entry.get("link") or (entry.get("id") if entry.get("guidislink") else None)
        if link and url:
            link = urljoin(url, link)
        if link and urlsplit(link).scheme not in ("http", "https"):
            link = None

        body = ""
        partial = False
        raw_parts = []
        contents = [c for c in entry.get("content") or [] if (c.get("value") or "").strip()]
        if contents:
            best = max(contents, key=lambda c: len(c.get("value") or ""))
            raw_parts.append(best.get("value") or "")
            body = _text_of(best)
            if _is_truncated(body):
                partial = True
            body = _strip_trailer(body)
        if not body:
            detail = entry.get("summary_detail") or {"value": entry.get("summary") or ""}
            raw_parts.append(detail.get("value") or "")
            body = _strip_trailer(_text_of(detail))
            partial = True

        title = normalize_text(entry.get("title") or "").strip()
        if not title:
            title = _first_words(body) if body else (link or "(untitled)")

        source = feed_source or domain_of(link) or domain_of(url)
        language = normalize_lang((entry.get("title_detail") or {}).get("language")) or feed_lang
        digest_input = "\n".join([link or "", entry.get("id") or "", title, *raw_parts])
        extra: dict[str, object] = {}
        if entry.get("id") and entry.get("id") != link:
            extra["feed_id"] = entry.get("id")
        articles.append(
            RawArticle(
                title=title,
                body_markdown=body,
                source=source,
                url=link,
                date=_entry_date(entry),
                author=_entry_author(entry),
                language=language,
                partial=partial,
                origin=origin or url or "",
                checksum=hashlib.sha256(digest_input.encode("utf-8")).hexdigest(),
                extra=extra,
            )
        )
    return articles


def load_feed_list(path: str | Path) -> list[str]:
    """Read a feed list: YAML `feeds: [url-or-path, ...]` or a bare YAML list.

    Items may also be mappings with a `url` key. Relative paths are resolved against the list
    file's folder; URLs are returned unchanged. Raises FeedError on a malformed list.
    """
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise FeedError(f"{path}: cannot read feed list ({exc.strerror or exc})") from exc
    except yaml.YAMLError as exc:
        raise FeedError(f"{path}: not valid YAML ({exc})") from exc
    if isinstance(data, dict):
        if "feeds" not in data:
            raise FeedError(f"{path}: expected a `feeds:` list")
        data = data["feeds"]
    if data is None:
        return []
    if not isinstance(data, list):
        raise FeedError(f"{path}: `feeds` must be a list of URLs or paths")
    feeds: list[str] = []
    for n, item in enumerate(data, 1):
        if isinstance(item, dict):
            item = item.get("url") or item.get("path")
        if not isinstance(item, str) or not item.strip():
            raise FeedError(f"{path}: feed #{n} is not a URL or path: {item!r}")
        item = item.strip()
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", item):
            feeds.append(item)
        else:
            p = Path(item).expanduser()
            feeds.append(str(p if p.is_absolute() else (path.parent / p)))
    return feeds
