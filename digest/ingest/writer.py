"""Write RawArticles into content/articles/ as front-mattered Markdown, safely.

Nothing the user wrote is overwritten silently: the same input (by checksum) or the same
canonical URL is recognised and skipped; a file name already taken by another article gets
a new name; only --force replaces an existing article, and then only the one that came
from the same input. Every file is written atomically (temporary file, then rename).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from datetime import date as date_cls
from pathlib import Path

import yaml

from digest.ingest.model import RawArticle
from digest.load import find_article_files, split_front_matter
from digest.text import slugify


@dataclass
class WriteResult:
    status: str  # imported | duplicate | replaced
    path: Path
    message: str = ""


@dataclass
class ExistingArticle:
    path: Path
    checksum: str | None
    url: str | None
    id: str


def scan_existing(content: Path) -> list[ExistingArticle]:
    """What is already in content/: checksums and URLs for duplicate detection."""
    out: list[ExistingArticle] = []
    if not content.exists():
        return out
    for path in find_article_files(content):
        try:
            text = path.read_text(encoding="utf-8")
            data, _body, _line, _raw = split_front_matter(text, str(path))
        except Exception:  # a broken file is the build's to report, not the importer's
            continue
        out.append(ExistingArticle(path, str(data.get("checksum") or "") or None,
                                   str(data.get("url") or "") or None,
                                   str(data.get("id") or path.stem)))
    return out


def _safe_filename(stem: str) -> str:
    stem = slugify(stem, max_len=100)
    if stem.upper() in {"CON", "PRN", "AUX", "NUL"} or stem.upper().startswith(("COM", "LPT")):
        stem = f"a-{stem}"
    return stem


def _inside(path: Path, content: Path) -> bool:
    """Whether path really is under content/ (or content/articles/, wherever that links to)."""
    try:
        real = path.parent.resolve()
    except OSError:
        return False
    bases = {content.resolve(), (content / "articles").resolve()}
    return any(real == b or real.is_relative_to(b) for b in bases)


def front_matter(raw: RawArticle, article_id: str, source: str, imported: str) -> dict:
    data: dict[str, object] = {"id": article_id, "title": raw.title, "source": source}
    if raw.url:
        data["url"] = raw.url
    if raw.date:
        data["date"] = _date_value(raw.date)
    if raw.author:
        data["author"] = raw.author
    if raw.language:
        data["language"] = raw.language
    if raw.partial:
        data["partial"] = True
    for key, value in raw.extra.items():
        data.setdefault(key, value)
    data["imported"] = imported
    data["checksum"] = raw.checksum
    return data


def _date_value(value: str) -> object:
    """A plain ISO date is written unquoted (a YAML date), anything else as text."""
    try:
        return date_cls.fromisoformat(value) if len(value) == 10 else value
    except ValueError:
        return value


def render_file(data: dict, body: str) -> str:
    fm = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000)
    return f"---\n{fm}---\n\n{body.strip()}\n"


def _file_mode() -> int:
    """rw for whoever the umask allows (mkstemp's own 0600 would hide articles from a web
    server or CI user that reads content/)."""
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def atomic_write(path: Path, text: str) -> None:
    """Write text to path so that readers see the old file or the new one, never half, even
    after a crash or power loss (the data is on disk before the rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".md", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fchmod(fh.fileno(), _file_mode())
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_article(
    raw: RawArticle,
    content: Path,
    existing: list[ExistingArticle],
    force: bool = False,
    now: datetime | None = None,
) -> WriteResult:
    """Write one article under content/articles/; `existing` is updated in place."""
    source = (raw.source or "").strip() or Path(raw.origin or "unknown").stem or "unknown"
    match = next((e for e in existing if raw.checksum and e.checksum == raw.checksum), None)
    if match is None and raw.url:
        match = next((e for e in existing if e.url and e.url == raw.url), None)
    if match is not None and not force:
        return WriteResult("duplicate", match.path, f"already imported as {match.path.name}")
    if match is not None and not _inside(match.path, content):
        return WriteResult("duplicate", match.path, f"already imported as {match.path}, which "
                           "is outside content/ (reached through a symlink): not replaced")
    imported = (now or datetime.now(UTC)).replace(microsecond=0).isoformat()
    if match is not None:
        data = front_matter(raw, match.id, source, imported)
        atomic_write(match.path, render_file(data, raw.body_markdown))
        match.checksum, match.url = raw.checksum, raw.url
        return WriteResult("replaced", match.path, "replaced (--force)")
    date = (raw.date or "undated")[:10]
    stem = _safe_filename(f"{date}-{slugify(raw.title, max_len=70)}")
    folder = content / "articles"
    taken = {e.path.name for e in existing} | {e.id for e in existing}
    candidate = stem
    if f"{candidate}.md" in taken or candidate in taken or (folder / f"{candidate}.md").exists():
        candidate = f"{stem}-{slugify(source, max_len=30)}"
    n = 2
    base = candidate
    while f"{candidate}.md" in taken or candidate in taken or (folder / f"{candidate}.md").exists():
        candidate = f"{base}-{n}"
        n += 1
    path = folder / f"{candidate}.md"
    data = front_matter(raw, candidate, source, imported)
    atomic_write(path, render_file(data, raw.body_markdown))
    existing.append(ExistingArticle(path, raw.checksum, raw.url, candidate))
    return WriteResult("imported", path)
