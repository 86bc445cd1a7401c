"""Hostile and broken input: every bad file is a clear message (file, line, what to do), the
rest of the site still builds, nothing in a file is ever run, nothing unescaped reaches a page.

The corpus is tests/fixtures/hostile/ (small static cases); the cases that are too big or too
odd to commit (50 MB, a 1 MB line, symlink loops, a FIFO) are made in tmp_path.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

import pytest
import yaml

from digest.load import ArticleError, find_article_files, parse_article, read_article_file
from tests.conftest import run_digest, stories_json

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


# --- the corpus: one build of everything -------------------------------------------------------

# (file, line, severity, message, hint): each is one line digest prints for the corpus
EXPECTED = [
    ("content/articles/bad-not-yaml.md", 2, "error",
     "front matter is not valid YAML (mapping values are not allowed",
     "quote titles that contain ': '"),
    ("content/articles/bad-not-mapping.md", 2, "error",
     "front matter must be a mapping of fields, got list", "write one 'field: value' per line"),
    ("content/articles/bad-yaml-tag.md", 2, "error",
     "front matter uses the YAML tag '!!python/object/apply:os.system'",
     "remove the '!!...' tag"),
    ("content/articles/bad-yaml-tag-subprocess.md", 4, "error",
     "front matter uses the YAML tag '!!python/object/apply:subprocess.call'",
     "remove the '!!...' tag"),
    ("content/articles/bad-no-title.md", 2, "error", "missing 'title' in front matter",
     "add a line 'title: \"...\"'"),
    ("content/articles/bad-wrong-type.md", 3, "error", "field 'source' must be text, got dict",
     "write it as source: \"...\""),
    ("content/articles/bad-title-is-a-date.md", 3, "error",
     "field 'title' must be text, got date", "write it as title: \"...\""),
    ("content/articles/bad-front-matter-not-closed.md", 1, "error",
     "front matter is not closed", "add a line '---' after the last front matter field"),
    ("content/articles/bad-no-front-matter.md", 1, "error", "no front matter",
     "start the file with a line '---'"),
    ("content/articles/bad-binary.md", None, "error", "file looks binary (contains NUL bytes)",
     "only Markdown text files belong under content/"),
    ("content/articles/bad-empty.md", None, "error", "file is empty", "or delete the file"),
    ("content/articles/bad-latin1.md", 2, "error", "file is not UTF-8 text",
     "re-save it as UTF-8"),
    ("content/articles/warn-no-date.md", 2, "warning", "missing 'date' in front matter",
     "add 'date: YYYY-MM-DD'"),
    ("content/articles/warn-bad-date.md", 4, "warning", "date '2025-13-45' is not a date",
     "write it as YYYY-MM-DD"),
    ("content/articles/warn-date-words.md", 4, "warning", "date 'next tuesday' is not a date",
     "write it as YYYY-MM-DD"),
    ("content/articles/warn-bad-time.md", 5, "warning",
     "time 'early morning' is not a time of day", "write it as time: HH:MM, 24-hour"),
    ("content/articles/dup-id-second.md", 2, "error",
     "duplicate id 'bridge-repairs' (also in content/articles/dup-id-first.md)",
     "give one of them another 'id:'"),
    ("content/articles/same-url-second.md", 2, "warning",
     "same url as content/articles/same-url-first.md", "remove one copy, or correct its 'url:'"),
    ("content/articles/path-reserved.md", 5, "warning",
     "'id' 'CON' is a reserved file name; using 'a-con'", "choose another id"),
    ("content/articles/path-reserved.md", 6, "warning",
     "'story' '.git' is a reserved file name; using 'a-git'", "choose another story"),
    ("content/articles/path-dots.md", 5, "warning",
     "'id' '../..' has no letters or digits; it is ignored", "write id: with letters"),
    ("content/stories/broken-note.md", 3, "error", "front matter is not valid YAML",
     "fix the YAML syntax"),
    # made in the test: too odd to commit
    ("content/articles/huge.md", None, "error", "file is too large (51200 KiB)",
     "articles over 5 MiB are skipped; split or trim it"),
    ("content/articles/self.md", None, "error", "symlink loop: the link leads back to itself",
     "remove the link content/articles/self.md"),
    ("content/articles/dangling.md", None, "error",
     "broken symlink: it points to 'deleted-long-ago.md', which does not exist",
     "restore that file or remove the link"),
    ("content/articles/fifo.md", None, "error", "is not a regular file (a FIFO, socket or device)",
     "remove content/articles/fifo.md"),
]

# article id -> a phrase of its text: every one must be in the built site
GOOD = {
    "good-quake-reuters": "At least 14 buildings collapsed",
    "good-quake-ap": "A strong earthquake of magnitude 6.0",
    "good-budget": "debate that lasted fourteen hours",
    "good-orchard": "blossomed three weeks early",
    "warn-no-date": "retired after forty years",
    "warn-bad-date": "new winter timetable",
    "warn-date-words": "restored north wing",
    "warn-bad-time": "called off their strike",
    "bridge-repairs": "began on Thursday",
    "same-url-first": "open until ten at night",
    "same-url-second": "extending its hours",
    "xss-fields": "ended their strike",
    "xss-body": "opened the new tram line",
    "outside": "new parking rules",
    "a-con": "storm reaching the coast",
    "school-term": "a week early this year",
    "path-dots": "night market returns",
    "long-line": "long1 long2 long3",
}


def _make_odd_files(arts: Path) -> None:
    with (arts / "huge.md").open("wb") as fh:  # 50 MB, sparse
        fh.write(b"---\ntitle: Huge\n---\n")
        fh.truncate(50 * 1024 * 1024)
    words = " ".join(f"long{i % 5000}" for i in range(120_000))
    (arts / "long-line.md").write_text(  # one line of 1 MB
        "---\ntitle: One very long line\nsource: Wire\ndate: 2025-09-01\n---\n\n"
        + ("long1 long2 long3 " + words)[:1_000_000] + "\n")
    (arts / "loop").symlink_to("..")
    (arts / "self.md").symlink_to("self.md")
    (arts / "dangling.md").symlink_to("deleted-long-ago.md")
    os.mkfifo(arts / "fifo.md")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict:
    base = tmp_path_factory.mktemp("hostile")
    root = base / "project"
    shutil.copytree(FIXTURES / "content", root / "content", symlinks=True)
    marker = base / "PWNED"
    for name in ("bad-yaml-tag.md", "bad-yaml-tag-subprocess.md"):
        f = root / "content" / "articles" / name
        f.write_text(f.read_text().replace("@MARKER@", str(marker)))
    _make_odd_files(root / "content" / "articles")
    plain = run_digest("build", "--root", str(root), check=False)
    strict = run_digest("build", "--root", str(root), "--strict", check=False)
    return {"base": base, "root": root, "site": root / "site", "marker": marker,
            "plain": plain, "strict": strict}


def test_corpus_builds_and_exit_status_only_fails_with_strict(corpus: dict) -> None:
    assert corpus["plain"].returncode == 0, corpus["plain"].stderr
    assert corpus["strict"].returncode == 1
    assert "--strict:" in corpus["strict"].stderr
    assert "Traceback" not in corpus["plain"].stderr + corpus["strict"].stderr


def _says(line: str, message: str, hint: str) -> bool:
    """The line states the message, then the hint in parentheses after it."""
    at = line.find(message)
    return at >= 0 and hint in line[at + len(message):] and line.rstrip().endswith(")")


@pytest.mark.parametrize(("path", "line", "severity", "message", "hint"), EXPECTED,
                         ids=[f"{e[0].rsplit('/', 1)[1]}:{e[1]}" for e in EXPECTED])
def test_every_problem_names_file_line_and_fix(corpus: dict, path: str, line: int | None,
                                               severity: str, message: str, hint: str) -> None:
    where = f"{path}:{line}" if line else path
    lines = [ln for ln in corpus["plain"].stderr.splitlines()
             if ln.startswith(f"{where}: {severity}: ")]
    assert any(_says(ln, message, hint) for ln in lines), (
        where, [ln for ln in corpus["plain"].stderr.splitlines() if path in ln])


def test_no_problem_goes_unexplained(corpus: dict) -> None:
    """Every problem line has a hint, and only the expected files have problems."""
    problems = [ln for ln in corpus["plain"].stderr.splitlines()
                if ": error: " in ln or ": warning: " in ln]
    expected_files = {e[0] for e in EXPECTED}
    for ln in problems:
        assert ln.rstrip().endswith(")"), f"no hint: {ln}"
        assert ln.split(":", 1)[0] in expected_files, f"unexpected problem: {ln}"


def test_every_good_article_is_in_the_site(corpus: dict) -> None:
    site = corpus["site"]
    data = stories_json(corpus["root"])
    in_json = {a["id"] for s in data["stories"] for a in s["articles"]}
    for article_id, phrase in GOOD.items():
        page = site / "articles" / article_id / "index.html"
        assert page.is_file(), article_id
        assert phrase in page.read_text(encoding="utf-8"), article_id
        assert article_id in in_json
    assert in_json == set(GOOD)


def test_yaml_tags_in_the_corpus_ran_nothing(corpus: dict) -> None:
    assert not corpus["marker"].exists()


def test_nothing_is_written_outside_site(corpus: dict) -> None:
    assert sorted(p.name for p in corpus["base"].iterdir()) == ["project"]
    made = sorted(p.name for p in corpus["root"].iterdir())
    assert made == [".digest-cache", "content", "site"]
    site = corpus["site"].resolve()
    for dirpath, dirnames, filenames in os.walk(site):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            assert not p.is_symlink(), p
            assert p.resolve().is_relative_to(site), p
    # the traversal attempts became plain folders
    assert (site / "articles" / "outside" / "index.html").is_file()
    assert (site / "stories" / "etc-passwd" / "index.html").is_file()


_URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "poster", "data", "srcset"}
_BAD_SCHEMES = ("javascript:", "data:", "vbscript:", "file:")


class _Audit(HTMLParser):
    """Everything a browser could run: tags, event attributes, URLs, script bodies."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.bad: list[str] = []
        self.script: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("iframe", "object", "embed", "svg", "img") or tag == "style":
            if tag != "svg" or any(k.startswith("on") for k, _ in attrs):
                self.bad.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.bad.append(f"{tag} {name}={value}")
            if name in _URL_ATTRS and value:
                url = "".join(ch for ch in value if ch > " ").lower()
                if url.startswith(_BAD_SCHEMES):
                    self.bad.append(f"{tag} {name}={value}")
        if tag == "script":
            self.script = ""

    def handle_data(self, data: str) -> None:
        if self.script is not None:
            self.script += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self.script is not None:
            # JSON-LD may quote a hostile headline, but only with '<' escaped as \u003c
            if "<" in self.script or ("alert(" in self.script and "@context" not in self.script):
                self.bad.append(f"script: {self.script[:80]}")
            self.script = None


def test_no_hostile_markup_reaches_any_page(corpus: dict) -> None:
    site = corpus["site"]
    checked = 0
    for path in sorted(site.rglob("*")):
        if not path.is_file() or path.suffix not in (".html", ".json", ".xml", ".txt"):
            continue
        text = path.read_text(encoding="utf-8")
        assert "<script>alert" not in text and "<img src=x" not in text, path
        if path.suffix == ".html":
            audit = _Audit()
            audit.feed(text)
            assert not audit.bad, (path, audit.bad)
            checked += 1
        elif path.suffix == ".xml":
            ElementTree.fromstring(path.read_bytes())  # control characters would break it
    assert checked > len(GOOD)


def test_hostile_titles_are_shown_as_text(corpus: dict) -> None:
    page = (corpus["site"] / "articles" / "xss-fields" / "index.html").read_text()
    assert "&lt;script&gt;alert(" in page
    assert "&lt;img src=x onerror=alert(" in page
    assert 'href="javascript:' not in page


def test_story_note_is_sanitised(corpus: dict) -> None:
    page = (corpus["site"] / "stories" / "malatya-quake" / "index.html").read_text()
    assert "Editor's note" in page or "Editor&#39;s note" in page
    assert '<a href="https://example.org/quake" rel="nofollow noopener">good link</a>' in page
    assert "bad link" in page and "data link" in page  # the words stay, the links go
    assert 'href="javascript:' not in page and 'href="data:' not in page
    assert "<b" not in page.split("editor-note", 1)[1].split("</aside>")[0]
    assert "&lt;script&gt;alert(&#39;note title&#39;)" in page or \
        "&lt;script&gt;alert('note title')" in page


def test_markdown_links_only_to_safe_schemes(corpus: dict) -> None:
    page = (corpus["site"] / "articles" / "xss-body" / "index.html").read_text()
    hrefs = re.findall(r'href="([^"]*)"', page)
    assert "https://example.org/tram" in hrefs
    assert not [h for h in hrefs if h.lower().startswith(_BAD_SCHEMES)]
    for word in ("js", "JS", "vb", "file", "pixel", "free", "Passengers rode"):
        assert word in page  # the text of a refused link is kept


def test_stories_json_is_safe_in_html(corpus: dict) -> None:
    raw = (corpus["site"] / "api" / "stories.json").read_bytes()
    assert b"<" not in raw and b">" not in raw
    data = stories_json(corpus["root"])
    arts = {a["id"]: a for s in data["stories"] for a in s["articles"]}
    assert arts["xss-fields"]["title"].startswith("<script>alert('title')</script>")
    assert arts["xss-fields"]["url"] is None
    assert arts["xss-body"]["url"] is None


# --- templates ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("source", "expected"), [
    ('{% extends "base.html" %}\n{% block main %}\n{% if %}\n{% endblock %}\n',
     "templates/story.html:3: template error: Expected an expression"),
    ('{% extends "base.html" %}\n{% block main %}\n<h1>x</h1>\n{{ no_such_variable }}\n'
     '{% endblock %}\n', "templates/story.html:4: template error: 'no_such_variable' is undefined"),
    ('{% extends "base.html" %}\n{% block main %}\n{{ 1 + "a" }}\n{% endblock %}\n',
     "templates/story.html:3: template error: TypeError: unsupported operand"),
])
def test_user_template_errors_name_file_and_line(tmp_path: Path, source: str,
                                                 expected: str) -> None:
    arts = tmp_path / "content" / "articles"
    arts.mkdir(parents=True)
    shutil.copy(FIXTURES / "content" / "articles" / "good-budget.md", arts)
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "story.html").write_text(source)
    proc = run_digest("build", "--root", str(tmp_path), check=False)
    assert proc.returncode == 1
    assert f"error: {expected}" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "site").exists()


# --- files the build cannot read --------------------------------------------------------------

_DROP_DAC = """
import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
class Head(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]
class Data(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]
head, data = Head(0x20080522, 0), (Data * 2)()
if libc.capget(ctypes.byref(head), data) != 0:
    sys.exit(77)
keep = ~((1 << 1) | (1 << 2)) & 0xFFFFFFFF  # drop CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
data[0].effective &= keep
data[0].permitted &= keep
if libc.capset(ctypes.byref(head), data) != 0:
    sys.exit(77)
try:
    open(sys.argv[1]).close()
    sys.exit(77)  # still readable: permissions are not enforced here
except PermissionError:
    pass
from digest.cli import main
sys.exit(main(sys.argv[2:]))
"""


def test_unreadable_file_and_folder(tmp_path: Path) -> None:
    """chmod 000 does not stop root, so as root the build runs in a child process that has
    dropped the two capabilities that let root read anything (CAP_DAC_OVERRIDE and
    CAP_DAC_READ_SEARCH): then the permission bits apply to it as to any user."""
    arts = tmp_path / "content" / "articles"
    arts.mkdir(parents=True)
    shutil.copy(FIXTURES / "content" / "articles" / "good-budget.md", arts)
    secret = arts / "secret.md"
    secret.write_text("---\ntitle: Secret\n---\nText.\n")
    locked = arts / "locked"
    locked.mkdir()
    (locked / "inside.md").write_text("---\ntitle: Inside\n---\nText.\n")
    secret.chmod(0)
    locked.chmod(0)
    try:
        args = ["build", "--root", str(tmp_path)]
        if os.geteuid() == 0:
            proc = subprocess.run([sys.executable, "-c", _DROP_DAC, str(secret), *args],
                                  capture_output=True, text=True, timeout=300)
            if proc.returncode == 77:
                pytest.skip("cannot drop root's capabilities here")
        else:
            proc = run_digest(*args, check=False)
    finally:
        secret.chmod(0o644)
        locked.chmod(0o755)
    assert proc.returncode == 0, proc.stderr
    assert ("content/articles/secret.md: error: file is not readable (permission denied) "
            "(chmod a+r content/articles/secret.md)") in proc.stderr
    assert ("content/articles/locked: error: folder is not readable (permission denied); the "
            "articles in it are skipped (chmod a+rx content/articles/locked)") in proc.stderr
    assert (tmp_path / "site" / "articles" / "good-budget" / "index.html").is_file()


def test_file_deleted_while_the_build_reads(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Deterministic race: the file goes between discovery and reading."""
    import digest.build

    arts = tmp_path / "content" / "articles"
    arts.mkdir(parents=True)
    shutil.copy(FIXTURES / "content" / "articles" / "good-budget.md", arts)
    (arts / "gone.md").write_text("---\ntitle: Gone\n---\nText.\n")
    discover = digest.build.find_article_files

    def racing(content: Path) -> list[Path]:
        found = discover(content)
        (content / "articles" / "gone.md").unlink()
        return found

    monkeypatch.setattr(digest.build, "find_article_files", racing)
    result = digest.build.build(tmp_path, use_cache=False)
    assert [str(p) for p in result.problems] == [
        "content/articles/gone.md: error: file disappeared while reading (nothing to do if you "
        "deleted or moved it; otherwise check what removes files under content/)"]
    assert [a.id for a in result.articles] == ["good-budget"]


# --- paths: one URL, one file -------------------------------------------------------------------

def test_every_story_and_source_has_its_own_page(tmp_path: Path) -> None:
    arts = tmp_path / "content" / "articles"
    arts.mkdir(parents=True)
    for name, title, source, date, extra, text in [
        ("a", "Alpha", "A.P.", "2025-01-01", "", "Zebra quagga okapi."),
        ("b", "Beta", "A P", "2025-03-01", "", "Marmot beaver vole."),
        ("p", "Pinned", "X", "2025-05-01", "story: c\n", "Heron egret stork."),
        ("c", "Unpinned", "Y", "2025-06-01", "", "Walrus seal otter."),
    ]:
        (arts / f"{name}.md").write_text(
            f"---\ntitle: {title}\nsource: {source}\ndate: {date}\n{extra}---\n{text}\n")
    from digest.build import build

    result = build(tmp_path, use_cache=False)
    ids = [s.id for s in result.stories]
    assert len(ids) == len(set(ids)), ids
    site = tmp_path / "site"
    for title in ("Pinned", "Unpinned"):
        assert any(title in p.read_text() for p in (site / "stories").glob("*/index.html"))
    for source in ("A.P.", "A P"):
        assert any(f"{source}</h1>" in p.read_text() or f">{source}<" in p.read_text()
                   for p in (site / "sources").glob("*/index.html")), source


def test_import_never_writes_outside_content(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "content" / "articles").mkdir(parents=True)
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    (inputs / "a.txt").write_text("../../../../tmp/escape-attempt headline here\n\n"
                                  "The body of the first article has words in it.\n")
    (inputs / "b.txt").write_text("Another headline for the second test\n\n"
                                  "The second body has different words entirely.\n")
    before = {p for p in tmp_path.rglob("*")}
    run_digest("import", "--root", str(project), str(inputs / "a.txt"))
    run_digest("import", "--root", str(project), "--title", "../../../outside/../x",
               "--source", "/etc/passwd", "--date", "../../..", "--url", "javascript:alert(1)",
               str(inputs / "b.txt"))
    made = {p for p in tmp_path.rglob("*")} - before
    assert made and all(p.parent == project / "content" / "articles" for p in made), made
    assert all(p.suffix == ".md" and not p.name.startswith(".") for p in made)
    mode = 0o666 & ~_umask()
    assert all(p.stat().st_mode & 0o777 == mode for p in made)
    from digest.build import load_articles
    from digest.config import load_config

    articles = load_articles(load_config(project))[0]
    assert {a.title for a in articles} == {
        "../../../outside/../x", "../../../../tmp/escape-attempt headline here"}


def test_force_never_replaces_a_file_outside_content(tmp_path: Path) -> None:
    from digest.ingest.plaintext import parse_text
    from digest.ingest.writer import ExistingArticle, write_article

    outside = tmp_path / "outside"
    outside.mkdir()
    victim = outside / "x.md"
    victim.write_text("not an article\n")
    (tmp_path / "content" / "articles").mkdir(parents=True)
    (tmp_path / "content" / "articles" / "linked").symlink_to(outside)
    raw = parse_text("A headline for this test\n\nThe body text of the article.\n")
    existing = [ExistingArticle(tmp_path / "content" / "articles" / "linked" / "x.md",
                                raw.checksum, None, "x")]
    result = write_article(raw, tmp_path / "content", existing, force=True)
    assert result.status == "duplicate" and "outside content/" in result.message
    assert victim.read_text() == "not an article\n"


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def test_story_notes_read_as_safely_as_articles(tmp_path: Path) -> None:
    """load.read_story_note (for build.load_story_notes, which still uses read_text)."""
    from digest.load import read_story_note

    note = tmp_path / "note.md"
    note.write_text('---\ntitle: "Quake\\x1b \\x07update"\n---\nThe note.\n')
    assert read_story_note(note, "content/stories/note.md") == ("Quake update", "The note.\n")
    os.mkfifo(tmp_path / "fifo.md")
    with pytest.raises(ArticleError, match="is not a regular file"):
        read_story_note(tmp_path / "fifo.md", "content/stories/fifo.md")
    note.write_text("---\ntitle: [a, b]\n---\nThe note.\n")
    with pytest.raises(ArticleError, match="field 'title' must be text, got list"):
        read_story_note(note, "content/stories/note.md")


def test_troubleshooting_lists_every_problem_message() -> None:
    """Each Problem(...) digest can report is explained in docs/TROUBLESHOOTING.md (checked by
    the fixed part of its message, up to the first placeholder)."""
    import ast

    doc = (FIXTURES.parents[2] / "docs" / "TROUBLESHOOTING.md").read_text(encoding="utf-8")
    package = FIXTURES.parents[2] / "digest"
    missing = []
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Problem"
                    and len(node.args) >= 3):
                continue
            message = node.args[2]
            if isinstance(message, ast.Constant):
                fixed = str(message.value)
            elif isinstance(message, ast.JoinedStr) and isinstance(message.values[0],
                                                                   ast.Constant):
                fixed = str(message.values[0].value)
            else:
                continue
            fixed = fixed.split("{")[0].strip().rstrip("(").strip()
            if fixed and fixed not in doc:
                missing.append(f"{path.name}:{node.lineno}: {fixed}")
    assert not missing, missing
