"""Shared facts: sentences from two or more sources that say the same thing, merged once.

Aligned sentence pairs (state.aligned_pairs) are scored by the better of their lemma and stem
similarity, plus NUMBER_BONUS for each figure both give ("6.4", "40"; years do not count);
a pair sharing one quotation word for word scores at least FACT_SIM; a pair where only one
sentence has a negation loses NEGATION_PENALTY. Pairs at or
above FACT_SIM are clustered best first, one sentence per source (two articles from one
outlet or wire family count once: Article.source_key); a sentence joins a fact only if it
fits the whole fact, and two facts merge when their sentences come from different sources
and fit each other. Facts are ranked by how many sources support them, then by where they
first appear. The fact's text is its medoid sentence, preferring one whose figures the
other sentences share (not one outlet's disputed number) and one without a dateline; any
dateline ("KYIV, Feb 22 (Reuters) -") is cut off the text, while the evidence keeps every
sentence verbatim.
"""

from __future__ import annotations

import re

from digest.compare.state import StoryState
from digest.model import Fact
from digest.text import fold

FACT_SIM = 0.42  # two sentences this similar state the same fact
JOIN_SIM = FACT_SIM * 0.8  # a newcomer's mean similarity to a fact's sentences
MIN_WORDS = 6
NUMBER_BASE = 0.25  # pairs this similar get NUMBER_BONUS per shared figure (at most two)
NUMBER_BONUS = 0.1
NEGATION_PENALTY = 0.15  # one of two sentences negates: less likely the same fact
NEGATION = re.compile(r"\b(?:not|never|no|cannot|neither|nor)\b|n['’]t\b", re.I)
# what NEGATION cannot match without, in Sentence.case_key: a cheaper test first
_NEGATION_NEEDS = re.compile("no|never|neither|n't|n’t")
QUOTE_WORDS = 6  # a quotation this long, shared word for word, is one fact
DATELINE = re.compile(r"^[A-Z][A-Z.'’/\- ]{2,}(?:,[^()\n]{0,40}?)?\s*(?:\([^)]{1,40}\))?\s*"
                      r"(?:--|-|—|–)\s+")
_QUOTE = re.compile(r"“([^“”]+)”|\"([^\"]+)\"")


def dateline_free(text: str) -> str:
    """The sentence without an opening dateline: "SEOUL, March 10 (Yonhap) -- North..."."""
    m = DATELINE.match(text)
    if m and m.end() < len(text) - 20:
        return text[m.end():]
    return text


def _quotes(text: str) -> set[tuple[str, ...]]:
    out = set()
    for m in _QUOTE.finditer(text):
        q = m.group(1) or m.group(2)
        tokens = tuple(fold(t) for t in _TOKEN.findall(q))
        if len(tokens) >= QUOTE_WORDS:
            out.add(tokens)
    return out


def run(state: StoryState) -> None:
    sents = state.sentences
    quotes = {s.index: _quotes(s.text) for s in sents if "“" in s.text or '"' in s.text}
    # per-sentence features, computed once (not once per pair)
    numbers: dict[int, set[str]] = {}
    negated: dict[int, bool] = {}

    def numbers_of(i: int) -> set[str]:
        found = numbers.get(i)
        if found is None:
            found = numbers[i] = _numbers(sents[i].text)
        return found

    def negates(i: int) -> bool:
        found = negated.get(i)
        if found is None:
            s = sents[i]
            found = negated[i] = bool(_NEGATION_NEEDS.search(s.case_key) and
                                      NEGATION.search(s.text))
        return found

    stem_similarity = state.stem_similarity
    scored = []
    for i, j, sim in state.aligned_pairs():
        a, b = sents[i], sents[j]
        if a.n_words < MIN_WORDS or b.n_words < MIN_WORDS:
            continue
        score = max(sim, stem_similarity(a.stems, b.stems))
        if score >= NUMBER_BASE:
            # the same figures ("6.4", "at least 40") are strong evidence of the same fact
            shared = numbers_of(i) & numbers_of(j)
            if shared:  # (adding NUMBER_BONUS * 0 would leave the score as it is)
                score += NUMBER_BONUS * min(2, len({n for n in shared if not _year(n)}))
        if quotes.get(i) and quotes.get(j) and quotes[i] & quotes[j]:
            score = max(score, FACT_SIM)
        if negates(i) != negates(j):
            score -= NEGATION_PENALTY  # "the airport was closed" / "has not closed"
        if score >= FACT_SIM:
            scored.append((score, i, j))
    scored.sort(key=lambda p: (-p[0], p[1], p[2]))
    pair_score = {(i, j): s for s, i, j in scored}

    def sim(a: int, b: int) -> float:
        key = (a, b) if a < b else (b, a)
        if key not in pair_score:
            pair_score[key] = max(state.sentence_similarity(a, b), state.stem_similarity(
                sents[a].stems, sents[b].stems))
        return pair_score[key]

    clusters: list[list[int]] = []
    where: dict[int, int] = {}
    for _score, i, j in scored:
        ci, cj = where.get(i), where.get(j)
        if ci is None and cj is None:
            where[i] = where[j] = len(clusters)
            clusters.append([i, j])
        elif ci is not None and cj is None:
            _try_join(state, clusters, where, ci, j, sim)
        elif cj is not None and ci is None:
            _try_join(state, clusters, where, cj, i, sim)
        elif ci is not None and cj is not None and ci != cj:
            _try_merge(state, clusters, where, ci, cj, sim)
    facts: list[tuple[tuple, Fact, list[int]]] = []
    for members in clusters:
        sources = {sents[m].source for m in members}
        if len(sources) < 2:
            continue
        member_numbers = [numbers_of(o) for o in members]
        medoid = max(members, key=lambda m: (
            _agreement(numbers_of(m), member_numbers),
            DATELINE.match(sents[m].text) is None,
            sum(sim(m, o) for o in members if o != m), -m))
        outlets = sorted({sents[m].article.source for m in members}, key=str.casefold)
        fact = Fact(text=dateline_free(sents[medoid].text), evidence=state.evidence_for(members),
                    sources=outlets)
        first = min(sents[m].position for m in members)
        facts.append(((-len(sources), first, medoid), fact, members))
    facts.sort(key=lambda t: t[0])
    for n, (_key, fact, members) in enumerate(facts):
        state.facts.append(fact)
        for m in members:
            state.fact_of[m] = n


_NUMBER = re.compile(r"\d[\d,.]*\d|\d")
_TOKEN = re.compile(r"[\w'’-]+")


def _numbers(text: str) -> set[str]:
    return set(_NUMBER.findall(text))


def _year(n: str) -> bool:
    return len(n) == 4 and n.isdigit() and 1900 <= int(n) <= 2100


def _agreement(mine: set[str], others: list[set[str]]) -> float:
    """How far the numbers of a sentence are the ones the other sentences give (1 if none):
    the fact's wording should not be the one outlet's disputed figure. Both are number sets
    (_numbers) of the sentence and of the fact's sentences."""
    if not mine:
        return 1.0
    return min(sum(1 for o in others if n in o) for n in mine) / len(others)


def _try_join(state: StoryState, clusters: list[list[int]], where: dict[int, int],
              cluster: int, newcomer: int, sim) -> None:  # type: ignore[no-untyped-def]
    """Join a sentence to a fact if its source is new there and it fits the whole fact."""
    members = clusters[cluster]
    source = state.sentences[newcomer].source
    if any(state.sentences[m].source == source for m in members):
        return
    mean = sum(sim(newcomer, m) for m in members) / len(members)
    if mean >= JOIN_SIM:
        members.append(newcomer)
        where[newcomer] = cluster


def _try_merge(state: StoryState, clusters: list[list[int]], where: dict[int, int],
               a: int, b: int, sim) -> None:  # type: ignore[no-untyped-def]
    """Merge two facts that turn out to be one: sources apart, sentences fitting each other."""
    ma, mb = clusters[a], clusters[b]
    if not ma or not mb:
        return
    if {state.sentences[m].source for m in ma} & {state.sentences[m].source for m in mb}:
        return
    mean = sum(sim(x, y) for x in ma for y in mb) / (len(ma) * len(mb))
    if mean >= JOIN_SIM:
        ma.extend(mb)
        for m in mb:
            where[m] = a
        clusters[b] = []
