"""Claims: sources that contradict each other on the same point.

Four cues, each limited to sentences from different sources that are about the same thing
(they share a telling word besides the cue: a name, a place, the subject):

- confirm vs deny: confirm-family verbs ("confirmed", "acknowledged") against deny-family
  phrases ("denied", "declined to confirm", "neither confirmed nor denied");
- negation: one source negates a predicate ("had not resigned", "no reports of collapsed
  buildings", "refused to resign") that another asserts ("submitted his resignation", "a
  warehouse collapsed"). Stems make "resigned" meet "resignation". An assertion under a
  modal or a condition ("must resign", "if it collapses") asserts nothing;
- antonyms said of one subject: "the outbreak had been contained" vs "the outbreak was
  still spreading" (a small lexicon of news antonyms);
- a different agent for one action: "rescued by the coast guard" vs "rescued by fishermen"
  (the agents share no word and neither is the other's acronym).

A sentence starting with a pronoun ("He had not resigned") takes the names of the sentence
before it, so the point it makes has a subject.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from digest.compare.names import strip_titles
from digest.compare.state import Sentence, StoryState
from digest.model import Difference, Value
from digest.text import STOPWORDS, fold, lemma, stem

AFFIRM = re.compile(r"\b(acknowledg\w*|confirm\w*|admit\w*|recogni[sz]\w*|verif\w*|"
                    r"agreed|accepted|approved)\b", re.I)
DENY = re.compile(r"\b(den(y|ied|ies)|neither\b.*\bnor|(?:declin|refus|fail)\w* to "
                  r"(?:confirm|verify|acknowledge|corroborate|authenticate)|rejected|"
                  r"dismiss\w*|no (proof|evidence)|(has|have|had|did|does|do|was|were|is|are)"
                  r"(n[o']t| not| never)\b|not been|yet to|without (confirm\w*|evidence))\b",
                  re.I)
HEDGED_AFFIRM = re.compile(r"\b(once|if|until|unless|when|would|will|could|may|might|must|"
                           r"should|to|yet)\b$|\b(once|if|until|unless)\b", re.I)
NEGATION = re.compile(r"\b(not|n't|never|no|neither|nor|without)\b|n['’]t\b", re.I)
NEGATORS = {"not", "never", "no", "n't", "cannot"}
REFUSE = {"refused", "refuses", "refuse", "declined", "declines", "decline", "failed",
          "fails", "fail"}
EVIDENTIAL = {"report", "reports", "sign", "signs", "evidence", "indication", "indications",
              "trace", "record", "records", "word", "confirmation", "proof"}
SKIP_AFTER_NEG = {"be", "been", "being", "yet", "immediately", "officially", "formally",
                  "publicly", "fully", "always", "ever", "also", "even", "once", "again",
                  "have", "has", "had", "a", "an", "the", "any", "to", "so", "far", "still"}
MODAL = {"must", "should", "would", "could", "may", "might", "can", "shall", "will", "if",
         "unless", "whether", "to", "cannot", "wants", "want", "plans", "asked", "urged",
         "demanded", "called", "expected", "likely", "possible", "'ll"}
ANTONYMS = [("contain", "spread"), ("rise", "fall"), ("rose", "fell"), ("increas", "decreas"),
            ("won", "lost"), ("alive", "dead"), ("open", "clos"), ("accept", "reject"),
            ("approv", "reject"), ("succeed", "fail"), ("releas", "detain"),
            ("improv", "worsen"), ("expand", "shrink"), ("allow", "ban"), ("lift", "impos"),
            ("resum", "suspend"), ("pass", "fail"), ("support", "oppos"), ("intact", "destroy"),
            ("arriv", "depart")]
_ANTONYM_STEM = re.compile("|".join(sorted({w for pair in ANTONYMS for w in pair},
                                          key=len, reverse=True)))
_ANTONYM_WORD = re.compile(r"\b(?:" + "|".join(sorted({w for pair in ANTONYMS for w in pair},
                                                      key=len, reverse=True)) + ")", re.I)
_AUX = {"had", "has", "have", "been", "was", "were", "is", "are", "be", "being", "still",
        "already", "now", "not", "also", "largely", "mostly", "fully", "partly", "reportedly"}
PASSIVE_BY = re.compile(r"\b(\w+(?:ed|en|wn|ought|ught))\s+by\s+(?P<agent>(?:the\s+)?[\w'’-]+"
                        r"(?:\s+(?!and\b|but\b|who\b|which\b|after\b|before\b|when\b|while\b)"
                        r"[\w'’-]+){0,4})", re.I)
TOPIC_MIN = 0.15
TELLING_IDF = 1.0
_NEG_CUE = re.compile(r"\b(?:not|never|cannot|no|refus\w*|declin\w*|fail\w*)\b|n['’]t\b",
                      re.I)
# a sentence about an earlier time ("had lost in the semi-finals last season") is background,
# it contradicts nothing said about the event itself
BACKGROUND = re.compile(r"\b(last|previous|prior|earlier)\s+(season|year|election|vote|round|"
                        r"edition|match|game|tournament|term)\b|\bpreviously\b|\bformerly\b|"
                        r"\bin the past\b|\b(years|decades)\s+ago\b", re.I)
_PRONOUN_START = re.compile(r"^\s*(He|She|They|It|His|Her|Their)\b")
_NOR = re.compile(r"\bnor\b|declin|refus|den", re.I)
# Words (lowered) each case-insensitive pattern above cannot match without: searched for in
# Sentence.case_key first, a far cheaper test that spares most sentences the pattern itself.
_AFFIRM_NEEDS = re.compile("acknowledg|confirm|admit|recogni|verif|agreed|accepted|approved")
_DENY_NEEDS = re.compile("den|neither|declin|refus|fail|rejected|dismiss|no proof|no evidence|"
                         "not|n't|never|yet to|without")
_NOR_NEEDS = re.compile("nor|declin|refus|den")
_NEG_CUE_NEEDS = re.compile("no|never|refus|declin|fail|n't|n’t")
_BACKGROUND_NEEDS = re.compile("last|previous|prior|earlier|formerly|in the past|ago")
_ANTONYM_NEEDS = _ANTONYM_STEM  # the antonym stems themselves
_PASSIVE_BY_NEEDS = re.compile("by")
_TOKEN = re.compile(r"[\w'’-]+|[,;:.!?()—–]")
_WORD = re.compile(r"[\w'’-]+")
_CAPITALISED = re.compile(r"\b[A-Z][\w’'-]+")
_POSSESSIVE_END = re.compile(r"['’]s$")
_PARTICIPLE = re.compile(r"(ed|en)$")
_NOUNISH = re.compile(r"(ation|ment|ion|al|ure)$")
_WORD_START = re.compile(r"\w")
_DIGIT = re.compile(r"\d")


def _background(s: Sentence) -> bool:
    return bool(_BACKGROUND_NEEDS.search(s.case_key) and BACKGROUND.search(s.text))


@dataclass
class Point:
    """One claim a sentence makes about a predicate: asserted (+1) or negated (-1)."""

    sentence: Sentence
    stem: str
    polarity: int
    start: int  # character offset of the predicate word
    subject: frozenset[str] = frozenset()  # stems of who or what the predicate is said of
    complement: str = ""  # the verb of a "to" complement: "wish to *return*"
    objects: frozenset[str] = frozenset()  # names after the predicate: "threat to *Japan*"
    existential: bool = False  # "there were no reports of collapsed buildings"


def _polarity(s: Sentence) -> int | None:
    """+1 affirms, -1 denies, None when the sentence is not a confirm/deny statement.

    A confirmation under a modal or a condition ("once they had been confirmed", "would
    confirm") affirms nothing.
    """
    text, key = s.text, s.case_key
    # (DENY and (AFFIRM or _NOR) is -1; without an AFFIRM match nothing affirms), with each
    # pattern run only when its words are there
    affirmed = _AFFIRM_NEEDS.search(key) is not None and AFFIRM.search(text) is not None
    if (affirmed or (_NOR_NEEDS.search(key) and _NOR.search(text))) and \
            _DENY_NEEDS.search(key) and DENY.search(text):
        return -1
    if not affirmed:
        return None
    affirm = [m for m in AFFIRM.finditer(text) if not HEDGED_AFFIRM.search(
        " ".join(text[:m.start()].split()[-4:]))]
    if affirm and not NEGATION.search(text):
        return 1
    return None


def _tokens(text: str) -> list[tuple[str, int]]:
    return [(m.group(0), m.start()) for m in _TOKEN.finditer(text)]


_BOUNDARY_WORDS = {"and", "but", "although", "though", "while", "whereas", "because", "as",
                   "after", "before", "when", "where", "since", "so", "said", "says", "told",
                   "according"}
_RELATIVE = {"who", "which", "that"}
_SPEECH_WORDS = {"said", "says", "say", "told", "added", "stated", "announced", "according",
                 "wrote", "reported", "statement"}
_PRONOUNS = {"he", "she", "they", "it"}
_POSSESSIVES = {"his", "her", "their", "its", "our", "my", "your"}
_NOT_NAMES = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
              "january", "february", "march", "april", "may", "june", "july", "august",
              "september", "october", "november", "december"}


def _is_word(tok: str) -> bool:
    return tok[:1].isalnum() or tok[:1] == "_"


def _skippable(f: str) -> bool:
    return f in _AUX or f in SKIP_AFTER_NEG or f in NEGATORS or f in MODAL or f in REFUSE \
        or f.endswith(("n't", "n’t", "ly")) or f in ("no", "do", "does", "did") \
        or f in _POSSESSIVES


def _subject(toks: list[tuple[str, int]], i: int, context: str) -> tuple[frozenset[str], bool]:
    """Stems of what the predicate at toks[i] is said of, and whether the clause is "there
    were/was ..." (existential). A relative pronoun stands for the noun before it; a personal
    pronoun for the names in `context` (the sentence before, and this one's opening)."""
    k = i - 1
    while k >= 0 and _is_word(toks[k][0]) and _skippable(fold(toks[k][0])):
        k -= 1
    out: list[str] = []
    existential = False
    while k >= 0 and _is_word(toks[k][0]) and len(out) < 5:
        f = fold(toks[k][0])
        if f in _RELATIVE and not out:
            k -= 1
            continue
        if f == "there":
            existential = True
            break
        if f in _BOUNDARY_WORDS or (f in _RELATIVE and out):
            break
        if f in _PRONOUNS:
            # "The union said it had ...": the words before the pronoun in this sentence,
            # and the names of the sentence before
            for t, _p in toks[:k]:
                g = fold(t)
                if _is_word(t) and g not in STOPWORDS and g not in _SPEECH_WORDS and \
                        not g[0].isdigit():
                    out.append(stem(t))
            out.extend(stem(w) for w in _CAPITALISED.findall(context)
                       if fold(w) not in STOPWORDS and fold(w) not in _NOT_NAMES)
            break
        if f not in STOPWORDS and f not in EVIDENTIAL and f not in _POSSESSIVES and \
                not f[0].isdigit():
            out.append(stem(toks[k][0]))
        k -= 1
    return frozenset(out), existential


def _right(toks: list[tuple[str, int]], i: int) -> tuple[str, frozenset[str], list[str]]:
    """What follows a predicate: the verb of a "to" complement, the names in its clause, and
    its next content words."""
    complement = ""
    if i + 2 < len(toks) and fold(toks[i + 1][0]) == "to" and _is_word(toks[i + 2][0]):
        complement = stem(toks[i + 2][0])
    names: set[str] = set()
    after: list[str] = []
    for t, _pos in toks[i + 1:i + 9]:
        if not _is_word(t) or fold(t) in _BOUNDARY_WORDS:
            break
        f = fold(t)
        if t[0].isupper() and f not in STOPWORDS and f not in _NOT_NAMES:
            names.add(stem(_POSSESSIVE_END.sub("", t)))
        if f not in STOPWORDS:
            after.append(stem(t))
    return complement, frozenset(names), after


def _points(s: Sentence, context: str = "", wanted: set[str] | None = None) -> list[Point]:
    """The predicates a sentence negates, and those it asserts outright.

    Negated: the verb after "not"/"never"/"n't" (adverbs and auxiliaries skipped), the verb
    after "refused/declined/failed to", and the participles in "no reports (sign, evidence)
    of collapsed buildings". Asserted: any other word of four letters or more that no
    negation, modal or condition governs in its clause (see _asserted).
    """
    toks = _tokens(s.text)
    ctx = context + " " + s.text[:toks[0][1]] if toks else context
    negated: list[Point] = []
    n = 0
    while n < len(toks):
        w = fold(toks[n][0])
        refuse = w in REFUSE and n + 1 < len(toks) and fold(toks[n + 1][0]) == "to"
        neg = w in ("not", "never", "cannot") or w.endswith(("n't", "n’t")) or refuse or (
            w == "no" and n + 2 < len(toks) and fold(toks[n + 1][0]) in EVIDENTIAL
            and fold(toks[n + 2][0]) == "of")
        if not neg:
            n += 1
            continue
        k = n + 1
        if w == "no":
            # "no reports of collapsed buildings": the participles are what is denied
            for k in range(n + 3, min(n + 7, len(toks))):
                t = toks[k][0]
                if not _is_word(t):
                    break
                if _PARTICIPLE.search(fold(t)):
                    nouns = frozenset(stem(x) for x, _p in toks[k + 1:k + 3]
                                      if _is_word(x) and fold(x) not in STOPWORDS)
                    comp, names, _after = _right(toks, k)
                    negated.append(Point(s, stem(t), -1, toks[k][1], nouns, comp, names, True))
            n = k + 1
            continue
        while k < len(toks) and fold(toks[k][0]) in SKIP_AFTER_NEG:
            k += 1
        if k < len(toks) and _is_word(toks[k][0]):
            head = fold(toks[k][0])
            if head not in STOPWORDS and head not in EVIDENTIAL and not head[0].isdigit():
                subject, existential = _subject(toks, n, ctx)
                comp, names, _after = _right(toks, k)
                negated.append(Point(s, stem(toks[k][0]), -1, toks[k][1], subject, comp,
                                     names, existential))
        n = k + 1
    points = list(negated)
    negated_stems = {p.stem for p in negated}
    for i, (t, pos) in enumerate(toks):
        if len(t) < 4 or not t[0].isalpha():
            continue
        f = fold(t)
        if f in STOPWORDS:
            continue
        st = stem(t)
        if wanted is not None and st not in wanted:
            continue
        if st in negated_stems or not _asserted(toks, i):
            continue
        if i > 0 and fold(toks[i - 1][0]) in ("in", "for", "on", "at", "of") and \
                not _NOUNISH.search(f):
            continue  # "in return for": a noun in a phrase, not a predicate
        subject, existential = _subject(toks, i, ctx)
        comp, names, _after = _right(toks, i)
        points.append(Point(s, st, 1, pos, subject, comp, names, existential))
    return points


def _asserted(toks: list[tuple[str, int]], i: int) -> bool:
    """True when nothing before the word in its clause negates, conditions or plans it."""
    k = i - 1
    seen = 0
    while k >= 0 and seen < 6:
        f = fold(toks[k][0])
        if not _is_word(f):
            break
        if f in NEGATORS or f.endswith(("n't", "n’t")) or f in MODAL or f in REFUSE or \
                f in ("no", "nor", "neither", "without"):
            return False
        k -= 1
        seen += 1
    return True


def _entities(state: StoryState, s: Sentence) -> set[str]:
    """Telling stems of a sentence, plus the names before it when it opens with a pronoun."""
    out = {t for t in s.stems if state.stem_idf.get(t, 0.0) >= TELLING_IDF}
    if _PRONOUN_START.match(s.text):
        prev = state.previous(s)
        if prev is not None:
            out |= {stem(w) for w in _CAPITALISED.findall(prev.text)
                    if fold(w) not in STOPWORDS}
    return out


def _snippet(text: str, pos: int, before: int = 4, after: int = 4) -> str:
    """A verbatim stretch of the sentence around a word, inside its clause."""
    start = max(text.rfind(",", 0, pos), text.rfind(";", 0, pos)) + 1
    left = text[start:pos].split()[-before:]
    rest = re.split(r"[,;.]\s|[,;.]$", text[pos:])[0].split()[:after + 1]
    snippet = " ".join(left + rest)
    return snippet if snippet in text else text[pos:pos + 40].strip()


def run(state: StoryState) -> None:
    found: list[tuple[str, str, list[int], list[int], str, str]] = []
    _confirm_deny(state, found)
    claimed = {i for f in found for i in f[2] + f[3]}
    _negations(state, found, claimed)
    claimed = {i for f in found for i in f[2] + f[3]}
    _antonyms(state, found, claimed)
    claimed = {i for f in found for i in f[2] + f[3]}
    _agents(state, found, claimed)
    sents = state.sentences
    for topic, _label, yes, no, v_yes, v_no in _merged(found):
        state.cited.update(yes + no)
        values = [Value(v_yes, state.evidence_for(sorted(yes))),
                  Value(v_no, state.evidence_for(sorted(no)))]
        if not topic:
            s_yes, s_no = sents[min(yes)], sents[min(no)]
            topic = state.topic_words(s_yes.text, s_yes.lemmas & s_no.lemmas, k=5) or "claim"
        state.differences.append(Difference("claim", topic, "contradiction", values))


def _merged(found: list) -> list:
    """One difference per point: pairs that share a sentence on either side are merged."""
    out: list = []
    for topic, label, yes, no, v_yes, v_no in found:
        for i, (t2, l2, y2, n2, vy2, vn2) in enumerate(out):
            if l2 == label and (set(y2) & set(yes) or set(n2) & set(no)):
                out[i] = (t2, l2, sorted(set(y2) | set(yes)), sorted(set(n2) | set(no)), vy2,
                          vn2)
                break
            if l2 == label and (set(y2) & set(no) or set(n2) & set(yes)):
                out[i] = (t2, l2, sorted(set(y2) | set(no)), sorted(set(n2) | set(yes)), vy2,
                          vn2)
                break
        else:
            out.append((topic, label, list(yes), list(no), v_yes, v_no))
    return out


def _confirm_deny(state: StoryState, found: list) -> None:
    """Confirm/deny statements about the same point, even when worded far apart."""
    sents = state.sentences
    polar = {s.index: _polarity(s) for s in sents}
    pos = [s for s in sents if polar[s.index] == 1]
    neg = [s for s in sents if polar[s.index] == -1]
    groups: list[tuple[set[int], set[int]]] = []
    for p in pos:
        core_p = p.lemmas - _cue_lemmas(p.text)
        deniers = set()
        for n in neg:
            core_n = n.lemmas - _cue_lemmas(n.text)
            if p.source != n.source and len(core_p & core_n) >= 2 and \
                    state.similarity(core_p, core_n) >= TOPIC_MIN:
                deniers.add(n.index)
        if deniers:
            merged = next((g for g in groups if g[1] & deniers), None)
            if merged:
                merged[0].add(p.index)
                merged[1].update(deniers)
            else:
                groups.append(({p.index}, deniers))
    for yes, no in groups:
        found.append(("", "contradiction", sorted(yes), sorted(no), "affirms",
                      "denies or does not confirm"))


def _negations(state: StoryState, found: list, claimed: set[int]) -> None:
    """A predicate one source negates and another asserts, said of the same subject."""
    contexts = {}
    negs: list[Point] = []
    for s in state.sentences:
        if s.index in claimed or not (_NEG_CUE_NEEDS.search(s.case_key) and
                                      _NEG_CUE.search(s.text)):
            continue
        prev = state.previous(s)
        contexts[s.index] = prev.text if prev is not None else ""
        negs.extend(p for p in _points(s, contexts[s.index], set()) if p.polarity < 0)
    wanted = {n.stem for n in negs} - _GENERIC_PREDICATES
    if not wanted:
        return
    points: dict[int, list[Point]] = {}
    for s in state.sentences:
        if s.index in claimed or not wanted & s.stems:
            continue
        prev = state.previous(s)
        points[s.index] = _points(s, prev.text if prev is not None else "", wanted)
    by_stem: dict[str, list[Point]] = {}
    for ps in points.values():
        for p in ps:
            if p.polarity > 0:
                by_stem.setdefault(p.stem, []).append(p)
    done: set[tuple[int, int]] = set()
    for n in negs:
        if n.stem in _GENERIC_PREDICATES or _background(n.sentence):
            continue
        best: tuple[int, Point] | None = None
        for a in by_stem.get(n.stem, []):
            if a.sentence.source == n.sentence.source or not _same_point(state, n, a) or \
                    _background(a.sentence):
                continue
            score = len(n.subject & a.subject)
            if best is None or score > best[0]:
                best = (score, a)
        if best is None:
            continue
        a = best[1]
        key = (a.sentence.index, n.sentence.index)
        if key in done:
            continue
        done.add(key)
        word = re.match(r"[\w'’-]+", n.sentence.text[n.start:])
        who = _names(a.sentence.text, True) & (n.subject | _names(n.sentence.text, True))
        label = next((run for run in re.findall(r"[A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+)*",
                                                a.sentence.text)
                      if any(stem(w) in who for w in run.split())), "")
        label = " ".join(strip_titles(label.split()))
        topic = f"whether {label + ' ' if label else ''}{word.group(0) if word else n.stem}"
        found.append((topic, "negation", [a.sentence.index], [n.sentence.index],
                      _snippet(a.sentence.text, a.start), _snippet(n.sentence.text, n.start)))


def _same_point(state: StoryState, n: Point, a: Point) -> bool:
    """Whether a negated and an asserted predicate are said of the same thing."""
    if n.complement and a.complement and n.complement != a.complement:
        return False  # "not wish to return" vs "wishes to stay"
    if n.objects and a.objects and not n.objects & a.objects:
        return False  # "no threat to U.S. personnel" vs "a threat to Japan"
    telling = {t for t in n.subject & a.subject if state.stem_idf.get(t, 0.0) >= 0.5}
    if telling:
        return True
    if n.existential:
        # "there were no reports of collapsed buildings" has no subject to match: the two
        # sentences must share a name (a place, a body) instead
        names_n = _names(n.sentence.text)
        names_a = _names(a.sentence.text)
        return bool(names_n & names_a)
    return False


def _names(text: str, opening: bool = False) -> set[str]:
    """Stems of capitalised words; the sentence's first word only when `opening`."""
    pattern = r"(?:(?<=\s)|^)[A-Z][\w’'-]+" if opening else r"(?<=\s)[A-Z][\w’'-]+"
    return {stem(_POSSESSIVE_END.sub("", w)) for w in re.findall(pattern, text)
            if fold(w) not in STOPWORDS and fold(w) not in _NOT_NAMES}


# subjects too vague to say two sentences are about one thing ("people survived" vs "people
# died" are other people)
_GENERIC_SUBJECTS = {"people", "other", "others", "person", "men", "women", "child", "children",
                     "some", "many", "several", "most", "all", "resident", "it", "they",
                     "official", "thousand", "hundred", "dozen", "million"}

# predicates too common to carry a claim ("did not say", "has not commented")
_GENERIC_PREDICATES = {stem(w) for w in (
    "say said says comment commented give given provide provided specify specified know "
    "known report reported respond responded immediately clear elaborate elaborated "
    "disclose disclosed identify identified name named want wanted need needed").split()}


def _antonyms(state: StoryState, found: list, claimed: set[int]) -> None:
    """Antonyms said of one subject: "the outbreak had been contained" / "... spreading"."""
    heads: dict[int, list[tuple[str, str, int]]] = {}
    for s in state.sentences:
        if s.index in claimed or _background(s):
            continue
        if not (_ANTONYM_NEEDS.search(s.case_key) and _ANTONYM_WORD.search(s.text)):
            continue
        toks = _tokens(s.text)
        for i, (t, pos) in enumerate(toks):
            m = _ANTONYM_STEM.match(stem(t)) if len(t) > 3 else None
            if m is None:
                continue
            side = m.group(0)
            subj = _subject_of(toks, i)
            if subj and _asserted(toks, i):
                heads.setdefault(s.index, []).append((side, subj, pos))
    items = [(i, h) for i, hs in heads.items() for h in hs]
    seen: set[tuple[int, int]] = set()
    for n, (i, (side_a, subj_a, pos_a)) in enumerate(items):
        for j, (side_b, subj_b, pos_b) in items[n + 1:]:
            a, b = state.sentences[i], state.sentences[j]
            if a.source == b.source or subj_a != subj_b or (i, j) in seen or \
                    subj_a in _GENERIC_SUBJECTS:
                continue
            if not any((side_a, side_b) in ((x, y), (y, x)) for x, y in ANTONYMS):
                continue
            if not (_entities(state, a) & _entities(state, b)) - {subj_a}:
                continue
            seen.add((i, j))
            found.append(("", f"{side_a} / {side_b}", [i], [j], _snippet(a.text, pos_a),
                          _snippet(b.text, pos_b)))


def _subject_of(toks: list[tuple[str, str] | tuple[str, int]], i: int) -> str:
    """The noun a predicate is said of: the content word before it, auxiliaries skipped."""
    k = i - 1
    while k >= 0 and fold(str(toks[k][0])) in _AUX:
        k -= 1
    if k < 0 or not _WORD_START.match(str(toks[k][0])):
        return ""
    f = fold(str(toks[k][0]))
    if f in STOPWORDS:
        return ""
    return lemma(f)


def _agents(state: StoryState, found: list, claimed: set[int]) -> None:
    """One action credited to different agents: "rescued by X" vs "rescued by Y"."""
    acts: list[tuple[Sentence, str, str, int, frozenset[str]]] = []
    for s in state.sentences:
        if s.index in claimed or not _PASSIVE_BY_NEEDS.search(s.case_key) or _background(s):
            continue
        for m in PASSIVE_BY.finditer(s.text):
            agent = m.group("agent")
            if _DIGIT.search(agent) or re.match(_QUANTITY, agent, re.I):
                continue  # "watched by at least 30,267": a count, for the numbers rule
            key = frozenset(lemma(w) for w in _WORD.findall(agent)
                            if fold(w) not in STOPWORDS and not w[0].isdigit())
            if key and not re.match(r"(?i)(him|her|them|it|us|me)\b", agent):
                acts.append((s, stem(m.group(1)), m.group(0), m.start(), key))
    for n, (sa, va, agent_a, pos_a, ka) in enumerate(acts):
        for sb, vb, agent_b, pos_b, kb in acts[n + 1:]:
            if sa.source == sb.source or va != vb or ka & kb:
                continue
            if _acronym(agent_a, agent_b) or _contains(_agent(agent_a), _agent(agent_b)):
                continue
            before_a = _stems_before(sa.text, pos_a)
            before_b = _stems_before(sb.text, pos_b)
            patient = {t for t in before_a & before_b if state.stem_idf.get(t, 0.0) >= 0.5}
            if not patient:
                continue  # who was acted on must be the same
            found.append(("", "agent", [sa.index], [sb.index], agent_a, agent_b))


_QUANTITY = (r"(?:at least|at most|more than|less than|fewer than|nearly|almost|about|around|"
             r"some|over|up to|dozens|hundreds|thousands|millions|tens|a few|several|many)\b")


def _agent(phrase: str) -> str:
    return re.split(r"\s+by\s+", phrase, maxsplit=1)[-1]


def _stems_before(text: str, pos: int) -> set[str]:
    words = _WORD.findall(text[:pos])[-12:]
    return {stem(w) for w in words if fold(w) not in STOPWORDS and not w[0].isdigit()}


def _acronym(a: str, b: str) -> bool:
    for short, long in ((a, b), (b, a)):
        letters = re.findall(r"\b[A-Z]{2,6}\b", short)
        caps = "".join(w[0] for w in re.findall(r"[A-Za-z][\w'’-]*", long) if w[0].isupper())
        if any(x in caps for x in letters):
            return True
    return False


def _contains(a: str, b: str) -> bool:
    fa, fb = fold(a), fold(b)
    return fa in fb or fb in fa


def _cue_lemmas(text: str) -> set[str]:
    from digest.text import content_lemmas

    cues = " ".join(m.group(0) for m in AFFIRM.finditer(text))
    cues += " " + " ".join(m.group(0) for m in DENY.finditer(text))
    return set(content_lemmas(cues))
