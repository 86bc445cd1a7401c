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
130") are a conflict; the rest differ but are compatible.

Two more shapes of one quantity:

* **parts of a whole**: "about 300 killed and 2,700 wounded" in one report, "over 3,000
  killed or wounded" in another are one count of casualties (dead + missing likewise). A
  total is a mention whose people are "killed or wounded", "dead or missing", or
  "casualties"; parts are a killed and a wounded (or missing) count side by side in one
  sentence. The difference shows the parts and their sum ("about 300 killed + 2,700
  wounded = 3,000").
* **a development**: values of a quantity that changes (a toll, or a figure whose sentence
  says it rose, fell, has burned, was counted...) reported at different times, with no two
  reports at one time disagreeing, are "updated": ordered by report time (the article's
  date and `time:`, or "by Tuesday evening", "rose to 54 on Monday" in the sentence), with
  a note in words ("rose from 320 to 2,445 between Oct 7 and Oct 9"). Reports of one time
  (within six hours) that cannot both hold stay a conflict.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

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
    "civilians": "people", "individuals": "people", "passenger": "people",
    "passengers": "people", "patient": "people", "patients": "people",
}
# people counted by what happened to them
ROLES = [
    ("dead", re.compile(r"\b(kill\w*|dead|died|dies|death|deaths|drown\w*|perish\w*|"
                        r"fatalit\w*|lives|bodies|toll|demise)\b", re.I)),
    ("wounded", re.compile(r"\b(injur\w*|wound\w*|hurt)\b", re.I)),
    ("missing", re.compile(r"\bmissing\b", re.I)),
    ("vote", re.compile(r"\b(vot\w*|favou?r|against|abstain\w*|abstention\w*)\b", re.I)),
]
_PEOPLE = {"people", "lawmaker"}
TOLL_UNITS = {"dead", "wounded", "missing"}
# totals of two tolls: "3,000 killed or wounded" / "300 killed and 2,700 wounded"
TOTALS = {"casualties": ("dead", "wounded"), "dead or missing": ("dead", "missing")}
_TOTAL_AFTER = [
    ("casualties", re.compile(r"[^.;:\d]{0,70}?\b(?:(?:killed|dead|died)\s+(?:or|and)\s+"
                              r"(?:wounded|injured|hurt)|(?:wounded|injured|hurt)\s+or\s+"
                              r"killed|casualties)\b", re.I)),
    ("dead or missing", re.compile(r"[^.;:\d]{0,70}?\b(?:(?:killed|dead|died)\s+(?:or|and)\s+"
                                   r"(?:missing|unaccounted)|missing\s+or\s+(?:presumed\s+)?"
                                   r"dead)\b", re.I)),
]
CHANGING = TOLL_UNITS | set(TOTALS)
_ONE_COUNTED = re.compile(r"\s+[a-z]+\s+(?:was|is|has been|had been)\s+(?:\w+\s+)?"
                          r"(?:kill|injur|wound|hurt|missing|dead|drown)", re.I)
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
    role: str | None = None  # what happened to counted people (_role), whatever the noun
    start: int = 0  # where the surface starts and the mention ends in the sentence
    end: int = 0

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
_MEASURE_KEYS = {"%", "km", "mile", "kg", "metre", "ton", "magnitude"}
_MEASURES = {k for k, v in UNIT_KEYS.items() if v in _MEASURE_KEYS}


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


def _role(text: str, start: int, end: int, reach: int = 6) -> str | None:
    """What happened to counted people: the role word nearest the number, in its clause.

    "killing two people and injuring 31": two are dead, 31 injured; "120 were injured and
    17 were killed": the conjunction ends the clause, so 17 are dead.
    """
    right = _CLAUSE_BREAK.split(text[end:], maxsplit=1)[0].split()[:reach]
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


_NUMBER_OF = re.compile(r"\bnumber of\b(.*)$", re.I | re.S)
_DURATION_AFTER = re.compile(r"\s+(?:days?|weeks?|months?|hours?|minutes?|years?|nights?)\b",
                             re.I)


def _counted_before(clause: str) -> str | None:
    """The toll a figure gives when its clause opened with "the number of people killed"."""
    m = _NUMBER_OF.search(clause)
    if not m:
        return None
    best: tuple[int, str] | None = None
    for role, pattern in ROLES:
        found = pattern.search(m.group(1))
        if found and role in TOLL_UNITS and (best is None or found.start() < best[0]):
            best = (found.start(), role)
    return best[1] if best else None


_TOLL_VERBS = [("dead", re.compile(r"^(?:killed|died|drowned|perished|dead)$", re.I)),
               ("wounded", re.compile(r"^(?:injured|wounded|hurt)$", re.I)),
               ("missing", re.compile(r"^missing$", re.I))]


def _toll_after(text: str, end: int) -> str | None:
    """The toll a verb after the counted noun gives ("One miner was killed", "27 migrants
    drowned"), in the number's clause; not a word before it ("the toll from the collision
    of two trains")."""
    for tok in _CLAUSE_BREAK.split(text[end:], maxsplit=1)[0].split()[:6]:
        w = tok.strip(".,;:\"'“”‘’()")
        for role, pattern in _TOLL_VERBS:
            if pattern.match(w):
                return role
    return None


def _plural_or_one(noun: str, value: float) -> bool:
    """Whether a noun is what a count of people would use: a plural, or one of one."""
    return _plural(noun) if value != 1 else bool(noun) and not _plural(noun)


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
        if fold(num) == "one" and not hedge and not _ONE_COUNTED.match(after):
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
                if role not in TOLL_UNITS:
                    role = _counted_before(clause)  # "the number of people injured ... 35"
                if role in TOLL_UNITS:
                    unit, unit_surface = role, role  # "31 were injured", "toll rose to 43"
        if _DURATION_AFTER.match(after):
            continue  # "in three days": how long, not how many
        role = _role(text, start, end)
        if not (cur or (attached and not attached.startswith("-")) or unit in _MEASURE_KEYS):
            for total, pattern in _TOTAL_AFTER:
                if pattern.match(after):
                    unit, unit_surface = total, total  # "3,000 killed or wounded"
                    break
        if not unit:
            continue
        if unit in _PEOPLE or unit in ("dead", "wounded"):
            if role and not (role == "vote" and unit == "people"):
                unit = role
        elif unit not in TOTALS and unit not in _MEASURE_KEYS and not cur and not attached \
                and _plural_or_one(unit_surface, value) and _toll_after(text, end):
            unit = _toll_after(text, end) or unit  # "One miner was killed", "27 migrants
            # drowned": a toll, whatever the noun
        surface = text[surface_start:end].strip()
        local_words = text[:start].split()[-CONTEXT_WINDOW:] + after.split()[:CONTEXT_WINDOW]
        local = frozenset(stem(f) for f in (fold(w.strip(".,;:()\"'“”‘’")) for w in local_words)
                          if f and f not in STOPWORDS and _LETTER.match(f)) - {
            stem(unit_surface)}
        skip = {stem(unit_surface), stem(unit)}
        decimals = len(num.split(".")[1]) if "." in num and not m.group("scale") else 0
        # parts of a total may name their toll further on ("300 North Korean troops
        # deployed to Russia have been killed")
        part_role = role or _role(text, start, end, reach=10)
        out.append(Mention(s, surface, value, hedge, unit, unit_surface,
                           frozenset(s.stems - skip), local, decimals, part_role,
                           surface_start, end))
    return out


# actions that count different things of one noun: "hired 1,200 workers" / "will lay off
# 1,500 workers" are two quantities
OPPOSED = [
    ({"hire", "hired", "hires", "hiring", "recruit", "recruited", "employ", "employed",
      "add", "added", "adding", "create", "created", "creating"},
     {"lay", "laid", "laying", "fire", "fired", "firing", "cut", "cuts", "cutting", "shed",
      "axe", "axed", "eliminate", "eliminated", "dismiss", "dismissed"}),
    ({"buy", "bought", "buys", "buying", "purchase", "purchased", "import", "imported",
      "imports"}, {"sell", "sold", "sells", "selling", "export", "exported", "exports"}),
    ({"arrest", "arrested", "detain", "detained", "held", "jailed"},
     {"release", "released", "releasing", "free", "freed", "freeing"}),
    ({"win", "won", "wins", "winning", "gain", "gained", "gaining"},
     {"lose", "lost", "loses", "losing"}),
    ({"launch", "launched", "launches", "launching", "sent"},
     {"shot", "downed", "intercepted", "destroyed", "suppressed", "neutralised",
      "neutralized"}),
]
_ACTION_SIDES: dict[str, set[tuple[int, int]]] = {}
for _i, _pair in enumerate(OPPOSED):
    for _side, _words in enumerate(_pair):
        for _w in _words | ({"fired", "fire"} if (_i, _side) == (4, 0) else set()):
            _ACTION_SIDES.setdefault(_w, set()).add((_i, _side))


def _action(m: Mention) -> set[tuple[int, int]]:
    """The sides of OPPOSED pairs the verb before the figure is on ("fired" is on two)."""
    words = [fold(w.strip(".,;:\"'“”‘’()")) for w in m.sentence.text[:m.start].split()[-4:]]
    for w in reversed(words):
        if w in _ACTION_SIDES:
            return _ACTION_SIDES[w]
    return set()


def _opposed(a: Mention, b: Mention) -> bool:
    sides_a, sides_b = _action(a), _action(b)
    return any(i == j and s != t for i, s in sides_a for j, t in sides_b)


_OF_WHAT = re.compile(r"\s*(?:per\s*cent|percent)?\s+of\s+(?:the\s+|all\s+)?([A-Za-z]+)")


def _share_of(m: Mention) -> str:
    """What a percentage is a share of: "50.2% of the vote" (vote), "80% of ballots"
    (ballot), "Turnout was 51.9%" (turnout); "" when nothing says."""
    text = m.sentence.text
    after = _OF_WHAT.match(text[m.end:])
    if after:
        return stem(fold(after.group(1)))
    for w in reversed(text[:m.start].split()[-4:]):
        f = fold(w.strip(".,;:\"'“”‘’()"))
        if f and f not in _STOP_NP and f not in HEDGES and f not in ("was", "is", "were",
                                                                    "had", "has", "stood"):
            return stem(f)
    return ""


def _linked(state: StoryState, a: Mention, b: Mention) -> bool:
    if a.unit != b.unit or a.sentence.source == b.sentence.source:
        return False
    if a.unit == "%" and a.value != b.value:
        share_a, share_b = _share_of(a), _share_of(b)
        if share_a and share_b and share_a != share_b:
            return False  # "50.2% of the vote" / "turnout was 51.9%"
    if _opposed(a, b):
        return False  # "hired 1,200 workers" / "laid off 1,500 workers"
    if a.value != b.value and _recalled(a) != _recalled(b):
        return False  # "a magnitude 5.2 quake struck in 2019" is another quake
    ctx = state.stem_similarity(a.context, b.context)
    big, small = max(a.value, b.value), min(a.value, b.value)
    close = small > 0 and big / small <= CLOSE_RATIO
    if a.value == b.value:
        return ctx >= 0.12 or bool(a.local & b.local)
    if not close or a.unit in CHANGING:
        if _later_report(state, a, b, ctx):
            return True  # a toll reported again later ("34" on Monday, "54" on Tuesday)
    if not close:
        return False
    if small >= 100:
        return ctx >= 0.12 or len(a.local & b.local) >= 2
    if small >= 20:
        return ctx >= 0.15 and bool(a.local & b.local)
    if a.unit in TOLL_UNITS or (a.unit == "magnitude" and big - small <= MAGNITUDE_SPREAD):
        # a story has one toll, and one quake, of its own (agencies differ by a few tenths)
        return ctx >= 0.15 or bool(a.local & b.local)
    # small counts ("two" vs "three") are everywhere: the sentences must be about one thing
    return ctx >= 0.3 and state.stem_similarity(a.local, b.local) >= 0.3


FAR_RATIO = 10.0
MAGNITUDE_SPREAD = 0.3  # 6.3 / 6.2 is one quake measured twice; 6.4 / 5.2 two quakes


def _later_report(state: StoryState, a: Mention, b: Mention, ctx: float) -> bool:
    """Far-apart values of a changing figure reported at different times ("at least 320
    killed" on Oct 7, "risen to 2,445" on Oct 9) are one figure when their sentences agree."""
    big, small = max(a.value, b.value), min(a.value, b.value)
    if small <= 0 or big / small > FAR_RATIO:
        return False
    ta, tb = report_time(a), report_time(b)
    if ta is None or tb is None or not (ta.known and tb.known) or _same_time(ta, tb):
        return False
    if a.unit in CHANGING:
        return ctx >= 0.12 or bool(a.local & b.local)
    if not (_change_near(a) or _change_near(b)):
        return False
    return ctx >= 0.15 and bool(a.local & b.local)


def clusters(n: int, links: Iterable[tuple[int, int]],
             apart: Sequence[object] | None = None) -> list[list[int]]:
    """The connected groups of items 0..n-1 under `links` (union-find), in item order.

    With `apart` (a key per item), two items of one key never end in one group: a link
    that would join them is skipped, so links should come best first."""
    parent = list(range(n))
    keys: list[set[object]] = [{apart[i]} if apart is not None else set() for i in range(n)]

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for x, y in links:
        rx, ry = find(x), find(y)
        if rx == ry or keys[rx] & keys[ry]:
            continue
        parent[rx] = ry
        keys[ry] |= keys[rx]
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    return list(groups.values())


def _groups(state: StoryState, mentions: list[Mention]) -> list[list[Mention]]:
    by_unit: dict[str, list[int]] = {}
    for i, m in enumerate(mentions):
        by_unit.setdefault(m.unit, []).append(i)

    def links() -> list[tuple[int, int]]:
        """Linked pairs, the closest first: two figures of one sentence are never one
        quantity ("44.1% of the vote after about 80% of ballots had been counted"), so a
        weaker link that would join them is skipped."""
        scored = []
        for idxs in by_unit.values():
            idxs = idxs[:MAX_MENTIONS_PER_UNIT]
            for x in range(len(idxs)):
                for y in range(x + 1, len(idxs)):
                    a, b = mentions[idxs[x]], mentions[idxs[y]]
                    if _linked(state, a, b):
                        score = state.stem_similarity(a.context, b.context) + \
                            0.05 * len(a.local & b.local) + (a.value == b.value)
                        scored.append((-score, idxs[x], idxs[y]))
        return [(x, y) for _s, x, y in sorted(scored)]

    sentence_of = [m.sentence.index for m in mentions]
    groups = [[mentions[i] for i in g]
              for g in clusters(len(mentions), links(), sentence_of)]
    return [g for g in groups if len({m.sentence.source for m in g}) >= 2]


def rounded_alike(a: Mention, b: Mention) -> bool:
    """True when one figure is the other rounded: "6 per cent" and "5.8%"."""
    coarse, fine = (a, b) if a.decimals < b.decimals else (b, a)
    if coarse.decimals == fine.decimals:
        return False
    return round(fine.value, coarse.decimals) == coarse.value


# ---------------------------------------------------------------- report times

_PART_OF_DAY = {"morning": 9 * 60, "afternoon": 15 * 60, "evening": 19 * 60, "night": 22 * 60}
WEEKDAYS = {d: i for i, d in enumerate(
    "monday tuesday wednesday thursday friday saturday sunday".split())}
_AS_OF = re.compile(r"\b(by|as of|on)\s+(?:late\s+|early\s+)?(" + "|".join(WEEKDAYS) +
                    r")(?:\s+(morning|afternoon|evening|night))?", re.I)
_CHANGE = re.compile(r"\b(?:rose|risen|rises|climb\w*|increas\w*|jump\w*|grew|grown|fell|"
                     r"fallen|dropped|so far|now|counted|reached|stood at|burned|burnt|"
                     r"updated)\b", re.I)
_EARLIER = re.compile(r"\b(?:earlier|previously|initially|previous|had put|first put)\b", re.I)
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
SAME_TIME = 6 * 60  # reports within six hours are of one time
CHANGE_NEAR = 70  # characters either side of a figure where a word of change counts


def _clock(value: object) -> int | None:
    m = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", str(value or ""))
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        return None
    return int(m.group(1)) * 60 + int(m.group(2))


@dataclass(frozen=True)
class ReportTime:
    """When a figure was reported: the article's date and time, or a day the sentence names
    ("by Tuesday evening", "rose to 54 on Monday"). `known` is False for a figure recalled
    from earlier ("officials had earlier put the toll at 2,053", "in 2021")."""

    day: date
    minutes: int  # minutes after midnight; noon when the time is not known
    clock: bool  # whether the time of day is known
    known: bool = True

    @property
    def stamp(self) -> float:
        return self.day.toordinal() * 1440 + self.minutes

    @property
    def label(self) -> str:
        if not self.clock:
            return self.day.isoformat()
        return f"{self.day.isoformat()} {self.minutes // 60:02d}:{self.minutes % 60:02d}"


def report_time(m: Mention) -> ReportTime | None:
    """When mention `m` was reported, or None when its article has no date."""
    from digest.compare.dates import resolve_weekday  # dates -> attribution -> numbers

    article = m.sentence.article
    pub = article.published
    if pub is None:
        return None
    text = m.sentence.text
    own = _clock(article.meta.get("time"))
    minutes, clock = (own, True) if own is not None else (12 * 60, False)
    background = bool(_EARLIER.search(_CLAUSE_END.split(text[:m.start])[-1]) or any(
        int(y) != pub.year for y in _YEAR.findall(text)))
    rest = re.split(r"[.;]\s", text[m.end:], maxsplit=1)[0][:60]
    cue = _AS_OF.search(rest)
    if cue and (cue.group(1).lower() != "on" or _CHANGE.search(text)):
        day = resolve_weekday(pub, WEEKDAYS[cue.group(2).lower()], text, m.end + cue.start(2))
        if day <= pub and day != pub:
            part = cue.group(3)
            return ReportTime(day, _PART_OF_DAY[part.lower()] if part else 23 * 60 + 59,
                              bool(part), not background)
        if day == pub and cue.group(3):
            return ReportTime(day, _PART_OF_DAY[cue.group(3).lower()], True, not background)
    return ReportTime(pub, minutes, clock, not background)


def _same_time(a: ReportTime, b: ReportTime) -> bool:
    return abs(a.stamp - b.stamp) <= SAME_TIME


def _change_near(m: Mention) -> bool:
    """A word of change next to the figure: "had burned more than 5,000 hectares", "9,000
    hectares have burned", "rose to 54"."""
    text = m.sentence.text
    return bool(_CHANGE.search(text[max(0, m.start - CHANGE_NEAR):m.end + CHANGE_NEAR]))


def _changing(group: list[Mention]) -> bool:
    """Whether the quantity is one that changes as a story goes on."""
    return group[0].unit in CHANGING or any(_change_near(m) for m in group)


def _disagree(a: Mention, b: Mention) -> bool:
    if a.value == b.value or rounded_alike(a, b):
        return False
    (alo, ahi), (blo, bhi) = a.interval, b.interval
    return max(alo, blo) > min(ahi, bhi)


def _development(group: list[Mention]) -> list[tuple[ReportTime, list[Mention]]] | None:
    """The group's values in the order they were reported, when they are one changing
    figure reported at different times; None when reports of one time disagree, or when
    the values did not change from one time to another."""
    if not _changing(group):
        return None
    times = {id(m): report_time(m) for m in group}
    if any(t is None for t in times.values()):
        return None
    known = [m for m in group if times[id(m)].known]  # type: ignore[union-attr]
    for i, x in enumerate(known):
        for y in known[i + 1:]:
            if _disagree(x, y) and _same_time(times[id(x)], times[id(y)]):  # type: ignore[arg-type]
                return None  # outlets disagree at one time
    by_value: dict[float, list[Mention]] = {}
    for m in group:
        by_value.setdefault(m.value, []).append(m)

    def first(ms: list[Mention]) -> ReportTime:
        ts = [times[id(m)] for m in ms]
        real = [t for t in ts if t.known] or [  # a value only recalled: just before its report
            ReportTime(t.day - timedelta(days=1), t.minutes, False, False) for t in ts]  # type: ignore[union-attr]
        return min(real, key=lambda t: t.stamp)  # type: ignore[union-attr]

    order = sorted(((first(ms), ms) for ms in by_value.values()),
                   key=lambda p: (p[0].stamp, p[1][0].value))
    points = [(t, m) for m in known for t in [times[id(m)]]]
    changed = any(_disagree(x, y) or x.value != y.value
                  for (tx, x) in points for (ty, y) in points
                  if not _same_time(tx, ty))  # type: ignore[arg-type]
    return order if changed and len(order) >= 2 else None


def _short_day(d: date) -> str:
    return f"{d.strftime('%b')} {d.day}"


def development_note(order: list[tuple[ReportTime, list[Mention]]]) -> str:
    """ "rose from 320 to 2,445 between Oct 7 and Oct 9" """
    # a hedged figure next to a firm one ("more than 2,000" after "2,053") is no turn
    ms = [min(group, key=lambda m: (m.hedge != "", m.surface)) for _t, group in order]
    steps = list(zip(ms, ms[1:], strict=False))
    if ms[0].value < ms[-1].value and all(y.interval[1] >= x.value for x, y in steps):
        verb = "rose"
    elif ms[0].value > ms[-1].value and all(y.interval[0] <= x.value for x, y in steps):
        verb = "fell"
    else:
        verb = "changed"
    (t0, first), (t1, last) = order[0], order[-1]
    when = (f"on {_short_day(t0.day)}" if t0.day == t1.day else
            f"between {_short_day(t0.day)} and {_short_day(t1.day)}")
    def inline(m: Mention) -> str:  # "At least 34" opened its sentence
        return m.surface[:1].lower() + m.surface[1:]

    return f"{verb} from {inline(first[0])} to {inline(last[0])} {when}"


# ---------------------------------------------------------------- parts of a whole

PARTS_WITHIN = 36 * 60  # minutes: a total and parts reported further apart are two times
ROLE_WORDS = {"dead": "killed", "wounded": "wounded", "missing": "missing"}
TOTAL_WORDS = {"casualties": "killed or wounded", "dead or missing": "dead or missing"}
_PART_GAP = re.compile(r"[^.;:]{0,90}")


@dataclass
class PartSum:
    """Counts side by side in one sentence that make a total: "300 killed and 2,700 wounded"."""

    parts: list[Mention]
    unit: str  # a TOTALS key
    sentence: Sentence = field(init=False)

    def __post_init__(self) -> None:
        self.sentence = self.parts[0].sentence

    @property
    def value(self) -> float:
        return sum(m.value for m in self.parts)

    @property
    def interval(self) -> tuple[float, float]:
        return (sum(m.interval[0] for m in self.parts), sum(m.interval[1] for m in self.parts))

    @property
    def labels(self) -> list[str]:
        return [f"{m.surface} {ROLE_WORDS[_toll(m) or 'dead']}" for m in self.parts]


def _toll(m: Mention) -> str | None:
    """Which toll a mention counts, whatever the noun ("300 troops killed": the dead)."""
    if m.unit in TOLL_UNITS:
        return m.unit
    if m.unit in _MEASURE_KEYS or m.unit in CURRENCIES.values() or m.unit in TOTALS:
        return None
    return m.role if m.role in TOLL_UNITS else None


def part_sums(mentions: list[Mention]) -> list[PartSum]:
    """Killed and wounded (or missing) counts side by side in one sentence."""
    out: list[PartSum] = []
    for a, b in zip(mentions, mentions[1:], strict=False):
        if a.sentence is not b.sentence:
            continue
        roles = {_toll(a), _toll(b)}
        gap = a.sentence.text[a.end:b.start]
        if not _PART_GAP.fullmatch(gap):
            continue
        for total, pair in TOTALS.items():
            if roles == set(pair):
                out.append(PartSum([a, b], total))
    return out


def _fmt(value: float) -> str:
    return f"{int(value):,}" if value == int(value) else f"{value:,}"


def _close(xv: float, yv: float) -> bool:
    small, big = min(xv, yv), max(xv, yv)
    return small > 0 and big / small <= CLOSE_RATIO


def _recalled(m: Mention) -> bool:
    """A figure of an earlier time ("In 2021, 18 people were killed")."""
    t = report_time(m)
    return t is not None and not t.known


def _parts_groups(state: StoryState, mentions: list[Mention]
                  ) -> list[tuple[list[PartSum], list[Mention]]]:
    """Totals linked with the parts another source gives."""
    sums = [s for s in part_sums(mentions) if not any(_recalled(m) for m in s.parts)]
    totals = [m for m in mentions if m.unit in TOTALS and not _recalled(m)]
    if not sums or not totals:
        return []
    items: list[PartSum | Mention] = [*sums, *totals]

    def context(x: PartSum | Mention) -> frozenset[str]:
        return x.parts[0].context if isinstance(x, PartSum) else x.context

    def local(x: PartSum | Mention) -> frozenset[str]:
        return frozenset().union(*(m.local for m in x.parts)) if isinstance(x, PartSum) \
            else x.local

    def apart(x: PartSum | Mention, y: PartSum | Mention) -> float:
        """Minutes between two reports (0 when either has no date)."""
        tx = report_time(x.parts[0] if isinstance(x, PartSum) else x)
        ty = report_time(y.parts[0] if isinstance(y, PartSum) else y)
        return abs(tx.stamp - ty.stamp) if tx and ty else 0.0

    def links() -> Iterator[tuple[int, int]]:
        # a total is linked with the parts reported nearest to it, and with any reported
        # within PARTS_WITHIN: parts given day after day are a development of the parts
        for j, y in enumerate(items):
            if not isinstance(y, Mention):
                continue
            near = [(apart(x, y), i) for i, x in enumerate(items)
                    if isinstance(x, PartSum) and x.unit == y.unit
                    and x.sentence.source != y.sentence.source and _close(x.value, y.value)
                    and (state.stem_similarity(context(x), context(y)) >= 0.12
                         or local(x) & local(y))]
            for gap, i in near:
                if gap <= PARTS_WITHIN or gap == min(near)[0]:
                    yield i, j

    out = []
    for g in ([items[i] for i in c] for c in clusters(len(items), links())):
        ss = [x for x in g if isinstance(x, PartSum)]
        ts = [x for x in g if isinstance(x, Mention)]
        if ss and ts and len({x.sentence.source for x in g}) >= 2:
            out.append((ss, ts))
    return out


def _report_parts(state: StoryState, sums: list[PartSum], totals: list[Mention]) -> None:
    out_values: list[tuple[float, Value]] = []
    by_sum: dict[tuple[float, ...], list[PartSum]] = {}
    for s in sums:
        by_sum.setdefault(tuple(m.value for m in s.parts), []).append(s)
    for ss in by_sum.values():
        idx = [s.sentence.index for s in ss]
        state.cited.update(idx)
        wordings = sorted({" + ".join(s.labels) for s in ss})
        labels = min(ss, key=lambda s: (" + ".join(s.labels) != wordings[0])).labels
        text = f"{' + '.join(labels)} = {_fmt(ss[0].value)}"
        note = " / ".join(f"{w} = {_fmt(ss[0].value)}" for w in wordings)
        out_values.append((ss[0].value, Value(text, state.evidence_for(idx), note=note,
                                              parts=list(labels))))
    by_value: dict[float, list[Mention]] = {}
    for m in totals:
        by_value.setdefault(m.value, []).append(m)
    for value, ms in by_value.items():
        surfaces = sorted({m.surface for m in ms})
        idx = [m.sentence.index for m in ms]
        state.cited.update(idx)
        words = TOTAL_WORDS[ms[0].unit]
        out_values.append((value, Value(f"{surfaces[0]} {words}", state.evidence_for(idx),
                                        note=" / ".join(surfaces))))
    intervals = [s.interval for s in sums] + [m.interval for m in totals]
    overlap = max(lo for lo, _ in intervals) <= min(hi for _, hi in intervals)
    unit = totals[0].unit
    topic = "casualties (killed and wounded)" if unit == "casualties" else "dead and missing"
    state.differences.append(Difference(
        kind="number", topic=topic, detail="compatible" if overlap else "conflict",
        values=[v for _k, v in sorted(out_values, key=lambda p: (p[0], p[1].value))]))


def run(state: StoryState) -> None:
    mentions = [m for s in state.sentences for m in extract_mentions(s)]
    covered: set[int] = set()
    for sums, totals in _parts_groups(state, mentions):
        covered.update(id(m) for m in totals)
        _report_parts(state, sums, totals)
    for group in _groups(state, mentions):
        state.quantities.append(list(group))
        values = sorted({m.value for m in group})
        if len(values) < 2 or all(id(m) in covered for m in group):
            continue
        if all(x.value == y.value or rounded_alike(x, y) for x in group for y in group):
            continue  # the same figure, rounded by some
        order = _development(group)
        if order:
            _report_development(state, group, order)
            continue
        # one entry per distinct number; hedges of the same number are kept in the note
        by_value: dict[float, list[Mention]] = {}
        for m in group:
            by_value.setdefault(m.value, []).append(m)
        intervals = [m.interval for m in group]
        overlap = max(lo for lo, _ in intervals) <= min(hi for _, hi in intervals)
        out_values = []
        for _value, ms in sorted(by_value.items()):
            out_values.append(_value_of(state, ms))
        state.differences.append(Difference(
            kind="number", topic=_topic(group), detail="compatible" if overlap else "conflict",
            values=out_values))


def _value_of(state: StoryState, ms: list[Mention], note_suffix: str = "") -> Value:
    surfaces = sorted({m.surface for m in ms}, key=lambda x: (
        -sum(1 for m in ms if m.surface == x), x))
    idx = [m.sentence.index for m in ms]
    state.cited.update(idx)
    return Value(surfaces[0], state.evidence_for(idx), note=" / ".join(surfaces) + note_suffix)


def _report_development(state: StoryState, group: list[Mention],
                        order: list[tuple[ReportTime, list[Mention]]]) -> None:
    out_values = []
    for first, ms in order:
        stamps = sorted({t.label for m in ms for t in [report_time(m)] if t and t.known})
        value = _value_of(state, ms, f", reported {', '.join(stamps)}" if stamps else "")
        value.as_of = first.label if first.known else ""
        value.amount = ms[0].value
        out_values.append(value)
    state.differences.append(Difference(
        kind="number", topic=_topic(group), detail="updated", values=out_values,
        note=development_note(order)))


def _topic(group: list[Mention]) -> str:
    unit = group[0].unit
    if unit in TOLL_UNITS or unit in TOTALS:
        return {"dead": "death toll", "wounded": "number of injured",
                "missing": "number of missing", "casualties": "casualties (killed and wounded)",
                "dead or missing": "dead and missing"}[unit]
    if unit == "vote":
        return "number of votes"
    if unit in CURRENCIES.values():
        return "amount of money"
    word = max((m.unit_surface for m in group), key=lambda w: (
        sum(1 for m in group if m.unit_surface == w), w))
    return f"number of {word}"
