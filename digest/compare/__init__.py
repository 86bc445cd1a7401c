"""Compare: one story's articles -> shared facts and differences, by a chain of small rules.

Each rule is one module with a `run(state)` function over the shared StoryState (see
state.py), in the spirit of markdown-it's rule chains. Adding a kind of difference means
adding one module and one line to RULES. Order matters: facts first (other rules read
which sentences are shared), coverage last (it reports what nothing else explained).
"""

from __future__ import annotations

import dataclasses
import pickle
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from digest.compare import (
    attribution,
    claims,
    coverage,
    dates,
    facts,
    names,
    numbers,
    quotes,
)
from digest.compare.state import StoryState
from digest.model import Article, Difference, Fact
from digest.text import content_lemmas

Rule = Callable[[StoryState], None]

RULES: list[tuple[str, Rule]] = [
    ("facts", facts.run),
    ("number", numbers.run),
    ("date", dates.run),
    ("name", names.run),
    ("quote", quotes.run),
    ("claim", claims.run),
    ("attribution", attribution.run),
    ("coverage", coverage.run),
]

KIND_ORDER = {name: i for i, (name, _rule) in enumerate(RULES)}


@dataclass
class StoryAnalysis:
    title: str
    summary: str
    facts: list[Fact]
    differences: list[Difference]


class PackedAnalysis:
    """A StoryAnalysis as the build keeps it: its headline and summary as they are, its
    facts and differences as one zlib-compressed pickle, unpacked (digest.model.Story.packed)
    only for a story whose pages or API line are made again. At 10,000 generated articles the
    2,711 analyses take 152 MiB as objects and 9.8 MiB packed (docs/PERFORMANCE.md); one
    edit of a big digest unpacks a few stories, not all. Packed where compared (a pool's
    worker, a cluster's), so what crosses to the build process is bytes, not objects."""

    __slots__ = ("title", "summary", "blob")
    unpacked = 0  # how many times this process unpacked an analysis (the tests read it)

    def __init__(self, title: str, summary: str, blob: bytes) -> None:
        self.title, self.summary, self.blob = title, summary, blob

    @classmethod
    def pack(cls, analysis: StoryAnalysis) -> PackedAnalysis:
        data = pickle.dumps((analysis.facts, analysis.differences),
                            protocol=pickle.HIGHEST_PROTOCOL)
        return cls(analysis.title, analysis.summary, zlib.compress(data, 1))

    def unpack_lists(self) -> tuple[list[Fact], list[Difference]]:
        PackedAnalysis.unpacked += 1
        facts, differences = pickle.loads(zlib.decompress(self.blob))
        return facts, differences

    def unpack(self) -> StoryAnalysis:
        return StoryAnalysis(self.title, self.summary, *self.unpack_lists())

    def __reduce__(self) -> tuple[type[PackedAnalysis], tuple[str, str, bytes]]:
        return PackedAnalysis, (self.title, self.summary, self.blob)


def compare_packed(articles: list[Article]) -> PackedAnalysis:
    """compare_story(articles), packed."""
    return PackedAnalysis.pack(compare_story(articles))


def compare_story(articles: list[Article]) -> StoryAnalysis:
    """Run every rule over one story and pick its headline and summary."""
    state = StoryState.from_articles(articles)
    for _name, rule in RULES:
        rule(state)
    state.differences.sort(key=lambda d: KIND_ORDER.get(d.kind, 99))
    return StoryAnalysis(
        title=choose_headline(state),
        summary=" ".join(f.text for f in state.facts[:2]),
        facts=state.facts,
        differences=state.differences,
    )


def retitle(analysis: StoryAnalysis, articles: list[Article]) -> StoryAnalysis:
    """`analysis` for the same articles under other titles: what compare_story(articles)
    gives when only titles changed (no rule reads a title; the headline is picked again)."""
    state = StoryState.from_articles(articles)
    state.facts = analysis.facts
    return dataclasses.replace(analysis, title=choose_headline(state))


def choose_headline(state: StoryState) -> str:
    """The article title that best matches the most widely shared facts."""
    articles = sorted(state.articles, key=lambda a: (a.published or date.max, a.id))
    if not state.facts:
        return articles[0].title
    top = state.facts[:5]
    fact_lemmas = [frozenset(content_lemmas(f.text)) for f in top]
    best, best_score = articles[0], -1.0
    for a in articles:
        title = frozenset(content_lemmas(a.title))
        score = sum(len(f.sources) * state.similarity(title, fl)
                    for f, fl in zip(top, fact_lemmas, strict=True))
        if score > best_score + 1e-9:
            best, best_score = a, score
    return best.title
