"""Names: spelling and transliteration variants of one entity, merged and listed.

"Zelensky" / "Zelenskiy" / "Zelenskyy" and "Kim Jong-un" / "Kim Jong Un" are one person
written differently, never two people. Capitalised word runs are keyed by a
transliteration-folding key; runs with one key but several spellings across sources are a
naming difference. Demonyms ("Korea"/"Korean") differ in letters, not in folding, so they
never merge.
"""

from __future__ import annotations

import re

from digest.compare.state import StoryState
from digest.model import Difference, Value
from digest.text import fold

_CAP_RUN = re.compile(r"(?:[A-Z][\w’'\-]*[\w])(?:[\s\-](?:[A-Z][\w’'\-]*[\w]))*")
_FOLDS = [("kh", "h"), ("ph", "f"), ("ou", "u"), ("yy", "y"), ("iy", "y"), ("ij", "y"),
          ("ie", "y"), ("j", "y"), ("dh", "d"), ("q", "k"), ("ck", "k"), ("w", "v")]
_STOP_NAMES = {"The", "A", "An", "In", "On", "At", "But", "And", "He", "She", "It", "They",
               "This", "That", "When", "However", "According", "Meanwhile", "While", "If"}


def name_key(name: str) -> str:
    """A key equal for transliteration variants: letters only, folded, no doubles."""
    s = fold(name)
    s = re.sub(r"['’]s\b", "", s)
    s = re.sub(r"[^a-z]", "", s)
    for a, b in _FOLDS:
        s = s.replace(a, b)
    s = re.sub(r"(.)\1+", r"\1", s)
    return s[:-1] + "i" if s.endswith("y") else s


def _runs(text: str) -> list[str]:
    out = []
    for m in _CAP_RUN.finditer(text):
        tokens = [re.sub(r"['’]s$", "", t) for t in re.split(r"\s+", m.group(0))]
        while tokens and tokens[0] in _STOP_NAMES:
            tokens.pop(0)
        run = " ".join(tokens)
        if len(run) >= 3:
            out.append(run)
    return out


def _variants(run: str) -> list[str]:
    """The run and its sub-runs (so "Volodymyr Zelenskiy" also yields "Zelenskiy")."""
    tokens = run.split()
    out = []
    for n in range(len(tokens), 0, -1):
        for i in range(len(tokens) - n + 1):
            out.append(" ".join(tokens[i:i + n]))
    return out


def run(state: StoryState) -> None:
    # key -> surface spelling -> sentence indexes
    spellings: dict[str, dict[str, list[int]]] = {}
    for s in state.sentences:
        for r in _runs(s.text):
            for v in _variants(r):
                key = name_key(v)
                if len(key) < 4:
                    continue
                spellings.setdefault(key, {}).setdefault(v, []).append(s.index)
    found: list[tuple[str, dict[str, list[int]]]] = []
    for key, by_spelling in spellings.items():
        if len({f.casefold() for f in by_spelling}) < 2:
            continue
        sources = {state.sentences[i].source for idx in by_spelling.values() for i in idx}
        if len(sources) < 2:
            continue
        # each spelling used by its own source(s): otherwise it is one outlet's typo
        per_source = [{state.sentences[i].source for i in idx} for idx in by_spelling.values()]
        if sum(1 for p in per_source if p) < 2:
            continue
        found.append((key, by_spelling))
    # keep the longest form of a variant: "Kim Jong-un"/"Kim Jong Un" over "Jong-un"/"Jong Un"
    found.sort(key=lambda kv: (-max(len(s) for s in kv[1]), kv[0]))
    reported: list[set[str]] = []
    for _key, by_spelling in found:
        forms = set(by_spelling)
        if any(all(any(f in big for big in r) for f in forms) for r in reported):
            continue
        reported.append(forms)
        values = []
        for spelling, idx in sorted(by_spelling.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            first_per_source: dict[str, int] = {}
            for i in idx:
                first_per_source.setdefault(state.sentences[i].source, i)
            values.append(Value(spelling, state.evidence_for(list(first_per_source.values()))))
        canonical = values[0].value
        state.differences.append(Difference("name", f"spelling of {canonical}", "spelling",
                                            values))
