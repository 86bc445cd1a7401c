"""Hostile and broken input: every bad file is a clear message (file, line, what to do), the
rest of the site still builds, nothing in a file is ever run, nothing unescaped reaches a page.

The corpus is tests/fixtures/hostile/ (small static cases); the cases that are too big or too
odd to commit (50 MB, a 1 MB line, symlink loops, a FIFO) are made in tmp_path.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from digest.load import ArticleError, find_article_files, parse_article, read_article_file

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "hostile"


def _problem(text: str, path: str = "content/articles/x.md"):
    with pytest.raises(ArticleError) as info:
        parse_article(text, path)
    return info.value.problem


def _read_problem(path: Path, rel: str = "content/articles/x.md"):
    with pytest.raises(ArticleError) as info:
        read_article_file(path, rel)
    return info.value.problem


# --- front matter -----------------------------------------------------------------------------

def test_yaml_tags_are_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "PWNED"
    tagged = f'---\ntitle: !!python/object/apply:os.system ["touch {marker}"]\n---\nbody\n'
    # the tag is real: an unsafe loader would run it
    yaml.unsafe_load(tagged.split("---")[1])
    assert marker.exists()
    marker.unlink()
    p = _problem(tagged)
    assert not marker.exists()
    assert p.line == 2 and "YAML tag '!!python/object/apply:os.system'" in p.message
    assert "remove the '!!...' tag" in p.hint


def test_date_that_is_no_date_is_a_warning_on_its_line() -> None:
    article, warnings = parse_article(
        "---\ntitle: T\nsource: S\ndate: 2025-13-45\n---\nText.\n", "a.md")
    assert article.published is None
    assert [(w.line, w.message, w.hint) for w in warnings] == [
        (4, "date '2025-13-45' is not a date", "write it as YYYY-MM-DD")]


def test_yes_and_no_stay_text() -> None:
    article, _ = parse_article("---\ntitle: No\nsource: ON\ndate: 2025-01-02\n---\nText.\n",
                               "a.md")
    assert (article.title, article.source) == ("No", "ON")


def test_empty_file() -> None:
    p = _problem("")
    assert (p.line, p.message) == (None, "file is empty")
    assert "delete the file" in p.hint


def test_control_characters_and_surrogates_never_reach_the_output() -> None:
    article, _ = parse_article('---\ntitle: "a\\x1bb\\x0cc\\x85d"\nauthor: "\\x07x"\n'
                               'source: S\ndate: 2025-01-02\n---\nText\x0bhere.\n', "a.md")
    assert article.title == "a b c d"
    assert article.author == "x"
    assert article.text == "Text here."


@pytest.mark.parametrize(("field", "value", "expected", "warning"), [
    ("id", "../../../etc/passwd", "etc-passwd", None),
    ("id", "/absolute/path", "absolute-path", None),
    ("id", '"a\\0b"', "a-b", None),
    ("id", "CON", "a-con", "is a reserved file name; using 'a-con'"),
    ("id", "nul", "a-nul", "is a reserved file name"),
    ("id", "'..'", "x", "has no letters or digits; it is ignored"),
    ("id", ".git", "a-git", "is a reserved file name"),
    ("story", "../../x", "x", None),
    ("story", "'...'", None, "has no letters or digits"),
])
def test_ids_and_story_ids_are_safe_folder_names(field: str, value: str, expected: str | None,
                                                  warning: str | None) -> None:
    article, warnings = parse_article(
        f"---\ntitle: T\nsource: S\ndate: 2025-01-02\n{field}: {value}\n---\nText.\n",
        "content/articles/x.md")
    assert getattr(article, field) == expected
    if warning:
        assert [w.line for w in warnings if warning in w.message] == [5]
    else:
        assert not warnings


def test_partial_must_be_true_or_false() -> None:
    article, warnings = parse_article(
        "---\ntitle: T\nsource: S\ndate: 2025-01-02\npartial: maybe\n---\nText.\n", "a.md")
    assert article.partial is False
    assert [(w.line, w.message) for w in warnings] == [
        (5, "field 'partial' must be true or false, got 'maybe'")]


def test_indented_text_is_kept() -> None:
    article, _ = parse_article(
        "---\ntitle: T\nsource: S\ndate: 2025-01-02\n---\n\n    Indented four spaces.\n", "a.md")
    assert article.text == "Indented four spaces."


# --- files ------------------------------------------------------------------------------------

def test_symlink_loops_and_dangling_links(tmp_path: Path) -> None:
    arts = tmp_path / "content" / "articles"
    arts.mkdir(parents=True)
    (arts / "ok.md").write_text("---\ntitle: T\n---\nText.\n")
    (arts / "loop").symlink_to("..")  # a folder loop
    (arts / "self.md").symlink_to("self.md")  # a file loop
    (arts / "dangling.md").symlink_to("gone.md")
    found = find_article_files(tmp_path / "content")
    names = sorted(p.name for p in found)
    assert names == ["dangling.md", "ok.md", "self.md"]
    p = _read_problem(arts / "self.md", "content/articles/self.md")
    assert p.message == "symlink loop: the link leads back to itself"
    assert p.hint == "remove the link content/articles/self.md or point it at a file"
    p = _read_problem(arts / "dangling.md", "content/articles/dangling.md")
    assert p.message == "broken symlink: it points to 'gone.md', which does not exist"
    assert p.hint == "restore that file or remove the link content/articles/dangling.md"


def test_fifo_and_device_are_refused_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo.md")
    (tmp_path / "zero.md").symlink_to("/dev/zero")
    for name in ("fifo.md", "zero.md"):
        p = _read_problem(tmp_path / name)
        assert p.message == "is not a regular file (a FIFO, socket or device)"


def test_huge_file_is_skipped_unread(tmp_path: Path) -> None:
    big = tmp_path / "big.md"
    with big.open("wb") as fh:  # sparse: 50 MB in no time and no disk
        fh.truncate(50 * 1024 * 1024)
    p = _read_problem(big)
    assert p.message == "file is too large (51200 KiB)"
    assert "split or trim it" in p.hint


def test_file_deleted_between_discovery_and_read(tmp_path: Path) -> None:
    arts = tmp_path / "content" / "articles"
    arts.mkdir(parents=True)
    (arts / "a.md").write_text("---\ntitle: T\n---\nText.\n")
    [found] = find_article_files(tmp_path / "content")
    found.unlink()
    p = _read_problem(found, "content/articles/a.md")
    assert p.message == "file disappeared while reading"


def test_not_utf8_names_the_line() -> None:
    path = FIXTURES / "content" / "articles" / "bad-latin1.md"
    p = _read_problem(path, "content/articles/bad-latin1.md")
    assert (p.line, p.message) == (2, "file is not UTF-8 text")
    assert "re-save it as UTF-8" in p.hint
