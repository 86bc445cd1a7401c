"""Numbers: the same quantity reported differently ("over 10,000" vs "some 11,000" troops).

Mentions are aligned by what is counted, never by position: the head noun of the phrase
after the number ("two short-range ballistic *missiles*", "4,000 *Ukrainians*"), a currency
sign ("$1.2 billion"), a unit ("350 km", "10%"), or a hyphenated unit ("a 5,000-ton
destroyer"). People are told apart by what happened to them ("43 people killed" counts the
dead, "250 people injured" the wounded; "79 lawmakers voted" counts votes), and nouns are
folded ("troops" = "soldiers", "km" = "kilometres"). Mentions of one unit are then linked
when their sentences share context; small numbers (below 20) need close context.

Words and digits are the same number ("two" = "2", "twenty-two" = "22", "30bn" = "30
billion"). The hedge is kept: values that differ only by hedge ("about 11,000" vs "11,000")
are not a difference, nor are "6%" and "5.8%" (one rounds the other); values whose hedged
ranges cannot both be true ("129" vs "at least
130") are a conflict; the rest differ but are compatible. A casualty count that only grows
from earlier to later reports is "updated" (a toll that rose between versions).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from digest.compare.state import Sentence, StoryState, per_sentence
from digest.model import Difference, Value
from digest.text import STOPWORDS, fold, ignorecase_key, lemma, stem

_UNITS_0_19 = ("zero one two three four five six seven eight nine ten eleven twelve thirteen "
               "fourteen fifteen sixteen seventeen eighteen nineteen").split()
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
         "eighty": 80, "ninety": 90}
WORD_NUMBERS: dict[str, int] = {w: i for i, w in enumerate(_UNITS_0_19)}
WORD_NUMBERS.update(_TENS)
WORD_NUMBERS["dozen"] = 12
SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000,
          "trillion": 1_000_000_000_000, "bn": 1_000_000_000, "mn": 1_000_000,
          "tn": 1_000_000_000_000}
CURRENCIES = {"$": "$", "us$": "$", "€": "€", "£": "£", "¥": "¥"}
# hedge -> (low factor, high factor) of the interval it allows around the number
HEDGES = {
    "more than": (1.0, 2.0), "over": (1.0, 2.0), "upwards of": (1.0, 2.0),
    "just over": (1.0, 1.2), "at least": (1.0, 10.0), "no fewer than": (1.0, 10.0),
    "some": (0.85, 1.15), "about": (0.85, 1.15), "around": (0.85, 1.15),
    "approximately": (0.85, 1.15), "roughly": (0.85, 1.15), "an estimated": (0.8, 1.2),
    "estimated": (0.8, 1.2), "nearly": (0.8, 1.0), "almost": (0.8, 1.0),
    "close to": (0.8, 1.0), "just under": (0.85, 1.0), "up to": (0.0, 1.0),
    "as many as": (0.5, 1.0), "as much as": (0.5, 1.0), "at most": (0.0, 1.0),
    "fewer than": (0.0, 1.0), "less than": (0.0, 1.0), "under": (0.0, 1.0),
}
_HEDGE_RE = "|".join(sorted((re.escape(h) for h in HEDGES), key=len, reverse=True))
_WORDNUM_RE = (r"(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
               r"(?:-(?:one|two|three|four|five|six|seven|eight|nine))?"
               r"|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen"
               r"|one|two|three|four|five|six|seven|eight|nine|ten|a dozen|dozen)")
MENTION = re.compile(
    rf"(?:\b(?P<hedge>{_HEDGE_RE})\s+)?"
    r"(?P<cur>US\$|\$|€|£|¥)?"
    rf"(?P<num>(?<![\w.,:/-])\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?(?![\w,.]\d)|(?<![\w.,:/-])\d+(?:\.\d+)?"
    rf"|\b{_WORDNUM_RE}\b)"
    r"(?:\s*(?P<scale>hundred|thousand|million|billion|trillion|bn|mn|tn)\b)?"
    r"(?P<attached>%|km|kg|mph|ft|m\b|cm|mm|-[A-Za-z]+(?:-[A-Za-z]+)?)?",
    re.IGNORECASE,
)
# Every match of MENTION starts where a word starts (a hedge, a number word, a digit after
# no word character) or at a currency sign ("$", "US$" anywhere): the lookahead says so, and
# spares the engine trying the whole pattern inside every word. The matches are the same.
_MENTION_FAST = re.compile(r"(?=\b\w|[$€£¥]|us\$)" + MENTION.pattern, re.IGNORECASE)
# A sentence without a digit and without a number word (as letters, in any case) has no
# mention: a cheap test before the costly pattern (see ignorecase_key).
_ANY_DIGIT = re.compile(r"\d")
_NUMBER_WORDS = re.compile("|".join(sorted(
    {"dozen", *(w for w in WORD_NUMBERS if w != "zero")}, key=lambda w: (-len(w), w))))
MONTHS = set("january february march april may june july august september october november "
             "december jan feb mar apr jun jul aug sep sept oct nov dec".split())
# unit spellings folded to one key
UNIT_KEYS = {
    "%": "%", "percent": "%", "per cent": "%", "pct": "%",
    "km": "km", "kilometre": "km", "kilometer": "km", "kilometres": "km", "kilometers": "km",
    "mile": "mile", "miles": "mile", "kg": "kg", "kilogram": "kg", "kilograms": "kg",
    "m": "metre", "metre": "metre", "meter": "metre", "metres": "metre", "meters": "metre",
    "ton": "ton", "tons": "ton", "tonne": "ton", "tonnes": "ton",
    "vessel": "ship", "vessels": "ship", "ship": "ship", "ships": "ship", "boat": "boat",
    "lawmaker": "lawmaker", "legislator": "lawmaker", "deputy": "lawmaker",
    "deputies": "lawmaker", "mp": "lawmaker", "mps": "lawmaker", "senator": "lawmaker",
    "person": "people", "persons": "people", "people": "people", "others": "people",
    "other": "people", "resident": "people", "residents": "people", "civilian": "people",
    "civilians": "people", "individuals": "people",
}
# people counted by what happened to them
ROLES = [
    ("dead", re.compile(r"\b(kill\w*|dead|died|dies|death|deaths|drown\w*|perish\w*|"
                        r"fatalit\w*|lives|bodies|toll)\b", re.I)),
    ("wounded", re.compile(r"\b(injur\w*|wound\w*|hurt)\b", re.I)),
    ("missing", re.compile(r"\bmissing\b", re.I)),
    ("vote", re.compile(r"\b(vot\w*|favou?r|against|abstain\w*|abstention\w*)\b", re.I)),
]
_PEOPLE = {"people", "lawmaker"}
TOLL_UNITS = {"dead", "wounded", "missing"}
_STOP_NP = STOPWORDS | {"toward", "towards", "into", "onto", "across", "near", "off", "from",
                        "including", "like", "than", "against", "each", "apiece", "per",
                        "versus", "between", "within", "without", "plus", "along", "around"}
_VERBISH_AFTER_NOUN = re.compile(r"(ed|ing)$")
_PHRASAL = {"hand", "hands", "handed", "handing", "take", "takes", "took", "taking", "turn",
            "turned", "turning", "pass", "passed", "passing", "win", "won"}
CONTEXT_WINDOW = 8
MAX_MENTIONS_PER_UNIT = 150
CLOSE_RATIO = 1.6


@dataclass
class Mention:
    sentence: Sentence
    surface: str  # as written: "some 11,000"
    value: float
    hedge: str
    unit: str  # folded key of what is counted
    unit_surface: str
    context: frozenset[str]  # stems of the sentence, minus the number and unit
    local: frozenset[str]  # stems of the words around the number
    decimals: int = 0  # digits written after the decimal point ("5.8" -> 1)

    @property
    def interval(self) -> tuple[float, float]:
        lo, hi = HEDGES.get(self.hedge, (1.0, 1.0))
        return self.value * lo, self.value * hi


def _value(num: str, scale: str | None) -> float | None:
    n = num.lower().replace("a dozen", "dozen")
    if n in WORD_NUMBERS:
        value = float(WORD_NUMBERS[n])
    elif "-" in n and n.split("-")[0] in _TENS:
        tens, unit = n.split("-", 1)
        value = float(_TENS[tens] + WORD_NUMBERS.get(unit, 0))
    else:
        try:
            value = float(n.replace(",", ""))
        except ValueError:
            return None
    if scale:
        value *= SCALES[scale.lower()]
    return value


_DIMENSIONS = {"high", "long", "deep", "wide", "tall", "away", "above", "below", "square",
               "thick", "across", "apart", "underground"}


def _noun_follows(after: str) -> bool:
    """True when a content word follows: "500m reais" is money, "29m high" a length."""
    m = re.match(r"\s+([A-Za-z][\w'’-]*)", after)
    if not m:
        return False
    f = fold(m.group(1))
    return f not in _STOP_NP and f not in _DIMENSIONS and f not in UNIT_KEYS


def _tokens(text: str) -> list[str]:
    return re.findall(r"\(|\)|[^\s()]+", text)


def _clean(tok: str) -> tuple[str, bool]:
    """A token without surrounding punctuation, and whether a phrase boundary follows it."""
    core = tok.strip(".,;:!?\"'“”‘’()[]—–")
    boundary = tok != core and bool(re.search(r"[.,;:!?\"”)\]—–]$", tok))
    return core, boundary


_PLURALS = {"people", "men", "women", "children", "personnel", "police", "staff", "troops",
            "cattle", "crew", "fish", "sheep", "livestock", "dead"}
_MEASURES = {k for k, v in UNIT_KEYS.items() if v in ("%", "km", "mile", "kg", "metre", "ton")}


def _plural(word: str) -> bool:
    f = fold(word)
    return f in _PLURALS or (len(f) > 3 and f.endswith("s") and not f.endswith(
        ("ss", "us", "is", "ous")))


def _head_noun(after: str) -> tuple[str, str]:
    """The head noun of the noun phrase that follows a number: (key, as written).

    Modifiers are skipped ("two short-range ballistic *missiles*"); the phrase ends at a
    stopword, a preposition, punctuation, a verb after the noun ("300 *buildings*
    collapsed") or its first plural noun ("190 Ukrainian *soldiers* home").
    """
    head = ""
    toks = _tokens(after)
    n = 0
    while n < len(toks) and n < 7:
        raw = toks[n]
        if raw in "()":
            break
        w, boundary = _clean(raw)
        if re.fullmatch(r"(?:[A-Z]\.){2,}", raw.rstrip(",;:")):
            w, boundary = raw.rstrip(",;:"), raw != raw.rstrip(",;:")  # "U.S." is one word
        f = fold(w)
        if not w or f[0].isdigit():
            break
        if f == "per" and n + 1 < len(toks) and fold(_clean(toks[n + 1])[0]) == "cent":
            return "%", "per cent"
        if f in _MEASURES and not head:
            return UNIT_KEYS[f], w
        if f in ("and", "or") and head and n + 1 < len(toks):
            nxt = fold(_clean(toks[n + 1])[0])
            if nxt and not nxt[0].isdigit() and nxt not in _STOP_NP and \
                    not _VERBISH_AFTER_NOUN.search(nxt):
                n += 1  # "search and rescue personnel": one noun phrase
                continue
            break
        if f in _STOP_NP or f in HEDGES:
            break
        if f in MONTHS and w[0].isupper():
            return "", ""  # "25 March": a date
        if _VERBISH_AFTER_NOUN.search(f) and not w[0].isupper():
            nxt = fold(_clean(toks[n + 1])[0]) if n + 1 < len(toks) else ""
            if head or boundary or not nxt or nxt in _STOP_NP:
                break  # "300 buildings collapsed", "four remained in hospital": a verb
        head = w
        n += 1
        if boundary or _plural(w):
            break
    if not head:
        return "", ""
    return _unit_key(head), head


def _unit_key(word: str) -> str:
    f = fold(word)
    if f in UNIT_KEYS:
        return UNIT_KEYS[f]
    lem = lemma(word)
    return UNIT_KEYS.get(lem, lem)


_CLAUSE_BREAK = re.compile(r",|;|:|\(|\)|—|–|\b(?:and|or|but|while|whereas|after|before|"
                           r"when)\b", re.I)


def _role(text: str, start: int, end: int) -> str | None:
    """What happened to counted people: the role word nearest the number, in its clause.

    "killing two people and injuring 31": two are dead, 31 injured; "120 were injured and
    17 were killed": the conjunction ends the clause, so 17 are dead.
    """
    right = _CLAUSE_BREAK.split(text[end:], maxsplit=1)[0].split()[:6]
    left = _CLAUSE_BREAK.split(text[:start])[-1].split()[-5:]
    best: tuple[int, int, str] | None = None
    for side, tokens in ((0, right), (1, list(reversed(left)))):
        for dist, tok in enumerate(tokens):
            for role, pattern in ROLES:
                if pattern.search(tok):
                    cand = (dist, side, role)
                    if best is None or cand < best:
                        best = cand
                    break
    return best[2] if best else None


_ORDINAL_AFTER = re.compile(r"\s*(?:st|nd|rd|th)\b")
_ORDINAL_ATTACHED = re.compile(r"(?:st|nd|rd|th)\b")
_CLOCK = re.compile(r":\d")
_TIME_AFTER = re.compile(r"\s*(?:a\.m\.|p\.m\.|am\b|pm\b|gmt\b)", re.I)
_MONTH_AFTER = re.compile(r"\s*(?:of\s+)?(?:" + "|".join(MONTHS) + r")\b", re.I)
_AGE_ATTACHED = re.compile(r"-(?:year|month|week|day)s?-old", re.I)
_AGE_AFTER = re.compile(r"\s*(?:years?|months?)\s+old\b", re.I)
_CLAUSE_END = re.compile(r"[.;:]\s|,\s(?=\w+\s+said)")
_TOLL = re.compile(r"\btoll\b", re.I)
_LETTER = re.compile(r"[a-z]")


def _may_mention(text: str) -> bool:
    """False only when MENTION cannot match: no digit, no number word."""
    return bool(_ANY_DIGIT.search(text) or _NUMBER_WORDS.search(ignorecase_key(text)))


@per_sentence(lambda s: s.text)  # (its stems come from its text)
def extract_mentions(s: Sentence) -> list[Mention]:
    out: list[Mention] = []
    text = s.text
    if not _may_mention(text):
        return out
    for m in _MENTION_FAST.finditer(text):
        num = m.group("num")
        start, end = m.start("num"), m.end()
        attached = m.group("attached") or ""
        after = text[end:]
        before_words = fold(text[max(0, m.start() - 16):m.start()]).split()
        prev = before_words[-1].strip(".,") if before_words else ""
        if _ORDINAL_AFTER.match(after) or _ORDINAL_ATTACHED.match(attached):
            continue
        if _CLOCK.match(after) or _TIME_AFTER.match(after) or (
                num.startswith("0") and len(num) > 1):
            continue  # a time
        if prev in MONTHS or _MONTH_AFTER.match(after):
            continue  # a date: "January 9", "25 March"
        if _AGE_ATTACHED.match(attached) or _AGE_AFTER.match(after):
            continue  # an age says who someone is, not how many
        value = _value(num, m.group("scale"))
        if value is None:
            continue
        if fold(attached) in ("m", "k") and (m.group("cur") or _noun_follows(after)):
            value *= 1_000_000 if fold(attached) == "m" else 1_000  # "$5m", "500m reais"
            attached = ""
        hedge = fold(m.group("hedge") or "")
        if hedge in ("over", "under") and prev in _PHRASAL:
            hedge = ""  # "handing over 195 captives": a verb particle, not a hedge
        cur = CURRENCIES.get((m.group("cur") or "").lower(), "")
        if num.isdigit() and 1900 <= value <= 2100 and not (hedge or cur or attached):
            continue  # a year
        if fold(num) == "one" and not hedge:
            continue  # "one of them" is a pronoun far more often than a count
        surface_start = m.start("hedge") if m.group("hedge") and hedge else (
            m.start("cur") if m.group("cur") else start)
        if cur:
            unit, unit_surface = cur, m.group("cur")
        elif attached and not attached.startswith("-"):
            unit, unit_surface = _unit_key(attached), attached
        elif attached.startswith("-"):
            word = attached.strip("-").split("-")[0]
            unit, unit_surface = _unit_key(word), word
        elif prev == "magnitude":
            unit, unit_surface = "magnitude", "magnitude"
        else:
            unit, unit_surface = _head_noun(after)
            if not unit:
                role = _role(text, start, end)
                clause = _CLAUSE_END.split(text[:start])[-1]
                if role not in TOLL_UNITS and _TOLL.search(clause):
                    role = "dead"  # "the death toll ... rose to 43"
                if role in TOLL_UNITS:
                    unit, unit_surface = role, role  # "31 were injured", "toll rose to 43"
        if not unit:
            continue
        if unit in _PEOPLE or unit in ("dead", "wounded"):
            role = _role(text, start, end)
            if role and not (role == "vote" and unit == "people"):
                unit = role
        surface = text[surface_start:end].strip()
        local_words = text[:start].split()[-CONTEXT_WINDOW:] + after.split()[:CONTEXT_WINDOW]
        local = frozenset(stem(f) for f in (fold(w.strip(".,;:()\"'“”‘’")) for w in local_words)
                          if f and f not in STOPWORDS and _LETTER.match(f)) - {
            stem(unit_surface)}
        skip = {stem(unit_surface), stem(unit)}
        decimals = len(num.split(".")[1]) if "." in num and not m.group("scale") else 0
        out.append(Mention(s, surface, value, hedge, unit, unit_surface,
                           frozenset(s.stems - skip), local, decimals))
    return out


def _linked(state: StoryState, a: Mention, b: Mention) -> bool:
    if a.unit != b.unit or a.sentence.source == b.sentence.source:
        return False
    ctx = state.stem_similarity(a.context, b.context)
    big, small = max(a.value, b.value), min(a.value, b.value)
    close = small > 0 and big / small <= CLOSE_RATIO
    if a.value == b.value:
        return ctx >= 0.12 or bool(a.local & b.local)
    if not close:
        return False
    if small >= 100:
        return ctx >= 0.12 or len(a.local & b.local) >= 2
    if small >= 20:
        return ctx >= 0.15 and bool(a.local & b.local)
    if a.unit in TOLL_UNITS:
        return ctx >= 0.15 or bool(a.local & b.local)  # a story has one toll of its own
    # small counts ("two" vs "three") are everywhere: the sentences must be about one thing
    return ctx >= 0.3 and state.stem_similarity(a.local, b.local) >= 0.3


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
        idxs = idxs[:MAX_MENTIONS_PER_UNIT]
        for x in range(len(idxs)):
            for y in range(x + 1, len(idxs)):
                if _linked(state, mentions[idxs[x]], mentions[idxs[y]]):
                    parent[find(idxs[x])] = find(idxs[y])
    groups: dict[int, list[Mention]] = {}
    for i, m in enumerate(mentions):
        groups.setdefault(find(i), []).append(m)
    return [g for g in groups.values() if len({m.sentence.source for m in g}) >= 2]


def rounded_alike(a: Mention, b: Mention) -> bool:
    """True when one figure is the other rounded: "6 per cent" and "5.8%"."""
    coarse, fine = (a, b) if a.decimals < b.decimals else (b, a)
    if coarse.decimals == fine.decimals:
        return False
    return round(fine.value, coarse.decimals) == coarse.value


def _rose(group: list[Mention]) -> bool:
    """True when every report of a lower count is older than every report of a higher one."""
    if group[0].unit not in TOLL_UNITS:
        return False
    by_value: dict[float, list[Mention]] = {}
    for m in group:
        by_value.setdefault(m.value, []).append(m)
    values = sorted(by_value)
    for lo, hi in zip(values, values[1:], strict=False):
        last_lo = [m.sentence.article.published for m in by_value[lo]]
        first_hi = [m.sentence.article.published for m in by_value[hi]]
        if None in last_lo or None in first_hi or max(last_lo) >= min(first_hi):  # type: ignore[type-var]
            return False
    return True


def run(state: StoryState) -> None:
    mentions = [m for s in state.sentences for m in extract_mentions(s)]
    for group in _groups(state, mentions):
        state.quantities.append(list(group))
        values = sorted({m.value for m in group})
        if len(values) < 2:
            continue
        if all(x.value == y.value or rounded_alike(x, y) for x in group for y in group):
            continue  # the same figure, rounded by some
        # one entry per distinct number; hedges of the same number are kept in the note
        by_value: dict[float, list[Mention]] = {}
        for m in group:
            by_value.setdefault(m.value, []).append(m)
        intervals = [m.interval for m in group]
        overlap = max(lo for lo, _ in intervals) <= min(hi for _, hi in intervals)
        detail = "updated" if _rose(group) else "compatible" if overlap else "conflict"
        out_values = []
        for _value, ms in sorted(by_value.items()):
            surfaces = sorted({m.surface for m in ms}, key=lambda x: (
                -sum(1 for m in ms if m.surface == x), x))
            idx = [m.sentence.index for m in ms]
            state.cited.update(idx)
            note = " / ".join(surfaces)
            if detail == "updated":
                dates = sorted({str(m.sentence.article.published) for m in ms})
                note = f"{note}, reported {', '.join(dates)}"
            out_values.append(Value(surfaces[0], state.evidence_for(idx), note=note))
        state.differences.append(
            Difference(kind="number", topic=_topic(group), detail=detail, values=out_values))


def _topic(group: list[Mention]) -> str:
    unit = group[0].unit
    if unit in TOLL_UNITS:
        return {"dead": "death toll", "wounded": "number of injured",
                "missing": "number of missing"}[unit]
    if unit == "vote":
        return "number of votes"
    if unit in CURRENCIES.values():
        return "amount of money"
    word = max((m.unit_surface for m in group), key=lambda w: (
        sum(1 for m in group if m.unit_surface == w), w))
    return f"number of {word}"
