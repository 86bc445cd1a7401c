"""The data model every stage passes along: articles, stories, facts, differences, problems."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol


def _reduce_by_fields(self: Any) -> tuple[Any, tuple[Any, ...]]:
    """Pickle a slotted dataclass as a call of its class with its field values: the
    dataclass default (a Python __getstate__/__setstate__ pair that looks up its fields
    each time) made caching a story's analysis 1.6x slower to write, 2.5x to read."""
    return type(self), tuple([getattr(self, name) for name in self.__match_args__])


@dataclass(slots=True)
class Article:
    """One article as loaded from content/: front matter plus its body, parsed."""

    id: str
    title: str
    source: str
    url: str | None
    published: date | None
    path: str  # path relative to the project root, for messages and links
    body_markdown: str
    paragraphs: list[str]  # plain-text paragraphs of the body (headings excluded)
    language: str | None = None
    author: str | None = None
    story: str | None = None  # pinned story id from front matter
    family: str | None = None  # wire-copy family: copies count as one source
    partial: bool = False
    meta: dict[str, object] = field(default_factory=dict)
    fingerprint: str = ""  # hash of the file's bytes and path: changes iff the article does

    __reduce__ = _reduce_by_fields

    @property
    def text(self) -> str:
        """Plain text of the body: the text every evidence sentence is quoted from."""
        return "\n\n".join(self.paragraphs)

    @property
    def source_key(self) -> str:
        """Which independent source this article counts as (outlet, or wire family)."""
        return self.family or self.source.casefold()


@dataclass(frozen=True, slots=True)
class Evidence:
    article: str  # article id
    sentence: str  # verbatim sentence from the article's text

    __reduce__ = _reduce_by_fields


@dataclass(slots=True)
class Value:
    value: str
    evidence: list[Evidence]
    note: str = ""  # e.g. the hedge or the attribution
    # a total given as its parts ("about 300 killed", "2,700 wounded"), as written; the value
    # then reads "about 300 killed + 2,700 wounded = 3,000"
    parts: list[str] = field(default_factory=list)
    # a figure that changed between reports (Difference.detail "updated"): when it was
    # reported ("2026-10-07", or "2026-10-07 14:20" with the article's time) and the number
    as_of: str = ""
    amount: float | None = None

    __reduce__ = _reduce_by_fields


@dataclass(slots=True)
class Fact:
    text: str
    evidence: list[Evidence]
    sources: list[str]  # distinct outlets supporting it

    __reduce__ = _reduce_by_fields


@dataclass(slots=True)
class Difference:
    kind: str  # number | date | name | quote | claim | attribution | coverage
    topic: str
    detail: str  # conflict | precision | spelling | wording | trimmed | contradiction | only ...
    values: list[Value]
    highlight: list[list[str]] = field(default_factory=list)  # per value: differing words
    note: str = ""  # a development in words: "rose from 320 to 2,445 between Oct 7 and Oct 9"

    __reduce__ = _reduce_by_fields


class Packed(Protocol):
    """A story's facts and differences kept packed (digest.compare.PackedAnalysis)."""

    def unpack_lists(self) -> tuple[list[Fact], list[Difference]]: ...


_PENDING: Any = object()  # a Story's facts or differences not read from its analysis yet


@dataclass
class Story:
    id: str
    title: str
    articles: list[Article]
    summary: str = ""
    note_html: str = ""  # editor's note from content/stories/<id>.md
    title_from_editor: bool = False
    facts: list[Fact] = _PENDING
    differences: list[Difference] = _PENDING
    # Where facts and differences come from when first read, unless given: a build keeps
    # every story's analysis packed and unpacks only the stories whose pages it makes
    # (one edit of a 100,000-article digest: a few of ~22,000 stories).
    packed: Packed | None = field(default=None, repr=False, compare=False)

    def release(self) -> None:
        """Drop facts and differences unpacked from `packed` (read again when next read):
        a build releases each story once its pages are made, so that a cold build does not
        end holding every story's analysis as objects."""
        if self.packed is not None:
            self.__dict__["_facts"] = self.__dict__["_differences"] = _PENDING

    def _unpack(self) -> None:
        facts, differences = self.packed.unpack_lists() if self.packed is not None \
            else ([], [])
        if self.__dict__["_facts"] is _PENDING:
            self.__dict__["_facts"] = facts
        if self.__dict__["_differences"] is _PENDING:
            self.__dict__["_differences"] = differences

    # Computed once: a Story's articles are set when it is made and never change after.
    @functools.cached_property
    def first_published(self) -> date | None:
        dates = [a.published for a in self.articles if a.published]
        return min(dates) if dates else None

    @functools.cached_property
    def last_published(self) -> date | None:
        dates = [a.published for a in self.articles if a.published]
        return max(dates) if dates else None

    @functools.cached_property
    def sources(self) -> list[str]:
        seen: dict[str, str] = {}
        for a in self.articles:
            seen.setdefault(a.source.casefold(), a.source)
        return sorted(seen.values(), key=str.casefold)


def _from_packed(name: str) -> property:
    """Story.facts / Story.differences: as given, else unpacked from Story.packed when first
    read (a property over the dataclass field, which __init__ sets through it)."""
    slot = "_" + name

    def get(self: Story) -> Any:
        value = self.__dict__.get(slot, _PENDING)
        if value is _PENDING:
            self._unpack()
            value = self.__dict__[slot]
        return value

    def put(self: Story, value: Any) -> None:
        self.__dict__[slot] = value

    return property(get, put)


Story.facts = _from_packed("facts")  # type: ignore[method-assign, assignment]
Story.differences = _from_packed("differences")  # type: ignore[method-assign, assignment]


@dataclass(frozen=True)
class Problem:
    """Something wrong with the input, said so a person can fix it."""

    path: str
    line: int | None
    message: str
    hint: str = ""
    severity: str = "error"  # error | warning

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        text = f"{where}: {self.severity}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text
