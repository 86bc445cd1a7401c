"""Coverage: details only one source reports (nothing in any other source aligns)."""

from __future__ import annotations

import re

from digest.compare.state import StoryState
from digest.model import Difference, Value

UNALIGNED = 0.25  # best similarity to any other source's sentence below this: unique
MIN_WORDS = 8
PER_SOURCE = 6


def run(state: StoryState) -> None:
    if state.source_count < 2:
        return
    best: dict[int, float] = {}
    for i, j, sim in state.aligned_pairs():
        best[i] = max(best.get(i, 0.0), sim)
        best[j] = max(best.get(j, 0.0), sim)
    per_source: dict[str, list[int]] = {}
    for s in state.sentences:
        if s.index in state.fact_of or s.index in state.cited or s.n_words < MIN_WORDS:
            continue
        if best.get(s.index, 0.0) >= UNALIGNED:
            continue
        if not (re.search(r"\d", s.text) or re.search(r"\s[A-Z][a-z]", s.text)):
            continue  # a detail worth listing names someone or counts something
        per_source.setdefault(s.source, []).append(s.index)
    for source in sorted(per_source):
        idx = per_source[source][:PER_SOURCE]
        outlet = state.sentences[idx[0]].article.source
        for i in idx:
            s = state.sentences[i]
            state.differences.append(Difference(
                "coverage", f"only {outlet}", "single source",
                [Value(s.text, [s.evidence])]))
