"""Quotes: the same quotation worded differently by different sources.

Quoted passages are aligned across sources by their words (folded, British and American
spellings merged); when the wording differs the differing words are highlighted. A quote
that one source only trims is reported as trimmed.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from digest.compare.state import Sentence, StoryState
from digest.model import Difference, Value
from digest.text import content_lemmas, fold

QUOTE_RE = re.compile(r"“([^”]{8,})”|\"([^\"]{8,})\"|‘([^’]{20,})’")
MIN_WORDS = 4
ALIGN = 0.6


@dataclass
class Quote:
    sentence: Sentence
    text: str
    tokens: list[str]  # folded words, for the word diff
    lemmas: frozenset[str]


def extract_quotes(s: Sentence) -> list[Quote]:
    out = []
    for m in QUOTE_RE.finditer(s.text):
        q = next(g for g in m.groups() if g is not None).strip()
        tokens = re.findall(r"[\w'’-]+", q)
        if len(tokens) < MIN_WORDS:
            continue
        out.append(Quote(s, q, [fold(t) for t in tokens], frozenset(content_lemmas(q))))
    return out


def _overlap(state: StoryState, a: Quote, b: Quote) -> float:
    """How much of the shorter quote the longer one contains (weighted), 0..1."""
    if not a.lemmas or not b.lemmas:
        return 0.0
    shared = state.weight(a.lemmas & b.lemmas)
    return shared / min(state.weight(a.lemmas), state.weight(b.lemmas))


def word_diff(a: list[str], b: list[str]) -> tuple[list[str], list[str], bool]:
    """Words of a and b that the other does not have, and whether one is a trimmed b."""
    sm = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    only_a: list[str] = []
    only_b: list[str] = []
    inner_change = False
    blocks = sm.get_opcodes()
    for n, (tag, i1, i2, j1, j2) in enumerate(blocks):
        if tag == "equal":
            continue
        only_a.extend(a[i1:i2])
        only_b.extend(b[j1:j2])
        edge = n == 0 or n == len(blocks) - 1
        if tag == "replace" or not edge:
            inner_change = True
    return only_a, only_b, not inner_change


def run(state: StoryState) -> None:
    quotes = [q for s in state.sentences for q in extract_quotes(s)]
    used: set[int] = set()
    for i, a in enumerate(quotes):
        if i in used:
            continue
        group = [a]
        for j in range(i + 1, len(quotes)):
            b = quotes[j]
            if j in used or any(g.sentence.source == b.sentence.source for g in group):
                continue
            if _overlap(state, a, b) >= ALIGN:
                group.append(b)
                used.add(j)
        if len(group) < 2:
            continue
        wordings = {tuple(q.tokens) for q in group}
        if len(wordings) < 2:
            continue
        ref = max(group, key=lambda q: (len(q.tokens), -q.sentence.index))
        highlight: list[list[str]] = []
        trimmed_only = True
        by_text: dict[tuple[str, ...], list[Quote]] = {}
        for q in group:
            by_text.setdefault(tuple(q.tokens), []).append(q)
        values = []
        for _tokens, qs in sorted(by_text.items(), key=lambda kv: kv[1][0].sentence.index):
            q = qs[0]
            only_q, _only_ref, trimmed = word_diff(q.tokens, ref.tokens)
            if q is not ref and not trimmed:
                trimmed_only = False
            # words this wording has that another wording lacks
            diff_words: set[str] = set(only_q)
            for other in by_text:
                if other != tuple(q.tokens):
                    mine, _theirs, _t = word_diff(q.tokens, list(other))
                    diff_words.update(mine)
            originals = [w for w in re.findall(r"[\w'’-]+", q.text) if fold(w) in diff_words]
            highlight.append(originals)
            idx = [x.sentence.index for x in qs]
            state.cited.update(idx)
            values.append(Value(q.text, state.evidence_for(idx)))
        detail = "trimmed" if trimmed_only else "wording"
        if not trimmed_only and _spelling_only(group):
            detail = "spelling"
        speaker_words = state.topic_words(ref.text, ref.lemmas, k=5)
        state.differences.append(Difference("quote", f"quote: “{speaker_words}…”", detail,
                                            values, highlight=highlight))


def _spelling_only(group: list[Quote]) -> bool:
    """True when the wordings differ only by spellings that fold to the same lemma."""
    keys = {tuple(content_lemmas(" ".join(q.tokens))) for q in group}
    return len(keys) == 1
