"""Attribution: the same figure credited to different sources.

For every quantity the numbers rule aligned, the phrase that credits it ("according to
Seoul's intelligence", "Ukrainian and Western assessments say", "reports indicate") is read
from each sentence; when the credited bodies differ between outlets, that is a difference.
"""

from __future__ import annotations

import re

from digest.compare.numbers import Mention
from digest.compare.state import StoryState
from digest.model import Difference, Value
from digest.text import content_lemmas

PATTERNS = [
    re.compile(r"\baccording to (?P<who>[^,.;]+?)(?:,|\.|;| some | an | over | about |$)", re.I),
    re.compile(r"(?P<who>(?:[A-Z][\w'’]*\s+|\b(?:and|of|the|western|ukrainian|local|"
               r"official|health|military)\s+){0,6}(?:assessments?|estimates?|officials?|"
               r"reports?|intelligence|ministry|sources?|authorities|agency|police|"
               r"data|figures?))\s+(?:say|says|said|show|shows|indicate|indicates|"
               r"suggest|suggests|estimate|estimated)\b", re.I),
    re.compile(r"\b(?P<who>(?:the\s+)?[A-Z][\w'’]+(?:\s+[A-Z][\w'’]+){0,4})\s+"
               r"(?:said|says|estimated|estimates|reported|reports)\b"),
]


_BODY_WORDS = {"western", "ukrainian", "local", "official", "officials", "health", "military",
               "report", "reports", "assessment", "assessments", "estimate", "estimates",
               "source", "sources", "intelligence", "ministry", "authorities", "agency",
               "police", "data", "figure", "figures", "the"}


def _trim(who: str) -> str:
    """Drop leading words that are not part of the credited body ("particularly as")."""
    tokens = who.split()
    while tokens and tokens[0].islower() and tokens[0] not in _BODY_WORDS:
        tokens.pop(0)
    return " ".join(tokens)


def credited(text: str) -> str | None:
    """Who a sentence credits for what it reports, or None."""
    for p in PATTERNS:
        m = p.search(text)
        if m:
            who = _trim(m.group("who").strip(" ,"))
            if len(who) >= 3:
                return who
    return None


def run(state: StoryState) -> None:
    for group in state.quantities:
        mentions: list[Mention] = [m for m in group if isinstance(m, Mention)]
        by_who: dict[frozenset[str], list[tuple[str, Mention]]] = {}
        for m in mentions:
            who = credited(m.sentence.text)
            if not who:
                continue
            by_who.setdefault(frozenset(content_lemmas(who)), []).append((who, m))
        keys = sorted(by_who, key=lambda k: by_who[k][0][1].sentence.index)
        # credits that share a word name the same body ("Western assessments" and
        # "assessments from Western officials"): connected groups of them are one credit
        groups: list[list[frozenset[str]]] = []
        for k in keys:
            joined = [g for g in groups if any(k & o for o in g)]
            merged = [k] + [o for g in joined for o in g]
            groups = [g for g in groups if g not in joined] + [merged]
        if len(groups) < 2:
            continue
        sources = {m.sentence.source for k in keys for _w, m in by_who[k]}
        if len(sources) < 2:
            continue
        values = []
        for g in sorted(groups, key=lambda g: min(by_who[k][0][1].sentence.index for k in g)):
            entries = [e for k in g for e in by_who[k]]
            entries.sort(key=lambda e: e[1].sentence.index)
            idx = [m.sentence.index for _w, m in entries]
            state.cited.update(idx)
            values.append(Value(entries[0][0], state.evidence_for(idx), note=entries[0][1].surface))
        unit = mentions[0].unit_surface
        state.differences.append(Difference("attribution", f"who reported the number of {unit}",
                                            "different source", values))
