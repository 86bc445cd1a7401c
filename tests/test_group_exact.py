"""Shortcuts in the grouping pass leave its result exactly as the plain pass gives it."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

import digest.group as group
from digest.build import load_articles
from digest.config import load_config
from tests.test_gen_corpus import gen

ROOT = Path(__file__).resolve().parent.parent


def _ids(groups) -> list[list[str]]:
    return [[a.id for a in g] for g in groups]


@pytest.fixture(scope="module")
def dense(tmp_path_factory: pytest.TempPathFactory):
    """The first ten days of a year of 20,000 generated articles: as many stories at once
    as the names shortcut ever sees, with the names of one country shared by many."""
    out = tmp_path_factory.mktemp("dense")
    gen.generate(20000, 3, out, 1, False)
    arts = out / "content" / "articles"
    for p in arts.glob("*.md"):
        if not p.name.startswith(("2025-01-0", "2025-01-10")):
            p.unlink()
    shutil.copytree(ROOT / "tests" / "eval" / "articles", arts, dirs_exist_ok=True)
    articles, _problems, terms = load_articles(load_config(out))
    assert len(articles) > 400
    return articles, terms


def test_the_names_shortcut_changes_no_decision(dense, monkeypatch: pytest.MonkeyPatch) -> None:
    articles, terms = dense
    shortcut = group.group_into_stories(articles, terms=terms)
    narrowed: list[int] = []
    real = group._Names.sharing

    def counted(self, names, candidates, clusters, cutoff):
        kept = real(self, names, candidates, clusters, cutoff)
        narrowed.append(len(candidates) - len(kept))
        return kept

    monkeypatch.setattr(group._Names, "sharing", counted)
    group.group_into_stories(articles, terms=terms)
    assert sum(narrowed) > 1000  # it did leave candidates out
    # the plain pass: every candidate tested
    monkeypatch.setattr(group._Names, "sharing", lambda self, names, candidates, c, cut:
                        candidates)
    assert _ids(group.group_into_stories(articles, terms=terms)) == _ids(shortcut)
    # and with undated articles and pinned stories among them
    articles = _vary(articles, undated=37, pinned=41)
    plain = _ids(group.group_into_stories(articles, terms=terms))
    monkeypatch.undo()
    assert _ids(group.group_into_stories(articles, terms=terms)) == plain


def _vary(articles, undated: int = 0, pinned: int = 0, pins: int = 1):
    """Copies: every `undated`-th article without a date, every `pinned`-th (from the 6th)
    pinned to one of `pins` stories."""
    out = []
    for n, a in enumerate(articles):
        if undated and n % undated == 0:
            a = dataclasses.replace(a, published=None)
        if pinned and n >= 5 and (n - 5) % pinned == 0:
            a = dataclasses.replace(a, story="pinned" if pins == 1 else f"pin{n % pins}")
        out.append(a)
    return out


def test_the_lightest_names_cannot_pass_the_names_test() -> None:
    names = {"^a": 0.9, "^b": 0.3, "^c": 0.2, "^d": 0.1, "^e": 0.05}
    norm = sum(w * w for w in names.values()) ** 0.5
    unit = {t: w / norm for t, w in names.items()}
    heavy = group._heavy_names(unit)
    light = [t for t in unit if t not in heavy]
    assert heavy[-1] == "^a" and light
    assert sum(unit[t] ** 2 for t in light) ** 0.5 < group.ENTITY_MIN
    assert group._heavy_names({}) == []


def test_retiring_stories_out_of_every_window_changes_no_decision(
        dense, monkeypatch: pytest.MonkeyPatch) -> None:
    """Grouping frees the centroid and names of a story no later article can score (its
    last report fell out of the window): the same groups as keeping them all, with pinned
    stories (kept: a pinned article joins whatever its date) and undated articles (then
    nothing is retired: an undated article is scored against every story indexed)."""
    articles, terms = dense
    retired: list[str] = []
    real = group._Cluster.retire

    def counted(self) -> None:
        retired.append(self.id)
        real(self)

    monkeypatch.setattr(group._Cluster, "retire", counted)
    shortcut = _ids(group.group_into_stories(articles, terms=terms))
    assert len(retired) > 100
    monkeypatch.setattr(group._Cluster, "retire", lambda self: None)
    assert _ids(group.group_into_stories(articles, terms=terms)) == shortcut
    pinned = _vary(articles, pinned=41, pins=3)
    plain = _ids(group.group_into_stories(pinned, terms=terms))
    monkeypatch.setattr(group._Cluster, "retire", counted)
    retired.clear()
    assert _ids(group.group_into_stories(pinned, terms=terms)) == plain
    assert retired and not {"pin0", "pin1", "pin2"} & set(retired)
    retired.clear()
    group.group_into_stories(_vary(pinned, undated=37), terms=terms)
    assert retired == []
