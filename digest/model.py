"""The data model every stage passes along: articles, stories, facts, differences, problems."""

from __future__ import annotations

import functools
import marshal
import threading
import zlib
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol


def _reduce_by_fields(self: Any) -> tuple[Any, tuple[Any, ...]]:
    """Pickle a slotted dataclass as a call of its class with its field values: the
    dataclass default (a Python __getstate__/__setstate__ pair that looks up its fields
    each time) made caching a story's analysis 1.6x slower to write, 2.5x to read."""
    return type(self), tuple([getattr(self, name) for name in self.__match_args__])


# zlib level of a packed body (Article.pack). On 2,003 generated articles (body and
# paragraphs 8.2 KB marshalled): level 1 1,821 bytes in 63 us, 3 1,752 in 69 us, 6 1,672
# in 98 us, 9 the same as 6; expanding takes 28-30 us at every level. Pickling the 10,000
# entries of a cold build's articles cache: 0.30 s unpacked (117 MB), 0.97 s at level 1
# (54 MB), 1.48 s at 6 (52 MB); each edit after that packs only the articles it parsed.
# Memory is what packing is for, so 6.
BODY_LEVEL = 6
_BODY = ("body_markdown", "paragraphs")
# packed bodies expanded in this process so far (tests count them)
body_expansions = 0
# held while a body is expanded or packed again (Article.__getattr__, Article.release): a
# dev server's build may release an article while its cache save, in another thread,
# reads it
_BODY_LOCK = threading.RLock()


@dataclass(slots=True)
class Article:
    """One article as loaded from content/: front matter plus its body, parsed.

    An article the build parsed or loaded from its cache is *packed*: its body
    (`body_markdown` and `paragraphs`) is one zlib blob in `_packed`, and those two slots
    are unset until read. The first read of either (`__getattr__`, which Python calls only
    for an unset slot) expands both; from then on they are plain slots, until `release()`
    packs them again with the same blob (once the story's pages are written). Equality and
    pickling of a packed article never expand it (a build that changed one story reads
    the bodies of that story's articles only)."""

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
    _packed: bytes | None = field(default=None, init=False, repr=False, compare=False)
    # the blob an expanded body came from, until release() packs it again with it
    _kept: bytes | None = field(default=None, init=False, repr=False, compare=False)

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        packed = self._packed
        if packed is None:
            return _reduce_by_fields(self)
        return _unpack_article, (packed, *[getattr(self, n) for n in _HEAD])

    def __getattr__(self, name: str) -> Any:
        if name not in _BODY:
            raise AttributeError(f"'Article' object has no attribute {name!r}")
        with _BODY_LOCK:  # not in the middle of a release() in another thread
            packed = self._packed
            if packed is not None:
                global body_expansions
                self.body_markdown, self.paragraphs = marshal.loads(zlib.decompress(packed))
                self._kept = packed
                self._packed = None  # after the slots are set: a reader in another thread
                body_expansions += 1  # finds either the blob or the body, never neither
        return object.__getattribute__(self, name)  # raises if the slot is still unset

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Article)
        if self is other:
            return True
        if [getattr(self, n) for n in _HEAD] != [getattr(other, n) for n in _HEAD]:
            return False
        if self._packed is not None and self._packed == other._packed:
            return True  # the same blob is the same body
        return self.body_markdown == other.body_markdown and self.paragraphs == other.paragraphs

    @property
    def packed(self) -> bool:
        """Whether the body is packed (not read since it was packed or released)."""
        return self._packed is not None

    def pack(self) -> Article:
        """This article with its body packed: itself if it is, else a packed copy (the
        cache stores articles so; this one is left as it is)."""
        if self._packed is not None:
            return self
        return _unpack_article(
            zlib.compress(marshal.dumps((self.body_markdown, self.paragraphs)), BODY_LEVEL),
            *[getattr(self, n) for n in _HEAD])

    def release(self) -> None:
        """Pack an expanded body again, with the blob it came from, if the body is still
        exactly what the blob holds (it is checked, not assumed): a build releases a
        story's articles once their pages are written, so that it never holds every
        body at once."""
        kept = self._kept
        if kept is None or self._packed is not None:
            return
        with _BODY_LOCK:  # an expansion in another thread waits for both slots to go
            self._kept = None
            if marshal.loads(zlib.decompress(kept)) != (self.body_markdown, self.paragraphs):
                return  # changed since it was expanded: it stays as it is now
            self._packed = kept  # the blob first: a reader finds one of them
            del self.body_markdown, self.paragraphs

    @property
    def text(self) -> str:
        """Plain text of the body: the text every evidence sentence is quoted from."""
        return "\n\n".join(self.paragraphs)

    @property
    def source_key(self) -> str:
        """Which independent source this article counts as (outlet, or wire family)."""
        return self.family or self.source.casefold()


_HEAD = tuple(n for n in Article.__match_args__ if n not in _BODY)  # every field but the body
_BODY_AT = Article.__match_args__.index(_BODY[0])
assert Article.__match_args__[_BODY_AT:_BODY_AT + 2] == _BODY


def _unpack_article(packed: bytes, *head: Any) -> Article:
    """An article with a packed body (Article.pack; how pickle makes one again)."""
    article = Article(*head[:_BODY_AT], "", [], *head[_BODY_AT:])
    del article.body_markdown, article.paragraphs
    article._packed = packed
    return article


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


class _Pending:
    """The value of a Story's facts or differences not read from its analysis yet. It
    pickles as a reference to the one instance (a pickled story unpickles still pending,
    not holding a stray object where its facts belong)."""

    __slots__ = ()

    def __reduce__(self) -> str:
        return "_PENDING"

    def __repr__(self) -> str:
        return "<pending>"


_PENDING: Any = _Pending()


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
