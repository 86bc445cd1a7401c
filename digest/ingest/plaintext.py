"""Plain text articles (text scraped from a page): headline, date, body, boilerplate out."""

from __future__ import annotations

import bisect
import hashlib
import re
from datetime import datetime

from digest.ingest.model import RawArticle

# "AIRLINK 165.36 Decreased By ▼ -10.19 (-5.8%)", "KSE100 114,909 Decreased By -3882.2 (-3.27%)"
TICKER = re.compile(
    r"^[A-Z][A-Z0-9.&\-]{1,14}\s+[\d,]+(?:\.\d+)?\s+(?:(?:Increased|Decreased|No Change|Up|Down|"
    r"Unchanged)(?:\s+By)?\s*)?[▲▼↑↓+\-]*\s*[+\-]?[\d,]*\.?\d*\s*\(?[+\-]?\d*\.?\d*%?\)?$"
)
BOILERPLATE = re.compile(
    r"^(?:skip to (?:main )?content|share(?: this(?: article| story)?)?(?: on \w+)?|"
    r"advertisement|sponsored|read more|read next|related(?: articles| stories)?|"
    r"follow us(?: on \w+)?|sign up(?: for our newsletter)?|subscribe(?: now)?|"
    r"print|email|facebook|twitter|whatsapp|linkedin|x|copy link|comments?|"
    r"listen to (?:this )?article|click here.*|most read|trending|menu|search|"
    r"home|back to top|cookie settings|accept(?: all)? cookies)$",
    re.IGNORECASE,
)
DATE_PREFIX = re.compile(r"^\s*date[:\s]+(\d{4}-\d{2}-\d{2})\b\s*", re.IGNORECASE)
PUBLISHED = re.compile(
    r"^(?:published|updated|posted|first published)(?: on)?[:\s]+(?P<date>.+?)\s*$",
    re.IGNORECASE,
)
# a photo credit at the very end of a line: "... in Russia (AFP)"
CREDIT_TAIL = re.compile(
    r"\((?P<credit>AFP|Reuters|AP|EPA|Getty Images|"
    r"Bloomberg|Xinhua|ANI|PTI|File|Photo|Image)[^)]{0,30}\)$"
)
_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
_CAPTION_END = re.compile(r"[a-z\d”\"’)]")
_DATE_FORMATS = ("%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%B %d %Y", "%Y-%m-%d")


def checksum(raw: str) -> str:
    """Identity of an input text, insensitive to whitespace differences."""
    return hashlib.sha256(" ".join(raw.split()).encode("utf-8")).hexdigest()


def parse_date_text(text: str) -> str | None:
    """'January 13, 2025' / '13 Jan 2025' / '2025-01-13' (plus any trailing time) -> ISO date."""
    text = re.sub(r"\s+", " ", text.strip()).rstrip(".")
    text = re.sub(r"^(?:mon|tue|wed|thu|fri|sat|sun)\w*,?\s+", "", text, flags=re.I)
    for candidate in (text, " ".join(text.split()[:3]), " ".join(text.split()[:3]).rstrip(",")):
        for fmt in _DATE_FORMATS:
            try:
                return datetime.strptime(candidate, fmt).date().isoformat()
            except ValueError:
                continue
    m = re.search(r"\b(\d{4}-\d{2}-\d{2})\b", text)
    return m.group(1) if m else None


def _is_title_like(line: str) -> bool:
    n = len(line.split())
    return 3 <= n <= 25 and not line.rstrip().endswith((".", ",", ";", ":")) and line[:1].isupper()


def _is_subhead(line: str) -> bool:
    n = len(line.split())
    return 1 <= n <= 12 and not re.search(r"[.!?:;,\"”’)]$", line.strip()) and line[:1].isupper()


def _continues(teaser: str, ordered: list[str]) -> bool:
    """Whether another line (of the sorted `ordered`) starts with the teaser minus its '...'."""
    stub = teaser.rstrip(".… ")
    i = bisect.bisect_left(ordered, stub)
    while i < len(ordered) and ordered[i].startswith(stub):
        if ordered[i] != teaser:
            return True
        i += 1
    return False


def _caption_end(line: str) -> int | None:
    """Where the caption before a trailing photo credit ends, or None without one.

    Linear time (a lazy caption regex searched over a long line was quadratic).
    """
    m = CREDIT_TAIL.search(line.rstrip())
    if m is None:
        return None
    before = line[: m.start()].rstrip()
    if not before or not _CAPTION_END.match(before[-1]):
        return None
    return len(before)


def _md_escape(line: str) -> str:
    """Keep plain text literal in Markdown: escape what would start a list, heading or link,
    emphasis, a code span, an autolink or an entity, so every character reads as written."""
    line = line.replace("\\", "\\\\").replace("`", "\\`").replace("*", "\\*")
    line = line.replace("[", "\\[").replace("]", "\\]").replace("_", "\\_")
    line = line.replace("<", "\\<")
    line = _ENTITY.sub(r"\\&", line)
    if re.match(r"^(#{1,6}(\s|$)|>|[-+]\s|\d+[.)](\s|$)|={3,}|-{3,}|~{3,}|[-+]$)", line):
        line = "\\" + line
    return line


def parse_text(raw: str, name: str = "", origin: str = "") -> RawArticle:
    """Parse a plain-text article into a RawArticle (title, date, cleaned Markdown body)."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    lines = [re.sub(r"[ \t]+", " ", ln).strip() for ln in text.split("\n")]
    date: str | None = None

    cleaned: list[str] = []
    for ln in lines:
        if not ln:
            cleaned.append("")
            continue
        m = DATE_PREFIX.match(ln)
        if m and date is None:
            date = m.group(1)
            ln = ln[m.end():].strip()
            if not ln:
                continue
        if TICKER.match(ln) or BOILERPLATE.match(ln.strip(" .:|•")):
            continue
        pm = PUBLISHED.match(ln)
        if pm and len(ln.split()) <= 12:
            found = parse_date_text(pm.group("date"))
            if found:
                date = date or found
                continue
        cleaned.append(ln)

    content = [ln for ln in cleaned if ln]
    title: str | None = None
    head = content[:10]
    # a headline printed twice near the top is the headline
    for ln in head:
        if head.count(ln) >= 2 and _is_title_like(ln):
            title = ln
            break
    if title is None:
        for ln in head[:4]:
            if len(ln.split()) <= 2 and not ln.endswith("."):
                continue  # a section label such as "World"
            if _is_title_like(ln):
                title = ln
            break
    caption_title: str | None = None
    body_lines: list[str] = []
    ordered = sorted(set(content))
    for ln in content:
        if title is not None and ln == title:
            continue
        if title is None and not body_lines and len(ln.split()) <= 2 and not ln.endswith("."):
            continue
        # a teaser cut off with "..." repeating the start of a later paragraph
        if ln.endswith(("...", "…")) and _continues(ln, ordered):
            continue
        cap = _caption_end(ln)
        if cap is not None:
            # a photo caption glued to the end of a paragraph: "... in Russia(AFP)"
            sentences = re.split(r"(?<=[.!?])\s+", ln[:cap])
            last = sentences[-1].strip()
            caption_title = caption_title or last
            ln = " ".join(sentences[:-1]).strip()
            if not ln:
                continue
        body_lines.append(ln)
    if not body_lines and title is None and caption_title is None:
        raise ValueError("no article text found (the input is empty, or holds only "
                         "boilerplate such as menus, share buttons and tickers)")
    if title is None:
        title = caption_title or (_first_sentence(body_lines[0]) if body_lines else name)
    # section labels before the first real paragraph ("World") carry no content
    while body_lines and len(body_lines[0].split()) <= 2 and not body_lines[0].endswith("."):
        body_lines.pop(0)
    paragraphs: list[str] = []
    for i, ln in enumerate(body_lines):
        is_last = i == len(body_lines) - 1
        if _is_subhead(ln) and not is_last:
            paragraphs.append("## " + _md_escape(ln))
        else:
            paragraphs.append(_md_escape(ln))
    return RawArticle(
        title=title.strip() or name.strip() or "Untitled",
        body_markdown="\n\n".join(paragraphs) + "\n",
        date=date,
        origin=origin or name,
        checksum=checksum(raw),
    )


def _first_sentence(paragraph: str) -> str:
    m = re.match(r"(.+?[.!?])(\s|$)", paragraph)
    sentence = m.group(1) if m else paragraph
    return sentence.rstrip(".") if len(sentence) <= 160 else sentence[:157].rsplit(" ", 1)[0] + "…"
