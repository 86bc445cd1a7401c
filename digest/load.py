"""Load: content/**/*.md -> Article objects, with every input problem reported as file:line."""

from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from markdown_it import MarkdownIt

from digest.freshness import RACY_NS
from digest.model import Article, Problem
from digest.text import slugify

if TYPE_CHECKING:
    from digest.group import Terms

try:  # libyaml's C loader is several times faster; still a *safe* loader
    _BaseLoader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - pyyaml built without libyaml
    _BaseLoader = yaml.SafeLoader



@dataclass
class ParsedArticle:
    """An article as the build caches it: the file's (mtime_ns, size) when read, the article,
    its warnings, and its grouping terms (digest.group.article_terms).

    The stat is only the cheap first check: when it differs, the file is read and its bytes
    compared by `Article.fingerprint` (a fresh clone or a restored CI cache gives every file
    a new mtime, and the same bytes must not be parsed again)."""

    stat: tuple[int, int]
    article: Article
    warnings: list[Problem]
    terms: Terms
    read_ns: int = 0  # wall clock (ns) when the file's stat was taken, before reading it

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """Pickled (into the cache) with the article's body packed (Article.pack): one
        read after this, only the articles whose bodies are read take their full size.
        An article loaded packed and never read is written as it was read."""
        return ParsedArticle, (self.stat, self.article.pack(), self.warnings, self.terms,
                               self.read_ns)

    def fresh(self, stat: tuple[int, int]) -> bool:
        """Whether the file is still the one read: same (mtime_ns, size), and it was already
        older than RACY_NS when read. A file written in the same clock tick as it was read
        (file times are coarse) could change again without its stat showing it, so such an
        entry is not trusted; the file is simply read again."""
        return self.stat == stat and stat[1] >= 0 and self.read_ns - stat[0] > RACY_NS

class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """The safe loader, except that a date-looking value that is no real date (2025-13-45)
    stays text, so it is reported as a bad date on its line instead of failing the file."""


def _lenient_timestamp(loader: Any, node: yaml.Node) -> object:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError):
        return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _lenient_timestamp)
# YAML 1.2 booleans: only true/false. 'title: No' or 'source: ON' stay text (YAML 1.1 would
# turn them into False and True).
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool",
                              re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))

MAX_FILE_BYTES = 5 * 1024 * 1024
_FENCE = re.compile(r"^(---|\.\.\.)[ \t]*$")
_STRING_FIELDS = ("title", "source", "url", "author", "language", "story", "family", "id")


_LINK_SCHEMES = ("http", "https", "mailto")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):")


_CLOCK = re.compile(r"(?:[01]?\d|2[0-3]):[0-5]\d")  # front matter 'time: "HH:MM"'


def link_allowed(url: str) -> bool:
    """Links and images in Markdown may point at http(s), mailto or a relative path only:
    never javascript:, data:, vbscript:, file: or anything else."""
    url = "".join(ch for ch in url if ch > " ").lower()  # browsers drop these too
    m = _SCHEME.match(url)
    return m is None or m.group(1) in _LINK_SCHEMES


def markdown_parser() -> MarkdownIt:
    """The one Markdown dialect digest reads: CommonMark plus tables, raw HTML off, links
    only to http(s), mailto and relative URLs."""
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")
    md.validateLink = link_allowed  # type: ignore[method-assign]
    return md


_MD = markdown_parser()


class ArticleError(Exception):
    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


def split_front_matter(text: str, path: str) -> tuple[dict[str, Any], str, int, str]:
    """Return (front matter, body, line number where the body starts, raw YAML)."""
    lines = text.split("\n")
    if not text.strip():
        raise ArticleError(
            Problem(path, None, "file is empty",
                    "write front matter ('---', 'title: ...', 'date: YYYY-MM-DD', '---') and "
                    "the article text, or delete the file")
        )
    if not lines or lines[0].strip() != "---":
        raise ArticleError(
            Problem(path, 1, "no front matter", "start the file with a line '---', then "
                    "'title: ...', 'source: ...', 'date: YYYY-MM-DD', then a line '---'")
        )
    for i in range(1, len(lines)):
        if _FENCE.match(lines[i]):
            raw = "\n".join(lines[1:i])
            break
    else:
        raise ArticleError(
            Problem(path, 1, "front matter is not closed",
                    "add a line '---' after the last front matter field")
        )
    try:
        data = yaml.load(raw, Loader=_Loader) if raw.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark else 1
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        tag = re.search(r"constructor for the tag '(?:tag:yaml\.org,2002:)?([^']*)'", reason)
        if tag:
            raise ArticleError(
                Problem(path, line, f"front matter uses the YAML tag '!!{tag.group(1)}', "
                        "which digest does not allow (it never runs code from a file)",
                        "remove the '!!...' tag and write the value as plain text")
            ) from exc
        raise ArticleError(
            Problem(path, line, f"front matter is not valid YAML ({reason})",
                    "fix the YAML syntax; quote titles that contain ': '")
        ) from exc
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        raise ArticleError(
            Problem(path, 2, f"front matter cannot be read ({type(exc).__name__}: {exc})",
                    "simplify the front matter to plain 'field: value' lines")
        ) from exc
    if not isinstance(data, dict):
        raise ArticleError(
            Problem(path, 2, f"front matter must be a mapping of fields, got {type(data).__name__}",
                    "write one 'field: value' per line")
        )
    return data, "\n".join(lines[i + 1:]), i + 2, raw


def field_line(raw: str, key: str) -> int:
    """Line number (in the file) of a front matter key, for messages."""
    for n, line in enumerate(raw.split("\n")):
        if line.startswith(f"{key}:"):
            return n + 2
    return 1


_DATE_FORMATS = ("%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%Y/%m/%d", "%d.%m.%Y")


def parse_date(value: object) -> date | None:
    """A date from YAML (date, datetime or string); None when it cannot be read."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    s = value.strip()
    try:
        return datetime.fromisoformat(s.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(s, fmt).date()
        except ValueError:
            continue
    return None


# Plain prose: no character that could start Markdown syntax, and no line that could open
# a block other than a paragraph or an ATX heading ('#' only as a heading's marker).
_MARKUP_CHARS = re.compile(r"[*_`\[\]<>|\\&~\t\r\x00]")
_BLOCK_START = re.compile(r"^(?: |[-+=]|\d{1,9}[.)])", re.MULTILINE)
_HEADING_MARK = re.compile(r"^#{1,6}(?= |$)", re.MULTILINE)
_SPACES = re.compile(r"[ \t]+")


def body_paragraphs(body: str) -> list[str]:
    """Plain text of every paragraph in a Markdown body (headings excluded; the text of a
    code block, such as a paragraph indented by four spaces, is kept)."""
    if _is_prose(body):
        return _prose_paragraphs(body)
    return _markdown_paragraphs(body)


def _is_prose(body: str) -> bool:
    return (_MARKUP_CHARS.search(body) is None and _BLOCK_START.search(body) is None
            and ("#" not in body or "#" not in _HEADING_MARK.sub("", body)))


def _prose_paragraphs(body: str) -> list[str]:
    """body_paragraphs() of a body of plain prose (paragraphs and ATX headings only, no
    inline syntax) without the Markdown parser, which takes half of a cold load: what the
    parser's paragraphs give, lines joined by a space (tests/test_properties.py checks
    the two agree)."""
    out: list[str] = []
    lines: list[str] = []
    for line in [*body.split("\n"), ""]:  # a blank line at the end closes the last one
        if line.strip(" ") and not _HEADING_MARK.match(line):
            lines.append(line)
        elif lines:
            text = _SPACES.sub(" ", " ".join(lines)).strip()
            if text:
                out.append(text)
            lines = []
    return out


def _markdown_paragraphs(body: str) -> list[str]:
    tokens = _MD.parse(body)
    out: list[str] = []
    in_heading = False
    for tok in tokens:
        if tok.type in ("code_block", "fence"):
            text = " ".join(tok.content.split())
            if text:
                out.append(text)
        elif tok.type == "heading_open":
            in_heading = True
        elif tok.type == "heading_close":
            in_heading = False
        elif tok.type == "inline" and not in_heading:
            parts: list[str] = []
            for child in tok.children or []:
                if child.type in ("text", "code_inline"):
                    parts.append(child.content)
                elif child.type in ("softbreak", "hardbreak"):
                    parts.append(" ")
            text = _SPACES.sub(" ", "".join(parts)).strip()
            if text:
                out.append(text)
    return out


# C0 controls (but tab and newline), DEL and C1 controls: invisible, and invalid in XML feeds
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# names Windows cannot use for a file or folder, plus what git and the shell treat specially
RESERVED_NAMES = frozenset({"con", "prn", "aux", "nul", "git"}
                           | {f"{p}{n}" for p in ("com", "lpt") for n in range(10)})


def clean_text(value: str) -> str:
    """Text safe to put in any output: no control characters, no lone surrogates."""
    return _SURROGATE.sub("\ufffd", _CONTROL.sub(" ", value))


def _field(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    return "" if value is None else " ".join(clean_text(str(value)).split())


def _slug_field(data: dict[str, Any], key: str, raw: str, path: str,
                warnings: list[Problem]) -> str | None:
    """An id-like field as a slug that is safe as a folder name, or None when it has none."""
    value = _field(data, key)
    if not value:
        return None
    slug = slugify(value, max_len=120)
    if slug == "untitled" and "untitled" not in value.lower():
        warnings.append(Problem(path, field_line(raw, key),
                                f"'{key}' {value!r} has no letters or digits; it is ignored",
                                f"write {key}: with letters, digits and hyphens",
                                severity="warning"))
        return None
    if slug in RESERVED_NAMES:
        warnings.append(Problem(path, field_line(raw, key),
                                f"'{key}' {value!r} is a reserved file name; using 'a-{slug}'",
                                f"choose another {key}", severity="warning"))
        slug = f"a-{slug}"
    return slug


def _plain(value: object) -> bool:
    scalar = (str, int, float, bool, date)
    return isinstance(value, scalar) or (
        isinstance(value, list) and len(value) <= 1000
        and all(isinstance(v, scalar) for v in value))


def _flag(data: dict[str, Any], key: str, raw: str, path: str, warnings: list[Problem]) -> bool:
    value = data.get(key)
    if value is None or isinstance(value, bool):
        return bool(value)
    text = str(value).strip().lower()
    if text in ("yes", "on", "1"):
        return True
    if text not in ("no", "off", "0", ""):
        warnings.append(Problem(path, field_line(raw, key),
                                f"field '{key}' must be true or false, got {value!r}",
                                f"write {key}: true", severity="warning"))
    return False


def parse_article(text: str, path: str) -> tuple[Article, list[Problem]]:
    """Parse one article file's text. Raises ArticleError when it cannot be used at all."""
    if "\x00" in text:
        raise ArticleError(Problem(path, None, "file looks binary (contains NUL bytes)",
                                   "only Markdown text files belong under content/"))
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    text = clean_text(text)
    data, body, _body_line, raw = split_front_matter(text, path)
    warnings: list[Problem] = []
    for key in _STRING_FIELDS:
        value = data.get(key)
        if value is not None and not isinstance(value, str | int | float):
            raise ArticleError(
                Problem(path, field_line(raw, key),
                        f"field '{key}' must be text, got {type(value).__name__}",
                        f"write it as {key}: \"...\"")
            )
    title = _field(data, "title")
    if not title:
        raise ArticleError(Problem(path, 2, "missing 'title' in front matter",
                                   "add a line 'title: \"...\"' between the '---' lines"))
    published = None
    if data.get("date") is None:
        warnings.append(Problem(path, 2, "missing 'date' in front matter",
                                "add 'date: YYYY-MM-DD'; without it the article cannot "
                                "be placed in time", severity="warning"))
    else:
        published = parse_date(data["date"])
        if published is None:
            warnings.append(Problem(path, field_line(raw, "date"),
                                    f"date {data['date']!r} is not a date",
                                    "write it as YYYY-MM-DD", severity="warning"))
    if data.get("time") is not None and not _CLOCK.fullmatch(str(data["time"]).strip()):
        warnings.append(Problem(path, field_line(raw, "time"),
                                f"time {data['time']!r} is not a time of day",
                                "write it as time: HH:MM, 24-hour (06:40, 18:05); it orders "
                                "reports of one day",
                                severity="warning"))
    source = _field(data, "source")
    if not source:
        source = "Unknown source"
        warnings.append(Problem(path, 2, "missing 'source' in front matter",
                                "add 'source: Outlet name'", severity="warning"))
    stem = slugify(Path(path).stem, max_len=120)
    article_id = _slug_field(data, "id", raw, path, warnings) or stem
    if article_id in RESERVED_NAMES:
        article_id = f"a-{article_id}"
    article = Article(
        id=article_id,
        title=title,
        source=source,
        url=_field(data, "url") or None,
        published=published,
        path=path,
        body_markdown=body.strip("\n") + "\n",
        paragraphs=body_paragraphs(body),
        language=_field(data, "language") or None,
        author=_field(data, "author") or None,
        story=_slug_field(data, "story", raw, path, warnings),
        family=_slug_field(data, "family", raw, path, warnings),
        partial=_flag(data, "partial", raw, path, warnings),
        # only plain values and flat lists of them: a YAML alias web or a recursive list
        # goes no further
        meta={k: v for k, v in data.items() if isinstance(k, str) and _plain(v)},
    )
    if not article.paragraphs:
        warnings.append(Problem(path, None, "article has no body text",
                                "write the article text below the closing '---'",
                                severity="warning"))
    return article, warnings


def _too_large(rel: str, size: int) -> ArticleError:
    return ArticleError(Problem(rel, None, f"file is too large ({size // 1024} KiB)",
                                f"articles over {MAX_FILE_BYTES // 1024 // 1024} MiB "
                                "are skipped; split or trim it"))


def _read_bytes(path: Path, rel: str) -> bytes:
    """The bytes of a regular file of at most MAX_FILE_BYTES; never blocks on a FIFO or a
    device, never reads more than the limit."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    fd = os.open(path, flags)
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            os.listdir(path)  # raises PermissionError for a folder that cannot be read
            raise ArticleError(Problem(rel, None, "is a folder, not an article file",
                                       "rename the folder so its name does not end in .md"))
        if not stat.S_ISREG(st.st_mode):
            raise ArticleError(Problem(rel, None,
                                       "is not a regular file (a FIFO, socket or device)",
                                       f"only text files belong under content/; remove {rel}"))
        if st.st_size > MAX_FILE_BYTES:
            raise _too_large(rel, st.st_size)
        chunks: list[bytes] = []
        total = 0
        while total <= MAX_FILE_BYTES:
            chunk = os.read(fd, min(1 << 20, MAX_FILE_BYTES + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > MAX_FILE_BYTES:  # it grew while we read it
            raise _too_large(rel, total)
        return b"".join(chunks)
    finally:
        os.close(fd)


def article_fingerprint(rel: str, data: bytes) -> str:
    """An article file's identity: a hash of its path and bytes (never of its file times)."""
    return hashlib.sha256(rel.encode() + b"\0" + data).hexdigest()


def read_article_file(path: Path, rel: str) -> tuple[Article, list[Problem]]:
    """Read and parse one file, turning every OS or encoding failure into an ArticleError."""
    data, text = read_markdown_file(path, rel)
    return parse_article_bytes(data, text, rel)


def parse_article_bytes(data: bytes, text: str, rel: str) -> tuple[Article, list[Problem]]:
    """Parse a file already read by read_markdown_file; the article carries its fingerprint."""
    article, warnings = parse_article(text, rel)
    article.fingerprint = article_fingerprint(rel, data)
    return article, warnings


def read_story_note(path: Path, rel: str) -> tuple[str, str]:
    """content/stories/<id>.md -> (editor's headline, Markdown note), read as safely as an
    article (no FIFO hangs, size limit, UTF-8, control characters cleaned).

    Raises ArticleError with the file, line and fix.
    """
    _data, text = read_markdown_file(path, rel)
    text = clean_text(text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n"))
    data, body, _line, raw = split_front_matter(text, rel)
    title = data.get("title")
    if title is not None and not isinstance(title, str | int | float):
        raise ArticleError(Problem(rel, field_line(raw, "title"),
                                   f"field 'title' must be text, got {type(title).__name__}",
                                   'write it as title: "..."'))
    return _field(data, "title"), body


def read_markdown_file(path: Path, rel: str) -> tuple[bytes, str]:
    """(bytes, text) of a Markdown file under content/; every OS or encoding failure is an
    ArticleError naming the file (and line) and what to do."""
    try:
        data = _read_bytes(path, rel)
    except FileNotFoundError as exc:
        if os.path.islink(path):
            raise ArticleError(Problem(rel, None, "broken symlink: it points to "
                                       f"{os.readlink(path)!r}, which does not exist",
                                       f"restore that file or remove the link {rel}")) from exc
        raise ArticleError(Problem(rel, None, "file disappeared while reading",
                                   "nothing to do if you deleted or moved it; otherwise "
                                   "check what removes files under content/")) from exc
    except PermissionError as exc:
        if path.is_dir():
            raise ArticleError(Problem(rel, None, "folder is not readable (permission denied); "
                                       "the articles in it are skipped",
                                       f"chmod a+rx {rel}")) from exc
        raise ArticleError(Problem(rel, None, "file is not readable (permission denied)",
                                   f"chmod a+r {rel}")) from exc
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ArticleError(Problem(rel, None, "symlink loop: the link leads back to itself",
                                       f"remove the link {rel} or point it at a file")) from exc
        raise ArticleError(Problem(rel, None, f"cannot read file ({exc.strerror or exc})",
                                   "check the file and the disk it is on")) from exc
    if b"\x00" in data:
        raise ArticleError(Problem(rel, None, "file looks binary (contains NUL bytes)",
                                   "only Markdown text files belong under content/"))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ArticleError(Problem(rel, line, "file is not UTF-8 text",
                                   "re-save it as UTF-8 (or re-import it with "
                                   "'digest import', which detects encodings)")) from exc
    return data, text


def find_article_files(content: Path) -> list[Path]:
    """Every *.md under content/articles (and content/ itself), sorted; symlink loops safe."""
    found: list[Path] = []
    seen_dirs: set[tuple[int, int]] = set()

    def unreadable(exc: OSError) -> None:
        # reported when read: read_article_file explains a folder it cannot list
        if exc.filename:
            found.append(Path(exc.filename))

    for dirpath, dirnames, filenames in os.walk(content, followlinks=True, onerror=unreadable):
        try:
            st = os.stat(dirpath)
        except OSError:
            dirnames[:] = []
            continue
        key = (st.st_dev, st.st_ino)
        if key in seen_dirs:
            dirnames[:] = []
            continue
        seen_dirs.add(key)
        rel_dir = Path(dirpath).relative_to(content)
        if rel_dir.parts and rel_dir.parts[0] == "stories":
            dirnames[:] = []
            continue
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.endswith(".md") and not name.startswith("."):
                found.append(Path(dirpath) / name)
    return found
