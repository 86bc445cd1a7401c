"""Group: articles -> stories (one story = one event), in close to linear time.

Articles are visited in publication order. Each one is compared only with the stories that
are still *active* (their latest article is inside the time window) and that share one of
its distinctive terms, found through an inverted index. It joins the most similar story
when the cosine similarity of its TF-IDF vector to the story's centroid clears a threshold,
or founds a new story. No all-pairs step: the cost grows with articles x candidates, and
candidates are bounded by the window and the index.

A story's id is its founding article's id, so it does not change when later reports join.
`story: <id>` in an article's front matter pins it to that story.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from digest.model import Article
from digest.text import content_lemmas, words

TITLE_WEIGHT = 3.0
PROPER_WEIGHT = 1.5
TOP_TERMS = 30
CENTROID_TERMS = 300
THRESHOLD = 0.22
BODY_WORDS = 600


@dataclass
class _Cluster:
    id: str
    members: list[Article] = field(default_factory=list)
    centroid: dict[str, float] = field(default_factory=dict)
    norm: float = 0.0
    last: date | None = None

    def add(self, article: Article, vec: dict[str, float]) -> None:
        self.members.append(article)
        for term, w in vec.items():
            self.centroid[term] = self.centroid.get(term, 0.0) + w
        if len(self.centroid) > CENTROID_TERMS * 2:
            top = sorted(self.centroid.items(), key=lambda kv: (-kv[1], kv[0]))[:CENTROID_TERMS]
            self.centroid = dict(top)
        self.norm = math.sqrt(sum(w * w for w in self.centroid.values())) or 1.0
        if article.published and (self.last is None or article.published > self.last):
            self.last = article.published


def article_terms(article: Article) -> Counter[str]:
    """Weighted term counts of an article: title terms count more, proper nouns more."""
    counts: Counter[str] = Counter()
    for term in content_lemmas(article.title):
        counts[term] += TITLE_WEIGHT
    body = " ".join(article.paragraphs)
    tokens = words(body)[:BODY_WORDS]
    proper = {w.casefold() for i, w in enumerate(tokens) if i and w[:1].isupper()}
    for w in tokens:
        for term in content_lemmas(w):
            counts[term] += PROPER_WEIGHT if w.casefold() in proper else 1.0
    return counts


def _vector(counts: Counter[str], idf: dict[str, float], default_idf: float) -> dict[str, float]:
    vec = {t: (1.0 + math.log(c)) * idf.get(t, default_idf) for t, c in counts.items() if c > 0}
    norm = math.sqrt(sum(w * w for w in vec.values())) or 1.0
    return {t: w / norm for t, w in vec.items()}


def _order_key(a: Article) -> tuple[int, str, str]:
    return (a.published.toordinal() if a.published else 10**7, a.id, a.path)


def group_into_stories(
    articles: Iterable[Article],
    window_days: int = 4,
    threshold: float = THRESHOLD,
    terms: dict[str, Counter[str]] | None = None,
) -> list[list[Article]]:
    """Partition articles into stories; each list is sorted by date then id.

    `terms` may carry precomputed article_terms by article id (the build caches them).
    """
    ordered = sorted(articles, key=_order_key)
    counts = {a.id: (terms or {}).get(a.id) or article_terms(a) for a in ordered}
    df: Counter[str] = Counter()
    for c in counts.values():
        df.update(c.keys())
    n = len(ordered)
    idf = {t: math.log((n + 1) / (d + 1)) + 1.0 for t, d in df.items()}
    default_idf = math.log(n + 1) + 1.0

    clusters: dict[str, _Cluster] = {}
    postings: dict[str, list[str]] = defaultdict(list)
    for article in ordered:
        vec = _vector(counts[article.id], idf, default_idf)
        if article.story:
            cluster = clusters.get(article.story)
            if cluster is None:
                cluster = clusters[article.story] = _Cluster(article.story)
        else:
            cluster = _best_cluster(article, vec, clusters, postings, window_days, threshold)
            if cluster is None:
                cid = article.id
                while cid in clusters:
                    cid += "-x"
                cluster = clusters[cid] = _Cluster(cid)
        cluster.add(article, vec)
        for term, _w in sorted(vec.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_TERMS]:
            plist = postings[term]
            if not plist or plist[-1] != cluster.id:
                plist.append(cluster.id)
    return [c.members for c in clusters.values()]


def _best_cluster(
    article: Article,
    vec: dict[str, float],
    clusters: dict[str, _Cluster],
    postings: dict[str, list[str]],
    window_days: int,
    threshold: float,
) -> _Cluster | None:
    top_terms = sorted(vec.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_TERMS]
    candidates: set[str] = set()
    for term, _w in top_terms:
        plist = postings.get(term)
        if not plist:
            continue
        # drop stories that fell out of the window: visiting in date order, they never return
        if article.published is not None:
            keep = [
                cid for cid in plist
                if clusters[cid].last is None
                or (article.published - clusters[cid].last).days <= window_days
            ]
            if len(keep) != len(plist):
                postings[term] = keep
            plist = keep
        candidates.update(plist[-200:])
    best: _Cluster | None = None
    best_score = threshold
    for cid in sorted(candidates):
        cluster = clusters[cid]
        score = sum(w * cluster.centroid.get(t, 0.0) for t, w in vec.items()) / cluster.norm
        if score > best_score:
            best, best_score = cluster, score
    return best
