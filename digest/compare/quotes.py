"""Quotes: the same quotation worded differently by different sources.

Quoted passages (a quotation of several sentences is one passage: the sentence splitter
keeps it whole) are aligned across sources by their stems, so "racing against time" meets
"in a race against time": a pair is one quotation when most of the shorter one's weighted
stems are in the other (ALIGN), or when they share a good part of their stems both ways
(Dice >= ALIGN_SAME_SPEAKER, so a short remark is not matched inside a long one) and both are
credited to the same speaker (the names and nouns of the attribution outside the quotation
marks; "he said" takes the names of the sentence before). Pairs are taken best first, one
quotation per source in a group.

When the wording differs, each value's differing words are highlighted (Difference.highlight
holds, per value, the words it has that the reference wording lacks; the reference, the
longest wording, is compared with the closest other one). The detail says how they differ:
"spelling" (British/American spelling only: organise/organize), "trimmed" (one is a cut of
the other) or "wording".
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from digest.compare.state import Sentence, StoryState, group_scored_pairs, scored_pairs
from digest.model import Difference, Value
from digest.text import STOPWORDS, content_stems, fold, spelling_key, stem

QUOTE_RE = re.compile(r"“([^“”]{8,})”|\"([^\"]{8,})\"|‘([^‘’]{20,})’(?!\w)")
MIN_WORDS = 4
ALIGN = 0.6
ALIGN_SAME_SPEAKER = 0.3
ALIGN_TRANSLATED = 0.25  # one named speaker and one telling word: a translation
TELLING_IDF = 1.0  # a shared stem in most of the story's sentences tells nothing
MAX_QUOTES = 300
_SPEECH = {"said", "says", "say", "told", "tell", "wrote", "write", "writes", "added", "add",
           "declared", "stated", "posted", "quoted", "saying", "according", "asked",
           "insisted", "warned", "statement", "speech", "interview", "reporters", "address"}


@dataclass
class Quote:
    sentence: Sentence
    text: str
    tokens: list[str]  # folded words, for the word diff
    words: list[str]  # the words as written
    stems: frozenset[str]
    speaker: frozenset[str]
    named: frozenset[str] = frozenset()  # the speaker's name words only ("Artopios")


def extract_quotes(s: Sentence, previous: Sentence | None = None) -> list[Quote]:
    out = []
    for m in QUOTE_RE.finditer(s.text):
        q = next(g for g in m.groups() if g is not None).strip()
        words = re.findall(r"[\w'’-]+", q)
        if len(words) < MIN_WORDS:
            continue
        outside = s.text[:m.start()] + " " + s.text[m.end():]
        out.append(Quote(s, q, [fold(t) for t in words], words, frozenset(content_stems(q)),
                         _speaker(outside, previous), _named(outside, previous)))
    return out


_NAME_WORD = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z][\w’'-]+")


def _named(outside: str, previous: Sentence | None) -> frozenset[str]:
    """Stems of the capitalised words a quotation is credited to, not opening a sentence
    ("Artopios told state broadcaster ERT" -> artopios, ert); "he said" takes the names of
    the sentence before."""
    names = {stem(fold(w)) for w in _NAME_WORD.findall(outside.strip())}
    first = re.match(r"\s*[,]?\s*([A-Z][a-z][\w’'-]+)\s+(?:said|says|told|added|wrote)\b",
                     outside)
    if first:
        names.add(stem(fold(first.group(1))))  # '"...," Pacheco said.'
    if previous is not None and re.search(r"\b(he|she|they)\s+(said|says|added|told|wrote)\b",
                                          outside, re.I):
        names.update(stem(fold(w)) for w in re.findall(r"\b[A-Z][\w’'-]+", previous.text)[1:])
    return frozenset(n for n in names if fold(n) not in STOPWORDS)


def _speaker(outside: str, previous: Sentence | None) -> frozenset[str]:
    """Stems of who a quotation is credited to: the words outside the quotation marks."""
    names = set()
    for w in re.findall(r"[\w'’-]+", outside):
        f = fold(w)
        if f in STOPWORDS or f in _SPEECH or len(f) < 3:
            continue
        names.add(stem(re.sub(r"['’]s$", "", w)))
    if previous is not None and re.search(r"\b(he|she|they)\s+(said|says|added|told|wrote)\b",
                                          outside, re.I):
        names.update(stem(w) for w in re.findall(r"\b[A-Z][\w’'-]+", previous.text)[1:])
    return frozenset(names)


def _score(state: StoryState, a: Quote, b: Quote) -> float:
    """How surely two quotations are one: 0 when not, else their stem overlap."""
    if a.sentence.source == b.sentence.source:
        return 0.0
    overlap = state.containment(a.stems, b.stems)
    if overlap >= ALIGN:
        return overlap
    telling = [t for t in a.stems & b.stems if state.stem_idf.get(t, 0.0) >= TELLING_IDF]
    if a.speaker & b.speaker and len(telling) >= 2 and \
            state.stem_similarity(a.stems, b.stems) >= ALIGN_SAME_SPEAKER:
        return overlap
    # a translation shares few words: one named speaker, one telling word and as much
    # overlap both ways ("The next hours will be critical" / "The coming hours are
    # decisive", both Artopios)
    if a.named & b.named and telling and \
            state.stem_similarity(a.stems, b.stems) >= ALIGN_TRANSLATED:
        return overlap
    return 0.0


def word_diff(a: list[str], b: list[str]) -> tuple[list[str], list[str], bool]:
    """Words of a and b that the other does not have, and whether one is a cut of the other."""
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
    quotes: list[Quote] = []
    for s in state.sentences:
        quotes.extend(extract_quotes(s, state.previous(s)))
        if len(quotes) >= MAX_QUOTES:
            break
    pairs = scored_pairs(quotes, lambda a, b: _score(state, a, b))
    groups = group_scored_pairs(pairs, lambda k: quotes[k].sentence.source)
    for members in groups:
        _report(state, [quotes[k] for k in sorted(members)])


def _report(state: StoryState, group: list[Quote]) -> None:
    by_text: dict[tuple[str, ...], list[Quote]] = {}
    for q in group:
        by_text.setdefault(tuple(q.tokens), []).append(q)
    if len(by_text) < 2:
        return
    wordings = list(by_text)
    ref = max(wordings, key=lambda w: (len(by_text[w]), len(w), -by_text[w][0].sentence.index))
    highlight: list[list[str]] = []
    values = []
    cut_only = True
    for tokens, qs in sorted(by_text.items(), key=lambda kv: kv[1][0].sentence.index):
        other = ref if tokens != ref else max(
            (w for w in wordings if w != ref),
            key=lambda w: difflib.SequenceMatcher(a=ref, b=w, autojunk=False).ratio())
        mine, _theirs, cut = word_diff(list(tokens), list(other))
        cut_only = cut_only and cut
        differing = set(mine)
        q = qs[0]
        highlight.append([w for w in q.words if fold(w) in differing])
        idx = [x.sentence.index for x in qs]
        state.cited.update(idx)
        values.append(Value(q.text, state.evidence_for(idx)))
    if _spelling_only(wordings):
        detail = "spelling"
    elif cut_only:
        detail = "trimmed"
    else:
        detail = "wording"
    speaker = _speaker_label(group)
    topic = f"quote by {speaker}" if speaker else "quote"
    state.differences.append(Difference("quote", topic, detail, values, highlight=highlight))


def _spelling_only(wordings: list[tuple[str, ...]]) -> bool:
    """True when the wordings differ only by spellings (organise/organize), word for word."""
    keys = {tuple(spelling_key(t) for t in w) for w in wordings}
    return len(keys) == 1


_NAME = r"(?:the\s+)?[A-Z][\w’'.-]+(?:\s+(?:of\s+)?[A-Z][\w’'-]+)*"
_VERBS = r"(?:said|says|told|wrote|writes|added|declared|stated|posted|insisted|warned)"
_CREDIT = [re.compile(rf"({_NAME})\s+{_VERBS}\b"), re.compile(rf"\b{_VERBS}\s+({_NAME})"),
           re.compile(rf"\bquoted\s+({_NAME})\s+as\s+saying"),
           re.compile(rf"\baccording to\s+({_NAME})")]


def _speaker_label(group: list[Quote]) -> str:
    """A readable speaker: a name credited with a speech verb next to the quotation."""
    for q in group:
        outside = q.sentence.text.replace(q.text, " ")
        for pattern in _CREDIT:
            m = pattern.search(outside)
            if m:
                name = re.sub(r"^the\s+", "", m.group(1)).rstrip(".,")
                if fold(name.split()[0]) not in STOPWORDS:
                    return name
    return ""
