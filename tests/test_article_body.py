"""An article's body packed (digest.model.Article.pack, how the build's cache stores it):
read back the same by every reader, pickled without being expanded, and an Article built
with keywords behaves as it always did."""

from __future__ import annotations

import copy
import dataclasses
import pickle
import threading
from datetime import date

import pytest

from digest import model
from digest.load import ParsedArticle, parse_article
from digest.model import Article

BODY = ("Officials said **1,200** people were moved.\n\n## Aftermath\n\n"
        "Rescue teams — from [three](https://example.org) towns — arrived on Sunday.\n")


def _article(**changes: object) -> Article:
    fields: dict[str, object] = dict(
        id="flood", title="Flood", source="Daily", url=None, published=date(2025, 7, 1),
        path="content/articles/flood.md", body_markdown=BODY,
        paragraphs=["Officials said 1,200 people were moved.",
                    "Rescue teams — from three towns — arrived on Sunday."],
        meta={"tags": ["x"]}, fingerprint="f1")
    fields.update(changes)
    return Article(**fields)  # type: ignore[arg-type]


def test_articles_built_with_keywords_behave_as_before() -> None:
    a = _article()
    assert not a.packed
    assert a.body_markdown == BODY and a.paragraphs[0].startswith("Officials")
    assert a.text == "\n\n".join(a.paragraphs)
    assert a == _article() and a != _article(paragraphs=["Other."])
    assert a != _article(title="Other") and a != _article(body_markdown="Other.\n")
    assert a.source_key == "daily" and _article(family="wire").source_key == "wire"
    a.paragraphs = ["Changed."]  # still a plain, writable field
    assert a.text == "Changed."
    assert pickle.loads(pickle.dumps(a)) == a
    assert dataclasses.replace(a, title="New").paragraphs == ["Changed."]
    assert [f.name for f in dataclasses.fields(a) if f.init][6:8] == ["body_markdown",
                                                                        "paragraphs"]
    assert "_packed" not in repr(a) and "Changed." in repr(a)
    with pytest.raises(AttributeError, match="nothing"):
        a.nothing  # type: ignore[attr-defined]  # noqa: B018
    with pytest.raises(TypeError):
        hash(a)


def test_a_packed_article_pickles_without_expanding_and_reads_back_the_same() -> None:
    plain = _article()
    packed = plain.pack()
    assert packed.packed and not plain.packed and packed.pack() is packed
    before = model.body_expansions
    back = pickle.loads(pickle.dumps(packed, protocol=pickle.HIGHEST_PROTOCOL))
    twice = pickle.loads(pickle.dumps([back, copy.copy(back)]))
    assert back.packed and all(a.packed for a in twice)
    assert back == packed and twice[0] == twice[1]  # the same blob: equal, not expanded
    assert model.body_expansions == before
    assert len(pickle.dumps(packed)) < len(pickle.dumps(plain))
    assert back.title == "Flood" and back.meta == {"tags": ["x"]} and back.fingerprint == "f1"
    assert back.text == plain.text  # read: expanded once, for both fields
    assert model.body_expansions == before + 1 and not back.packed
    assert back.body_markdown == BODY and back.paragraphs == plain.paragraphs
    assert model.body_expansions == before + 1
    assert back == plain and plain == twice[1]  # a packed and a plain one compare by body
    assert twice[0] != _article(paragraphs=["Other."]).pack()
    assert pickle.loads(pickle.dumps(back)) == plain  # expanded: pickled as a plain one


def test_the_cache_entry_stores_the_article_packed() -> None:
    """ParsedArticle (an entry of the articles cache) is pickled with its article packed;
    the article in memory stays as it is."""
    article, warnings = parse_article(f"---\ntitle: Flood\nsource: Daily\n"
                                      f"date: 2025-07-01\n---\n{BODY}", "flood.md")
    entry = ParsedArticle((1, 2), article, warnings, None, 3)  # type: ignore[arg-type]
    back = pickle.loads(pickle.dumps(entry))
    assert not article.packed and back.article.packed
    assert (back.stat, back.warnings, back.read_ns) == ((1, 2), [], 3)
    again = pickle.dumps(back)  # loaded packed, saved again: the very same blob
    assert pickle.loads(again).article._packed == back.article._packed
    assert back.article == article
    assert back.article.paragraphs == article.paragraphs == [
        "Officials said 1,200 people were moved.",
        "Rescue teams — from three towns — arrived on Sunday."]


def test_an_article_read_from_two_threads_at_once_is_never_empty() -> None:
    packed = [_article(id=f"a{n}").pack() for n in range(200)]
    seen: list[str] = []

    def read() -> None:
        seen.extend(a.paragraphs[1] + a.body_markdown[:9] for a in packed)

    threads = [threading.Thread(target=read) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == ["Rescue teams — from three towns — arrived on Sunday.Officials"] * 800


def test_a_released_article_is_packed_again_only_if_its_body_is_unchanged() -> None:
    """Article.release (a build's, once a story's pages are written): an expanded article
    goes back to its blob when its body still is what the blob holds, and stays as it is
    when its body was changed since it was expanded (no stale blob is ever written)."""
    packed = _article().pack()
    packed.release()  # never expanded: nothing to do
    assert packed.packed
    assert packed.paragraphs[1].startswith("Rescue") and not packed.packed
    packed.release()
    assert packed.packed and packed == _article()
    assert packed.body_markdown == BODY  # expanded again on demand
    packed.paragraphs = ["Rewritten by hand."]
    packed.release()
    assert not packed.packed and packed.paragraphs == ["Rewritten by hand."]
    assert pickle.loads(pickle.dumps(packed)).paragraphs == ["Rewritten by hand."]
    unpacked = _article()
    unpacked.release()  # never packed: nothing to pack it with
    assert not unpacked.packed and unpacked == _article()


def test_articles_released_in_one_thread_while_read_in_others_read_whole() -> None:
    """A dev server's build releases articles (Article.release) while its cache save, in
    another thread, may be reading them: every read finds the whole body."""
    import sys

    articles = [_article(id=f"a{n}").pack() for n in range(50)]
    stop = threading.Event()
    bad: list[BaseException] = []

    def read() -> None:
        try:
            while not stop.is_set():
                for a in articles:
                    assert a.paragraphs[0].startswith("Officials") and \
                        a.body_markdown.startswith("Officials")
        except BaseException as exc:  # noqa: BLE001 - reported below
            bad.append(exc)

    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    threads = [threading.Thread(target=read) for _ in range(3)]
    try:
        for t in threads:
            t.start()
        for _ in range(300):
            for a in articles:
                a.release()
    finally:
        stop.set()
        for t in threads:
            t.join()
        sys.setswitchinterval(old)
    assert bad == [] and all(a == _article(id=a.id) for a in articles)
