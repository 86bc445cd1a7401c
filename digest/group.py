"""Group: articles -> stories (one story = one event), in close to linear time.

Articles are visited in publication order. Each one is compared only with the stories that
are still *active* (their latest article is inside the time window, their first no more
than SPAN_EXTRA days before that) and that share one of its distinctive terms, found
through an inverted index. It joins the most similar story when two tests pass, or
founds a new story:

- the cosine similarity of its TF-IDF vector to the story's centroid clears THRESHOLD. Terms
  are weighted by where they stand: the headline most, then the lede, fading paragraph by
  paragraph (news is written as an inverted pyramid: what happened comes first, background
  last), so a story that only mentions another event in its closing paragraphs does not
  join it;
- its names (capitalised words that do not start a sentence: people, places, bodies) are
  similar enough to the story's names (ENTITY_MIN). Two events of one kind (two trials,
  two earthquakes) share most of their words but not their names.

A story takes no report dated more than window + SPAN_EXTRA days after its first one.
Without that bound, and with the looser thresholds of before (0.22 and 0.2), a busy news
period let stories drift: one wrong join put a second event's words and names into the
story, which then drew in a third, and a story that kept being joined stayed active for
weeks (docs/COMPARISON.md has the figures: at the density of 100,000 generated articles a
year, B-cubed precision 0.21 -> 0.68 and the largest story 147 -> 32 articles).

No all-pairs step: the cost grows with articles x candidates, and candidates are bounded by
the window, by the index (only each article's TOP_TERMS best terms are posted and looked
up) and by MAX_CANDIDATES.

Grouping is stateless: it makes groups, not ids. A group's story id comes from
digest/storyids.py, which keeps every published id in content/stories.lock (an earlier
report, a merge or a split does not move a URL). `story: <id>` in an article's front
matter pins it to a story.
"""

from __future__ import annotations

import math
import re
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from itertools import compress, repeat
from operator import add, ge, mul, neg, not_, truediv

from digest.model import Article
from digest.text import content_lemmas, words

TITLE_WEIGHT = 3.0
PROPER_WEIGHT = 1.5
DECAY = 1.0  # paragraph p weighs 1 / (1 + DECAY * p)
TOP_TERMS = 30
CENTROID_TERMS = 300
THRESHOLD = 0.25
ENTITY_MIN = 0.3
SPAN_EXTRA = 2  # days a story may run past its window, counted from its first report
BODY_WORDS = 600
MAX_CANDIDATES = 200
ENTITY = "^"  # prefix of name terms in article_terms' counter

# A capitalised word that does not open a sentence or a quotation.
_CAPWORD = re.compile(r"(?<![.!?:;\"“”‘’'(\[—–-]\s)(?<=\s)[A-Z][\w’'-]*")


@dataclass
class _Cluster:
    id: str
    members: list[Article] = field(default_factory=list)
    centroid: dict[str, float] = field(default_factory=dict)
    names: dict[str, float] = field(default_factory=dict)
    last: date | None = None
    last_ordinal: int | None = None
    first_ordinal: int | None = None  # the founding article's date
    # the norms, computed when first needed after a change (None: stale)
    _norm: float | None = None
    _names_norm: float | None = None
    retired: bool = False  # out of every later article's window: centroid and names freed

    def retire(self) -> None:
        """Free what only scoring reads: no article will score this story again (and if
        one did, it would fail loudly on None rather than score 0)."""
        self.centroid = self.names = None  # type: ignore[assignment]
        self.retired = True

    def add(self, article: Article, vec: dict[str, float], names: dict[str, float]) -> None:
        if self.retired:
            raise AssertionError(f"story {self.id} was retired, then joined")
        if not self.members and article.published:
            self.first_ordinal = article.published.toordinal()
        self.members.append(article)
        self.centroid = _accumulate(self.centroid, vec)
        self.names = _accumulate(self.names, names)
        self._norm = self._names_norm = None
        if article.published and (self.last is None or article.published > self.last):
            self.last = article.published
            self.last_ordinal = article.published.toordinal()

    @property
    def norm(self) -> float:
        if self._norm is None:
            self._norm = _norm(self.centroid)
        return self._norm

    @property
    def names_norm(self) -> float:
        if self._names_norm is None:
            self._names_norm = _norm(self.names)
        return self._names_norm


def _accumulate(centroid: dict[str, float], vec: dict[str, float]) -> dict[str, float]:
    """Add vec to centroid (centroid[t] = centroid.get(t, 0.0) + w, in vec's order); keep
    the CENTROID_TERMS heaviest terms (ties by term) once it holds twice as many."""
    if not centroid:  # 0.0 + w == w
        return dict(vec)
    terms = list(vec)
    centroid.update(zip(terms, list(map(add, map(centroid.get, terms, _ZEROS), vec.values())),
                        strict=True))
    if len(centroid) > CENTROID_TERMS * 2:
        top = sorted(zip(map(neg, centroid.values()), centroid, strict=True))[:CENTROID_TERMS]
        centroid = {t: centroid[t] for _w, t in top}
    return centroid


def _norm(centroid: dict[str, float]) -> float:
    """sqrt(sum(w * w for w in centroid.values())) or 1.0, summed in the dict's order."""
    values = list(centroid.values())
    return math.sqrt(sum(map(mul, values, values))) or 1.0


class Terms:
    """An article's weighted term counts, packed for keeping: the terms joined by spaces (no
    term holds one) and the counts as native doubles. The build keeps one per article
    between builds; as a Counter it took about 20 KiB an article (a dict, a string and a
    float object per term: 2 GiB at 100,000 articles), packed about 3 KiB, and it unpickles
    as two objects instead of hundreds. Unpacking gives back the very same floats, in the
    Counter's order."""

    __slots__ = ("keys", "weights")

    def __init__(self, keys: str, weights: bytes) -> None:
        self.keys = keys
        self.weights = weights

    @classmethod
    def pack(cls, counts: Counter[str]) -> Terms:
        return cls(" ".join(counts), array("d", counts.values()).tobytes())

    def unpack(self) -> tuple[list[str], list[float]]:
        """(terms, counts) in the packed order."""
        if not self.keys:
            return [], []
        return self.keys.split(" "), memoryview(self.weights).cast("d").tolist()

    def __reduce__(self) -> tuple[type[Terms], tuple[str, bytes]]:
        return Terms, (self.keys, self.weights)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Terms) and (self.keys, self.weights) == (other.keys, other.weights)

    def __hash__(self) -> int:
        return hash((self.keys, self.weights))


def article_terms(article: Article) -> Terms:
    """article_counts(), packed."""
    return Terms.pack(article_counts(article))


def article_counts(article: Article) -> Counter[str]:
    """Weighted term counts of an article: the headline and the lede count most.

    Name terms (see _CAPWORD) are counted a second time under the ENTITY prefix.
    """
    counts: Counter[str] = Counter()
    for term in content_lemmas(article.title):
        counts[term] += TITLE_WEIGHT
    n = 0
    proper: set[str] = set()
    for p, para in enumerate(article.paragraphs):
        if n >= BODY_WORDS:
            break
        for m in _CAPWORD.finditer(". " + para):
            for term in _word_terms(m.group(0)):
                counts[ENTITY + term] += 1.0
                proper.add(term)
        weight = 1.0 / (1.0 + DECAY * p)
        for w in words(para)[:BODY_WORDS - n]:
            n += 1
            for term in _word_terms(w):
                counts[term] += weight * (PROPER_WEIGHT if term in proper else 1.0)
    return counts


@lru_cache(maxsize=100_000)
def _word_terms(word: str) -> tuple[str, ...]:
    return tuple(content_lemmas(word))


class _LogTf(dict[float, float]):
    """count -> 1 + log(count), computed once per distinct count."""

    def __missing__(self, count: float) -> float:
        value = self[count] = 1.0 + math.log(count)
        return value


def _vectors(packed: Terms, idf: dict[str, float], default_idf: float,
             log_tf: _LogTf, name_terms: set[str]) -> tuple[dict[str, float], dict[str, float]]:
    """Unit TF-IDF vectors of an article: its plain terms, and its name terms.

    Weight of term t: (1 + log(count)) * idf, over terms with a positive count, in the
    counter's order; computed with map() so the loop runs in C. name_terms holds every
    term of counts that starts with ENTITY.
    """
    terms, tf = packed.unpack()
    if tf and min(tf) <= 0:  # rare: keep only positive counts
        kept = [(t, c) for t, c in zip(terms, tf, strict=True) if c > 0]
        terms, tf = [t for t, _c in kept], [c for _t, c in kept]
    weights = list(map(mul, map(log_tf.__getitem__, tf),
                       map(idf.get, terms, repeat(default_idf))))
    is_name = list(map(name_terms.__contains__, terms))
    if not any(is_name):
        return _unit(terms, weights), {}
    is_plain = list(map(not_, is_name))
    return (_unit(list(compress(terms, is_plain)), list(compress(weights, is_plain))),
            _unit(list(compress(terms, is_name)), list(compress(weights, is_name))))


def _unit(terms: list[str], weights: list[float]) -> dict[str, float]:
    """{t: w / norm}, norm = sqrt(sum(w * w)) or 1.0 summed in order."""
    norm = math.sqrt(sum(map(mul, weights, weights))) or 1.0
    return dict(zip(terms, map(truediv, weights, repeat(norm)), strict=False))


def _top_terms(vec: dict[str, float]) -> list[str]:
    """The TOP_TERMS heaviest terms of vec, ties by term."""
    if len(vec) > TOP_TERMS:  # sort the few terms at least as heavy as the TOP_TERMS-th
        cut = sorted(vec.values(), reverse=True)[TOP_TERMS - 1]
        heavy = list(compress(vec, map(ge, vec.values(), repeat(cut))))
        return [t for _w, t in sorted(zip(map(neg, map(vec.__getitem__, heavy)), heavy,
                                          strict=True))[:TOP_TERMS]]
    return [t for _w, t in sorted(zip(map(neg, vec.values()), vec, strict=True))]


def _order_key(a: Article) -> tuple[int, str, str]:
    return (a.published.toordinal() if a.published else 10**7, a.id, a.path)


def group_into_stories(
    articles: Iterable[Article],
    window_days: int = 4,
    threshold: float = THRESHOLD,
    terms: dict[str, Terms] | None = None,
    background: list[Terms] | None = None,
) -> list[list[Article]]:
    """Partition articles into stories; each list is sorted by date then id.

    `terms` may carry precomputed article_terms by article id (the build caches them).
    `background`: the terms of articles that are not grouped but still count in the IDF
    (retention, digest/retention.py: the expired articles are still the digest's
    vocabulary, so leaving them out of the grouping does not regroup the others).
    """
    ordered = sorted(articles, key=_order_key)
    counts = {a.id: (terms or {}).get(a.id) or article_terms(a) for a in ordered}
    df: Counter[str] = Counter()
    for c in [*counts.values(), *(background or ())]:
        if c.keys:
            df.update(c.keys.split(" "))  # an article's terms are distinct
    n = len(ordered) + len(background or ())
    idf = {t: math.log((n + 1) / (d + 1)) + 1.0 for t, d in df.items()}
    default_idf = math.log(n + 1) + 1.0
    name_terms = {t for t in df if t.startswith(ENTITY)}
    log_tf = _LogTf()

    clusters: dict[str, _Cluster] = {}
    postings: dict[str, list[str]] = defaultdict(list)
    filtered: dict[str, int] = {}  # term -> window cutoff (ordinal) its postings last met
    # every name term a story ever had -> the stories (see _Names); stories with no name
    named = _Names()
    # Stories that may still be scored. A dated article scores only stories whose last
    # report is inside its window (_best_cluster), and windows only move on: a story that
    # fell out of one is retired, its centroid and names freed (at 100,000 articles a year
    # they were most of grouping's memory). Not a story an article is pinned to (it takes
    # that article whatever its date), nor any story when an undated article that is not
    # pinned comes (last): that one is scored against every story still indexed.
    retiring = all(a.published is not None or a.story for a in ordered)
    pins = {a.story for a in ordered if a.story}
    scored: dict[str, _Cluster] = {}
    swept: int | None = None
    for article in ordered:
        if retiring and article.published is not None and \
                (cutoff := article.published.toordinal() - window_days) != swept:
            swept = cutoff
            for cid in [cid for cid, c in scored.items() if c.last_ordinal is not None
                        and c.last_ordinal < cutoff]:
                if cid not in pins:
                    scored.pop(cid).retire()
        vec, names = _vectors(counts[article.id], idf, default_idf, log_tf, name_terms)
        top_terms = _top_terms(vec)
        if article.story:
            cluster = clusters.get(article.story)
            if cluster is None:
                cluster = clusters[article.story] = _Cluster(article.story)
        else:
            cluster = _best_cluster(article, vec, names, top_terms, clusters, postings,
                                    filtered, window_days, threshold, named)
            if cluster is None:
                cid = article.id
                while cid in clusters:
                    cid += "-x"
                cluster = clusters[cid] = _Cluster(cid)
        named.post(cluster, names)
        cluster.add(article, vec, names)
        if retiring:
            scored[cluster.id] = cluster
        for term in top_terms:
            plist = postings[term]
            if not plist or plist[-1] != cluster.id:
                plist.append(cluster.id)
    return [c.members for c in clusters.values()]


class _Names:
    """Which stories ever had each name term (an inverted index, like the postings of top
    terms, but of every name term), and which stories have no name at all.

    The names test rejects a story whose names share no term with the article's (the sum
    of products is then exactly 0.0, under ENTITY_MIN), or only some of its lightest
    terms (_heavy_names). At the density of 100,000 articles
    a year nearly every candidate fails that way (2.1 million tests of 10,000 articles,
    about 50,000 of which reach the score), so the candidates are narrowed with set
    operations first. Exact: the index holds every term a story's names ever held (a
    superset of its current names, which keep only their CENTROID_TERMS heaviest), so no
    story that could pass is left out, and the rest are tested as before, in the same
    order."""

    __slots__ = ("postings", "filtered", "nameless")

    def __init__(self) -> None:
        self.postings: dict[str, list[str]] = defaultdict(list)
        self.filtered: dict[str, int] = {}  # term -> the window cutoff its list last met
        self.nameless: set[str] = set()  # stories with no name (not subject to the test)

    def post(self, cluster: _Cluster, names: dict[str, float]) -> None:
        """Before cluster.add(article, vec, names)."""
        cid = cluster.id
        if not names:
            if not cluster.members:  # a new story without names (yet)
                self.nameless.add(cid)
            return
        self.nameless.discard(cid)
        postings = self.postings
        for term in names:
            plist = postings[term]
            if not plist or plist[-1] != cid:
                plist.append(cid)

    def sharing(self, names: dict[str, float], candidates: set[str],
                clusters: dict[str, _Cluster], cutoff: int) -> set[str]:
        """The candidates that share a name term with `names` or have no names; every
        candidate's story is inside the window (its last report on or after `cutoff`),
        and cutoffs never decrease from one call to the next."""
        shared: set[str] = set()
        postings, filtered = self.postings, self.filtered
        for term in _heavy_names(names):
            plist = postings.get(term)
            if not plist:
                continue
            if filtered.get(term) != cutoff:
                # stories that fell out of the window never return (see _best_cluster);
                # they are not candidates anyway
                keep = [cid for cid in plist
                        if (last := clusters[cid].last_ordinal) is None or last >= cutoff]
                if len(keep) != len(plist):
                    postings[term] = keep
                plist = keep
                filtered[term] = cutoff
            shared.update(plist)
        shared &= candidates
        if self.nameless:
            shared |= candidates & self.nameless
        return shared


# The squared length of the lightest name terms of an article that cannot, together, pass
# the names test: by Cauchy-Schwarz, a story sharing only terms L of the unit names vector n
# scores at most |n_L| (its names' norm is at least that of their terms in L), so if
# |n_L| < ENTITY_MIN the test fails whatever the story. The margin (1e-6) is far above the
# rounding of sums of a few hundred products of numbers <= 1 (about 1e-14).
_LIGHT_MASS = (ENTITY_MIN - 1e-6) ** 2


def _heavy_names(names: dict[str, float]) -> list[str]:
    """The name terms a story must share one of to pass the names test with `names` (a
    unit vector): all but the lightest ones whose squares sum below _LIGHT_MASS."""
    mass = 0.0
    order = sorted(names.items(), key=lambda tw: tw[1])
    for n, (_term, weight) in enumerate(order):
        mass += weight * weight
        if mass >= _LIGHT_MASS:
            return [t for t, _w in order[n:]]
    return []


# Cosine of a vector (terms, weights) to a centroid, as in
#     sum(w * centroid.get(t, 0.0) for t, w in vec.items()) / norm
# but with the loop in C: sum(map(mul, weights, map(centroid.get, terms, _ZEROS))) / norm
# (the same products, summed in the same order, so the same float).
_ZEROS = repeat(0.0)


def _best_cluster(
    article: Article,
    vec: dict[str, float],
    names: dict[str, float],
    top_terms: list[str],
    clusters: dict[str, _Cluster],
    postings: dict[str, list[str]],
    filtered: dict[str, int],
    window_days: int,
    threshold: float,
    named: _Names | None = None,
) -> _Cluster | None:
    candidates: set[str] = set()
    published = article.published
    cutoff = published.toordinal() - window_days if published is not None else 0
    for term in top_terms:
        plist = postings.get(term)
        if not plist:
            continue
        # drop stories that fell out of the window: visiting in date order, they never return.
        # A list filtered at this cutoff needs no second pass: stories' last dates only grow,
        # and stories appended since then have the current date (window_days >= 0).
        if published is not None and filtered.get(term) != cutoff:
            keep = [
                cid for cid in plist
                if (last := clusters[cid].last_ordinal) is None or last >= cutoff
            ]
            if len(keep) != len(plist):
                postings[term] = keep
            plist = keep
            if window_days >= 0:
                filtered[term] = cutoff
        candidates.update(plist[-MAX_CANDIDATES:])
    if names and named is not None and published is not None and window_days >= 0:
        # A story with names and none of this article's fails the names test (its sum is
        # 0.0 < ENTITY_MIN): only stories sharing a name, or with no names, are tested.
        # (Dated articles only, which come first: every candidate is then inside the
        # window, whose cutoff only grows.)
        candidates = named.sharing(names, candidates, clusters, cutoff)
    terms, weights = list(vec), list(vec.values())
    name_terms, name_weights = list(names), list(names.values())
    first_allowed = cutoff - SPAN_EXTRA if published is not None else None
    best: _Cluster | None = None
    best_score = threshold
    for cid in sorted(candidates):
        cluster = clusters[cid]
        if first_allowed is not None and cluster.first_ordinal is not None \
                and cluster.first_ordinal < first_allowed:
            continue  # the story began too long ago: this is a later event
        # The names test first: it is independent of the score and much cheaper (few names).
        if names and (cnames := cluster.names) and \
                sum(map(mul, name_weights, map(cnames.get, name_terms, _ZEROS))) \
                / cluster.names_norm < ENTITY_MIN:
            continue  # the same kind of event, about other people and places
        score = sum(map(mul, weights, map(cluster.centroid.get, terms, _ZEROS))) / cluster.norm
        if score > best_score:
            best, best_score = cluster, score
    return best
