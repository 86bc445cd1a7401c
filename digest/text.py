"""Text primitives shared by grouping and comparison: sentences, tokens, normalised keys."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Abbreviations after which a full stop does not end a sentence.
_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "gen", "col", "lt", "sgt", "capt", "gov", "sen", "rep",
    "st", "jr", "sr", "inc", "ltd", "co", "corp", "vs", "etc", "no", "fig", "u.s", "u.k",
    "u.n", "e.g", "i.e", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept",
    "oct", "nov", "dec", "mt", "ft", "approx", "est", "dept", "univ", "rev", "hon", "pres",
}

# A sentence ends at . ! ? (plus closing quotes/brackets) followed by space and a capital,
# a digit or an opening quote.
_BOUNDARY = re.compile(r"""([.!?…]+["'”’)\]]*)(\s+)(?=["'“‘(\[]?[A-Z0-9])""")

STOPWORDS = frozenset(
    """
    a about above after again against all also am an and any are aren't as at be because been
    before being below between both but by can cannot could did do does doing down during each
    few for from further had has have having he her here hers herself him himself his how i if
    in into is it its itself just let me more most my myself nor of off on once only or other
    ought our ours ourselves out over own same she should so some such than that the their
    theirs them themselves then there these they this those through to too under until up upon
    very was we were what when where which while who whom why will with would you your yours
    yourself yourselves said says say told tell according also would could may might must shall
    one ones s t don't didn't won't can't isn't wasn't weren't hasn't haven't hadn't not no
    being been however although though yet still even already since per via amid amidst among
    just now new last first week day days year years time times mr mrs ms
    """.split()
)

_WORD = re.compile(r"[A-Za-z\u00C0-\u024F][A-Za-z\u00C0-\u024F'’\-]*|\d[\d,.]*")

# Small lexicon of news synonyms, folded to one lemma so paraphrases align.
_SYNONYMS = {
    "pow": "prisoner", "pows": "prisoner", "captive": "prisoner", "captives": "prisoner",
    "troop": "soldier", "troops": "soldier", "servicemen": "soldier", "serviceman": "soldier",
    "killed": "dead", "kill": "dead", "deaths": "dead", "death": "dead", "died": "dead",
    "fatalities": "dead", "die": "dead", "dies": "dead",
    "injured": "wounded", "injuries": "wounded", "hurt": "wounded",
    "swap": "exchange", "swapped": "exchange", "trade": "exchange",
    "announced": "announce", "announces": "announce", "announcement": "announce",
    "captured": "capture", "captures": "capture", "capturing": "capture", "seized": "capture",
    "apprehended": "capture", "taken": "capture",
    "pyongyang": "north korea", "moscow": "russia", "kremlin": "russia", "kyiv": "ukraine",
    "kiev": "ukraine", "seoul": "south korea", "beijing": "china", "washington": "united states",
    "tehran": "iran", "ankara": "turkey", "london": "britain", "paris": "france",
    "berlin": "germany", "tokyo": "japan", "jerusalem": "israel",
    "russian": "russia", "ukrainian": "ukraine", "ukrainians": "ukraine", "russians": "russia",
    "korean": "korea", "koreans": "korea",
    "organise": "organize", "organised": "organize", "organize": "organize",
    "organized": "organize",
}

_BRITISH = [
    (re.compile(r"(?<=[a-z]{3})is(e|ed|es|ing|ation)$"), r"iz\1"),
    (re.compile(r"our$"), "or"),
]


_TAIL_WORD = re.compile(r"([A-Za-z.]+)\.$")
_CURLY_QUOTED = re.compile(r"“[^“”]*”")
_STRAIGHT_QUOTED = re.compile(r'"[^"]*"')


def split_sentences(text: str) -> list[str]:
    """Split a paragraph into sentences; every returned sentence is a verbatim substring."""
    text = text.strip()
    if not text:
        return []
    out: list[str] = []
    start = 0
    quoted = _quoted_spans(text)
    for m in _BOUNDARY.finditer(text):
        end = m.end(1)
        if any(a < end < b for a, b in quoted):
            continue  # a quotation of several sentences stays one sentence with its speaker
        candidate = text[start:end]
        # the word before the full stop
        tail = _TAIL_WORD.search(candidate.rstrip("\"'”’)]"))
        if tail and m.group(1).startswith(".") and len(m.group(1).rstrip("\"'”’)]")) == 1:
            word = tail.group(1).lower().rstrip(".")
            if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
                continue
        sentence = candidate.strip()
        if sentence:
            out.append(sentence)
        start = m.end(2)
    rest = text[start:].strip()
    if rest:
        out.append(rest)
    return out


MAX_QUOTE = 600  # longer "quotations" are more likely unbalanced quote marks


def _quoted_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each quotation that opens and closes inside the text."""
    spans: list[tuple[int, int]] = []
    for m in _CURLY_QUOTED.finditer(text):
        spans.append((m.start(), m.end() - 1))
    if text.count('"') % 2 == 0:
        for m in _STRAIGHT_QUOTED.finditer(text):
            spans.append((m.start(), m.end() - 1))
    return [(a, b) for a, b in spans if b - a <= MAX_QUOTE]


def fold(s: str) -> str:
    """Case-fold, strip accents, and unify quotes/dashes: a comparison key, never displayed."""
    if len(s) <= 32:  # words: the same few thousand over and over
        return _fold_short(s)
    return _fold(s)


@lru_cache(maxsize=500_000)
def _fold_short(s: str) -> str:
    return _fold(s)


def _fold(s: str) -> str:
    if s.isascii():  # nothing to decompose, no curly quotes or dashes to unify
        return s.casefold()
    s = unicodedata.normalize("NFKD", s)
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    s = s.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    s = s.replace("–", "-").replace("—", "-")
    return s.casefold().translate(_LETTERS)


# letters that carry no combining accent to strip but have a plain Latin equivalent
_LETTERS = str.maketrans({"ı": "i", "ł": "l", "ø": "o", "đ": "d", "ð": "d", "ħ": "h",
                          "ß": "ss", "æ": "ae", "œ": "oe", "þ": "th"})


# characters re.IGNORECASE takes for an ASCII letter besides its two cases (İ ı ſ and the
# Kelvin sign)
_IGNORECASE_LETTERS = {"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"}
_IGNORECASE_TABLE = str.maketrans(_IGNORECASE_LETTERS)


def ignorecase_key(s: str) -> str:
    """s lowered for a quick necessary test before a costly re.IGNORECASE search.

    Wherever a case-insensitive pattern matches letters of s, those letters are the pattern's
    ASCII letters in lower case here (İ ı ſ K included), so a pattern that needs the word
    "toll" cannot match s unless "toll" is in ignorecase_key(s). Never displayed.
    """
    if not s.isascii() and any(c in s for c in _IGNORECASE_LETTERS):
        s = s.translate(_IGNORECASE_TABLE)
    return s.lower()


def words(s: str) -> list[str]:
    """Word and number tokens in their original spelling."""
    return _WORD.findall(s)


@lru_cache(maxsize=200_000)
def lemma(word: str) -> str:
    """A crude, deterministic lemma: folded, possessive and plural stripped, synonyms merged."""
    w = fold(word).strip("'-")
    if w.endswith("'s"):
        w = w[:-2]
    if w in _SYNONYMS:
        return _SYNONYMS[w]
    for pattern, repl in _BRITISH:
        w2 = pattern.sub(repl, w)
        if w2 != w:
            w = w2
            break
    if len(w) > 5 and w.endswith(("iy", "yy")):  # Zelenskiy / Zelenskyy -> zelensky
        w = w[:-2] + "y"
    if len(w) > 4 and w.endswith("ies"):
        w = w[:-3] + "y"
    elif len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    return _SYNONYMS.get(w, w)


def content_lemmas(s: str) -> list[str]:
    """Lemmas of the content words of a text (stopwords and bare numbers dropped)."""
    return lemmas_of_words(_WORD.findall(s))


def lemmas_of_words(tokens: list[str]) -> list[str]:
    """content_lemmas() of a text already split by words()."""
    out: list[str] = []
    for w in tokens:
        out.extend(_word_lemmas(w))
    return out


@lru_cache(maxsize=500_000)
def _word_lemmas(w: str) -> tuple[str, ...]:
    """content_lemmas of one word; cached, since news vocabulary repeats endlessly."""
    f = fold(w).strip("'-")
    if not f or f in STOPWORDS or f[0].isdigit():
        return ()
    out: list[str] = []
    for part in f.split("-") if "-" in f else (w,):
        lem = lemma(part)
        if lem in STOPWORDS or len(lem) < 2:
            continue
        out.extend(lem.split())
    return tuple(out)


def slugify(s: str, max_len: int = 60) -> str:
    """A URL- and file-safe slug: ascii letters, digits and single hyphens."""
    s = unicodedata.normalize("NFKD", s.replace("’", "'"))
    s = s.encode("ascii", "ignore").decode("ascii").lower().replace("'", "")
    s = re.sub(r"[^a-z0-9]+", "-", s).strip("-")
    if len(s) > max_len:
        s = s[:max_len].rsplit("-", 1)[0] or s[:max_len]
    return s or "untitled"


_VOWELS = set("aeiouy")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """A coarser key than lemma(), for aligning paraphrases: inflection and a few derivations.

    "racing"/"race", "delivered"/"deliveries"/"delivery", "resigned"/"resignation",
    "application"/"applied"/"apply", "strengthening"/"strengthens" each share a stem. Used
    for matching only; the stem is never shown.
    """
    w = lemma(word)
    if " " in w or len(w) <= 4:
        return w.rstrip("e") if len(w) > 3 else w
    for suffix, repl in (("ication", "y"), ("ation", ""), ("ition", ""), ("ment", ""),
                         ("ing", ""), ("ied", "y"), ("ed", ""), ("ery", "er")):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            base = w[: len(w) - len(suffix)] + repl
            if not any(c in _VOWELS for c in base):
                continue
            w = base
            break
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "lsz":
        w = w[:-1]  # stopped -> stopp -> stop
    if len(w) > 3 and w.endswith("y") and w[-2] not in _VOWELS:
        w = w[:-1] + "i"
    return w.rstrip("e") if len(w) > 3 else w


def content_stems(s: str) -> list[str]:
    """Stems of the content words of a text (see stem())."""
    return [t if " " in t else stem(t) for t in content_lemmas(s)]


@lru_cache(maxsize=100_000)
def spelling_key(word: str) -> str:
    """A word folded across British/American spelling only (organise = organize)."""
    w = fold(word).strip("'-")
    for pattern, repl in _BRITISH:
        w2 = pattern.sub(repl, w)
        if w2 != w:
            return w2
    return w
