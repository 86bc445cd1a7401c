"""Parsers for the non-plain-text import formats: HTML pages, RSS/Atom, encodings, fetch, JSONL."""

from __future__ import annotations

import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.ingest.batch import article_from_row, parse_jsonl
from digest.ingest.feeds import FeedError, load_feed_list, looks_like_feed, parse_feed
from digest.ingest.fetch import USER_AGENT, FetchError, fetch_url
from digest.ingest.html import (
    ExtractionError,
    clean_author,
    html_to_markdown,
    iso_date,
    parse_html,
    strip_site_suffix,
)
from digest.ingest.textcodec import decode_bytes, normalize_text
from tests.conftest import local_http_server

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


# ---------------------------------------------------------------------------------------------
# HTML pages
# ---------------------------------------------------------------------------------------------

HTML_CASES = {
    "jsonld_newsarticle.html": dict(
        url=None,
        title="Port strike ends after 11 days as unions accept pay deal",
        date="2025-03-14",
        source="Harbour Gazette",
        author="Amira Okafor",
        canonical="https://www.harbourgazette.example/business/2025/03/14/port-strike-ends-pay-deal",
        language="en-GB",
        must_have=[
            "The 11-day strike that halted most container traffic",
            "## Backlog will take weeks to clear",
            "“We are relieved this is over,",
        ],
        must_not=[
            "Subscribe from",
            "Share on Facebook",
            "Copy link",
            "Related stories",
            "Port strike begins as talks collapse",
            "All rights reserved",
            "Privacy policy",
            "Opinion",
        ],
    ),
    "meta_only.html": dict(
        url="https://courrierdumatin.example/societe/conseil-etat-terrasses-2025?utm_source=rss",
        title="Le Conseil d'État suspend l'arrêté sur les terrasses",
        date="2025-06-02",
        source="Le Courrier du Matin",
        author="Hélène Marchetti",
        canonical="https://courrierdumatin.example/societe/conseil-etat-terrasses-2025",
        language="fr",
        must_have=[
            "Le juge des référés du Conseil d'État a suspendu lundi",
            "« victoire du bon sens »",
        ],
        must_not=["Se connecter", "S'abonner", "Accueil", "Mentions légales", "confidentialité"],
    ),
    "byline_heavy_chrome.html": dict(
        url="https://www.valleycourier.example/local/2025/03/03/miller-creek-bridge",
        title="County approves new bridge over Miller Creek",
        date="2025-03-03",
        source="The Valley Courier",
        author="Daniel Reyes",
        canonical="https://www.valleycourier.example/local/2025/03/03/miller-creek-bridge",
        language="en-US",
        must_have=[
            "The Harlan County Board of Commissioners voted 4-1 on Monday",
            "## What happens next",
            "said Tom Albers, who farms near the crossing.",
        ],
        must_not=[
            "cookies",
            "Accept all",
            "Subscribe",
            "Local News",
            "Obituaries",
            "Share this article",
            "Facebook",
            "Advertisement",
            "Read more",
            "Commissioners delay vote",
            "Sign up",
            "More from",
            "School board weighs",
            "Most Read",
            "Route 9 crash",
            "Copyright",
            "Terms of Service",
            "By Daniel Reyes",
            "Published March 3",
        ],
    ),
}


@pytest.fixture(scope="module")
def parsed_pages():
    return {
        name: parse_html(fixture_bytes(name), url=case["url"], origin=name)
        for name, case in HTML_CASES.items()
    }


@pytest.mark.parametrize("name", list(HTML_CASES))
def test_html_metadata(parsed_pages, name):
    case = HTML_CASES[name]
    art = parsed_pages[name]
    assert art.title == case["title"]
    assert art.date == case["date"]
    assert art.source == case["source"]
    assert art.author == case["author"]
    assert art.url == case["canonical"]
    assert art.language == case["language"]
    assert art.partial is False
    assert art.origin == name
    assert len(art.checksum) == 64


@pytest.mark.parametrize("name", list(HTML_CASES))
def test_html_body_is_article_text_only(parsed_pages, name):
    case = HTML_CASES[name]
    body = parsed_pages[name].body_markdown
    for text in case["must_have"]:
        assert text in body
    for text in case["must_not"]:
        assert text not in body, f"boilerplate leaked into body: {text!r}"
    assert not body.startswith(("# ", "## ")), "headline repeated as the first block"
    assert case["title"] not in body.split("\n\n")[0]
    assert "\n\n\n" not in body


def test_html_paragraphs_are_separate_blocks(parsed_pages):
    body = parsed_pages["jsonld_newsarticle.html"].body_markdown
    blocks = body.split("\n\n")
    assert len(blocks) >= 6
    assert all("\n" not in b for b in blocks)


def test_html_without_url_falls_back_to_title_suffix_for_outlet():
    art = parse_html(fixture_bytes("byline_heavy_chrome.html"))
    assert art.url is None
    assert art.source == "The Valley Courier"
    assert art.title == "County approves new bridge over Miller Creek"


def test_html_outlet_falls_back_to_domain():
    page = (
        "<html><head><title>Storm knocks out power to 20,000 homes</title></head><body><article>"
        "<h1>Storm knocks out power to 20,000 homes</h1>"
        "<p>A line of thunderstorms knocked out power to about 20,000 homes across the county "
        "on Sunday evening, the utility said, and crews expected most customers to be "
        "reconnected by Monday night.</p><p>Fallen trees blocked several roads north of town, "
        "and the county asked drivers to stay home where they could.</p></article></body></html>"
    )
    art = parse_html(page, url="https://www.example-news.test/weather/storm")
    assert art.source == "example-news.test"
    assert art.url == "https://www.example-news.test/weather/storm"
    assert art.title == "Storm knocks out power to 20,000 homes"
    assert art.body_markdown.startswith("A line of thunderstorms")


def test_html_visible_dateline_only():
    page = (
        "<html><head><title>Ferry timetable changes</title></head><body>"
        "<div class='masthead'>Island Times</div><h1>Ferry timetable changes</h1>"
        "<p class='dateline'>Posted on 3 June 2024 by Island Times staff</p>"
        "<div class='story'><p>The morning ferry to the mainland will leave twenty minutes "
        "earlier from next week, the operator said, to make room for a new freight sailing "
        "that local hauliers have been requesting for two years.</p></div></body></html>"
    )
    art = parse_html(page)
    assert art.date == "2024-06-03"
    assert art.body_markdown.startswith("The morning ferry")


def test_html_cp1252_bytes_with_meta_charset():
    page = (
        '<html lang="en"><head><meta charset="windows-1252"><title>Café reopens</title></head>'
        "<body><article><h1>Café reopens</h1><p>Renée Lefèvre said the café’s “new look” had "
        "brought back regulars who had drifted away during the eight months of building work on "
        "the square outside, and that takings were already up.</p></article></body></html>"
    ).encode("cp1252")
    art = parse_html(page)
    assert art.title == "Café reopens"
    assert "Renée Lefèvre said the café’s “new look”" in art.body_markdown


def test_html_with_no_text_raises():
    with pytest.raises(ExtractionError):
        parse_html("<html><body><nav><a href='/'>Home</a></nav></body></html>", origin="x.html")
    with pytest.raises(ExtractionError):
        parse_html(b"   ")


@pytest.mark.parametrize(
    ("title", "sites", "domain", "expected"),
    [
        ("Port strike ends | Harbour Gazette", [], None, "Port strike ends"),
        ("Port strike ends - Harbour Gazette", ["Harbour Gazette"], None, "Port strike ends"),
        ("Port strike ends – The Gazette", [], "thegazette.example", "Port strike ends"),
        ("Rates rise - again - Harbour Gazette", ["Harbour Gazette"], None, "Rates rise - again"),
        ("Biden - Trump debate: five takeaways", [], "news.example", None),
        ("Pay deal | Business | Harbour Gazette", ["Harbour Gazette"], None, "Pay deal"),
    ],
)
def test_strip_site_suffix(title, sites, domain, expected):
    assert strip_site_suffix(title, sites, domain)[0] == (expected or title)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("By Daniel Reyes, Staff Writer", "Daniel Reyes"),
        ("Daniel Reyes; Staff Writer", "Daniel Reyes"),
        ("By Ana Ruiz and Tom Lee", "Ana Ruiz, Tom Lee"),
        ("https://facebook.com/someone", None),
        ("Harbour Gazette", None),
        ("", None),
    ],
)
def test_clean_author(raw, expected):
    assert clean_author(raw, ["Harbour Gazette"]) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2025-03-14T07:45:00+00:00", "2025-03-14"),
        ("2025-03-14", "2025-03-14"),
        ("Mon, 10 Mar 2025 21:30:00 -0500", "2025-03-10"),
        ("last Tuesday", None),
        ("2025-13-40", None),
        (None, None),
    ],
)
def test_iso_date(raw, expected):
    assert iso_date(raw) == expected


def test_html_to_markdown_structure():
    md = html_to_markdown(
        "<p>First <b>bold</b> [1] *star* &lt;script&gt;</p><h3>Sub head</h3>"
        "<ul><li>one</li><li>two</li></ul><blockquote><p>q1</p><p>q2</p></blockquote>"
        "text<br>line two<script>alert(1)</script><p>1. Not a list</p>"
        "<figure><img src=x><figcaption>Photo: AP</figcaption></figure><p>Share this article</p>"
    )
    assert md.split("\n\n") == [
        r"First bold \[1\] \*star\* \<script>",
        "## Sub head",
        "- one\n- two",
        "> q1\n>\n> q2",
        "text",
        "line two",
        r"\1. Not a list",
    ]


_TOKENS = [
    "<p>", "</p>", "<div>", "</div>", "<nav>", "<body>", "</body>", "<html>", "<!--", "-->",
    "<time datetime='2025-99-99'>", "<link rel=canonical href='javascript:x'>", "&amp;", "&#x;",
    '<script type="application/ld+json">{"@type":"NewsArticle","author":[1,{"name":null}]}'
    "</script>", "By John Smith", "March 3, 2025", "word word word", "“q”", "\x00", "<![CDATA[",
]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(_TOKENS), max_size=40).map("".join))
def test_html_parsers_fail_only_cleanly(page):
    try:
        parse_html(page, url="https://www.x.example/a")
    except ExtractionError:
        pass
    assert isinstance(html_to_markdown(page), str)


def test_html_odd_shapes():
    with pytest.raises(ExtractionError):  # a comment at the end used to crash the date search
        parse_html("<span><nav>word By John Smith March 3, 2025<!--- never closed")
    fragment = "<html><body><p>First.</p></body><body><p>Second.</p></body></html>"
    assert html_to_markdown(fragment) == "First.\n\nSecond."


def test_html_to_markdown_plain_text_and_empty():
    assert html_to_markdown("Fish &amp; chips") == "Fish & chips"
    assert html_to_markdown("") == ""


# ---------------------------------------------------------------------------------------------
# Feeds
# ---------------------------------------------------------------------------------------------


def test_rss_full_content():
    arts = parse_feed(fixture_bytes("rss_full_content.xml"), origin="top.xml")
    assert [a.title for a in arts] == [
        "Central bank holds rates steady, signals cuts later this year",
        "Flooding closes highway 7 for second day",
    ]
    first, second = arts
    assert (
        first.url == "https://www.northwindwire.example/economy/2025/03/10/central-bank-holds-rates"
    )
    assert first.date == "2025-03-10"  # publisher's local date, not shifted to UTC
    assert first.author == "Priya Natarajan"
    assert first.source == "Northwind Wire"
    assert first.language == "en-US"
    assert first.partial is False
    assert first.origin == "top.xml"
    blocks = first.body_markdown.split("\n\n")
    assert blocks[0].startswith("The central bank left its benchmark interest rate unchanged")
    assert "## Markets react" in blocks
    assert "the bank’s rate committee" in first.body_markdown
    assert "“moderating.”" in first.body_markdown
    assert "File photo" not in first.body_markdown
    assert len(second.body_markdown.split("\n\n")) == 3
    assert second.date == "2025-03-11"
    assert first.checksum != second.checksum


def test_atom_summaries_are_partial():
    arts = parse_feed(fixture_bytes("atom_summaries.xml"))
    assert len(arts) == 2
    upgrade, charter = arts
    assert all(a.partial for a in arts)
    assert upgrade.source == "Fenland Chronicle"
    assert upgrade.date == "2025-04-01"  # published wins over updated
    assert charter.date == "2025-03-30"  # only updated given
    assert upgrade.author == "Gareth Lowe"
    assert upgrade.language == "en-GB"
    assert upgrade.url == "https://fenlandchronicle.example/news/2025/04/01/pumping-station-upgrade"
    assert upgrade.body_markdown == (
        "The internal drainage board has approved a £2m upgrade to the Welney pumping station, "
        "which protects 4,000 hectares of farmland."
    )


def test_feed_source_falls_back_to_entry_domain():
    rss = (
        '<?xml version="1.0"?><rss version="2.0"><channel><link>https://x.example/</link>'
        "<item><title>T</title><link>https://www.daily-item.example/a/1</link>"
        "<description>Short teaser. Continue reading &amp;raquo;</description></item>"
        "</channel></rss>"
    )
    (art,) = parse_feed(rss)
    assert art.source == "daily-item.example"
    assert art.partial is True
    assert art.body_markdown == "Short teaser."


def test_not_a_feed_raises():
    with pytest.raises(FeedError):
        parse_feed(b"this is not xml at all", origin="notes.txt")


def test_looks_like_feed():
    assert looks_like_feed(fixture_bytes("rss_full_content.xml"))
    assert looks_like_feed(fixture_bytes("atom_summaries.xml"))
    assert not looks_like_feed(fixture_bytes("jsonld_newsarticle.html"))


def test_load_feed_list(tmp_path):
    (tmp_path / "feeds.yaml").write_text(
        "feeds:\n  - https://a.example/rss\n  - local/feed.xml\n  - url: https://b.example/atom\n"
    )
    assert load_feed_list(tmp_path / "feeds.yaml") == [
        "https://a.example/rss",
        str(tmp_path / "local" / "feed.xml"),
        "https://b.example/atom",
    ]
    (tmp_path / "bare.yaml").write_text("- https://a.example/rss\n")
    assert load_feed_list(tmp_path / "bare.yaml") == ["https://a.example/rss"]
    (tmp_path / "bad.yaml").write_text("feeds: 42\n")
    with pytest.raises(FeedError, match="must be a list"):
        load_feed_list(tmp_path / "bad.yaml")
    with pytest.raises(FeedError, match="cannot read"):
        load_feed_list(tmp_path / "missing.yaml")


# ---------------------------------------------------------------------------------------------
# Encodings and normalisation
# ---------------------------------------------------------------------------------------------


def test_cp1252_file_decodes():
    text = normalize_text(decode_bytes(fixture_bytes("cp1252_article.txt")))
    assert text.startswith("Café owner Zoë Brontë named “small business of the year”\nDate:")
    assert "Renée Lefèvre" in text
    assert "the café’s “relentless” support" in text
    assert "Müller family’s dairy in São Bento" in text
    assert "award – and" in text
    assert "\r" not in text


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("“Café” – naïve".encode(), "“Café” – naïve"),
        (b"\xef\xbb\xbf" + "“Café”".encode(), "“Café”"),
        ("Zoë “quoted”".encode("utf-16"), "Zoë “quoted”"),
        ("Renée said “hello”".encode("cp1252"), "Renée said “hello”"),
        (
            "Müller & Sons: Straße, Größe – für €5".encode("cp1252"),
            "Müller & Sons: Straße, Größe – für €5",
        ),
        ("Größe für".encode("latin-1"), "Größe für"),
        (
            "Привет, как дела? Это тестовый текст на русском языке.".encode("cp1251"),
            "Привет, как дела? Это тестовый текст на русском языке.",
        ),
        (b"", ""),
    ],
)
def test_decode_bytes(data, expected):
    assert decode_bytes(data) == expected


@settings(max_examples=80, deadline=None)
@given(st.binary(max_size=300))
def test_decode_bytes_never_crashes(data):
    assert isinstance(decode_bytes(data), str)


def test_normalize_text():
    raw = "a&nbsp;b &amp; c\u00a0d  \r\n\r\n\r\n\r\nnext\u2009line “q” \u200b  \rlast\n\n"
    assert normalize_text(raw) == "a b & c d\n\nnext line “q”\nlast"
    assert normalize_text("‘single’ and “double” — kept") == "‘single’ and “double” — kept"
    assert normalize_text("\tindented\tcode") == "\tindented\tcode"


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab &;#x\u00a0\r\n\t“’é"))))
def test_normalize_text_output_shape(s):
    out = normalize_text(s)
    assert "\r" not in out and "\u00a0" not in out and "\n\n\n" not in out
    assert all(line == line.rstrip(" ") for line in out.split("\n"))


# ---------------------------------------------------------------------------------------------
# Fetching (local server only)
# ---------------------------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    hits: dict[str, int] = {}
    user_agents: list[str] = []

    def do_GET(self):  # noqa: N802 (http.server API)
        type(self).hits[self.path] = type(self).hits.get(self.path, 0) + 1
        type(self).user_agents.append(self.headers.get("User-Agent", ""))
        if self.path == "/page":
            body = fixture_bytes("jsonld_newsarticle.html")
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif self.path == "/slow":
            time.sleep(1.0)
            self.send_response(200)
            self.end_headers()
        elif self.path == "/boom":
            self.send_error(500, "Internal Server Error")
        elif self.path == "/moved":
            self.send_response(301)
            self.send_header("Location", "/page")
            self.end_headers()
        else:
            self.send_error(404, "Not Found")

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    with local_http_server(_Handler) as base:
        yield base


def test_fetch_ok_with_user_agent(server):
    body, ctype = fetch_url(server + "/page")
    assert body == fixture_bytes("jsonld_newsarticle.html")
    assert ctype.startswith("text/html")
    assert _Handler.user_agents[-1] == USER_AGENT
    assert USER_AGENT.startswith("digest/")
    art = parse_html(body, url=server + "/page")
    assert art.source == "Harbour Gazette"


def test_fetch_follows_redirect(server):
    body, _ = fetch_url(server + "/moved")
    assert b"Port strike ends" in body


def test_fetch_http_error_single_attempt(server):
    with pytest.raises(FetchError, match="HTTP 500") as info:
        fetch_url(server + "/boom")
    assert info.value.url == server + "/boom"
    assert _Handler.hits["/boom"] == 1  # no retries
    with pytest.raises(FetchError, match="HTTP 404"):
        fetch_url(server + "/nope")


def test_fetch_timeout(server):
    started = time.monotonic()
    with pytest.raises(FetchError, match="timed out"):
        fetch_url(server + "/slow", timeout=0.2)
    assert time.monotonic() - started < 0.9


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.com/x", "not a url", "", "http://"]
)
def test_fetch_rejects_bad_urls(url):
    with pytest.raises(FetchError):
        fetch_url(url)


def test_fetch_connection_refused():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(FetchError):
        fetch_url(f"http://127.0.0.1:{port}/", timeout=2)


# ---------------------------------------------------------------------------------------------
# JSONL batches
# ---------------------------------------------------------------------------------------------


def test_jsonl_batch_validation():
    rows, errors = parse_jsonl((FIXTURES / "batch.jsonl").read_text(), "batch.jsonl")
    assert [n for n, _ in rows] == [1, 2, 4]
    assert [e.line for e in errors] == [3, 5, 7]
    messages = [str(e) for e in errors]
    assert messages[0].startswith("batch.jsonl: line 3: not valid JSON")
    assert messages[1] == 'batch.jsonl: line 5: needs one of "text", "html" or "url"'
    assert "line 7" in messages[2] and "'last Tuesday' is not a date" in messages[2]
    assert rows[2][1] == {
        "url": "https://metroherald.example/2025/02/12/transit",
        "source": "Metro Herald",
    }


def test_jsonl_rows_to_articles():
    rows, _ = parse_jsonl((FIXTURES / "batch.jsonl").read_text(), "batch.jsonl")
    text_row = article_from_row(*rows[0], origin="batch.jsonl")
    assert text_row.title == "Council approves budget"
    assert text_row.source == "Metro Herald"
    assert text_row.date == "2025-02-11"
    assert text_row.url == "https://metroherald.example/2025/02/11/budget"
    assert text_row.body_markdown == (
        "The city council approved a $412 million budget on Tuesday.\n\nThe vote was 7-2."
    )
    assert text_row.origin == "batch.jsonl:1"
    html_row = article_from_row(*rows[1], origin="batch.jsonl")
    assert html_row.title == "Museum reopens after repairs"
    assert html_row.source == "Riverside Post"
    assert html_row.date == "2025-02-15"
    assert html_row.body_markdown.startswith("The city museum reopened on Saturday")
    with pytest.raises(ValueError):
        article_from_row(*rows[2])


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("[1, 2]", "expected a JSON object, got array"),
        ('{"text": 5}', '"text" must be a string, got number'),
        ('{"text": "  "}', '"text" is empty'),
        ('{"text": "a", "html": "<p>b</p>"}', "not both"),
        ('{"url": "ftp://x.example/a"}', '"url" must be an http(s) URL'),
        ('{"text": "a", "language": "english!"}', "not a language tag"),
    ],
)
def test_jsonl_line_errors(line, message):
    rows, errors = parse_jsonl('{"text": "ok"}\n' + line + "\n")
    assert len(rows) == 1
    assert len(errors) == 1 and errors[0].line == 2 and message in errors[0].message
