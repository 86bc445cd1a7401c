"""Numbers: the same quantity reported differently ("over 10,000" vs "some 11,000" troops).

Mentions are aligned by what is counted (the unit noun, folded so "troops" = "soldiers",
"killed" = "dead") and by the sentence around them, never by position. Words and digits
are the same number ("two" = "2"). The hedge is kept: values that differ only by hedge
("about 11,000" vs "11,000") are not a difference; values whose ranges cannot both be true
("129" vs "at least 130") are a conflict; the rest differ but are compatible.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from digest.compare.state import Sentence, StoryState
from digest.model import Difference, Value
from digest.text import STOPWORDS, fold, lemma

_WORD_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90, "hundred": 100, "dozen": 12, "a dozen": 12,
}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000,
           "trillion": 1_000_000_000_000}
# hedge -> (low factor, high factor) of the interval it allows around the number
HEDGES = {
    "more than": (1.0, 2.0), "over": (1.0, 2.0), "upwards of": (1.0, 2.0),
    "just over": (1.0, 1.2), "at least": (1.0, 10.0), "no fewer than": (1.0, 10.0),
    "some": (0.85, 1.15), "about": (0.85, 1.15), "around": (0.85, 1.15),
    "approximately": (0.85, 1.15), "roughly": (0.85, 1.15), "an estimated": (0.8, 1.2),
    "estimated": (0.8, 1.2), "nearly": (0.8, 1.0), "almost": (0.8, 1.0),
    "close to": (0.8, 1.0), "just under": (0.85, 1.0), "up to": (0.0, 1.0),
    "as many as": (0.5, 1.0), "at most": (0.0, 1.0), "fewer than": (0.0, 1.0),
    "less than": (0.0, 1.0), "under": (0.0, 1.0), "dozens of": (0.0, 1.0),
}
_HEDGE_RE = "|".join(sorted((re.escape(h) for h in HEDGES), key=len, reverse=True))
_NUM_WORDS_RE = "|".join(sorted(_WORD_NUMBERS, key=len, reverse=True))
_MONTHS = ("january february march april may june july august september october november "
           "december jan feb mar apr jun jul aug sep sept oct nov dec").split()
MENTION = re.compile(
    rf"(?:(?P<hedge>{_HEDGE_RE})\s+)?"
    rf"(?P<num>\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?|\b(?:{_NUM_WORDS_RE})\b)"
    r"(?:\s+(?P<scale>hundred|thousand|million|billion|trillion)\b)?"
    r"(?P<after>(?:\s+(?:[A-Z][\w’'-]*|[a-z][\w’'-]*)){0,4})",
    re.IGNORECASE,
)
_SKIP_UNITS = {"of", "and", "or", "to", "in", "on", "at", "per", "a", "the", "for", "from"}
_NOT_UNITS = {"percent", "%"}  # kept as units, listed for clarity
CONTEXT_MIN = 0.25
CLOSE_RATIO = 1.6


@dataclass
class Mention:
    sentence: Sentence
    surface: str  # as written: "some 11,000"
    value: float
    hedge: str
    unit: str  # folded lemma of what is counted
    unit_surface: str
    context: frozenset[str]

    @property
    def interval(self) -> tuple[float, float]:
        lo, hi = HEDGES.get(self.hedge, (1.0, 1.0))
        return self.value * lo, self.value * hi


def _number(num: str, scale: str | None) -> float | None:
    n = num.lower()
    if n in _WORD_NUMBERS:
        value = float(_WORD_NUMBERS[n])
    else:
        try:
            value = float(n.replace(",", ""))
        except ValueError:
            return None
    if scale:
        value *= _SCALES[scale.lower()]
    return value


def extract_mentions(s: Sentence) -> list[Mention]:
    out: list[Mention] = []
    text = s.text
    for m in MENTION.finditer(text):
        num = m.group("num")
        end = m.end("scale") if m.group("scale") else m.end("num")
        start = m.start("num")
        if end < len(text) and text[end] in "-–:/" or text[end:end + 2] in ("st", "nd", "rd", "th"):
            continue  # "three-year-old", "10:30", "1st"
        if start > 0 and text[start - 1] in "-$€£/":
            continue
        before = fold(text[max(0, start - 12):start]).split()
        if before and before[-1].strip(".,") in _MONTHS:
            continue  # a date: "January 9"
        value = _number(num, m.group("scale"))
        if value is None or (num.lower() == "one" and not m.group("hedge")):
            continue  # "one of them" is a pronoun far more often than a count
        if num.isdigit() and 1900 <= value <= 2100 and not m.group("hedge"):
            continue  # a year
        unit, unit_surface = _unit(m.group("after") or "")
        if not unit:
            continue
        hedge = fold(m.group("hedge") or "")
        surface = text[m.start():end]
        context = s.lemmas - {unit} - {lemma(w) for w in surface.split()}
        out.append(Mention(s, surface, value, hedge, unit, unit_surface, frozenset(context)))
    return out


def _unit(after: str) -> tuple[str, str]:
    tokens = after.split()
    for n, raw in enumerate(tokens):
        w = raw.strip(".,;:!?\"'”’()")
        if not w:
            return "", ""
        f = fold(w)
        if f in _SKIP_UNITS:
            if f in ("of",):
                continue
            return "", ""
        if w[0].isupper():
            continue  # "11,000 North Korean troops": skip the adjectives
        if f in STOPWORDS or f in HEDGES:
            return "", ""
        nxt = fold(tokens[n + 1]) if n + 1 < len(tokens) else ""
        if f.endswith(("ed", "ing")) and nxt and nxt not in STOPWORDS and nxt not in _SKIP_UNITS:
            continue  # "two wounded North Korean soldiers": an adjective, not the unit
        return lemma(w), w
    return "", ""


def _linked(state: StoryState, a: Mention, b: Mention) -> bool:
    if a.unit != b.unit or a.sentence.source == b.sentence.source:
        return False
    ctx = state.similarity(a.context, b.context)
    big, small = max(a.value, b.value), min(a.value, b.value)
    close = small > 0 and big / small <= CLOSE_RATIO
    if a.value == b.value:
        return ctx >= CONTEXT_MIN * 0.6
    if close and small >= 100:
        return bool(a.context & b.context)  # large, close counts of one unit: same figure
    if close and small >= 20:
        return ctx >= CONTEXT_MIN * 0.6
    return ctx >= 0.5 and close


def _groups(state: StoryState, mentions: list[Mention]) -> list[list[Mention]]:
    parent = list(range(len(mentions)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    by_unit: dict[str, list[int]] = {}
    for i, m in enumerate(mentions):
        by_unit.setdefault(m.unit, []).append(i)
    for idxs in by_unit.values():
        for x in range(len(idxs)):
            for y in range(x + 1, len(idxs)):
                if _linked(state, mentions[idxs[x]], mentions[idxs[y]]):
                    parent[find(idxs[x])] = find(idxs[y])
    groups: dict[int, list[Mention]] = {}
    for i, m in enumerate(mentions):
        groups.setdefault(find(i), []).append(m)
    return [g for g in groups.values() if len({m.sentence.source for m in g}) >= 2]


def _format(value: float) -> str:
    return f"{int(value):,}" if value == int(value) else f"{value:,}"


def run(state: StoryState) -> None:
    mentions = [m for s in state.sentences for m in extract_mentions(s)]
    for group in _groups(state, mentions):
        state.quantities.append(list(group))
        values = sorted({m.value for m in group})
        if len(values) < 2:
            continue
        # one entry per distinct number; hedges of the same number are kept in the note
        by_value: dict[float, list[Mention]] = {}
        for m in group:
            by_value.setdefault(m.value, []).append(m)
        intervals = [m.interval for m in group]
        overlap = max(lo for lo, _ in intervals) <= min(hi for _, hi in intervals)
        detail = "compatible" if overlap else "conflict"
        out_values = []
        for _value, ms in sorted(by_value.items()):
            surfaces = sorted({m.surface for m in ms}, key=lambda x: (
                -sum(1 for m in ms if m.surface == x), x))
            idx = [m.sentence.index for m in ms]
            state.cited.update(idx)
            out_values.append(Value(surfaces[0], state.evidence_for(idx),
                                    note=" / ".join(surfaces)))
        unit_word = max((m.unit_surface for m in group), key=lambda w: (
            sum(1 for m in group if m.unit_surface == w), w))
        state.differences.append(
            Difference(kind="number", topic=f"number of {unit_word}", detail=detail,
                       values=out_values)
        )
