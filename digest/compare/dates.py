"""Dates: the same event dated differently.

"January 9" vs "January" is a difference of precision, not a contradiction; "Saturday" vs
"Sunday" for the same event is a conflict. Weekdays and "yesterday"/"today" are resolved
against the article's publication date. Mentions are aligned by the event around them (the
words near the date), and a date attached to a speech verb ("said on Sunday") dates the
statement, not the event it reports, so it is only compared with other statements.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from digest.compare.state import Sentence, StoryState
from digest.model import Difference, Value
from digest.text import content_lemmas, fold

MONTHS = {m: i + 1 for i, m in enumerate(
    "january february march april may june july august september october november december"
    .split())}
MONTHS.update({m[:3]: i for m, i in list(MONTHS.items())})
MONTHS["sept"] = 9
WEEKDAYS = {d: i for i, d in enumerate(
    "monday tuesday wednesday thursday friday saturday sunday".split())}
SPEECH = {"said", "says", "stated", "told", "announced", "wrote", "posted", "added",
          "declared", "confirmed", "reported", "tweeted", "claimed", "insisted"}

_MONTH_RE = ("(?:January|February|March|April|May|June|July|August|September|October|"
             "November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\\.?")
DATE_RE = re.compile(
    rf"\b(?P<md>{_MONTH_RE}\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<y1>\d{{4}}))?)\b"
    rf"|\b(?P<dm>(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH_RE}(?:,?\s+(?P<y2>\d{{4}}))?)\b"
    rf"|\b(?P<m>(?:in|since|during|until|by|early|late|mid-?)\s+{_MONTH_RE}(?:\s+(?P<y3>\d{{4}}))?)\b"
    r"|\b(?P<wd>(?:on\s+|last\s+|this\s+)?(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday))\b"
    r"|\b(?P<rel>yesterday|today|tonight)\b"
)
WINDOW = 8
CONTEXT_MIN = 0.3


@dataclass
class DateMention:
    sentence: Sentence
    surface: str
    year: int | None
    month: int | None
    day: int | None
    statement: bool
    context: frozenset[str]

    @property
    def precision(self) -> int:
        return 3 if self.day else 2 if self.month else 1

    def label(self) -> str:
        if self.month is None:
            return self.surface
        d = date(self.year or 2000, self.month, self.day or 1)
        text = d.strftime("%B") if not self.day else f"{d.strftime('%B')} {self.day}"
        return f"{text}, {self.year}" if self.year and self.day else (
            f"{text} {self.year}" if self.year else text)


def _month_of(text: str) -> int | None:
    for token in re.findall(r"[A-Za-z]+", text):
        m = MONTHS.get(token.lower().rstrip("."))
        if m:
            return m
    return None


def extract_dates(s: Sentence) -> list[DateMention]:
    out: list[DateMention] = []
    pub = s.article.published
    for m in DATE_RE.finditer(s.text):
        year = month = day = None
        surface = m.group(0)
        if m.group("md") or m.group("dm"):
            month = _month_of(surface)
            day = int(m.group("d1") or m.group("d2"))
            y = m.group("y1") or m.group("y2")
            year = int(y) if y else (pub.year if pub else None)
            if not (1 <= day <= 31):
                continue
        elif m.group("m"):
            month = _month_of(surface)
            y = m.group("y3")
            year = int(y) if y else (pub.year if pub else None)
            if surface.split()[-1].lower().rstrip(".") == "may" and not y:
                continue  # "in May" vs the verb "may": too ambiguous without a year
        elif m.group("wd"):
            if pub is None:
                continue
            wd = WEEKDAYS[surface.split()[-1].lower()]
            back = (pub.weekday() - wd) % 7 or (0 if surface.lower().startswith("this") else 7)
            if back == 7 and not surface.lower().startswith("last"):
                back = 0  # "on Monday" in a Monday article: that same day
            d = pub - timedelta(days=back)
            year, month, day = d.year, d.month, d.day
        elif m.group("rel"):
            if pub is None:
                continue
            d = pub - timedelta(days=1 if m.group("rel").lower() == "yesterday" else 0)
            year, month, day = d.year, d.month, d.day
        if month is None:
            continue
        out.append(DateMention(s, surface.strip(), year, month, day, _is_statement(s.text, m),
                               _context(s.text, m)))
    return out


def _is_statement(text: str, m: re.Match[str]) -> bool:
    before = [fold(w) for w in re.findall(r"[\w']+", text[: m.start()])][-2:]
    after = [fold(w) for w in re.findall(r"[\w']+", text[m.end():])][:1]
    return bool(SPEECH & set(before)) or bool(SPEECH & set(after))


def _context(text: str, m: re.Match[str]) -> frozenset[str]:
    left = re.findall(r"\S+", text[: m.start()])[-WINDOW:]
    right = re.findall(r"\S+", text[m.end():])[:WINDOW]
    drop = set(MONTHS) | set(WEEKDAYS) | {"yesterday", "today"} | {fold(w) for w in SPEECH}
    return frozenset(t for t in content_lemmas(" ".join(left + right)) if t not in drop)


def _compatible(a: DateMention, b: DateMention) -> bool:
    if a.year and b.year and a.year != b.year:
        return False
    if a.month and b.month and a.month != b.month:
        return False
    return not (a.day and b.day and a.day != b.day)


def run(state: StoryState) -> None:
    mentions = [d for s in state.sentences for d in extract_dates(s)]
    used: set[int] = set()
    for i, a in enumerate(mentions):
        if i in used:
            continue
        group = [a]
        for j in range(i + 1, len(mentions)):
            b = mentions[j]
            if j in used or b.statement != a.statement:
                continue
            if any(b.sentence.source == g.sentence.source for g in group):
                continue
            if state.similarity(a.context, b.context) >= CONTEXT_MIN:
                group.append(b)
                used.add(j)
        if len(group) < 2:
            continue
        labels = {g.label() for g in group}
        if len(labels) < 2:
            continue
        conflict = any(not _compatible(x, y) for x in group for y in group)
        precisions = {g.precision for g in group}
        if not conflict and len(precisions) < 2:
            continue
        detail = "conflict" if conflict else "precision"
        by_label: dict[str, list[DateMention]] = {}
        for g in group:
            by_label.setdefault(g.label(), []).append(g)
        values = []
        for label, ds in sorted(by_label.items(), key=lambda kv: (
                kv[1][0].month or 0, kv[1][0].day or 0, kv[0])):
            idx = [d.sentence.index for d in ds]
            state.cited.update(idx)
            written = sorted({d.surface for d in ds})
            values.append(Value(label, state.evidence_for(idx), note=", ".join(written)))
        words = state.topic_words(a.sentence.text, group[0].context & group[1].context)
        topic = f"date: {words}" if words else "date"
        if a.statement:
            topic = f"date of the statement: {words}" if words else "date of the statement"
        state.differences.append(Difference("date", topic, detail, values))
