"""`digest import`: read inputs of any supported format and write them into content/."""

from __future__ import annotations

import hashlib
import re
import stat
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from digest.ingest.batch import article_from_row, parse_jsonl
from digest.ingest.feeds import looks_like_feed, parse_feed
from digest.ingest.fetch import FetchError, fetch_url
from digest.ingest.html import parse_html
from digest.ingest.model import RawArticle
from digest.ingest.plaintext import parse_text
from digest.ingest.textcodec import decode_bytes
from digest.ingest.writer import WriteResult, atomic_write, scan_existing, write_article


@dataclass
class ImportOptions:
    source: str | None = None
    url: str | None = None
    date: str | None = None
    title: str | None = None
    force: bool = False
    fetch: bool = False  # complete partial feed entries by fetching their links
    timeout: float = 15.0  # per fetched URL
    progress: bool | None = None  # None: show progress for more than a few items


@dataclass
class FeedTally:
    """What one feed of a feed list (`--feeds FILE`, `feeds:` in digest.yaml) gave."""

    feed: str  # the URL or path, as listed
    name: str = ""  # the outlet, from the feed's title ("" until the feed was read)
    new: int = 0
    duplicate: int = 0
    failed: int = 0  # entries that could not be imported
    error: str | None = None  # the feed itself could not be fetched or read
    reasons: list[str] = field(default_factory=list)  # why entries failed

    def line(self) -> str:
        name = f"{self.name} ({self.feed})" if self.name else self.feed
        if self.error is not None:
            return f"  feed {name}: failed: {self.error}"
        return (f"  feed {name}: {self.new} new, {self.duplicate} duplicate, "
                f"{self.failed} failed")


@dataclass
class ImportSummary:
    results: list[WriteResult] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (input, reason)
    warnings: list[tuple[str, str]] = field(default_factory=list)  # imported, with a caveat
    feeds: dict[str, FeedTally] = field(default_factory=dict)  # by feed, in the list's order

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def new(self) -> int:
        """Articles written by this import (new files and --force replacements)."""
        return self.count("imported") + self.count("replaced")

    def lines(self) -> list[str]:
        out = [
            f"imported {self.count('imported') + self.count('replaced')}, "
            f"skipped as duplicate {self.count('duplicate')}, failed {len(self.failures)}"
        ]
        out += [f"  failed: {name}: {reason}" for name, reason in self.failures]
        out += [f"  warning: {name}: {reason}" for name, reason in self.warnings]
        out += [tally.line() for tally in self.feeds.values()]
        return out

    def commit_message(self) -> str:
        """One line for the commit that adds what was imported, with the counts:
        "digest: 12 new articles from 5 feeds (2 failed)"."""
        new = self.new
        failed = sum(1 for t in self.feeds.values() if t.error is not None)
        n = len(self.feeds)
        what = f"{new} new article{'' if new == 1 else 's'}"
        if not self.feeds:
            return f"digest: {what}"
        return (f"digest: {what} from {n} feed{'' if n == 1 else 's'}"
                + (f" ({failed} failed)" if failed else ""))

    def feeds_markdown(self) -> str:
        """The per-feed table for a GitHub Actions job summary ($GITHUB_STEP_SUMMARY)."""
        def cell(text: str) -> str:
            return " ".join(text.split()).replace("|", "\\|")

        new = self.new
        rows = ["### digest import", "",
                f"{new} new, {self.count('duplicate')} duplicate, {len(self.failures)} failed", "",
                "| feed | new | duplicate | failed | reason |", "|---|---:|---:|---:|---|"]
        for t in self.feeds.values():
            name = f"{t.name} ({t.feed})" if t.name else t.feed
            if t.error is not None:
                rows.append(f"| {cell(name)} | 0 | 0 | feed | {cell(t.error)} |")
            else:
                reason = "; ".join(dict.fromkeys(t.reasons))
                rows.append(f"| {cell(name)} | {t.new} | {t.duplicate} | {t.failed} | "
                            f"{cell(reason)} |")
        return "\n".join(rows) + "\n"


MAX_INPUT_BYTES = 50 * 1024 * 1024


def read_input_bytes(path: Path) -> bytes:
    """An input file's bytes: regular files only (a FIFO or device would block or never
    end) and at most MAX_INPUT_BYTES, with a message that says what to do."""
    st = path.stat()
    if not stat.S_ISREG(st.st_mode):
        raise ValueError("not a regular file (a pipe, device or socket); save the article "
                         "to a file and import that")
    if st.st_size > MAX_INPUT_BYTES:
        raise ValueError(f"file is too large ({st.st_size // (1024 * 1024)} MiB, the limit is "
                         f"{MAX_INPUT_BYTES // (1024 * 1024)} MiB); split it into articles")
    return path.read_bytes()


def read_text_file(path: Path) -> str:
    """Read a text file whatever its encoding (UTF-8 first, then detection)."""
    data = read_input_bytes(path)
    try:
        from digest.ingest.textcodec import decode_bytes  # richer detection when available
    except ImportError:  # pragma: no cover - textcodec ships with digest
        return data.decode("utf-8", errors="replace")
    return decode_bytes(data)


def parse_input(path: Path, data: bytes | None = None) -> list[RawArticle]:
    """Parse one local input file into articles, whatever its format (see sniff_format).

    JSONL rows that need fetching and bad JSONL lines are not handled here: import_paths
    does that, with per-line errors.
    """
    if data is None:
        data = read_input_bytes(path)
    kind = sniff_format(data, str(path))
    if kind == "html":
        return [parse_html(data, origin=str(path))]
    if kind == "feed":
        return parse_feed(data, origin=str(path))
    if kind == "jsonl":
        rows, _errors = parse_jsonl(decode_bytes(data), str(path))
        return [article_from_row(n, row, str(path)) for n, row in rows
                if "text" in row or "html" in row]
    return [parse_text(decode_bytes(data), name=path.stem, origin=str(path))]


def apply_overrides(raw: RawArticle, opts: ImportOptions) -> RawArticle:
    if opts.source:
        raw.source = opts.source
    if opts.url:
        raw.url = opts.url
    if opts.date:
        raw.date = opts.date
    if opts.title:
        raw.title = opts.title
    return raw


# ---------------------------------------------------------------------------------------------
# Formats: detection, expansion of inputs into items, fetching
# ---------------------------------------------------------------------------------------------

HTML_EXTS = {".html", ".htm", ".xhtml"}
FEED_EXTS = {".xml", ".rss", ".atom", ".rdf"}
JSONL_EXTS = {".jsonl", ".ndjson"}
TEXT_EXTS = {".txt", ".md", ".text"}
FOLDER_EXTS = HTML_EXTS | FEED_EXTS | JSONL_EXTS | TEXT_EXTS
PROGRESS_AFTER = 3  # more items than this: show progress


def is_url(name: str) -> bool:
    return bool(re.match(r"^https?://", name.strip(), re.IGNORECASE))


def sniff_format(data: bytes, name: str = "", content_type: str = "") -> str:
    """Which parser reads this input: "html", "feed", "jsonl" or "text".

    Decided by the extension (.jsonl; .xml/.rss/.atom; .html/.htm), the HTTP content type,
    and the content itself (an <rss>/<feed> root, a <!doctype html>/<html> start).
    """
    ext = Path(urlsplit(name).path if is_url(name) else name).suffix.lower()
    ctype = content_type.split(";")[0].strip().lower()
    if ext in JSONL_EXTS:
        return "jsonl"
    if looks_like_feed(data) or (ext in FEED_EXTS and not _looks_like_html(data)):
        return "feed"
    if ext in HTML_EXTS or "html" in ctype or _looks_like_html(data):
        return "html"
    if any(k in ctype for k in ("rss", "atom")):
        return "feed"
    return "text"


def _looks_like_html(data: bytes) -> bool:
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<html" in head[:300]


def _folder_files(folder: Path, skip: Path | None = None) -> list[Path]:
    """Importable files below folder, sorted; hidden ones and those under skip left out."""
    files = []
    skip = skip.resolve() if skip else None
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).parts
        if any(part.startswith(".") for part in rel):
            continue
        if skip is not None and path.resolve().is_relative_to(skip):
            continue  # never re-import digest's own content/articles
        if path.is_file() and path.suffix.lower() in FOLDER_EXTS:
            files.append(path)
    return files


@dataclass
class _Item:
    """One unit of work: a label for messages and a callable producing its article(s)."""

    label: str
    make: Callable[[], list[RawArticle]]
    feed: FeedTally | None = None  # the listed feed this item came from


class _Importer:
    def __init__(self, content: Path, opts: ImportOptions, summary: ImportSummary) -> None:
        self.content = content
        self.opts = opts
        self.summary = summary
        self.existing = scan_existing(content)
        self.index = _ContentIndex(content)

    # -- expansion ------------------------------------------------------------------------------

    def expand(self, name: str) -> list[_Item]:
        """Turn one command-line input into items; failures to even read it are recorded."""
        try:
            if is_url(name):
                return [_Item(name, partial(self._from_url, name))]
            path = Path(name)
            if path.is_dir():
                files = _folder_files(path, skip=self.content)
                if not files:
                    raise ValueError("no importable files in this folder")
                return [item for f in files for item in self.expand(str(f))]
            data = read_input_bytes(path)
            kind = sniff_format(data, name)
            if kind == "feed":
                return self._feed_items(parse_feed(data, origin=name), name)
            if kind == "jsonl":
                return self._jsonl_items(decode_bytes(data), name)
            return [_Item(name, partial(parse_input, path, data))]
        except (OSError, ValueError, FetchError) as exc:
            self._fail(name, exc)
            return []

    def feed_list_items(self, feeds: list[str]) -> list[_Item]:
        items: list[_Item] = []
        for feed in feeds:
            tally = self.summary.feeds.setdefault(feed, FeedTally(feed))
            try:
                if is_url(feed):
                    data, _ctype = fetch_url(feed, timeout=self.opts.timeout)
                    entries = parse_feed(data, url=feed, origin=feed)
                else:
                    entries = parse_feed(read_input_bytes(Path(feed)), origin=feed)
            except (OSError, ValueError, FetchError) as exc:
                tally.error = self._fail(feed, exc)
                continue
            tally.name = next((e.source for e in entries if e.source), "")
            items += self._feed_items(entries, feed, tally)
        return items

    def _feed_items(self, entries: list[RawArticle], origin: str,
                    tally: FeedTally | None = None) -> list[_Item]:
        if not entries:
            self.summary.warnings.append((origin, "the feed has no entries"))
        items = []
        for n, entry in enumerate(entries, 1):
            label = f"{origin} entry {n} ({_short(entry.title)})"
            items.append(_Item(label, partial(self._complete_list, entry, label), tally))
        return items

    def _complete_list(self, entry: RawArticle, label: str) -> list[RawArticle]:
        return [self._complete(entry, label)]

    def _jsonl_items(self, text: str, origin: str) -> list[_Item]:
        rows, errors = parse_jsonl(text, origin)
        for error in errors:
            self.summary.failures.append((f"{origin}: line {error.line}", error.message))
            print(f"{origin}: line {error.line}: failed: {error.message}", file=sys.stderr)
        items = []
        for lineno, row in rows:
            label = f"{origin}: line {lineno}"
            items.append(_Item(label, partial(self._from_row, lineno, row, origin)))
        return items

    # -- producing articles ---------------------------------------------------------------------

    def _from_url(self, url: str) -> list[RawArticle]:
        data, ctype = fetch_url(url, timeout=self.opts.timeout)
        kind = sniff_format(data, url, ctype)
        if kind == "feed":
            entries = parse_feed(data, url=url, origin=url)
            return [self._complete(e, f"{url} entry {n}") for n, e in enumerate(entries, 1)]
        if kind == "text" and "text/plain" in ctype:
            raw = parse_text(decode_bytes(data), name=Path(urlsplit(url).path).stem, origin=url)
            raw.url = raw.url or url
            return [raw]
        return [parse_html(data, url=url, origin=url)]

    def _from_row(self, lineno: int, row: dict, origin: str) -> list[RawArticle]:
        if "text" in row or "html" in row:
            return [article_from_row(lineno, row, origin)]
        url = str(row["url"])
        data, _ctype = fetch_url(url, timeout=self.opts.timeout)
        raw = parse_html(data, url=url, origin=f"{origin}:{lineno}")
        for key in ("title", "source", "date", "author", "language"):
            if row.get(key):
                setattr(raw, key, str(row[key]))
        if isinstance(row.get("extra"), dict):
            raw.extra.update(row["extra"])
        return [raw]

    def _complete(self, entry: RawArticle, label: str) -> RawArticle:
        """With --fetch, replace a partial entry's summary by its page's article text."""
        if not (self.opts.fetch and entry.partial and entry.url):
            return entry
        if self.index.url_match(entry.url) is not None and not self.opts.force:
            return entry  # already imported: it will be skipped, no need to fetch
        try:
            data, _ctype = fetch_url(entry.url, timeout=self.opts.timeout)
            page = parse_html(data, url=entry.url, origin=entry.url)
        except (FetchError, ValueError) as exc:
            self.summary.warnings.append((label, f"kept the feed summary: {exc}"))
            print(f"{label}: warning: kept the feed summary: {exc}", file=sys.stderr)
            return entry
        entry.body_markdown = page.body_markdown
        entry.partial = False
        entry.url = page.url or entry.url
        for key in ("date", "author", "language"):
            if not getattr(entry, key):
                setattr(entry, key, getattr(page, key))
        entry.extra.setdefault("fetched", True)
        return entry

    # -- writing --------------------------------------------------------------------------------

    def run(self, items: list[_Item]) -> None:
        show = self.opts.progress
        if show is None:
            show = len(items) > PROGRESS_AFTER
        tty = sys.stderr.isatty()
        for n, item in enumerate(items, 1):
            if show:
                line = f"[{n}/{len(items)}] {_short(item.label, 70)}"
                print(f"\r\x1b[2K{line}" if tty else line, file=sys.stderr,
                      end="" if tty else "\n", flush=True)
            try:
                articles = item.make()
            except Exception as exc:  # noqa: BLE001 - a parser bug must not stop a long batch
                expected = isinstance(exc, (OSError, ValueError, FetchError))
                reason = self._fail(item.label, exc, unexpected=not expected)
                if item.feed is not None:
                    item.feed.failed += 1
                    item.feed.reasons.append(reason)
                continue
            for raw in articles:
                status = self._write(item.label, raw)
                if item.feed is not None:
                    if status == "duplicate":
                        item.feed.duplicate += 1
                    else:
                        item.feed.new += 1
        if show and tty:
            print(file=sys.stderr)

    def _write(self, label: str, raw: RawArticle) -> str:
        """Write one article (or recognise it as a duplicate); its WriteResult status."""
        raw = apply_overrides(raw, self.opts)
        source = (raw.source or "").strip() or Path(raw.origin or "unknown").stem or "unknown"
        family: str | None = None
        if not self.opts.force:
            dup = self._duplicate_of(raw, source)
            if isinstance(dup, WriteResult):
                self.summary.results.append(dup)
                print(f"{label}: {dup.status}: {dup.path} ({dup.message})")
                return dup.status
            family_of = dup
            if family_of is not None:
                family = family_of.family or family_of.id
                raw.extra["family"] = family
        result = write_article(raw, self.content, self.existing, force=self.opts.force)
        self.summary.results.append(result)
        note = f" ({result.message})" if result.message else ""
        if family is not None and result.status != "duplicate":
            note += f" (wire copy of {family_of.path.name}: family {family})"
            self.index.set_family(family_of, family)
        print(f"{label}: {result.status}: {result.path}{note}")
        if result.status in ("imported", "replaced"):
            self.index.add(result.path, result.path.stem, source, raw.url, raw.body_markdown,
                           family)
        return result.status

    def _duplicate_of(self, raw: RawArticle, source: str) -> WriteResult | _Known | None:
        """A duplicate result (same URL, same text from the same outlet), or the article this
        one is a wire copy of (near-identical text from another outlet), or None."""
        if raw.url:
            known = self.index.url_match(raw.url)
            if known is not None:
                return WriteResult("duplicate", known.path, f"same URL as {known.path.name}")
        match = self.index.text_match(raw.body_markdown)
        if match is None:
            return None
        known, exact = match
        if _same_outlet(known.source, source):
            what = "same text" if exact else "near-identical text"
            return WriteResult("duplicate", known.path,
                               f"{what} as {known.path.name} from the same outlet")
        return known

    def _fail(self, label: str, exc: BaseException, unexpected: bool = False) -> str:
        """Record a failure; the reason, as reported."""
        reason = str(exc)
        if isinstance(exc, FetchError):
            reason = exc.reason if exc.url in label else f"{exc.url}: {exc.reason}"
        elif isinstance(exc, OSError) and exc.strerror:
            reason = exc.strerror
        if unexpected:
            reason = f"unexpected {type(exc).__name__}: {exc}"
        # parsers prefix messages with the input's name; keep the reason alone
        for prefix in (f"{label}: ", f"{label.split(' entry ')[0]}: "):
            reason = reason.removeprefix(prefix)
        self.summary.failures.append((label, reason))
        print(f"{label}: failed: {reason}", file=sys.stderr)
        return reason


def _short(text: str, n: int = 50) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _same_outlet(a: str, b: str) -> bool:
    def key(s: str) -> str:
        return re.sub(r"[^a-z0-9]", "", s.lower().removeprefix("the "))

    return key(a) == key(b)


_TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|ocid|cmpid|mc_cid|mc_eid|ref|smid|cid)$")


def _norm_url(url: str) -> str:
    """Compare URLs as the same page: no scheme/www/port/fragment/tracking/trailing-slash noise."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    path = re.sub(r"/+$", "", parts.path) or "/"
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                             if not _TRACKING.match(k.lower())))
    return urlunsplit(("", host, path, query, ""))


# ---------------------------------------------------------------------------------------------
# What is already in content/: URLs, body fingerprints, families
# ---------------------------------------------------------------------------------------------

SHINGLE = 5  # words per shingle
WIRE_MIN_SHINGLES = 30  # shorter texts are not compared for near-identity
WIRE_CONTAINMENT = 0.8  # share of the shorter text's shingles found in the other


@dataclass
class _Known:
    path: Path
    id: str
    source: str
    url: str | None
    family: str | None
    digest: str
    shingles: frozenset[int]


def _words(body: str) -> list[str]:
    text = body.lower().replace("’", "'").replace("‘", "'")
    text = re.sub(r"^#+\s", " ", text, flags=re.MULTILINE)
    return re.findall(r"[^\W_]+(?:'[^\W_]+)?", text)


def _fingerprint(body: str) -> tuple[str, frozenset[int]]:
    words = _words(body)
    digest = hashlib.sha256(" ".join(words).encode("utf-8")).hexdigest()
    shingles = frozenset(
        int.from_bytes(hashlib.blake2b(" ".join(words[i : i + SHINGLE]).encode(),
                                       digest_size=8).digest(), "big")
        for i in range(max(len(words) - SHINGLE + 1, 0))
    )
    return digest, shingles


class _ContentIndex:
    def __init__(self, content: Path) -> None:
        self.items: list[_Known] = []
        self.by_url: dict[str, _Known] = {}
        self.by_digest: dict[str, _Known] = {}
        self.by_shingle: dict[int, list[_Known]] = {}
        if content.exists():
            from digest.load import find_article_files, split_front_matter

            for path in find_article_files(content):
                try:
                    text = path.read_text(encoding="utf-8")
                    data, body, _line, _raw = split_front_matter(text, str(path))
                except Exception:  # broken files are the build's to report
                    continue
                self.add(path, str(data.get("id") or path.stem), str(data.get("source") or ""),
                         str(data["url"]) if data.get("url") else None, body,
                         str(data["family"]) if data.get("family") else None)

    def add(self, path: Path, id: str, source: str, url: str | None, body: str,
            family: str | None) -> None:
        digest, shingles = _fingerprint(body)
        known = _Known(path, id, source, url, family, digest, shingles)
        self.items.append(known)
        if url:
            self.by_url.setdefault(_norm_url(url), known)
        if len(_words(body)) >= 8:
            self.by_digest.setdefault(digest, known)
        if len(shingles) >= WIRE_MIN_SHINGLES:
            for sh in shingles:
                self.by_shingle.setdefault(sh, []).append(known)

    def url_match(self, url: str) -> _Known | None:
        return self.by_url.get(_norm_url(url))

    def text_match(self, body: str) -> tuple[_Known, bool] | None:
        """An existing article with the same words (exact=True) or near-identical ones."""
        digest, shingles = _fingerprint(body)
        if len(_words(body)) >= 8 and digest in self.by_digest:
            return self.by_digest[digest], True
        if len(shingles) < WIRE_MIN_SHINGLES:
            return None
        counts: dict[int, int] = {}
        seen: dict[int, _Known] = {}
        for sh in shingles:
            for known in self.by_shingle.get(sh, ()):
                counts[id(known)] = counts.get(id(known), 0) + 1
                seen[id(known)] = known
        best: tuple[float, _Known] | None = None
        for key, shared in counts.items():
            known = seen[key]
            smaller = min(len(shingles), len(known.shingles))
            larger = max(len(shingles), len(known.shingles))
            if smaller < WIRE_MIN_SHINGLES or smaller / larger < 0.5:
                continue
            score = shared / smaller
            if score >= WIRE_CONTAINMENT and (best is None or score > best[0]):
                best = (score, known)
        return (best[1], False) if best else None

    def set_family(self, known: _Known, family: str) -> None:
        """Give an existing article a `family:` line (only if it has none), in place."""
        if known.family:
            return
        known.family = family
        try:
            text = known.path.read_text(encoding="utf-8")
        except OSError:
            return
        lines = text.split("\n")
        if not lines or lines[0].strip() != "---":
            return
        for i in range(1, len(lines)):
            if lines[i].strip() in ("---", "..."):
                if not any(re.match(r"^family\s*:", ln) for ln in lines[1:i]):
                    lines.insert(i, f"family: {family}")
                    atomic_write(known.path, "\n".join(lines))
                return


def import_paths(
    paths: list[str],
    content: Path,
    opts: ImportOptions,
    feeds: list[str] | None = None,
) -> ImportSummary:
    """Import every input (files, folders, URLs, feeds, JSONL batches) and the feeds listed
    in `feeds`; one bad input or item never stops the others."""
    summary = ImportSummary()
    importer = _Importer(content, opts, summary)
    items: list[_Item] = []
    for name in paths:
        items += importer.expand(name)
    if feeds:
        items += importer.feed_list_items(feeds)
    importer.run(items)
    return summary

