"""HTML importer: a saved or fetched news page -> RawArticle (main text via trafilatura + metadata).

The article text comes from trafilatura's main-content extraction (bare_extraction), converted to
Markdown paragraphs and "## " sub-heads by html_to_markdown(), which is also the path feed
entries' HTML content goes through. Metadata is read from the page itself (Open Graph, article:*
meta tags, JSON-LD, <link rel=canonical>, <html lang>, <time>, visible "By X" bylines) with
trafilatura's own metadata as the fallback for whatever the page does not state explicitly.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

from digest.ingest.model import RawArticle
from digest.ingest.textcodec import decode_bytes, normalize_text

__all__ = [
    "ExtractionError",
    "html_to_markdown",
    "parse_html",
    "strip_site_suffix",
    "clean_author",
    "iso_date",
    "domain_of",
    "site_matches",
    "normalize_lang",
    "escape_markdown",
]


class ExtractionError(ValueError):
    """The page had no article text that could be extracted."""


# --------------------------------------------------------------------------------------------
# HTML/XML tree -> Markdown. Handles both real HTML and trafilatura's output XML
# (head/list/item/quote/lb/hi/ref), so feed content and page bodies share one converter.
# --------------------------------------------------------------------------------------------

_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6", "head"}
_LISTS = {"ul", "ol", "list", "dl"}
_ITEMS = {"li", "item", "dt", "dd"}
_QUOTES = {"blockquote", "quote"}
_BREAKS = {"br", "lb"}
_CONTAINERS = {
    "div",
    "section",
    "article",
    "main",
    "body",
    "html",
    "header",
    "center",
    "details",
    "summary",
    "doc",
    "content",
    "entry",
}
_PARAGRAPHS = {"p", "pre", "code", "address", "figcaption"}
_SKIP = {
    "script",
    "style",
    "noscript",
    "iframe",
    "form",
    "button",
    "input",
    "select",
    "textarea",
    "nav",
    "footer",
    "aside",
    "svg",
    "img",
    "figure",
    "picture",
    "video",
    "audio",
    "object",
    "embed",
    "table",
    "graphic",
    "template",
    "meta",
    "link",
    "title",
}
_WS = re.compile(r"[ \t\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_BLOCK_START = re.compile(r"^(#{1,6}\s|[-+*]\s|>|\d+[.)]\s|={3,}|-{3,}|`{3,})")


def _tag(el: etree._Element) -> str:
    tag = el.tag
    if not isinstance(tag, str):  # comments, processing instructions
        return ""
    return tag.rsplit("}", 1)[-1].lower()


def _inline_text(el: etree._Element) -> str:
    """Text of an element, with <br>/<lb> as newlines and skipped tags dropped."""
    parts: list[str] = []

    def walk(node: etree._Element) -> None:
        tag = _tag(node)
        if tag in _BREAKS:
            parts.append("\n")
        elif tag and tag not in _SKIP:
            if node.text:
                parts.append(node.text)
            for child in node:
                walk(child)
                if child.tail:
                    parts.append(child.tail)
            if tag in _PARAGRAPHS | _ITEMS | _HEADINGS | _CONTAINERS:
                parts.append("\n")
            elif tag in {"td", "th"}:
                parts.append(" ")

    if el.text:
        parts.append(el.text)
    for child in el:
        walk(child)
        if child.tail:
            parts.append(child.tail)
    return "".join(parts)


def _lines(text: str) -> list[str]:
    out = []
    for line in text.split("\n"):
        line = _WS.sub(" ", line).strip()
        if line:
            out.append(line)
    return out


_INLINE_SPECIAL = re.compile(r"([\\`*\[\]]|<(?=[A-Za-z/!?]))")


def _escape_inline(text: str) -> str:
    """Keep plain text literal in Markdown: no emphasis, link, code span or raw HTML tag."""
    return _INLINE_SPECIAL.sub(r"\\\1", text)


def escape_markdown(line: str) -> str:
    """As _escape_inline, and no accidental heading, list item or quote at the line start."""
    line = _escape_inline(line)
    return "\\" + line if _BLOCK_START.match(line) else line


@dataclass
class _Blocks:
    items: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)

    def flush(self) -> None:
        text = "".join(self.pending)
        self.pending.clear()
        for line in _lines(text):
            self.items.append(escape_markdown(line))


def _convert(el: etree._Element, out: _Blocks) -> None:
    if el.text:
        out.pending.append(el.text)
    for child in el:
        tag = _tag(child)
        if not tag or tag in _SKIP:
            pass
        elif tag in _BREAKS:
            out.pending.append("\n")
        elif tag in _HEADINGS:
            out.flush()
            text = " ".join(_lines(_inline_text(child)))
            if text:
                out.items.append("## " + _escape_inline(text))
        elif tag in _LISTS:
            out.flush()
            ordered = tag == "ol" or child.get("rend") == "ol"
            entries = []
            for n, item in enumerate((c for c in child.iter() if _tag(c) in _ITEMS), 1):
                # nested lists are flattened: take only the item's own text, not sub-items
                text = " ".join(_lines(_own_text(item)))
                if text:
                    text = _escape_inline(text)
                    entries.append(f"{n}. {text}" if ordered else f"- {text}")
            if entries:
                out.items.append("\n".join(entries))
        elif tag in _QUOTES:
            out.flush()
            inner = _Blocks()
            _convert(child, inner)
            inner.flush()
            if inner.items:
                quoted = "\n>\n".join(
                    "\n".join("> " + ln for ln in block.split("\n")) for block in inner.items
                )
                out.items.append(quoted)
        elif tag in _PARAGRAPHS or tag in _CONTAINERS or tag in _ITEMS:
            out.flush()
            _convert(child, out)
            out.flush()
        else:  # inline element: a, em, strong, span, hi, ref, ...
            out.pending.append(_inline_text_keep_blocks(child, out))
        if child.tail:
            out.pending.append(child.tail)


def _own_text(item: etree._Element) -> str:
    parts = [item.text or ""]
    for child in item:
        if _tag(child) not in _LISTS:
            parts.append(_inline_text(child) if _tag(child) not in _BREAKS else " ")
        parts.append(child.tail or "")
    return "".join(parts)


def _inline_text_keep_blocks(el: etree._Element, out: _Blocks) -> str:
    # An inline element that wraps block content (<a><p>..</p></a>, <span><div>..) is treated
    # as a container so its paragraphs are not glued together.
    if any(_tag(c) in _PARAGRAPHS | _CONTAINERS | _HEADINGS | _LISTS for c in el.iter()):
        out.flush()
        _convert(el, out)
        out.flush()
        return ""
    return _inline_text(el)


def _tree_to_blocks(root: etree._Element) -> list[str]:
    out = _Blocks()
    _convert(root, out)
    out.flush()
    return out.items


def html_to_markdown(fragment: str | etree._Element, drop_boilerplate: bool = True) -> str:
    """Convert an HTML fragment (e.g. a feed entry's content) to Markdown paragraphs.

    Paragraphs are separated by blank lines, <h1>-<h6> become "## " sub-heads, lists become
    "- " items, blockquotes "> " lines; scripts, styles, images, figures, tables, forms and nav
    are dropped; inline markup is flattened to its text. With drop_boilerplate, short
    "Share"/"Subscribe"/"Read more"/cookie/copyright paragraphs are removed too.
    """
    if isinstance(fragment, str):
        if not fragment.strip():
            return ""
        if "<" not in fragment:  # plain text, possibly with entities
            return normalize_text(
                "\n\n".join(escape_markdown(ln) for ln in _lines(normalize_text(fragment)))
            )
        try:
            root = lxml.html.fragment_fromstring(fragment, create_parent="div")
        except (etree.ParserError, ValueError, AssertionError):
            # a fragment carrying <html>/<body> tags of its own: parse it as a document
            try:
                doc = lxml.html.document_fromstring(fragment)
            except (etree.ParserError, ValueError):
                return normalize_text(fragment)
            for head in doc.findall("head"):  # <head> would read as a trafilatura heading
                doc.remove(head)
            root = doc
    else:
        root = fragment
    blocks = _tree_to_blocks(root)
    if drop_boilerplate:
        blocks = [b for b in blocks if not _is_boilerplate(b)]
    return normalize_text("\n\n".join(blocks))


# --------------------------------------------------------------------------------------------
# Boilerplate that sometimes survives extraction.
# --------------------------------------------------------------------------------------------

_STRONG_BOILERPLATE = re.compile(
    r"(\b(we|this (web)?site) uses? cookies\b|\baccept (all )?cookies\b|\bcookie (policy|settings|"
    r"preferences)\b|\ball rights reserved\b|^\s*(©|copyright\b|\(c\)\s*\d{4}))",
    re.IGNORECASE,
)
_WEAK_BOILERPLATE = re.compile(
    r"^\W*(share( this( article| story)?| on)?|subscribe|sign up|sign in|log in|follow us|"
    r"read more|related( stories| articles| links| coverage)?|more from|most (read|popular)|"
    r"recommended|advertisement|skip to (main )?content|newsletter|print|email|"
    r"you might also like|trending)\b",
    re.IGNORECASE,
)


def _is_boilerplate(block: str) -> bool:
    text = block.lstrip("#>-* ").strip()
    words = len(text.split())
    if words <= 60 and _STRONG_BOILERPLATE.search(text):
        return True
    return words <= 12 and bool(_WEAK_BOILERPLATE.match(text))


# --------------------------------------------------------------------------------------------
# Metadata from the page
# --------------------------------------------------------------------------------------------

_ARTICLE_TYPES = {
    "newsarticle",
    "article",
    "reportagenewsarticle",
    "analysisnewsarticle",
    "blogposting",
    "opinionnewsarticle",
    "reviewnewsarticle",
    "backgroundnewsarticle",
    "liveblogposting",
    "socialmediaposting",
    "report",
    "scholarlyarticle",
    "techarticle",
}


@dataclass
class _PageMeta:
    title_tag: str | None = None
    h1: str | None = None
    og: dict[str, str] = field(default_factory=dict)  # og:*, article:*, twitter:*
    names: dict[str, str] = field(default_factory=dict)  # <meta name=...>
    canonical: str | None = None
    lang: str | None = None
    time_datetime: str | None = None
    jsonld: dict[str, object] = field(default_factory=dict)  # the article-ish JSON-LD object
    jsonld_publisher: str | None = None
    byline: str | None = None


def _jsonld_objects(data: object) -> Iterator[dict]:
    if isinstance(data, list):
        for item in data:
            yield from _jsonld_objects(item)
    elif isinstance(data, dict):
        yield data
        graph = data.get("@graph")
        if graph is not None:
            yield from _jsonld_objects(graph)


def _types(obj: dict) -> set[str]:
    t = obj.get("@type", [])
    if isinstance(t, str):
        t = [t]
    return {str(x).lower() for x in t} if isinstance(t, list) else set()


def _names(value: object) -> list[str]:
    """Names from a JSON-LD author/publisher value (string, object, or list of them)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        name = value.get("name")
        if isinstance(name, str):
            return [name]
        if isinstance(name, list):
            return [n for n in name if isinstance(n, str)]
        return []
    if isinstance(value, list):
        return [n for v in value for n in _names(v)]
    return []


_BYLINE = re.compile(r"^\s*(?:written\s+)?by[:\s]\s*(.+)$", re.IGNORECASE | re.DOTALL)


def _read_page_meta(doc: lxml.html.HtmlElement, url: str | None) -> _PageMeta:
    meta = _PageMeta()
    html_el = doc if _tag(doc) == "html" else doc.find(".//html")
    if html_el is not None:
        meta.lang = html_el.get("lang") or html_el.get("{http://www.w3.org/XML/1998/namespace}lang")
    title = doc.find(".//title")
    if title is not None and title.text_content().strip():
        meta.title_tag = " ".join(title.text_content().split())
    for h1 in doc.iter("h1"):
        text = " ".join(h1.text_content().split())
        if text:
            meta.h1 = text
            break
    for m in doc.iter("meta"):
        content = (m.get("content") or "").strip()
        if not content:
            continue
        prop = (m.get("property") or "").strip().lower()
        name = (m.get("name") or m.get("itemprop") or "").strip().lower()
        if prop:
            meta.og.setdefault(prop, content)
        if name:
            meta.names.setdefault(name, content)
            if name.startswith(("og:", "article:", "twitter:")):
                meta.og.setdefault(name, content)
        equiv = (m.get("http-equiv") or "").strip().lower()
        if equiv == "content-language":
            meta.names.setdefault("content-language", content)
    for link in doc.iter("link"):
        rels = (link.get("rel") or "").lower().split()
        if "canonical" in rels and link.get("href", "").strip():
            meta.canonical = link.get("href").strip()
            break
    for t in doc.iter("time"):
        dt = (t.get("datetime") or "").strip()
        if dt and iso_date(dt):
            meta.time_datetime = dt
            break

    best: dict | None = None
    for script in doc.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        raw = (script.text or "").strip()
        raw = re.sub(r"^\s*(<!--|<!\[CDATA\[)|(-->|\]\]>)\s*$", "", raw)
        try:
            data = json.loads(raw, strict=False)
        except ValueError:
            continue
        for obj in _jsonld_objects(data):
            types = _types(obj)
            if types & _ARTICLE_TYPES and best is None:
                best = obj
            if meta.jsonld_publisher is None and types & {"organization", "newsmediaorganization"}:
                names = _names(obj)
                if names:
                    meta.jsonld_publisher = names[0]
    if best is not None:
        meta.jsonld = best
        publisher = _names(best.get("publisher"))
        if publisher:
            meta.jsonld_publisher = publisher[0]
    elif meta.jsonld_publisher is not None:
        # a lone WebSite/Organization block names the site, but is not the article
        pass

    meta.byline = _find_byline(doc)
    return meta


def _find_byline(doc: lxml.html.HtmlElement) -> str | None:
    """A visible "By Jane Doe" line, or an element whose class/rel marks it as the author."""
    for el in doc.iter():
        if _tag(el) in {"", "script", "style", "title"}:
            continue
        marker = " ".join(
            (
                el.get("class") or "",
                el.get("rel") or "",
                el.get("itemprop") or "",
                el.get("id") or "",
            )
        ).lower()
        if re.search(r"\b(byline|author|article-author|author-name)\b", marker) or _tag(el) in {
            "address"
        }:
            text = " ".join(el.text_content().split())
            if 2 < len(text) < 120:
                m = _BYLINE.match(text)
                return m.group(1) if m else text
    for el in doc.iter("p", "div", "span", "address"):
        text = " ".join(el.text_content().split())
        if len(text) < 120:
            m = _BYLINE.match(text)
            if m and re.match(r"[A-Z\u00c0-\u024f]", m.group(1)):
                return m.group(1)
    return None


_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        1,
    )
    for m in names
}
_MONTH_RE = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_MDY = re.compile(_MONTH_RE + r"\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})", re.IGNORECASE)
_DMY = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?\s+" + _MONTH_RE + r"\.?,?\s+(\d{4})", re.IGNORECASE)
_DATE_MARKER = re.compile(r"date|time|publish|posted|dateline|byline|meta", re.IGNORECASE)


def _date_from_words(text: str) -> str | None:
    """Read "March 3, 2025" or "3 March 2025" as "2025-03-03"."""
    for pattern, order in ((_MDY, "mdy"), (_DMY, "dmy")):
        m = pattern.search(text)
        if m:
            if order == "mdy":
                month, day, year = m.group(1), m.group(2), m.group(3)
            else:
                day, month, year = m.group(1), m.group(2), m.group(3)
            try:
                from datetime import date

                return date(int(year), _MONTHS[month.lower()], int(day)).isoformat()
            except (KeyError, ValueError):
                continue
    return None


def _visible_date(doc: lxml.html.HtmlElement) -> str | None:
    """A written-out date in a dateline/byline element, or after "Published"/"Posted"."""
    for el in doc.iter():
        if _tag(el) in {"", "script", "style", "title", "head"}:
            continue
        marker = f"{el.get('class') or ''} {el.get('id') or ''}"
        text = " ".join(el.text_content().split()) if len(el) < 6 else ""
        if not text or len(text) > 160:
            continue
        if _DATE_MARKER.search(marker) or re.match(
            r"(published|posted|updated|first published)\b", text, re.IGNORECASE
        ):
            found = _date_from_words(text)
            if found:
                return found
    return None


# --------------------------------------------------------------------------------------------
# Small public helpers (used by the feed importer too)
# --------------------------------------------------------------------------------------------

_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def iso_date(value: str | None) -> str | None:
    """Return "YYYY-MM-DD" from an ISO 8601 date/datetime or RFC 822 date string, else None.

    The calendar date is taken as written (local to the publisher), not converted to UTC.
    """
    if not value:
        return None
    value = value.strip()
    m = _ISO_DATE.match(value) or _ISO_DATE.search(value[:40])
    if m:
        y, mo, d = (int(g) for g in m.groups())
        if 1 <= mo <= 12 and 1 <= d <= 31 and 1900 <= y <= 2200:
            return f"{y:04d}-{mo:02d}-{d:02d}"
        return None
    from email.utils import parsedate_to_datetime

    try:
        dt = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if dt is None:
        return None
    return dt.date().isoformat()


_ROLE_WORDS = re.compile(
    r"\b(staff|writer|reporter|correspondent|editor|columnist|contributor|reporting|"
    r"journalist|bureau|chief|senior|political|business|sports?|desk|team|photographer|"
    r"updated|published|min read|minutes?)\b",
    re.IGNORECASE,
)


def clean_author(value: str | None, site_names: Iterable[str] = ()) -> str | None:
    """Normalise a byline: drop "By", roles ("Staff Writer"), URLs, e-mails and the site name.

    Several authors are joined with ", ".
    """
    if not value:
        return None
    value = " ".join(value.split())
    if re.match(r"^(https?://|www\.|mailto:)", value, re.IGNORECASE):
        return None
    m = _BYLINE.match(value)
    if m:
        value = m.group(1)
    sites = {_squash(s) for s in site_names if s}
    parts = re.split(r"\s*(?:[;,|/]|\band\b|&|\n)\s*", value)
    names: list[str] = []
    for part in parts:
        part = part.strip(" .:-–—")
        part = re.sub(r"^by\s+", "", part, flags=re.IGNORECASE)
        if not part or "@" in part or "://" in part or part.lower().startswith("www."):
            continue
        if _squash(part) in sites or _ROLE_WORDS.search(part) or len(part.split()) > 5:
            continue
        if any(ch.isdigit() for ch in part):
            continue
        if part not in names:
            names.append(part)
    return ", ".join(names) or None


def _squash(s: str) -> str:
    s = unicodedata.normalize("NFKD", s).lower()
    s = re.sub(r"^the\s+", "", s)
    return re.sub(r"[^a-z0-9]", "", s)


def domain_of(url: str | None) -> str | None:
    if not url:
        return None
    host = (urlsplit(url).hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    return host or None


def site_matches(name: str, domain: str | None, site_names: Iterable[str]) -> bool:
    sq = _squash(name)
    if not sq:
        return False
    if any(sq == _squash(s) for s in site_names if s):
        return True
    if domain:
        for label in domain.split(".")[:-1] or [domain]:
            label = _squash(label)
            if len(label) < 3 or label in {"www", "news", "com", "co", "org", "net"}:
                continue
            if sq == label or sq.endswith(label) or (len(sq) >= 4 and label.endswith(sq)):
                return True
        if "." in name and _squash(name) == _squash(domain):
            return True
    return False


_SUFFIX_SEPS = (" | ", " - ", " – ", " — ", " :: ", " · ", " « ", " » ")


def strip_site_suffix(
    title: str, site_names: Iterable[str] = (), domain: str | None = None
) -> tuple[str, str | None]:
    """Remove a trailing " | Site" / " - Site" from a page title; return (title, suffix).

    A " | " suffix is always removed; " - " / " – " / " — " only when the suffix is the
    site's name or matches the domain, so dashes inside headlines survive.
    """
    title = " ".join(title.split())
    site_names = [s for s in site_names if s]
    removed: str | None = None
    for _ in range(2):  # "Headline | Section | Site"
        best_cut = None
        for sep in _SUFFIX_SEPS:
            if sep not in title:
                continue
            head, tail = title.rsplit(sep, 1)
            if len(head.split()) < 2:
                continue
            always = sep in (" | ", " :: ", " · ") and len(tail.split()) <= 6
            if always or site_matches(tail, domain, site_names):
                if best_cut is None or len(head) > len(best_cut[0]):
                    best_cut = (head, tail)
        if best_cut is None:
            break
        title, tail = best_cut
        if removed is None or site_matches(tail, domain, site_names):
            removed = tail
    return title.strip(), removed


def normalize_lang(tag: str | None) -> str | None:
    if not tag:
        return None
    tag = tag.strip().replace("_", "-")
    if not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", tag):
        return None
    parts = tag.split("-")
    out = [parts[0].lower()]
    for p in parts[1:]:
        out.append(p.upper() if len(p) == 2 else (p.title() if len(p) == 4 else p.lower()))
    return "-".join(out)


_CHARSET_DECL = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE
)


def _decode_html(data: bytes) -> str:
    """Decode page bytes: BOM/UTF-8 first, then the page's own <meta charset>, then guessing."""
    if data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return decode_bytes(data)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    m = _CHARSET_DECL.search(data[:4096])
    if m:
        name = m.group(1).decode("ascii", "ignore").lower()
        if name in {"iso-8859-1", "latin-1", "latin1", "us-ascii", "ascii"}:
            name = "cp1252"  # what browsers do, and what such pages really contain
        try:
            return data.decode(name)
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_bytes(data)


# --------------------------------------------------------------------------------------------
# The importer
# --------------------------------------------------------------------------------------------


def _extract(text: str, url: str | None, precision: bool):
    import trafilatura
    from trafilatura.settings import set_date_params

    return trafilatura.bare_extraction(
        text,
        url=url,
        # htmldate's extensive search hands free text to dateparser, which can take seconds
        # per page; visible dates are found by _visible_date() instead.
        date_extraction_params=set_date_params(extensive=False),
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
        include_links=False,
        favor_precision=precision,
        favor_recall=not precision,
    )


def parse_html(html: str | bytes, url: str | None = None, origin: str = "") -> RawArticle:
    """Extract the article from a news page (saved file or fetched body).

    url is where the page came from (used when the page names no canonical URL and to resolve
    relative links); origin is what to call it in messages. Raises ExtractionError when no
    article text can be found.
    """
    raw = html if isinstance(html, bytes) else html.encode("utf-8")
    checksum = hashlib.sha256(raw).hexdigest()
    text = _decode_html(html) if isinstance(html, bytes) else html
    where = origin or url or "HTML input"
    if not text.strip():
        raise ExtractionError(f"{where}: the page is empty")
    # lxml refuses str input that carries an XML encoding declaration
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    try:
        doc = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise ExtractionError(f"{where}: not parseable as HTML ({exc})") from exc

    page = _read_page_meta(doc, url)
    ld = page.jsonld

    # canonical URL
    canonical = None
    for cand in (page.canonical, page.og.get("og:url"), _ld_url(ld)):
        if cand and urlsplit(urljoin(url or "", cand)).scheme in ("http", "https"):
            canonical = urljoin(url or "", cand)
            break
    canonical = canonical or url
    domain = domain_of(canonical) or domain_of(url)

    document = _extract(text, canonical or url, precision=True)
    if document is None or document.body is None or not _tree_to_blocks(document.body):
        document = _extract(text, canonical or url, precision=False)

    # outlet
    site_names = [
        n
        for n in (
            page.og.get("og:site_name"),
            page.jsonld_publisher,
            page.names.get("application-name"),
        )
        if n
    ]
    source = site_names[0] if site_names else None

    # title
    title_candidates = [
        page.og.get("og:title"),
        ld.get("headline") if isinstance(ld.get("headline"), str) else None,
        page.og.get("twitter:title"),
        page.title_tag,
        page.h1,
        getattr(document, "title", None),
    ]
    title = None
    suffix = None
    for cand in title_candidates:
        if cand and cand.strip():
            title, suffix = strip_site_suffix(normalize_text(cand), site_names, domain)
            if title:
                break
    if (
        title
        and page.h1
        and title != page.h1
        and title.startswith(page.h1)
        and cand == page.title_tag
    ):
        title = page.h1
    if source is None and suffix and site_matches(suffix, domain, ()):
        source = suffix
    if source is None and not domain and page.title_tag and page.h1:
        # "<title>Headline - The Valley Courier</title>" with <h1>Headline</h1>
        rest = page.title_tag[len(page.h1) :] if page.title_tag.startswith(page.h1) else ""
        m = re.match(r"^\s*[|\-–—:·]\s*(.+)$", rest)
        if m and len(m.group(1).split()) <= 6:
            source = m.group(1).strip()
    if source is None:
        sitename = getattr(document, "sitename", None)
        if sitename and sitename.lower() != (domain or "") and site_matches(sitename, domain, ()):
            source = sitename
    source = source or domain

    # author
    author = None
    for cand in (
        page.names.get("author"),
        page.og.get("article:author"),
        ", ".join(_names(ld.get("author"))) or None,
        getattr(document, "author", None),
        page.byline,
    ):
        author = clean_author(cand, site_names + ([source] if source else []))
        if author:
            break

    # date
    date = None
    for cand in (
        page.og.get("article:published_time"),
        page.names.get("article:published_time"),
        ld.get("datePublished") if isinstance(ld.get("datePublished"), str) else None,
        page.names.get("date"),
        page.names.get("pubdate"),
        page.names.get("dc.date"),
        page.time_datetime,
        getattr(document, "date", None),
    ):
        date = iso_date(cand)
        if date:
            break
    if date is None:
        date = _visible_date(doc)

    language = normalize_lang(page.lang)
    if language is None:
        for cand in (
            page.og.get("og:locale"),
            ld.get("inLanguage") if isinstance(ld.get("inLanguage"), str) else None,
            page.names.get("content-language"),
            getattr(document, "language", None),
        ):
            language = normalize_lang(cand)
            if language:
                break

    blocks = (
        _tree_to_blocks(document.body) if document is not None and document.body is not None else []
    )
    blocks = _drop_title_block(blocks, title, page.h1)
    blocks = [b for b in blocks if not _is_boilerplate(b)]
    body = normalize_text("\n\n".join(blocks))
    if len(body.split()) < 8:  # a stray menu word or label is not an article
        raise ExtractionError(f"{where}: no article text found")

    extra: dict[str, object] = {}
    description = page.og.get("og:description") or page.names.get("description")
    if description:
        extra["description"] = normalize_text(description)

    return RawArticle(
        title=title or "(untitled)",
        body_markdown=body,
        source=source,
        url=canonical,
        date=date,
        author=author,
        language=language,
        partial=False,
        origin=origin or url or "",
        checksum=checksum,
        extra=extra,
    )


def _ld_url(ld: dict) -> str | None:
    for key in ("url", "mainEntityOfPage"):
        value = ld.get(key)
        if isinstance(value, dict):
            value = value.get("@id") or value.get("url")
        if isinstance(value, str) and value.startswith("http"):
            return value
    return None


def _drop_title_block(blocks: list[str], title: str | None, h1: str | None) -> list[str]:
    """Drop a leading heading (or paragraph) that only repeats the headline."""
    if not blocks:
        return blocks
    first = blocks[0].removeprefix("## ").strip()
    targets = {_squash(t) for t in (title, h1) if t}
    if _squash(first) in targets:
        return blocks[1:]
    return blocks
