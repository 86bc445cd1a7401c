"""Shared facts: sentences from two or more sources that say the same thing, merged once."""

from __future__ import annotations

from digest.compare.state import StoryState
from digest.model import Fact

FACT_SIM = 0.42  # two sentences this similar state the same fact
MIN_WORDS = 6


def run(state: StoryState) -> None:
    clusters: list[list[int]] = []
    where: dict[int, int] = {}
    sents = state.sentences
    for i, j, sim in state.aligned_pairs():
        if sim < FACT_SIM:
            break
        if sents[i].n_words < MIN_WORDS or sents[j].n_words < MIN_WORDS:
            continue
        ci, cj = where.get(i), where.get(j)
        if ci is None and cj is None:
            where[i] = where[j] = len(clusters)
            clusters.append([i, j])
        elif ci is not None and cj is None:
            _try_join(state, clusters, where, ci, j)
        elif cj is not None and ci is None:
            _try_join(state, clusters, where, cj, i)
    facts: list[tuple[tuple, Fact, list[int]]] = []
    for members in clusters:
        sources = {sents[m].source for m in members}
        if len(sources) < 2:
            continue
        medoid = max(members, key=lambda m: (
            sum(state.sentence_similarity(m, o) for o in members if o != m), -m))
        outlets = sorted({sents[m].article.source for m in members}, key=str.casefold)
        fact = Fact(text=sents[medoid].text, evidence=state.evidence_for(members),
                    sources=outlets)
        first = min(sents[m].position for m in members)
        facts.append(((-len(sources), first, medoid), fact, members))
    facts.sort(key=lambda t: t[0])
    for n, (_key, fact, members) in enumerate(facts):
        state.facts.append(fact)
        for m in members:
            state.fact_of[m] = n


def _try_join(state: StoryState, clusters: list[list[int]], where: dict[int, int],
              cluster: int, newcomer: int) -> None:
    """Join a sentence to a fact if its source is new there and it fits the whole fact."""
    members = clusters[cluster]
    source = state.sentences[newcomer].source
    if any(state.sentences[m].source == source for m in members):
        return
    mean = sum(state.sentence_similarity(newcomer, m) for m in members) / len(members)
    if mean >= FACT_SIM * 0.8:
        members.append(newcomer)
        where[newcomer] = cluster
