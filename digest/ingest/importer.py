"""`digest import`: read inputs of any supported format and write them into content/."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from digest.ingest.model import RawArticle
from digest.ingest.plaintext import parse_text
from digest.ingest.writer import WriteResult, scan_existing, write_article


@dataclass
class ImportOptions:
    source: str | None = None
    url: str | None = None
    date: str | None = None
    title: str | None = None
    force: bool = False


@dataclass
class ImportSummary:
    results: list[WriteResult] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (input, reason)

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    def lines(self) -> list[str]:
        out = [
            f"imported {self.count('imported') + self.count('replaced')}, "
            f"skipped as duplicate {self.count('duplicate')}, failed {len(self.failures)}"
        ]
        out += [f"  failed: {name}: {reason}" for name, reason in self.failures]
        return out


def read_text_file(path: Path) -> str:
    """Read a text file whatever its encoding (UTF-8 first, then detection)."""
    data = path.read_bytes()
    try:
        from digest.ingest.textcodec import decode_bytes  # richer detection when available
    except ImportError:  # pragma: no cover - textcodec ships with digest
        return data.decode("utf-8", errors="replace")
    return decode_bytes(data)


def parse_input(path: Path) -> list[RawArticle]:
    """Parse one input file into articles (plain text here; other formats plug in)."""
    text = read_text_file(path)
    return [parse_text(text, name=path.stem, origin=str(path))]


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


def import_paths(paths: list[str], content: Path, opts: ImportOptions) -> ImportSummary:
    """Import every input; one bad input never stops the others."""
    summary = ImportSummary()
    existing = scan_existing(content)
    for name in paths:
        path = Path(name)
        try:
            articles = parse_input(path)
        except (OSError, ValueError) as exc:
            summary.failures.append((name, str(exc)))
            print(f"{name}: failed: {exc}", file=sys.stderr)
            continue
        for raw in articles:
            raw = apply_overrides(raw, opts)
            result = write_article(raw, content, existing, force=opts.force)
            summary.results.append(result)
            print(f"{name}: {result.status}: {result.path}"
                  + (f" ({result.message})" if result.message else ""))
    return summary
