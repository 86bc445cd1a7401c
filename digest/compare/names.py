"""Names: spelling and transliteration variants of one entity, merged and listed.

"Zelensky" / "Zelenskiy" / "Zelenskyy", "Kim Jong-un" / "Kim Jong Un", "Gaddafi" /
"Qaddafi", "Zuwara" / "Zuwarah" and "Echeverría" / "Echevarría" are one person or place
written differently, never two. Capitalised word runs (titles such as "President" or
"Japanese Ambassador" stripped) are keyed twice:

- an exact key (name_key): letters only, accents and case folded, common transliteration
  pairs folded (qu/qv/kv, kh/h, ph/f, ou/u, iy/yy/y, j/y, dh/d, q/k, w/v, ck/k, x/ks), doubled
  letters and a
  final "h" after a vowel dropped;
- a loose key (loose_key): the exact key with every vowel alike and g/k alike, for names of
  six letters or more: vowels and the Arabic qaf are where transliterations disagree.

- one letter apart: one-word names whose loose keys differ by a letter added or dropped
  (Kyiv / Kiev, Jayant / Jayanth), when their sentences also share context; a final n, s
  or i is a demonym or plural (Russia / Russian), never merged.

Spellings with one key used by different outlets are a naming difference; the spelling as
written is kept, so accents count ("Erdogan" vs "Erdoğan"). A loose match is only trusted
when no outlet uses both spellings (one outlet writing both is two people, or a typo), and
when the two spellings' first names, if given, agree. Demonyms ("Korea"/"Korean") differ in
letters, not in folding, so they never merge.
"""

from __future__ import annotations

import re
from functools import lru_cache

from digest.compare.state import StoryState
from digest.model import Difference, Value
from digest.text import fold

# a capitalised run may hold an Arabic article: "Kamel al-Wazir" / "Kamel El-Wazir"
_CAP_RUN = re.compile(r"(?:[A-Z][\w’'\-]*[\w])(?:[\s\-](?:(?:al|el|ad|ash|as|az)-)?"
                      r"(?:[A-Z][\w’'\-]*[\w]))*")
_FOLDS = [("tsch", "ch"), ("qu", "kv"), ("qv", "kv"), ("kh", "h"), ("ph", "f"), ("ou", "u"),
          ("yy", "y"),
          ("iy", "y"), ("ij", "y"), ("ie", "y"), ("j", "y"), ("dh", "d"), ("q", "k"), ("ck", "k"),
          ("w", "v"),
          ("x", "ks")]
_STOP_NAMES = {"The", "A", "An", "In", "On", "At", "But", "And", "He", "She", "It", "They",
               "This", "That", "When", "However", "According", "Meanwhile", "While", "If",
               "Of", "For", "From", "By", "As", "After", "Before", "Under", "Among", "With",
               "His", "Her", "Their", "Its", "We", "Our", "I", "Last", "Earlier", "Later"}
TITLES = {
    "president", "prime", "minister", "chancellor", "king", "queen", "prince", "princess",
    "pope", "leader", "general", "gen", "colonel", "col", "captain", "capt", "governor",
    "gov", "mayor", "senator", "sen", "rep", "representative", "judge", "justice",
    "ambassador", "secretary", "foreign", "defence", "defense", "interior", "finance",
    "economy", "health", "deputy", "vice", "chief", "dr", "mr", "mrs", "ms", "sir", "lord",
    "lady", "sheikh", "emir", "crown", "premier", "speaker", "commander", "admiral", "bishop",
    "archbishop", "rabbi", "imam", "ayatollah", "lt", "sgt", "major", "spokesman",
    "spokeswoman", "lawmaker", "professor", "prof", "former", "acting", "opposition",
}
_DEMONYM = re.compile(r"(?:ian|ean|ese|ish|an|i|ch)$")
MIN_LOOSE = 6
MIN_ONE_LETTER = 3  # "Kiev" keys as "kyv"


_POSSESSIVE = re.compile(r"['’]s\b")
_POSSESSIVE_END = re.compile(r"['’]s$")
_NOT_LETTER = re.compile(r"[^a-z]")
_DOUBLE = re.compile(r"(.)\1+")
_VOWEL = re.compile(r"[aeiouy]")
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=200_000)
def name_key(name: str) -> str:
    """A key equal for transliteration variants: letters only, folded, no doubles."""
    s = fold(name)
    s = _POSSESSIVE.sub("", s)
    s = _NOT_LETTER.sub("", s)
    for a, b in _FOLDS:
        s = s.replace(a, b)
    s = _DOUBLE.sub(r"\1", s)
    if len(s) > 4 and s.endswith("h") and s[-2] in "aeiou":
        s = s[:-1]  # Zuwarah / Zuwara, Misratah / Misrata
    return s[:-1] + "i" if s.endswith("y") else s


def loose_key(name: str) -> str:
    """name_key with vowels alike and g/k alike: Echeverría ~ Echevarría, Gaddafi ~ Qaddafi."""
    s = name_key(name).replace("g", "k")
    return _VOWEL.sub("a", s)


def strip_titles(tokens: list[str]) -> list[str]:
    """Drop leading titles and roles: "Ukrainian President Volodymyr Zelenskiy" -> the name."""
    out = list(tokens)
    while out and out[0] in _STOP_NAMES:
        out.pop(0)
    while len(out) > 1:
        first = fold(out[0]).rstrip(".")
        if first in TITLES:
            out.pop(0)
        elif len(out) > 2 and _DEMONYM.search(first) and fold(out[1]).rstrip(".") in TITLES:
            out.pop(0)
        else:
            break
    return out


def _runs(text: str) -> list[str]:
    out = []
    for m in _CAP_RUN.finditer(text):
        tokens = [_POSSESSIVE_END.sub("", t) for t in _SPACES.split(m.group(0))]
        run = " ".join(strip_titles(tokens))
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
    # exact key -> surface spelling -> sentence indexes
    spellings: dict[str, dict[str, list[int]]] = {}
    for s in state.sentences:
        for r in _runs(s.text):
            for v in _variants(r):
                key = name_key(v)
                if len(key) < MIN_ONE_LETTER:
                    continue
                spellings.setdefault(key, {}).setdefault(v, []).append(s.index)
    groups = _merge_loose(state, spellings)
    found: list[dict[str, list[int]]] = []
    for by_spelling in groups:
        if len({f.casefold() for f in by_spelling}) < 2:
            continue
        used = {f: {state.sentences[i].source for i in idx} for f, idx in by_spelling.items()}
        own = [src - set().union(*(o for g, o in used.items() if g.casefold() != f.casefold()))
               for f, src in used.items()]
        if sum(1 for o in own if o) < 2:
            continue  # two outlets must each have their own spelling
        found.append(by_spelling)
    # keep the longest form of a variant: "Kim Jong-un"/"Kim Jong Un" over "Jong-un"/"Jong Un"
    found.sort(key=lambda g: (-max(len(s) for s in g), sorted(g)))
    reported: list[set[str]] = []
    for by_spelling in found:
        forms = set(by_spelling)
        if any(all(any(f in big for big in r) for f in forms) for r in reported):
            continue
        reported.append(forms)
        values = []
        by_spelling = _without_capitals(by_spelling)
        for spelling, idx in sorted(by_spelling.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            first_per_source: dict[str, int] = {}
            for i in idx:
                first_per_source.setdefault(state.sentences[i].source, i)
            values.append(Value(spelling, state.evidence_for(list(first_per_source.values()))))
        canonical = values[0].value
        state.differences.append(Difference("name", f"spelling of {canonical}", "spelling",
                                            values))


def _without_capitals(by_spelling: dict[str, list[int]]) -> dict[str, list[int]]:
    """A spelling in capitals ("CHISINAU" in a dateline) joins its spelling in lower case."""
    out: dict[str, list[int]] = {}
    for spelling, idx in by_spelling.items():
        if spelling.isupper():
            same = [s for s in by_spelling if s.casefold() == spelling.casefold()
                    and not s.isupper()]
            if same:
                out.setdefault(sorted(same)[0], []).extend(idx)
                continue
        out.setdefault(spelling, []).extend(idx)
    return {s: sorted(set(idx)) for s, idx in out.items()}


def _merge_loose(state: StoryState, spellings: dict[str, dict[str, list[int]]]
                 ) -> list[dict[str, list[int]]]:
    """Exact-key groups, with groups of one loose key merged when that is safe."""
    by_loose: dict[str, list[str]] = {}
    for key in spellings:
        if len(key) >= MIN_LOOSE:
            by_loose.setdefault(loose_key(key), []).append(key)
    merged: dict[str, str] = {}
    for keys in by_loose.values():
        if len(keys) < 2:
            continue
        keys.sort()
        base = keys[0]
        for other in keys[1:]:
            if _safe_merge(state, spellings[base], spellings[other]):
                merged[other] = base
    _merge_one_letter(state, spellings, merged)
    out: dict[str, dict[str, list[int]]] = {}
    for key, by_spelling in spellings.items():
        target = out.setdefault(merged.get(key, key), {})
        for spelling, idx in by_spelling.items():
            target.setdefault(spelling, []).extend(idx)
    return list(out.values())


CONTEXT_MIN = 0.2


def _one_letter_apart(a: str, b: str) -> bool:
    """True when `b` is `a` with one letter added or dropped, not the first one: Kyiv /
    Kiev, Transdniestria / Transnistria, Jayant / Jayanth, Sayeq / Saiq (loose keys)."""
    if len(a) > len(b):
        a, b = b, a
    if len(b) != len(a) + 1 or a[:1] != b[:1] or (b.startswith(a) and b[-1] in "nsi"):
        return False  # "Authorities", "Russian", "Iraqi": a plural or a demonym
    return any(b[:i] + b[i + 1:] == a for i in range(1, len(b)))


def _merge_one_letter(state: StoryState, spellings: dict[str, dict[str, list[int]]],
                      merged: dict[str, str]) -> None:
    """Single names whose loose keys are one letter apart, merged when no outlet writes both,
    first names do not disagree, and the sentences they stand in are about the same things
    (two people whose names differ by a letter are seldom written about in the same words).
    Only one-word names: a longer form follows its words."""
    singles = sorted(k for k, by in spellings.items()
                     if len(k) >= MIN_ONE_LETTER and k not in merged
                     and all(" " not in s and "-" not in s for s in by))
    by_len: dict[int, list[str]] = {}
    for k in singles:
        by_len.setdefault(len(loose_key(k)), []).append(k)
    for k in singles:
        lk = loose_key(k)
        for other in by_len.get(len(lk) + 1, []):
            if other in merged or k in merged or not _one_letter_apart(lk, loose_key(other)):
                continue
            if _safe_merge(state, spellings[k], spellings[other]) and \
                    _same_context(state, spellings[k], spellings[other]):
                merged[other] = merged.get(k, k)


def _same_context(state: StoryState, a: dict[str, list[int]], b: dict[str, list[int]]) -> bool:
    def stems(by: dict[str, list[int]]) -> frozenset[str]:
        return frozenset().union(*(state.sentences[i].stems for idx in by.values()
                                   for i in idx))
    return state.stem_similarity(stems(a), stems(b)) >= CONTEXT_MIN


def _safe_merge(state: StoryState, a: dict[str, list[int]], b: dict[str, list[int]]) -> bool:
    src_a = {state.sentences[i].source for idx in a.values() for i in idx}
    src_b = {state.sentences[i].source for idx in b.values() for i in idx}
    if src_a & src_b:
        return False  # one outlet writes both: two names (or its own typo)
    first_a = _first_names(state, a)
    first_b = _first_names(state, b)
    return not (first_a and first_b and not first_a & first_b)


def _first_names(state: StoryState, by_spelling: dict[str, list[int]]) -> set[str]:
    """Keys of the words written right before the name ("Raúl" in "Raúl Echeverría")."""
    out = set()
    for spelling, idx in by_spelling.items():
        for i in idx:
            m = re.search(r"([A-Z][\w’'-]+)\s+" + re.escape(spelling), state.sentences[i].text)
            if m and fold(m.group(1)).rstrip(".") not in TITLES and \
                    m.group(1) not in _STOP_NAMES:
                out.add(name_key(m.group(1)))
    return out
