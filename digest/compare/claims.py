"""Claims: sources that contradict each other on the same point.

Within sentences aligned on the same point (shared entities and words), a claim differs
when one affirms what the other negates ("not", "neither ... nor", "declined to"), when
confirm-family verbs meet deny-family verbs ("acknowledged" vs "neither confirmed nor
denied"), or when antonyms face each other ("rose" vs "fell").
"""

from __future__ import annotations

import re

from digest.compare.state import Sentence, StoryState
from digest.model import Difference, Value
from digest.text import content_lemmas, fold

AFFIRM = re.compile(r"\b(acknowledg\w*|confirm\w*|admit\w*|recogni[sz]\w*|verif\w*|"
                    r"agreed|accepted|approved)\b", re.I)
DENY = re.compile(r"\b(den(y|ied|ies)|neither\b.*\bnor|declin\w* to|refus\w* to|rejected|"
                  r"dismiss\w*|no (proof|evidence)|(has|have|had|did|does|do|was|were|is|are)"
                  r"(n[o']t| not| never)\b|not been|yet to|without (confirm\w*|evidence))\b",
                  re.I)
NEGATION = re.compile(r"\b(not|n't|never|no|neither|nor|without)\b|n['’]t\b", re.I)
ANTONYMS = [("rose", "fell"), ("increased", "decreased"), ("won", "lost"), ("alive", "dead"),
            ("opened", "closed"), ("accepted", "rejected"), ("approved", "rejected"),
            ("higher", "lower"), ("more", "fewer"), ("before", "after"),
            ("confirmed", "denied"), ("succeeded", "failed"), ("released", "detained")]
TOPIC_MIN = 0.15
STRONG = 0.45


def _polarity(s: Sentence) -> int | None:
    """+1 affirms, -1 denies, None when the sentence is not a confirm/deny statement."""
    text = s.text
    if DENY.search(text):
        if AFFIRM.search(text) or re.search(r"\bnor\b|declin|refus|den", text, re.I):
            return -1
    if AFFIRM.search(text) and not NEGATION.search(text):
        return 1
    return None


def _antonym(a: Sentence, b: Sentence) -> tuple[str, str] | None:
    wa = {fold(w) for w in re.findall(r"[A-Za-z]+", a.text)}
    wb = {fold(w) for w in re.findall(r"[A-Za-z]+", b.text)}
    for x, y in ANTONYMS:
        if (x in wa and y in wb and y not in wa and x not in wb) or (
                y in wa and x in wb and x not in wa and y not in wb):
            return (x, y)
    return None


def _negated_heads(s: Sentence) -> set[str]:
    """Lemmas of the words a negation applies to ("did not *wish*" -> {"wish"})."""
    heads: set[str] = set()
    tokens = re.findall(r"[\w'’]+", s.text)
    for n, t in enumerate(tokens):
        if NEGATION.fullmatch(t) or re.search(r"n['’]t$", t, re.I):
            for nxt in tokens[n + 1:n + 4]:
                lem = content_lemmas(nxt)
                if lem:
                    heads.add(lem[0])
                    break
    return heads


def run(state: StoryState) -> None:
    sents = state.sentences
    polar = {s.index: _polarity(s) for s in sents}
    pos = [s for s in sents if polar[s.index] == 1]
    neg = [s for s in sents if polar[s.index] == -1]
    # confirm/deny statements about the same point, even when worded far apart
    found: list[tuple[str, set[int], set[int]]] = []
    for p in pos:
        core_p = p.lemmas - _cue_lemmas(p.text)
        deniers = set()
        for n in neg:
            core_n = n.lemmas - _cue_lemmas(n.text)
            if p.source != n.source and len(core_p & core_n) >= 2 and \
                    state.similarity(core_p, core_n) >= TOPIC_MIN:
                deniers.add(n.index)
        if deniers:
            merged = next((f for f in found if f[2] & deniers), None)
            if merged:
                merged[1].add(p.index)
                merged[2].update(deniers)
            else:
                found.append(("contradiction", {p.index}, deniers))
    # a negation or an antonym between sentences aligned on the same point
    for i, j, sim in state.aligned_pairs():
        if sim < STRONG or polar[i] is not None or polar[j] is not None:
            continue
        a, b = sents[i], sents[j]
        heads_a, heads_b = _negated_heads(a), _negated_heads(b)
        if heads_a - heads_b and (heads_a - heads_b) & b.lemmas:
            found.append(("negation", {j}, {i}))
        elif heads_b - heads_a and (heads_b - heads_a) & a.lemmas:
            found.append(("negation", {i}, {j}))
        elif (pair := _antonym(a, b)) is not None:
            found.append((" / ".join(pair), {i}, {j}))
    for label, yes, no in found:
        state.cited.update(yes | no)
        s_yes, s_no = sents[min(yes)], sents[min(no)]
        topic = state.topic_words(s_yes.text, s_yes.lemmas & s_no.lemmas, k=5) or "claim"
        if label in ("contradiction", "negation"):
            names = ("affirms", "denies or does not confirm") if label == "contradiction" \
                else ("says so", "says not")
        else:
            names = tuple(label.split(" / "))
        values = [Value(names[0], state.evidence_for(sorted(yes))),
                  Value(names[1], state.evidence_for(sorted(no)))]
        state.differences.append(Difference("claim", topic, "contradiction", values))


def _cue_lemmas(text: str) -> set[str]:
    cues = " ".join(m.group(0) for m in AFFIRM.finditer(text))
    cues += " " + " ".join(m.group(0) for m in DENY.finditer(text))
    return set(content_lemmas(cues))
