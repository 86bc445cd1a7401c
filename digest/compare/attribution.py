"""Attribution: the same figure credited to different sources.

For every quantity the numbers rule aligned, the mentions that give the *same* figure are
compared (a figure that changed is a number difference, not an attribution one). The phrase
that credits each mention is read from its sentence: "according to X", "X said / says /
estimates / reported", "X told ...". When outlets credit one figure to different bodies
("the International Organization for Migration" vs "the Libyan Red Crescent"), that is a
difference.

Two credits name the same body when they share a head word once possessives ("Ukraine's")
and generic words are set aside, or when one is the other's acronym ("IOM" / "International
Organization for Migration"). Vague credits ("officials", "reports", "authorities") are
not compared: they contradict nothing.
"""

from __future__ import annotations

import re

from digest.compare.numbers import Mention
from digest.compare.state import StoryState
from digest.model import Difference, Value
from digest.text import STOPWORDS, fold, lemma

_VERBS = (r"(?:said|says|say|estimated|estimates|estimate|reported|reports|report|told|"
           r"announced|announces|confirmed)")
ACCORDING = re.compile(r"\baccording to (?P<who>[^,.;()]+?)(?:\s*\(|,|\.|;| who | which | that "
                       r"|$)", re.I)
SAYS = re.compile(rf"\b{_VERBS}\b")
# past forms without -ed: they end a subject phrase like any verb
_IRREGULAR = set("""built made taken given held sent told found left kept brought bought caught
fought thought put set cut hit shut won lost paid sold met led fled spent became began came
went saw seen known shown grown drawn flown thrown broken spoken chosen driven written
stood understood""".split())
_NP_GLUE = {"of", "for", "and", "the", "a", "an", "on", "de"}
# words that say nothing about who: a credit made only of these is vague
GENERIC = {"official", "officials", "authority", "authorities", "source", "sources", "report",
           "reports", "media", "state", "government", "people", "statement", "data",
           "figure", "figures", "estimate", "estimates", "assessment", "assessments", "local",
           "senior", "unnamed", "anonymous", "two", "several", "both", "side", "sides",
           "spokesperson", "spokesman", "spokeswoman", "it", "they", "he", "she", "analyst",
           "analysts", "expert", "experts", "country", "national", "federal", "observer",
           "observers", "resident", "residents", "witness", "witnesses", "journalist",
           "journalists", "reporter", "reporters", "activist", "activists", "worker",
           "workers", "aid", "volunteer", "volunteers", "medic", "medics", "doctor", "doctors",
           "staff", "rescuer", "rescuers", "police", "diplomat", "diplomats",
           "insider", "insiders", "person", "persons", "familiar", "matter",
           # back-references to a body named elsewhere ("the company said")
           "company", "firm", "group", "agency", "ministry", "department", "organisation",
           "organization", "office", "body", "team", "operator", "owner"}
_ROLES = {"legislator": "lawmaker", "politician": "lawmaker", "mp": "lawmaker",
          "deputy": "lawmaker", "senator": "lawmaker", "minister": "minister",
          "department": "ministry"}
_DETERMINERS = {"the", "a", "an", "its", "their", "his", "her", "this", "that"}


def _trim(who: str) -> str:
    """Drop leading words that are not part of the credited body ("particularly as")."""
    tokens = who.split()
    while tokens and tokens[0].islower() and fold(tokens[0]) not in GENERIC and \
            fold(tokens[0]) not in _DETERMINERS and not _body_word(tokens[0]):
        tokens.pop(0)
    return " ".join(tokens)


def _body_word(word: str) -> bool:
    return fold(word) in {"western", "ukrainian", "health", "military", "central", "defence",
                          "defense", "foreign", "interior", "finance", "disaster",
                          "pension", "intelligence", "human"}


_TIME_TAIL = re.compile(r"\s+(?:(?:late|early|earlier|later)\s+)?(?:on\s+|by\s+|in\s+)?(?:Monday|"
                        r"Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|yesterday|today|"
                        r"tonight|last\s+\w+|this\s+\w+)\b.*$", re.I)


def credited(text: str) -> str | None:
    """Who a sentence credits for what it reports, or None.

    "according to X"; else the subject of a reporting verb ("X said", "X estimates"): the
    noun phrase right before the verb, read backwards until a word that cannot be part of
    a name or body. "a lawmaker briefed by the spy agency said" credits the lawmaker.
    """
    for m in ACCORDING.finditer(text):
        who = m.group("who")
        who = re.split(r"\b(?:released|published|issued|compiled|provided|given)\s+by\s+", who)[-1]
        who = _TIME_TAIL.sub("", who)
        who = _trim(who.strip(" ,\"'“”"))
        if len(who) >= 3 and _key(who):
            return who
    for m in SAYS.finditer(text):
        who = subject_phrase(text[:m.start()])
        if who and len(who) >= 3 and _key(who):
            return who
    return None


def subject_phrase(before: str) -> str:
    """The noun phrase that ends the text (the subject of the verb that follows it)."""
    tokens = re.findall(r"[\w'’.()-]+|[,;:—–\"“”]", before)
    if tokens and fold(tokens[-1]) in ("and", "or", "but"):
        return ""  # "... is being built and said": the subject is further back, elided
    kept: list[str] = []
    n = len(tokens) - 1
    while n >= 0:
        t = tokens[n]
        f = fold(t.strip("()")).strip(".")
        if not re.match(r"[\w(]", t) or not f:
            break
        possessive = bool(re.search(r"['’]s$", t))
        if t[0].isupper() or t.startswith("(") or possessive or f in _NP_GLUE or (
                t.islower() and f not in STOPWORDS and f not in _IRREGULAR and
                not re.search(r"(ed|ing|ly)$", f)):
            kept.append(t)
            n -= 1
            continue
        break
    kept.reverse()
    while kept and fold(kept[0]) in _NP_GLUE - {"the", "a", "an"}:
        kept.pop(0)
    # "a lawmaker briefed by the spy agency said": the agent of a participle is not the one
    # speaking; the speaker is the phrase before the participle
    if n >= 1 and fold(tokens[n]) == "by" and re.search(r"ed$", tokens[n - 1]):
        head = subject_phrase(" ".join(tokens[:n - 1]))
        if head:
            return head
    return " ".join(kept).strip()


_DEMONYM = re.compile(r"(?:ian|ean|ese|ish|ine|an|i|ern|ch)$")


def _key(who: str) -> frozenset[str]:
    """The words that name the body: possessives, determiners and vague words set aside.

    Empty when the credit is vague: only generic words ("officials", "the government") and
    nationalities ("Philippine officials", "Western assessments").
    """
    out = set()
    specific = False
    for w in re.findall(r"[\w'’.-]+", who):
        if re.search(r"['’]s$", w):
            continue  # "Ukraine's human rights commissioner": whose, not who
        f = fold(w).strip(".")
        if not f or f in STOPWORDS or f in _DETERMINERS or f[0].isdigit() or \
                f.endswith("-based"):
            continue
        lem = _ROLES.get(lemma(f), lemma(f))
        if f in GENERIC or lem in GENERIC:
            continue
        out.add(lem)
        if not (w[0].isupper() and _DEMONYM.search(f)):
            specific = True
    return frozenset(out) if specific else frozenset()


def _acronym(a: str, b: str) -> bool:
    """True when one credit is the initials of the other: IOM / International Organization..."""
    for short, long in ((a, b), (b, a)):
        letters = re.findall(r"\b[A-Z]{2,6}\b", short)
        caps = "".join(w[0] for w in re.findall(r"[A-Za-z][\w'’-]*", long)
                       if w[0].isupper())
        if any(len(x) >= 2 and x in caps for x in letters):
            return True
    return False


def _same_body(a: tuple[str, frozenset[str]], b: tuple[str, frozenset[str]]) -> bool:
    return bool(a[1] & b[1]) or _acronym(a[0], b[0])


def run(state: StoryState) -> None:
    for group in state.quantities:
        mentions: list[Mention] = [m for m in group if isinstance(m, Mention)]
        by_value: dict[float, list[Mention]] = {}
        for m in mentions:
            by_value.setdefault(m.value, []).append(m)
        for _value, same in sorted(by_value.items()):
            _compare_credits(state, same)


def _quoted(m: Mention) -> bool:
    """Whether the mention stands inside quotation marks in its sentence."""
    text = m.sentence.text
    at = text.find(m.surface)
    if at < 0:
        return False
    before = text[:at]
    return before.count("“") > before.count("”") or before.count('"') % 2 == 1


def _compare_credits(state: StoryState, mentions: list[Mention]) -> None:
    credits: list[tuple[str, frozenset[str], Mention]] = []
    for m in mentions:
        if _quoted(m):
            continue  # a figure inside a quotation is the speaker's words, not a credit
        who = credited(m.sentence.text)
        if who:
            credits.append((who, _key(who), m))
    # credits that name the same body (a shared word, or an acronym) are one credit
    bodies: list[list[tuple[str, frozenset[str], Mention]]] = []
    for c in credits:
        joined = [b for b in bodies if any(_same_body((c[0], c[1]), (o[0], o[1])) for o in b)]
        merged = [c] + [o for b in joined for o in b]
        bodies = [b for b in bodies if b not in joined] + [merged]
    if len(bodies) < 2:
        return
    if len({m.sentence.source for _w, _k, m in credits}) < 2:
        return
    # every body must be some outlet's own credit, else one outlet is merely citing two
    own = [{m.sentence.source for _w, _k, m in b} for b in bodies]
    if sum(1 for i, o in enumerate(own)
           if o - set().union(*(x for j, x in enumerate(own) if j != i))) < 2:
        return
    values = []
    for b in sorted(bodies, key=lambda b: min(m.sentence.index for _w, _k, m in b)):
        b.sort(key=lambda e: e[2].sentence.index)
        idx = [m.sentence.index for _w, _k, m in b]
        state.cited.update(idx)
        values.append(Value(b[0][0], state.evidence_for(idx), note=b[0][2].surface))
    unit = mentions[0].unit_surface
    state.differences.append(Difference("attribution", f"who reported the number of {unit}",
                                        "different source", values))
