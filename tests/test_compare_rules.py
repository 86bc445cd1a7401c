"""Focused tests of grouping and of each comparison rule, on small hand-written texts.

Every text here is invented for the test. The last test runs the evaluation set
(tests/eval) and checks the measured figures stay at or above the targets.
"""

from __future__ import annotations

from datetime import date

from digest.compare import compare_story
from digest.group import group_into_stories
from digest.model import Article
from digest.text import split_sentences, stem


def art(aid: str, source: str, body: str, title: str = "", day: str = "2025-05-06",
        family: str | None = None) -> Article:
    paragraphs = [p.strip() for p in body.strip().split("\n\n") if p.strip()]
    return Article(id=aid, title=title or aid, source=source, url=None,
                   published=date.fromisoformat(day) if day else None, path=f"{aid}.md",
                   body_markdown=body, paragraphs=paragraphs, family=family)


def diffs(articles: list[Article], kind: str) -> list:
    return [d for d in compare_story(articles).differences if d.kind == kind]


def values(d) -> list[str]:
    return [v.value for v in d.values]


# --------------------------------------------------------------------------- text


def test_a_quotation_of_two_sentences_stays_with_its_speaker() -> None:
    text = ('"The water rose fast. We had minutes," the mayor said on Tuesday. '
            'Crews arrived later. "It was bad." Then rain stopped.')
    assert split_sentences(text) == [
        '"The water rose fast. We had minutes," the mayor said on Tuesday.',
        "Crews arrived later.", '"It was bad."', "Then rain stopped."]


def test_stems_meet_across_inflection_and_derivation() -> None:
    assert stem("racing") == stem("race")
    assert stem("resigned") == stem("resignation")
    assert stem("delivered") == stem("deliveries") == stem("delivery")
    assert stem("applied") == stem("application") == stem("apply")
    assert stem("strengthening") == stem("strengthens")


# --------------------------------------------------------------------------- grouping

_FLOOD = ("Floods swept through the river town of {town} on Monday, killing {n} people and "
          "forcing thousands from their homes, the regional governor {gov} said.\n\n"
          "Rescue teams used boats to reach families trapped on rooftops in {town}, and the "
          "army was deployed to help. Mayor {mayor} said the water rose within an hour.\n\n"
          "Heavy rain is forecast to continue for the rest of the week.")


def test_two_events_of_one_kind_stay_apart() -> None:
    a = [art(f"a{i}", s, _FLOOD.format(town="Varnok", n=12 + i, gov="Ilse Brandt",
                                        mayor="Tomas Reyl"), title="Floods kill 12 in Varnok")
         for i, s in enumerate(["Wire A", "Paper B"])]
    b = [art(f"b{i}", s, _FLOOD.format(town="Selmiz", n=30 + i, gov="Ana Quell",
                                        mayor="Piet Doran"), title="Floods kill 30 in Selmiz")
         for i, s in enumerate(["Wire C", "Paper D"])]
    groups = group_into_stories(a + b)
    assert sorted(sorted(x.id for x in g) for g in groups) == [["a0", "a1"], ["b0", "b1"]]


def test_a_background_mention_does_not_join_the_other_event() -> None:
    launch = ("The country fired two rockets into the sea off its east coast on Monday, the "
              "neighbouring military said, as allied naval drills began.\n\n"
              "The rockets flew about 300 km. Leader Arno Vell has overseen many such tests.\n\n"
              "The drills run for ten days.")
    visit = ("Leader Arno Vell inspected a new submarine at the Kessa dockyard and called for "
             "more warships, state media reported on Wednesday.\n\n"
             "Vell toured the dockyard on Tuesday and was briefed on the vessel.\n\n"
             "Engineers said the submarine would be finished next year.\n\n"
             "The visit came a day after the country fired two rockets into the sea as allied "
             "naval drills began.")
    arts = [art("l1", "Wire A", launch, "Country fires rockets as drills begin", "2025-05-05"),
            art("l2", "Paper B", launch.replace("fired", "launched"), "Rockets fired into sea",
                "2025-05-05"),
            art("v1", "Wire A", visit, "Vell inspects new submarine at Kessa", "2025-05-07"),
            art("v2", "Paper B", visit.replace("inspected", "visited"),
                "Vell visits dockyard building submarine", "2025-05-07")]
    groups = group_into_stories(arts)
    assert sorted(sorted(x.id for x in g) for g in groups) == [["l1", "l2"], ["v1", "v2"]]
