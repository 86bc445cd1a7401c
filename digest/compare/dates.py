"""Dates: the same event dated differently.

"January 9" vs "January" is a difference of precision, not a contradiction; "Saturday" vs
"Sunday" for the same event is a conflict, and so are "2027" vs "2028". Weekdays and
"yesterday"/"today" are resolved against the article's publication date: backwards for
what happened ("struck late on Thursday"), forwards for what is planned ("he would visit on
Tuesday"). Mentions are aligned by the event around them (the stems of the words near the
date, so "deliveries start" meets "delivered from"), best pairs first, one mention per
source in a group.

A date has a role, and only dates of one role are compared: a date attached to a speech
verb ("said on Sunday") dates the statement, not the event it reports; "since February"
and "until August" bound a period; "the previous exchange, on Feb. 22" dates an earlier
event of the same kind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from digest.compare.attribution import subject_phrase
from digest.compare.state import (
    Sentence,
    StoryState,
    group_scored_pairs,
    per_sentence,
    scored_pairs,
)
from digest.model import Difference, Value
from digest.text import STOPWORDS, fold, stem

MONTHS = {m: i + 1 for i, m in enumerate(
    "january february march april may june july august september october november december"
    .split())}
MONTHS.update({m[:3]: i for m, i in list(MONTHS.items())})
MONTHS["sept"] = 9
WEEKDAYS = {d: i for i, d in enumerate(
    "monday tuesday wednesday thursday friday saturday sunday".split())}
SPEECH = {"said", "says", "say", "stated", "told", "announced", "wrote", "posted", "added",
          "declared", "confirmed", "reported", "tweeted", "claimed", "insisted", "announce",
          "denied", "commented", "warned", "quoted", "statement"}
FUTURE = re.compile(r"\b(will|would|'ll|shall|due|expected|scheduled|set to|plans? to|"
                    r"planned|next|later|upcoming|to be held|is to|are to)\b", re.I)
PAST_EVENT = re.compile(r"\b(previous|prior|preceding|earlier|former|last)\b", re.I)

_MONTH_RE = ("(?:January|February|March|April|May|June|July|August|September|October|"
             "November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\\b\\.?")
_PREP = r"(?:in|on|since|during|until|till|through|by|from|before|after|of|early|late|mid-?)"
_YEAR_PREP = r"(?:in|since|during|until|till|through|by|from|before|after|at)"
DATE_RE = re.compile(
    rf"\b(?P<md>{_MONTH_RE}\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<y1>\d{{4}}))?)"
    rf"|\b(?P<dm>(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH_RE}(?:,?\s+(?P<y2>\d{{4}}))?)"
    rf"|\b(?P<my>{_MONTH_RE}\s+(?P<y4>\d{{4}}))\b"
    rf"|\b(?P<m>{_PREP}\s+(?:early\s+|late\s+|mid-?)?{_MONTH_RE})(?![.\s]*\d)"
    rf"|\b(?P<y>{_YEAR_PREP}\s+(?:the\s+(?:end|start|beginning|middle|first\s+half|second\s+half)"
    rf"\s+of\s+)?(?:early\s+|late\s+|mid-?)?(?P<y5>(?:19|20)\d\d))\b(?![-–/]\d)"
    r"|\b(?P<wd>(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday))(?:['’]s)?\b"
    r"|\b(?P<rel>yesterday|today|tonight)\b"
)
# Every DATE_RE match holds one of these (case as written): a month's first three letters,
# a digit, "day" (weekdays, today, yesterday) or "tonight". A sentence without any has no
# date, and this pattern, unlike DATE_RE, is found by a fast scan.
_DATE_NEEDS = re.compile(r"Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec|day|tonight|\d")
_LETTERS = re.compile(r"[A-Za-z]+")
_CLAUSE = re.compile(r"[.;,]\s")
_DATELINE_AFTER = re.compile(r"\s*\([\w .]+\)\s*(?:-|–|—|--)")
_WORDS = re.compile(r"[\w']+")
_ROLE_CLAUSE = re.compile(r"[;]|,\s(?=\w+\s\w+,)")
_NON_SPACE = re.compile(r"\S+")
_SPEECH_VERB = re.compile(r"\b(?:said|says|told|announced|stated|wrote|posted|added|declared|"
                          r"confirmed|reported)\b")
WINDOW = 6
CONTEXT_MIN = 0.25
MAX_MENTIONS = 400
MAX_GAP_DAYS = 31
LEDE = 2  # sentences


@dataclass
class DateMention:
    sentence: Sentence
    surface: str
    year: int | None
    month: int | None
    day: int | None
    role: str  # event | planned | statement | since | until | past
    context: frozenset[str]
    start: int = 0
    explicit_year: bool = True  # False when the year was inferred from the article's date
    # _speaker(self), worked out once (dated statements are compared pair by pair)
    speaker: frozenset[str] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def precision(self) -> int:
        return 3 if self.day else 2 if self.month else 1

    def label(self) -> str:
        if self.month is None:
            return str(self.year) if self.year else self.surface
        d = date(self.year or 2000, self.month, self.day or 1)
        if self.day:
            text = f"{d.strftime('%B')} {self.day}"
            return f"{text}, {self.year}" if self.year else text
        month = d.strftime("%B")
        return f"{month} {self.year}" if self.year and self.explicit_year else month


def _month_of(text: str) -> int | None:
    for token in _LETTERS.findall(text):
        m = MONTHS.get(token.lower().rstrip("."))
        if m:
            return m
    return None


def resolve_weekday(pub: date, wd: int, text: str, start: int) -> date:
    """The date a weekday names, seen from the publication date (forwards if planned)."""
    clause = _CLAUSE.split(text[:start])[-1]
    before = text[max(0, start - 12):start].lower()
    if FUTURE.search(clause) and "last" not in before:
        ahead = (wd - pub.weekday()) % 7
        if ahead == 0 and "next" in before:
            ahead = 7
        return pub + timedelta(days=ahead)
    back = (pub.weekday() - wd) % 7
    if back == 0 and "last" in before:
        back = 7
    return pub - timedelta(days=back)


def _year_of_month(pub: date, month: int, text: str, start: int) -> int:
    """The year of a month named without one: the last such month, or the next if planned."""
    future = bool(FUTURE.search(_CLAUSE.split(text[:start])[-1]))
    if month > pub.month and not future:
        return pub.year - 1  # "since October", written in March
    if month < pub.month and future:
        return pub.year + 1  # "will open in January", written in March
    return pub.year


@per_sentence(lambda s: (s.text, s.article.published))
def extract_dates(s: Sentence) -> list[DateMention]:
    out: list[DateMention] = []
    pub = s.article.published
    text = s.text
    if not _DATE_NEEDS.search(text):
        return out
    for m in DATE_RE.finditer(text):
        year = month = day = None
        surface = m.group(0)
        if m.group("md") or m.group("dm"):
            month = _month_of(surface)
            day = int(m.group("d1") or m.group("d2"))
            y = m.group("y1") or m.group("y2")
            year = int(y) if y else (pub.year if pub else None)
            if not (1 <= day <= 31):
                continue
        elif m.group("my"):
            month = _month_of(surface)
            year = int(m.group("y4"))
        elif m.group("m"):
            month = _month_of(surface)
            year = _year_of_month(pub, month, text, m.start()) if pub and month else None
        elif m.group("y"):
            year = int(m.group("y5"))
        elif m.group("wd"):
            if pub is None:
                continue
            d = resolve_weekday(pub, WEEKDAYS[m.group("wd").lower()], text, m.start())
            year, month, day = d.year, d.month, d.day
        elif m.group("rel"):
            if pub is None:
                continue
            d = pub - timedelta(days=1 if m.group("rel").lower() == "yesterday" else 0)
            year, month, day = d.year, d.month, d.day
        if month is None and year is None:
            continue
        if _dateline(text, m) or _FIGURE_AS_OF.search(text[max(0, m.start() - 60):m.start()]):
            continue  # "the toll rose to 2,053 on Thursday": when a figure stood, no event
        role = _role(text, m)
        if role == "event" and pub and (FUTURE.search(_CLAUSE.split(text[:m.start()])[-1])
                                        or (year or 0) > pub.year
                                        or (year == pub.year and month and month > pub.month)
                                        or (year == pub.year and month == pub.month and day
                                            and day > pub.day)):
            role = "planned"
        out.append(DateMention(s, surface.strip(), year, month, day, role,
                               _context(text, m), m.start(), bool(m.group("my"))))
    return out


_FIGURE_AS_OF = re.compile(
    r"\b(?:rose|risen|climbed|jumped|increased|grew|fell|fallen|dropped|reached|stood at)"
    r"(?:\s+to)?\s+\S+(?:\s+\S+){0,2}?\s+(?:on|by)\s+(?:late\s+|early\s+)?$", re.I)


def _dateline(text: str, m: re.Match[str]) -> bool:
    """"KYIV, Feb 22 (Reuters) -": the date of the report, not of anything in it."""
    return m.start() < 40 and bool(_DATELINE_AFTER.match(text[m.end():]))


def _role(text: str, m: re.Match[str]) -> str:
    lead = fold(text[max(0, m.start() - 20):m.start()]).split()
    first = fold(m.group(0)).split()[0]
    prep = first if first in ("since", "until", "till", "through", "by") else (
        lead[-1] if lead else "")
    if prep in ("since",):
        return "since"
    if prep in ("until", "till", "through", "by"):
        return "until"
    before = [fold(w) for w in _WORDS.findall(text[: m.start()])[-3:]]
    first_after = _WORDS.search(text, m.end())
    after = [fold(first_after.group(0))] if first_after else []
    if SPEECH & set(before[-2:]) or SPEECH & set(after):
        return "statement"
    clause = _ROLE_CLAUSE.split(text[: m.start()])[-1]
    if PAST_EVENT.search(" ".join(clause.split()[-6:])):
        return "past"
    return "event"


_DROP = set(MONTHS) | set(WEEKDAYS) | {"yesterday", "today", "tonight", "early", "late", "local",
                                       "time", "hour", "hours", "morning", "evening", "night",
                                       "afternoon", "day", "week", "month", "year", "media",
                                       "official", "officials", "authorities", "agency",
                                       "ministry", "spokesman", "spokeswoman", "spokesperson",
                                       "report", "reports", "source", "sources"} | SPEECH


def _content(tokens: list[str], limit: int | None = None) -> list[str]:
    """Stems of the content words among tokens (the first `limit` of them, if given)."""
    out = []
    for w in tokens:
        f = fold(w.strip(".,;:()\"'“”‘’"))
        if f and f not in STOPWORDS and f not in _DROP and not f[0].isdigit():
            out.append(stem(f))
            if limit is not None and len(out) >= limit:
                break
    return out


def _context(text: str, m: re.Match[str]) -> frozenset[str]:
    """Stems of the WINDOW content words on each side of the date."""
    left = _content(_NON_SPACE.findall(text[: m.start()])[::-1], WINDOW)[::-1]
    right = _content(_NON_SPACE.findall(text[m.end():]), WINDOW)
    return frozenset(left + right)


def _compatible(a: DateMention, b: DateMention) -> bool:
    if a.year and b.year and a.year != b.year:
        return False
    if a.month and b.month and a.month != b.month:
        return False
    return not (a.day and b.day and a.day != b.day)


def _span(d: DateMention) -> tuple[date, date] | None:
    if not d.year:
        return None
    if d.month is None:
        return date(d.year, 1, 1), date(d.year, 12, 31)
    if d.day is None:
        nxt = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
        return date(d.year, d.month, 1), nxt - timedelta(days=1)
    return (date(d.year, d.month, d.day),) * 2


def _close(a: DateMention, b: DateMention) -> bool:
    """Dates far apart name two events: sources disagree by days, not by years."""
    sa, sb = _span(a), _span(b)
    if sa is None or sb is None:
        return True
    gap = max((sb[0] - sa[1]).days, (sa[0] - sb[1]).days, 0)
    coarse = min(a.precision, b.precision)
    return gap <= {3: MAX_GAP_DAYS, 2: 2 * MAX_GAP_DAYS, 1: 366}[coarse]


def _offset(d: DateMention) -> int | None:
    pub = d.sentence.article.published
    if pub is None or not (d.year and d.month and d.day):
        return None
    return (date(d.year, d.month, d.day) - pub).days


def _each_its_own_day(a: DateMention, b: DateMention) -> bool:
    """Reports written on different days that each date something to their own day ("on
    Thursday" in Thursday's paper, "on Friday" in Friday's) describe something that went on
    for days, not one event dated twice; unless both say it in their opening sentences,
    where a story puts its one main event."""
    pa, pb = a.sentence.article.published, b.sentence.article.published
    oa, ob = _offset(a), _offset(b)
    if oa is None or ob is None or pa == pb or oa != ob:
        return False
    return not (a.sentence.position < LEDE and b.sentence.position < LEDE)


def _speaker(d: DateMention) -> set[str]:
    """Stems of who made a dated statement: the subject of the speech verb, with the name it
    stands in apposition to ("Nordair, the Scandinavian carrier, said")."""
    text = d.sentence.text
    lo = max(0, d.start - 60)
    m = _SPEECH_VERB.search(text[lo:d.start + 40])
    if not m:
        return set()
    before = text[:lo + m.start()].rstrip(" ,")
    who = subject_phrase(before)
    rest = before[:len(before) - len(who)].rstrip()
    if who and rest.endswith(","):
        head = subject_phrase(rest.rstrip(" ,"))
        opening = rest.rstrip(" ,")[:len(rest.rstrip(" ,")) - len(head)].strip()
        if head and (not opening or opening.endswith(("-", "—", "–", ":"))):
            who = head + " " + who  # the apposition opens the sentence: it names the speaker
    return set(_content(who.split()))


def _speaker_of(d: DateMention) -> frozenset[str]:
    if d.speaker is None:
        d.speaker = frozenset(_speaker(d))
    return d.speaker


def _same_speaker(a: DateMention, b: DateMention) -> bool:
    sa, sb = _speaker_of(a), _speaker_of(b)
    return not sa or not sb or bool(sa & sb)


def _aligned(state: StoryState, a: DateMention, b: DateMention) -> float:
    """How surely two mentions date the same thing (0 when they cannot)."""
    if a.role != b.role or a.sentence.source == b.sentence.source:
        return 0.0
    if (a.month is None) != (b.month is None):
        return 0.0  # a bare year against a month: "in 2022" rarely dates the same thing
    shared = a.context & b.context
    if not shared or not _close(a, b) or _each_its_own_day(a, b):
        return 0.0
    if a.role == "statement" and not _same_speaker(a, b):
        return 0.0  # the union said on Wednesday, the airline on Tuesday: two statements
    ctx = state.containment(a.context, b.context)
    if ctx < CONTEXT_MIN or (len(shared) < 2 and a.role != "planned"):
        return 0.0  # what happened, not when it is planned for, is named by several words
    return ctx


def run(state: StoryState) -> None:
    mentions: list[DateMention] = []
    for s in state.sentences:
        mentions.extend(extract_dates(s))
        if len(mentions) >= MAX_MENTIONS:
            break
    del mentions[MAX_MENTIONS:]
    # _aligned is symmetric: each pair is scored once, for the pairs and for the groups
    score: dict[tuple[int, int], float] = {}

    def aligned(i: int, j: int) -> float:
        key = (i, j) if i < j else (j, i)
        value = score.get(key)
        if value is None:
            value = score[key] = _aligned(state, mentions[key[0]], mentions[key[1]])
        return value

    # _aligned scores 0 unless the roles match and both or neither give a month
    pairs = scored_pairs(range(len(mentions)), aligned,
                         block=lambda k: (mentions[k].role, mentions[k].month is None))

    def agrees_with_most(members: list[int], new: int) -> bool:
        agree = sum(1 for k in members if aligned(k, new))
        return 2 * agree >= len(members)

    groups = group_scored_pairs(pairs, lambda k: mentions[k].sentence.source,
                                agrees_with_most)
    for members in groups:
        _report(state, [mentions[k] for k in sorted(members)])


def _report(state: StoryState, group: list[DateMention]) -> None:
    labels = {g.label() for g in group}
    if len(labels) < 2:
        return
    conflict = any(not _compatible(x, y) for x in group for y in group)
    precisions = {g.precision for g in group}
    if not conflict and len(precisions) < 2:
        return
    detail = "conflict" if conflict else "precision"
    by_label: dict[str, list[DateMention]] = {}
    for g in group:
        by_label.setdefault(g.label(), []).append(g)
    values = []
    for label, ds in sorted(by_label.items(), key=lambda kv: (
            kv[1][0].year or 0, kv[1][0].month or 0, kv[1][0].day or 0, kv[0])):
        idx = [d.sentence.index for d in ds]
        state.cited.update(idx)
        written = sorted({d.surface for d in ds})
        values.append(Value(label, state.evidence_for(idx), note=", ".join(written)))
    first = group[0]
    shared = set.intersection(*(set(g.sentence.lemmas) for g in group))
    words = state.topic_words(first.sentence.text, shared)
    what = {"statement": "date of the statement", "since": "start date", "planned": "planned date",
            "until": "end date"}.get(first.role, "date")
    topic = f"{what}: {words}" if words else what
    state.differences.append(Difference("date", topic, detail, values))
