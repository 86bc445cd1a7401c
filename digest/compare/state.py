"""The shared story state every comparison rule reads and writes (like markdown-it's state)."""

from __future__ import annotations

import dataclasses
import functools
import math
from bisect import bisect_right
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

from digest.model import Article, Difference, Evidence, Fact
from digest.text import (
    content_lemmas,
    ignorecase_key,
    lemmas_of_words,
    split_sentences,
    stem,
    words,
)

T = TypeVar("T")

MAX_SENTENCES_PER_ARTICLE = 80
# A large story (dozens of articles) is compared on the first sentences of each article only
# (news puts what happened first): the work per story stays bounded whatever its size.
MAX_SENTENCES_PER_STORY = 1200
MIN_SENTENCES_PER_ARTICLE = 12
ALIGN_MIN = 0.2  # below this two sentences are not about the same point
MAX_PARTNERS = 40
# IDF over a handful of sentences would make every shared word worthless: small stories are
# weighted as if they had at least this many sentences.
MIN_IDF_SENTENCES = 20  # aligned candidates kept per sentence (the best by shared rare words)


@dataclass
class Sentence:
    index: int
    article: Article
    text: str  # verbatim from the article's text
    paragraph: int
    position: int  # sentence number within the article
    lemmas: frozenset[str]
    n_words: int
    stems: frozenset[str] = frozenset()
    # the article's source_key, read once: rules compare it for every pair of sentences
    source: str = field(init=False, repr=False, compare=False)
    # ignorecase_key(text): rules test it for words a slow case-insensitive pattern needs
    case_key: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.source = self.article.source_key
        self.case_key = ignorecase_key(self.text)

    @property
    def evidence(self) -> Evidence:
        return Evidence(self.article.id, self.text)


_SentenceData = tuple[str, int, int, frozenset[str], int, frozenset[str]]


# The dev server compares an edited story again and again: its other articles' sentences
# are split and lemmatised once.
@functools.lru_cache(maxsize=256)
def _article_sentences(paragraphs: tuple[str, ...], per_article: int) -> list[_SentenceData]:
    """An article's first `per_article` sentences: text, paragraph, position, lemmas,
    number of words, stems."""
    out: list[_SentenceData] = []
    for p, para in enumerate(paragraphs):
        for sent in split_sentences(para):
            if len(out) >= per_article:
                break
            tokens = words(sent)
            lemmas = lemmas_of_words(tokens)
            out.append((sent, p, len(out), frozenset(lemmas), len(tokens),
                        frozenset([t if " " in t else stem(t) for t in lemmas])))
    return out


M = TypeVar("M")


def per_sentence(key: Callable[[Sentence], Hashable], kept: int = 5_000
                 ) -> Callable[[Callable[[Sentence], list[M]]], Callable[[Sentence], list[M]]]:
    """Remember what an extractor found in a sentence, by `key(sentence)` (everything the
    extractor reads). The dev server compares an edited story again and again: the other
    articles' sentences are not scanned again. The extractor must return dataclasses whose
    first field is the sentence and whose other fields it sets; they are made afresh for
    each call, so rules may change them."""
    def wrap(extract: Callable[[Sentence], list[M]]) -> Callable[[Sentence], list[M]]:
        # oldest out: an OrderedDict pops its first entry in O(1); a dict's first entry is
        # found by skipping the holes its deletions left (16 us per insert at 20,000)
        memo: OrderedDict[Hashable, list[tuple[type, list[object]]]] = OrderedDict()

        @functools.wraps(extract)
        def cached(s: Sentence) -> list[M]:
            k = key(s)
            hit = memo.get(k)
            if hit is not None:
                return [cls(s, *values) for cls, values in hit]
            found = extract(s)
            if len(memo) >= kept:
                memo.popitem(last=False)
            memo[k] = [(type(m), [getattr(m, f.name) for f in dataclasses.fields(m)  # type: ignore[arg-type]
                                  if f.init][1:]) for m in found]
            return found
        cached.cache_clear = memo.clear  # type: ignore[attr-defined]
        return cached
    return wrap


@dataclass
class StoryState:
    articles: list[Article]
    sentences: list[Sentence] = field(default_factory=list)
    idf: dict[str, float] = field(default_factory=dict)
    stem_idf: dict[str, float] = field(default_factory=dict)
    facts: list[Fact] = field(default_factory=list)
    differences: list[Difference] = field(default_factory=list)
    # sentence index -> fact index, filled by the facts rule
    fact_of: dict[int, int] = field(default_factory=dict)
    # sentence indexes some difference already quotes (coverage skips them)
    cited: set[int] = field(default_factory=set)
    # aligned groups of number mentions (numbers rule), read by the attribution rule
    quantities: list[list[object]] = field(default_factory=list)
    _pairs: list[tuple[int, int, float]] | None = None
    _weights: dict[frozenset[str], float] = field(default_factory=dict)
    _stem_weights: dict[frozenset[str], float] = field(default_factory=dict)

    @classmethod
    def from_articles(cls, articles: list[Article]) -> StoryState:
        state = cls(articles=articles)
        per_article = MAX_SENTENCES_PER_ARTICLE
        if articles:
            per_article = max(MIN_SENTENCES_PER_ARTICLE,
                              min(per_article, MAX_SENTENCES_PER_STORY // len(articles)))
        for article in articles:
            for sent, p, pos, lemmas, n_words, stems in _article_sentences(
                    tuple(article.paragraphs), per_article):
                state.sentences.append(Sentence(len(state.sentences), article, sent, p, pos,
                                                lemmas, n_words, stems))
        state.idf = _idf(s.lemmas for s in state.sentences)
        state.stem_idf = _idf(s.stems for s in state.sentences)
        return state

    @property
    def source_count(self) -> int:
        return len({a.source_key for a in self.articles})

    def weight(self, lemmas: frozenset[str] | set[str]) -> float:
        if isinstance(lemmas, frozenset):  # sentence lemma sets recur in every pair
            cached = self._weights.get(lemmas)
            if cached is None:
                cached = self._weights[lemmas] = math.fsum(self.idf.get(t, 1.0) for t in lemmas)
            return cached
        return math.fsum(self.idf.get(t, 1.0) for t in lemmas)

    def similarity(self, a: frozenset[str] | set[str], b: frozenset[str] | set[str]) -> float:
        """IDF-weighted Dice overlap of two lemma sets, 0..1."""
        if not a or not b:
            return 0.0
        get = self.idf.get
        shared = math.fsum([get(t, 1.0) for t in a & b])  # rarely recurs: not cached
        return 2.0 * shared / (self.weight(a) + self.weight(b))

    def stem_weight(self, stems: frozenset[str] | set[str]) -> float:
        if isinstance(stems, frozenset):  # sentence and mention stem sets recur in every pair
            cached = self._stem_weights.get(stems)
            if cached is None:
                get = self.stem_idf.get
                cached = self._stem_weights[stems] = math.fsum([get(t, 1.0) for t in stems])
            return cached
        get = self.stem_idf.get
        return math.fsum([get(t, 1.0) for t in stems])

    def stem_similarity(self, a: frozenset[str] | set[str],
                        b: frozenset[str] | set[str]) -> float:
        """Like similarity(), over stems: "racing" meets "race", "resigned" "resignation"."""
        if not a or not b:
            return 0.0
        get = self.stem_idf.get
        shared = math.fsum([get(t, 1.0) for t in a & b])
        return 2.0 * shared / (self.stem_weight(a) + self.stem_weight(b))

    def containment(self, a: frozenset[str] | set[str], b: frozenset[str] | set[str]) -> float:
        """How much of the smaller stem set the other holds (IDF-weighted), 0..1."""
        if not a or not b:
            return 0.0
        get = self.stem_idf.get
        shared = math.fsum([get(t, 1.0) for t in a & b])
        return shared / min(self.stem_weight(a), self.stem_weight(b))

    def sentence_similarity(self, i: int, j: int) -> float:
        return self.similarity(self.sentences[i].lemmas, self.sentences[j].lemmas)

    def aligned_pairs(self) -> list[tuple[int, int, float]]:
        """Pairs of sentences from different sources about the same point, best first.

        Candidates come from an inverted index on lemmas, so unrelated sentences are never
        compared; each sentence keeps its MAX_PARTNERS candidates sharing the most rare
        words, so the cost stays linear in the number of sentences. Computed once per story
        and shared by every rule.
        """
        if self._pairs is not None:
            return self._pairs
        sents = self.sentences
        idf = self.idf
        index: dict[str, list[int]] = defaultdict(list)
        for s in sents:
            for t in s.lemmas:
                index[t].append(s.index)  # ascending: sentences are visited in order
        # sources as small ints: compared for every candidate
        source_ids: dict[str, int] = {}
        source = [source_ids.setdefault(s.source, len(source_ids)) for s in sents]
        # the last sentence of each sentence's article: an article's sentences are
        # consecutive, and the later ones of its own article are never its partners
        last_of_article = [0] * len(sents)
        for s in reversed(sents):
            nxt = s.index + 1
            last_of_article[s.index] = last_of_article[nxt] \
                if nxt < len(sents) and sents[nxt].article is s.article else s.index
        lemmas = [s.lemmas for s in sents]
        totals = [self.weight(s.lemmas) for s in sents]
        weight_of = idf.__getitem__  # every sentence lemma has an IDF
        fsum = math.fsum
        pairs: list[tuple[int, int, float]] = []
        for s in sents:
            i = s.index
            shared: dict[int, float] = {}
            get = shared.get
            after = last_of_article[i]
            light = 0.0  # the IDF of the lemmas too common to count here
            # summed in the same order as ever (s.lemmas' order), so the floats are the same
            for t in s.lemmas:
                w = idf.get(t, 0.0)
                if w < 0.3:  # in nearly every sentence: no signal
                    light += w
                    continue
                post = index[t]
                for j in post[bisect_right(post, after):]:
                    shared[j] = get(j, 0.0) + w
            if not shared:
                continue
            src = source[i]
            cands = [kv for kv in shared.items() if source[kv[0]] != src]
            if len(cands) > MAX_PARTNERS:
                # rounded: a float sum in set order differs in its last bits between
                # processes. Only candidates within rounding of the MAX_PARTNERS-th weight
                # can be among the first MAX_PARTNERS after rounding: sort just those.
                cut = sorted([w for _j, w in cands], reverse=True)[MAX_PARTNERS - 1] - 1e-8
                cands = [kv for kv in cands if kv[1] >= cut]
                cands.sort(key=lambda kv: (-round(kv[1], 9), kv[0]))
                del cands[MAX_PARTNERS:]
            mine, total = lemmas[i], totals[i]
            # A pair's shared weight is at most its shared counted lemmas (w) plus all the
            # light ones: a pair that cannot reach ALIGN_MIN with that is not summed (the
            # margin, 1e-6, is far above the rounding of these sums).
            reach = light + 1e-6
            for j, w in cands:
                if 2.0 * (w + reach) < ALIGN_MIN * (total + totals[j]):
                    continue
                # = sentence_similarity(i, j)
                sim = 2.0 * fsum(map(weight_of, mine & lemmas[j])) / (total + totals[j])
                if sim >= ALIGN_MIN:
                    pairs.append((i, j, sim))
        pairs.sort(key=lambda p: (-p[2], p[0], p[1]))
        self._pairs = pairs
        return pairs

    def previous(self, s: Sentence) -> Sentence | None:
        """The sentence before s in the same paragraph (for "He said ..."), or None."""
        if s.index == 0:
            return None
        prev = self.sentences[s.index - 1]
        if prev.article is s.article and prev.paragraph == s.paragraph:
            return prev
        return None

    @staticmethod
    def topic_words(text: str, terms: frozenset[str] | set[str], k: int = 4) -> str:
        """The given lemmas in the order the text says them, for a readable topic."""
        seen: list[str] = []
        for t in content_lemmas(text):
            if t in terms and t not in seen:
                seen.append(t)
        return " ".join(seen[:k])

    def published(self, s: Sentence) -> date | None:
        return s.article.published

    def evidence_for(self, indexes: list[int]) -> list[Evidence]:
        """Evidence in a stable order: by source, then article, then position."""
        sents = sorted({i for i in indexes}, key=lambda i: (
            self.sentences[i].article.source.casefold(), self.sentences[i].article.id,
            self.sentences[i].position))
        return [self.sentences[i].evidence for i in sents]


def _idf(sets: object) -> dict[str, float]:
    df: Counter[str] = Counter()
    n = 0
    for terms in sets:  # type: ignore[attr-defined]
        df.update(terms)
        n += 1
    n = max(n, MIN_IDF_SENTENCES)
    return {t: math.log((n + 1) / (d + 0.5)) for t, d in df.items()}


def scored_pairs(items: Sequence[T], score: Callable[[T, T], float],
                 block: Callable[[T], Hashable] | None = None
                 ) -> list[tuple[float, int, int]]:
    """(score, i, j) for every pair of items that scores above zero, best first.

    `block`: a key that two items must share to score above zero (the score function
    returns 0 for any other pair); only pairs within a block are scored."""
    if block is None:
        blocks: Iterable[list[int]] = [list(range(len(items)))]
    else:
        by_key: dict[Hashable, list[int]] = {}
        for i, a in enumerate(items):
            by_key.setdefault(block(a), []).append(i)
        blocks = by_key.values()
    pairs = []
    for members in blocks:
        for x, i in enumerate(members):
            a = items[i]
            for j in members[x + 1:]:
                value = score(a, items[j])
                if value:
                    pairs.append((value, i, j))
    pairs.sort(key=lambda p: (-p[0], p[1], p[2]))
    return pairs


def group_scored_pairs(
    pairs: Sequence[tuple[float, int, int]],
    source_of: Callable[[int], str],
    fits: Callable[[list[int], int], bool] | None = None,
) -> list[list[int]]:
    """Greedy groups of items from (score, i, j) pairs sorted best first.

    A pair of ungrouped items founds a group; a pair with one grouped item brings the other
    into that group when no member has its source and `fits(members, item)` agrees. Groups
    never merge, so one weak link cannot chain two points into one.
    """
    group_of: dict[int, int] = {}
    groups: list[list[int]] = []
    for _score, i, j in pairs:
        gi, gj = group_of.get(i), group_of.get(j)
        if gi is None and gj is None:
            group_of[i] = group_of[j] = len(groups)
            groups.append([i, j])
        elif gi is None or gj is None:
            g, new = (gi, j) if gi is not None else (gj, i)
            assert g is not None
            members = groups[g]
            if any(source_of(k) == source_of(new) for k in members):
                continue
            if fits is None or fits(members, new):
                members.append(new)
                group_of[new] = g
    return groups
