"""Machine-readable files of the site: Atom feeds, sitemap.xml, robots.txt.

Pure functions from plain data (story cards, see digest/site.py) to bytes. Nothing here
reads the clock: every date comes from the articles, so a build is reproducible.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any
from xml.sax.saxutils import escape, quoteattr

EPOCH = date(1970, 1, 1)


def _stamp(d: date | None) -> str:
    return f"{(d or EPOCH).isoformat()}T00:00:00Z"


def _text(tag: str, value: str, indent: str = "  ") -> str:
    return f"{indent}<{tag}>{escape(value)}</{tag}>\n"


def atom_feed(*, title: str, subtitle: str, feed_url: str, site_url: str,
              author: str, language: str, entries: list[dict[str, Any]]) -> bytes:
    """An Atom 1.0 feed (RFC 4287) of story cards, newest first.

    Each entry dict has: url, title, summary, first (date|None), last (date|None),
    sources (list of outlet names). The feed's <updated> is the newest entry's date.
    """
    newest = max((e["last"] for e in entries if e["last"]), default=None)
    out = ['<?xml version="1.0" encoding="utf-8"?>\n',
           f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang={quoteattr(language)}>\n',
           _text("title", title), _text("subtitle", subtitle),
           f"  <id>{escape(feed_url)}</id>\n",
           f'  <link rel="self" type="application/atom+xml" href={quoteattr(feed_url)}/>\n',
           f'  <link rel="alternate" type="text/html" href={quoteattr(site_url)}/>\n',
           f"  <updated>{_stamp(newest)}</updated>\n",
           f"  <author><name>{escape(author)}</name></author>\n",
           "  <generator>digest</generator>\n"]
    for e in entries:
        updated = e["last"] or e["first"] or newest
        out.append("  <entry>\n")
        out.append(_text("title", e["title"], "    "))
        out.append(f"    <id>{escape(e['url'])}</id>\n")
        out.append(f'    <link rel="alternate" type="text/html" href={quoteattr(e["url"])}/>\n')
        if e["first"]:
            out.append(f"    <published>{_stamp(e['first'])}</published>\n")
        out.append(f"    <updated>{_stamp(updated)}</updated>\n")
        for src in e["sources"]:
            out.append(f'    <category term={quoteattr(src)}/>\n')
        out.append(f'    <summary type="text">{escape(e["summary"])}</summary>\n')
        out.append("  </entry>\n")
    out.append("</feed>\n")
    return "".join(out).encode("utf-8")


def sitemap(urls: Iterable[tuple[str, date | None]]) -> bytes:
    """sitemap.xml (sitemaps.org 0.9): absolute URLs, with lastmod where a date is known."""
    out = ['<?xml version="1.0" encoding="utf-8"?>\n',
           '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n']
    for url, lastmod in urls:
        out.append(f"  <url><loc>{escape(url)}</loc>")
        if lastmod:
            out.append(f"<lastmod>{lastmod.isoformat()}</lastmod>")
        out.append("</url>\n")
    out.append("</urlset>\n")
    return "".join(out).encode("utf-8")


def robots_txt(sitemap_url: str) -> bytes:
    return f"User-agent: *\nAllow: /\n\nSitemap: {sitemap_url}\n".encode()
