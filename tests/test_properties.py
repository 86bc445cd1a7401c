"""Property-based tests: the plain-text importer and the front-matter loader never crash on
any input, and never lose a word of a valid article."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from digest.ingest.plaintext import parse_text
from digest.ingest.writer import render_file
from digest.load import ArticleError, parse_article, read_article_file

SETTINGS = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

# Words: letters (ASCII and not), digits, and the punctuation Markdown gives meaning to.
# No '.' or '…' inside words: a paragraph ending in '...' is a teaser by design.
MARKDOWN_PUNCT = "_*`[]()<>&#;!~|\\-+=:,'\"/@%$^{}"
WORD = st.text(alphabet=st.sampled_from(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789éßøЖ中" + MARKDOWN_PUNCT),
    min_size=1, max_size=12)
# Hand-written Markdown: a line that starts "0)" or "1." is a list marker by definition, so
# plain words start with a letter.
PLAIN_WORD = st.from_regex(r"[A-Za-zéüßЖ][A-Za-z0-9éüßЖ'’,;:()-]{0,11}", fullmatch=True)


def _paragraph(words: list[str]) -> str:
    # "The ... ." reads as a sentence: not a headline, a section label, a dateline or a ticker
    return "The " + " ".join(words) + "."


PARAGRAPHS = st.lists(st.lists(WORD, min_size=3, max_size=25).map(_paragraph),
                      min_size=1, max_size=8)
_UNESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def _words(paragraphs: list[str]) -> set[str]:
    return {w for p in paragraphs for w in p.split()}


# --- parse_text ----------------------------------------------------------------------------

@SETTINGS
@given(st.text())
@example("")
@example("\n\n \t\n")
@example("word " * 5000)
@example("Soldiers in Kursk (AFP)")
@example("x... \n" * 50)
def test_parse_text_never_crashes_on_any_text(raw: str) -> None:
    try:
        article = parse_text(raw, name="input")
    except ValueError as exc:  # the one documented refusal: nothing to import
        assert str(exc).startswith("no article text found")
        return
    assert article.title.strip()
    assert isinstance(article.body_markdown, str)


@SETTINGS
@given(st.binary(max_size=4000))
def test_parse_text_never_crashes_on_any_bytes(data: bytes) -> None:
    from digest.ingest.textcodec import decode_bytes

    try:
        parse_text(decode_bytes(data), name="input")
    except ValueError as exc:
        assert str(exc).startswith("no article text found")


@SETTINGS
@given(PARAGRAPHS)
def test_parse_text_keeps_every_word(paragraphs: list[str]) -> None:
    article = parse_text("\n\n".join(paragraphs), name="input")
    kept = _UNESCAPE.sub(r"\1", article.body_markdown)
    lost = [w for w in _words(paragraphs) if w not in kept]
    assert not lost, (lost, article.body_markdown)


@SETTINGS
@given(PARAGRAPHS)
def test_imported_text_reads_back_word_for_word(paragraphs: list[str]) -> None:
    """Import then load: the Markdown the importer writes shows every word as written."""
    raw = parse_text("\n\n".join(paragraphs), name="input")
    text = render_file({"title": raw.title, "source": "Test", "date": "2025-01-02"},
                       raw.body_markdown)
    article, _warnings = parse_article(text, "content/articles/x.md")
    lost = [w for w in _words(paragraphs) if w not in article.text]
    assert not lost, (lost, raw.body_markdown, article.text)


# --- parse_article / read_article_file -----------------------------------------------------

@SETTINGS
@given(st.text())
@example("---\n")
@example("---\n---\n")
@example("---\ntitle: x\ndate: 2025-13-45\n---\nbody")
@example("---\ntitle: !!python/object/apply:os.system ['true']\n---\n")
@example("---\n&a [*a]\n---\n")
@example("---\ntitle: [" + "[" * 5000 + "\n---\n")
def test_parse_article_raises_only_article_error(text: str) -> None:
    try:
        article, warnings = parse_article(text, "content/articles/x.md")
    except ArticleError as exc:
        assert exc.problem.path == "content/articles/x.md"
        assert exc.problem.message
        return
    assert article.title
    assert article.id


@SETTINGS
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
       st.dictionaries(st.sampled_from(["title", "source", "date", "url", "author", "id",
                                        "story", "language", "family", "partial"]),
                       st.one_of(st.text(max_size=20), st.integers(), st.booleans(),
                                 st.none(), st.dates(), st.lists(st.integers(), max_size=2),
                                 st.floats(allow_nan=True)),
                       max_size=8))
def test_parse_article_any_front_matter_values(body: str, fields: dict) -> None:
    text = render_file(fields, body) if fields else "---\n---\n" + body
    try:
        article, _ = parse_article(text, "content/articles/x.md")
    except ArticleError:
        return
    assert article.title and article.id
    assert re.fullmatch(r"[a-z0-9-]+", article.id)
    assert article.story is None or re.fullmatch(r"[a-z0-9-]+", article.story)


@SETTINGS
@given(st.binary(max_size=3000))
@example(b"\xff\xfe---\ntitle: x\n---\n")
@example(b"---\ntitle: caf\xe9\n---\nbody")
@example(b"\x00\x01\x02")
def test_read_article_file_raises_only_article_error(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.md"
        path.write_bytes(data)
        try:
            read_article_file(path, "content/articles/x.md")
        except ArticleError as exc:
            assert exc.problem.path == "content/articles/x.md"


@SETTINGS
@given(st.lists(st.lists(PLAIN_WORD, min_size=1, max_size=30), min_size=1, max_size=8),
       st.lists(st.integers(0, 3), min_size=8, max_size=8),
       st.integers(4, 12))
def test_parse_article_keeps_every_word(paragraphs: list[list[str]], indents: list[int],
                                        wrap: int) -> None:
    """Paragraphs of words, indented up to 3 spaces and wrapped at `wrap` words per line,
    in valid front matter: every word is in article.text."""
    blocks = []
    for words, indent in zip(paragraphs, indents, strict=False):
        lines = [" ".join(words[i:i + wrap]) for i in range(0, len(words), wrap)]
        blocks.append("\n".join(" " * indent + ln for ln in lines))
    text = "---\ntitle: A title\nsource: Test\ndate: 2025-01-02\n---\n\n" + "\n\n".join(blocks)
    article, warnings = parse_article(text, "content/articles/x.md")
    lost = [w for ws in paragraphs for w in ws if w not in article.text]
    assert not lost, (lost, text, article.text)
    assert not [w for w in warnings if w.severity == "error"]


# Lines of prose as people and importers write them: words, spaces (also at the start and
# end), headings, list and heading look-alikes, blank and space-only lines, the characters
# that make Markdown.
_PROSE_WORD = st.sampled_from(["The", "minister", "said", "2,000", "10.5", "(not", "it's",
                               "\"quoted\"", "é", "Ж", ":", "!", "Kyiv.", " ", "  "])
_PROSE_MARK = st.sampled_from(
    ["10.", "3)", "#", "##", "#######", "-", "=", "+", "*", "_", "`", "[", "]", "<", ">",
     "&amp;", "\\", "~", "|", "\t", "\u00a0", "   ", "    ", "1.", "a#b"])
PROSE_TOKEN = st.one_of(_PROSE_WORD, _PROSE_WORD, _PROSE_WORD, _PROSE_WORD, _PROSE_MARK)
PROSE_LINE = st.lists(PROSE_TOKEN, max_size=8).map(lambda ts: " ".join(ts).replace("  ", " ")
                                                    if len(ts) % 3 else "".join(ts))
PROSE = st.lists(PROSE_LINE, min_size=1, max_size=12).map("\n".join)


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(PROSE)
@example("# Title\nThe minister said.\nIt was late.\n\n## Next  \n\nMore   words. \n#\n")
@example("The minister said.\n\u00a0\nMore.")
def test_prose_paragraphs_are_the_markdown_parsers(body: str) -> None:
    """The loader reads plain prose without the Markdown parser (half a cold load's time):
    for every body, what it reads is what the parser's paragraphs give."""
    from digest.load import _markdown_paragraphs, body_paragraphs

    assert body_paragraphs(body) == _markdown_paragraphs(body)


def test_prose_paragraphs_take_the_fast_path_for_seed_like_articles() -> None:
    """The shortcut is taken for bodies that are only paragraphs and headings (without it
    the test above would prove nothing), and not for a body with any Markdown syntax."""
    from digest.load import _is_prose, _markdown_paragraphs, _prose_paragraphs

    body = "## Kyiv\n\nThe minister said 2,000 soldiers (not 10.5) had left.\nOn Sunday.\n"
    assert _is_prose(body)
    assert _prose_paragraphs(body) == _markdown_paragraphs(body) == [
        "The minister said 2,000 soldiers (not 10.5) had left. On Sunday."]
    for markup in ("*a*", "1. list", "- item", "a `b`", "x\n===", "    code", "a &amp; b",
                   "## Title ##", "#hashtag", "[link](x)", "a\\\nb", "> quote"):
        assert not _is_prose("The minister said.\n" + markup + "\n"), markup
