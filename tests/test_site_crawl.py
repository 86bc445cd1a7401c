"""Crawl the built demo under a sub-path: no broken links, valid HTML, feeds and sitemap parse.

The site is served the way GitHub Pages serves a project site: at /news/ of a host whose
root holds nothing else (see tests/sitekit.py). Every internal href/src must live under
/news/ and answer 200; every page must parse with html5lib in strict mode, and a page of each kind must pass the
Nu HTML Checker (vnu.jar) when java is there.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections import deque
from dataclasses import dataclass, field
from urllib.parse import urldefrag, urljoin, urlsplit

import feedparser
import html5lib
import pytest

from tests.sitekit import HOSTILE_TITLE, PREFIX, ROOT, DemoSite, demo_site

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
HTML = "{http://www.w3.org/1999/xhtml}"


@dataclass
class Crawl:
    pages: dict[str, ET.Element] = field(default_factory=dict)  # url -> parsed tree (HTML)
    raw: dict[str, bytes] = field(default_factory=dict)
    status: dict[str, int] = field(default_factory=dict)
    broken: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)
    fragments: list[tuple[str, str, str]] = field(default_factory=list)  # page, target, id


def fetch(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read()
    except urllib.error.HTTPError as e:
        return e.code, "", b""


def parse_strict(data: bytes) -> ET.Element:
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=True)
    return parser.parse(data.decode("utf-8"))


def links_of(tree: ET.Element) -> list[str]:
    found = []
    for el in tree.iter():
        tag = el.tag.replace(HTML, "")
        for attr in ("href", "src"):
            v = el.get(attr)
            if v is not None and tag in ("a", "link", "script", "img", "source", "iframe"):
                found.append(v)
    return found


@pytest.fixture(scope="module")
def site() -> DemoSite:
    return demo_site()


@pytest.fixture(scope="module")
def crawl(site: DemoSite) -> Crawl:
    c = Crawl()
    origin = f"http://127.0.0.1:{site.port}"
    start = [site.base_url, site.base_url + "404.html", site.base_url + "feed.xml",
             site.base_url + "sitemap.xml", site.base_url + "robots.txt"]
    queue, seen = deque(start), set(start)
    while queue:
        url = queue.popleft()
        status, ctype, data = fetch(url)
        c.status[url] = status
        if status != 200:
            c.broken.append(url)
            continue
        c.raw[url] = data
        if "text/html" not in ctype:
            continue
        try:
            tree = parse_strict(data)
        except Exception as exc:  # noqa: BLE001 - report every invalid page, not just one
            c.invalid.append(f"{url}: {exc}")
            continue
        c.pages[url] = tree
        for link in links_of(tree):
            absolute = urljoin(url, link)
            parts = urlsplit(absolute)
            if f"{parts.scheme}://{parts.netloc}" != origin:
                continue  # external: not ours to check
            if not parts.path.startswith(PREFIX):
                c.outside.append(f"{url} -> {link}")
                continue
            target, frag = urldefrag(absolute)
            if frag:
                c.fragments.append((url, target, frag))
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return c


def test_no_broken_internal_links_or_assets(crawl: Crawl) -> None:
    assert len(crawl.pages) > 60, sorted(crawl.pages)
    assert not crawl.broken, crawl.broken
    assert not crawl.outside, crawl.outside[:10]


def test_every_page_is_valid_html(crawl: Crawl) -> None:
    assert not crawl.invalid, crawl.invalid[:5]


def test_fragment_links_point_at_ids(crawl: Crawl) -> None:
    ids: dict[str, set[str]] = {u: {e.get("id") for e in t.iter() if e.get("id")}
                                for u, t in crawl.pages.items()}
    missing = [(p, t, f) for p, t, f in crawl.fragments if f not in ids.get(t, set())]
    assert crawl.fragments and not missing, missing[:5]


def test_the_site_has_every_kind_of_page(crawl: Crawl, site: DemoSite) -> None:
    urls = set(crawl.pages)
    b = site.base_url
    assert b in urls and b + "page/2/" in urls and b + "sources/" in urls and b + "search/" in urls
    for kind in ("stories", "articles", "sources"):
        assert any(u.startswith(f"{b}{kind}/") and u != f"{b}{kind}/" for u in urls), kind
    for name in (".nojekyll", "CNAME", "api/stories.json"):
        assert (site.site / name).is_file(), name
    assert (site.site / "CNAME").read_text() == "news.example.org\n"
    assert any(p.name == "pagefind-ui.js" for p in (site.site / "pagefind").iterdir())


def text_of(el: ET.Element) -> str:
    return "".join(el.itertext())


def test_pages_have_metadata_landmarks_and_ordered_headings(crawl: Crawl, site: DemoSite) -> None:
    for url, tree in crawl.pages.items():
        head = tree.find(f"{HTML}head")
        body = tree.find(f"{HTML}body")
        assert text_of(head.find(f"{HTML}title")).strip(), url
        metas = {m.get("name") or m.get("property"): m.get("content")
                 for m in head.iter(f"{HTML}meta")}
        assert metas.get("description"), url
        assert metas.get("og:title") and metas.get("og:type"), url
        if not url.endswith("404.html"):
            canonical = [ln.get("href") for ln in head.iter(f"{HTML}link")
                         if ln.get("rel") == "canonical"]
            assert canonical == [url], (url, canonical)
            assert metas.get("og:url") == url
        assert tree.get("lang"), url
        assert body.find(f".//{HTML}main") is not None, url
        assert body.find(f".//{HTML}header") is not None, url
        assert body.find(f".//{HTML}footer") is not None, url
        levels = [int(e.tag[-1]) for e in body.iter()
                  if re.fullmatch(rf"{re.escape(HTML)}h[1-6]", e.tag)]
        assert levels and levels[0] == 1 and levels.count(1) == 1, (url, levels)
        for a, b in zip(levels, levels[1:], strict=False):
            assert b <= a + 1, f"{url}: heading h{a} followed by h{b}"


def jsonld(tree: ET.Element) -> list[dict]:
    return [json.loads(text_of(s)) for s in tree.iter(f"{HTML}script")
            if s.get("type") == "application/ld+json"]


def test_json_ld_parses_and_survives_a_hostile_headline(crawl: Crawl, site: DemoSite) -> None:
    kinds = set()
    for tree in crawl.pages.values():
        for data in jsonld(tree):
            kinds.add(data["@type"])
    assert {"ItemList", "NewsArticle"} <= kinds
    hostile = [u for u, raw in crawl.raw.items()
               if "/articles/" in u and b"Hostile" in raw and u in crawl.pages]
    assert hostile
    tree = crawl.pages[hostile[0]]
    (data,) = jsonld(tree)
    assert data["@type"] == "NewsArticle" and data["headline"] == HOSTILE_TITLE
    assert "isBasedOn" not in data  # a javascript: URL is never a link
    raw = crawl.raw[hostile[0]].decode()
    assert raw.count("</script>") == raw.count("<script")  # nothing broke out
    # the article body's headings start under the page's h1, in order (h2, h3)
    body_levels = [e.tag[-1] for e in tree.iter() if re.fullmatch(rf"{re.escape(HTML)}h[1-6]", e.tag)]
    assert "4" not in body_levels


def test_feeds_parse_and_point_into_the_site(crawl: Crawl, site: DemoSite) -> None:
    feed_urls = [site.base_url + "feed.xml"] + [
        u + "feed.xml" for u in crawl.pages if re.fullmatch(re.escape(site.base_url) + r"sources/[^/]+/", u)]
    assert len(feed_urls) > 10
    for url in feed_urls:
        status, _ctype, data = fetch(url)
        assert status == 200, url
        root = ET.fromstring(data)
        assert root.tag == f"{ATOM}feed"
        assert root.find(f"{ATOM}updated").text.endswith("Z")
        parsed = feedparser.parse(data)
        assert not parsed.bozo, (url, parsed.bozo_exception)
        assert parsed.entries, url
        for entry in parsed.entries:
            assert entry.link.startswith(site.base_url + "stories/"), entry.link
            assert entry.link in crawl.pages, entry.link
    main = feedparser.parse(fetch(site.base_url + "feed.xml")[2])
    assert main.feed.title == "Demo digest"
    dates = [e.updated for e in main.entries]
    assert dates == sorted(dates, reverse=True)  # newest first


def test_sitemap_and_robots(crawl: Crawl, site: DemoSite) -> None:
    root = ET.fromstring(crawl.raw[site.base_url + "sitemap.xml"])
    locs = [u.find(f"{SITEMAP}loc").text for u in root.iter(f"{SITEMAP}url")]
    assert locs and all(loc.startswith(site.base_url) for loc in locs)
    assert set(locs) <= set(crawl.pages)
    assert sum("/stories/" in loc for loc in locs) > 10
    robots = crawl.raw[site.base_url + "robots.txt"].decode()
    assert f"Sitemap: {site.base_url}sitemap.xml" in robots


def test_pagination_has_rel_prev_and_next(crawl: Crawl, site: DemoSite) -> None:
    page2 = crawl.pages[site.base_url + "page/2/"]
    rels = {ln.get("rel"): ln.get("href") for ln in page2.iter(f"{HTML}link")}
    assert rels.get("prev") == PREFIX
    assert rels.get("next") == PREFIX + "page/3/"
    anchors = {a.get("rel"): a.get("href") for a in page2.iter(f"{HTML}a") if a.get("rel")}
    assert anchors == {"prev": PREFIX, "next": PREFIX + "page/3/"}


def test_story_page_matrix_and_highlights(crawl: Crawl, site: DemoSite) -> None:
    url = next(u for u, raw in crawl.raw.items() if "/stories/" in u and b"Zelensk" in raw
               and b"Satirical rewrite" in raw)
    tree = crawl.pages[url]
    table = next(t for t in tree.iter(f"{HTML}table") if "matrix" in (t.get("class") or ""))
    cols = [th for th in table.find(f"{HTML}thead").iter(f"{HTML}th") if th.get("scope") == "col"]
    assert len(cols) == 6  # the row-header column + five outlets
    row_heads = [th for th in table.iter(f"{HTML}th") if th.get("scope") == "row"]
    assert len(row_heads) >= 10
    cells = [text_of(td).strip() for td in table.iter(f"{HTML}td")]
    assert any(c.endswith("reports") for c in cells) and any(c.endswith("silent") for c in cells)
    assert any("11,000" in c for c in cells)  # a disputed value, shown as itself
    marks = [text_of(m) for m in tree.iter(f"{HTML}mark")]
    assert "organise" in marks and "organize" in marks
    raw = crawl.raw[url].decode()
    for heading in ("Who reports what", "Where the sources differ", "What the sources agree on",
                    "Reported by one source only", "Timeline and articles"):
        assert heading in raw
    assert 'class="editor-note"' not in raw or "Editor&#39;s note" in raw


def test_search_page_works_without_javascript(crawl: Crawl, site: DemoSite) -> None:
    raw = crawl.raw[site.base_url + "search/"].decode()
    assert "needs JavaScript" in raw
    assert f'data-bundle-path="{PREFIX}pagefind/"' in raw


VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def test_a_page_of_each_kind_passes_the_nu_html_checker(crawl: Crawl, site: DemoSite) -> None:
    """The W3C Nu HTML Checker (vnu.jar from npm, see scripts/install-test-tools.sh), offline.

    One page of each kind (a JVM start costs seconds); html5lib checks all of them above.
    Skipped without java; without vnu.jar too, except under CI.
    """
    java = shutil.which("java")
    if java is None:
        pytest.skip("java is missing: the Nu HTML Checker needs it")
    if not VNU.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"{VNU} is missing: run scripts/install-test-tools.sh")
        pytest.skip("vnu.jar is missing: run scripts/install-test-tools.sh")
    b = site.base_url
    wanted = [b, b + "page/2/", b + "sources/", b + "search/", b + "404.html"]
    for kind in ("stories", "articles", "sources"):
        wanted += [u for u in crawl.pages if u.startswith(f"{b}{kind}/") and u != f"{b}{kind}/"][:3]
    files = []
    for url in wanted:
        rel = url[len(b):]
        path = site.site / (rel + "index.html" if rel.endswith("/") or not rel else rel)
        assert path.is_file(), path
        files.append(str(path))
    proc = subprocess.run([java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xss1024k",  # fast start
                           "-jar", str(VNU), "--errors-only", "--format",
                           "gnu", *files], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-4000:] or proc.stdout[-4000:]
