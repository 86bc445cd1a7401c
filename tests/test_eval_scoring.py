"""Scoring functions of benchmarks/eval_compare.py on hand-made inputs; eval set integrity."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections import Counter
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "benchmarks" / "eval_compare.py"


def _load():
    spec = importlib.util.spec_from_file_location("eval_compare", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("eval_compare", module)
    spec.loader.exec_module(module)
    return module


ec = _load()


def val(value, *evidence):
    return {"value": value, "evidence": [{"article": a, "sentence": s} for a, s in evidence]}


# ----------------------------------------------------------------------------- B-cubed


def test_bcubed_perfect():
    gold = {"x": ["a", "b"], "y": ["c"]}
    r = ec.bcubed([["b", "a"], ["c"]], gold)
    assert (r["precision"], r["recall"], r["f1"]) == (1.0, 1.0, 1.0)


def test_bcubed_everything_merged():
    # a, b: overlap 2 of 3 predicted; c: 1 of 3.  precision = (2/3 + 2/3 + 1/3) / 3 = 5/9
    r = ec.bcubed([["a", "b", "c"]], {"x": ["a", "b"], "y": ["c"]})
    assert r["precision"] == pytest.approx(5 / 9)
    assert r["recall"] == pytest.approx(1.0)
    assert r["f1"] == pytest.approx(2 * (5 / 9) / (5 / 9 + 1))


def test_bcubed_everything_split():
    # recall = (1/2 + 1/2 + 1) / 3 = 2/3
    r = ec.bcubed([["a"], ["b"], ["c"]], {"x": ["a", "b"], "y": ["c"]})
    assert r["precision"] == pytest.approx(1.0)
    assert r["recall"] == pytest.approx(2 / 3)


def test_bcubed_missing_items_are_singletons_and_unknown_ids_ignored():
    r = ec.bcubed([["a", "zzz"]], {"x": ["a", "b"]})
    assert r["missing"] == 1
    assert r["precision"] == pytest.approx(1.0)
    assert r["recall"] == pytest.approx(0.5)


def test_bcubed_item_in_two_predicted_clusters_uses_first():
    r = ec.bcubed([["a", "b"], ["b", "c"]], {"x": ["a", "b"], "y": ["c"]})
    assert r["multi_assigned"] == 1
    # b counts in {a, b} only; c's cluster {b, c} is half right
    assert r["precision"] == pytest.approx((1 + 1 + 0.5) / 3)
    assert r["recall"] == pytest.approx(1.0)


# ----------------------------------------------------------------------------- value matching


def test_values_match_substring_case_insensitive():
    assert ec.values_match(["at least 40", "43"], [val("At least 40 killed"), val("43 dead")])


def test_values_match_uses_evidence_sentences():
    reported = [val("40", ("r", "killing at least 40 people")), val("43", ("ap", "killed 43"))]
    assert ec.values_match(["at least 40", "43"], reported)
    assert not ec.values_match(["at least 40", "43"], reported, use_evidence=False)


def test_values_match_needs_distinct_reported_values():
    one_sided = [val("Zuwarah"), val("Tripoli")]
    assert not ec.values_match(["Zuwara", "Zuwarah"], one_sided)
    assert ec.values_match(["Zuwara", "Zuwarah"], [val("Zuwarah"), val("Zuwara")])
    assert not ec.values_match(["a", "b"], [val("a and b")])


def test_values_match_alternatives_and_missing_value():
    reported = [val("Wednesday"), val("25 March")]
    assert ec.values_match([["March 26", "Wednesday"], "25 March"], reported)
    assert not ec.values_match(["March 26", "25 March"], reported)
    assert not ec.values_match([], reported)


def test_values_match_normalises_quotes_but_keeps_diacritics():
    assert ec.values_match(["navy's", "plain"], [val("the navy\u2019s task"), val("Plain")])
    assert not ec.values_match(["Erdogan", "Erdoğan"], [val("Erdoğan"), val("Erdoğan")])
    assert ec.values_match(["Erdogan", "Erdoğan"], [val("Erdoğan"), val("Erdogan")])


# ----------------------------------------------------------------------------- difference scores


def _story(sid, articles, diffs):
    return {
        "id": sid,
        "title": sid,
        "articles": [{"id": a} for a in articles],
        "differences": diffs,
    }


EXPECTED = {
    "stories": {"quake": ["q1", "q2"], "swap": ["s1", "s2"]},
    "differences": [
        {"story": "quake", "kind": "number", "values": ["40", "43"], "articles": ["q1", "q2"]},
        {
            "story": "quake",
            "kind": "name",
            "values": ["Erdogan", "Erdoğan"],
            "articles": ["q1", "q2"],
        },
        {
            "story": "swap",
            "kind": "claim",
            "values": ["confirmed", "declined"],
            "articles": ["s1", "s2"],
        },
    ],
    "not_differences": [
        {"story": "swap", "kind": "number", "values": ["two", "2"], "articles": ["s1", "s2"]},
        {
            "story": "quake",
            "kind": "date",
            "values": ["Monday", "March 3"],
            "articles": ["q1", "q2"],
        },
    ],
}


def test_score_differences_counts():
    stories = [
        _story(
            "A",
            ["q1", "q2"],
            [
                {"kind": "number", "values": [val("at least 40"), val("43")]},  # planted: hit
                {"kind": "name", "values": [val("Erdogan"), val("Malatya")]},  # wrong values
                {"kind": "date", "values": [val("Tuesday"), val("Wednesday")]},  # judged correct
                {"kind": "coverage", "values": [val("x"), val("y")]},  # not scored
                {"kind": "claim", "values": [val("confirmed"), val("declined")]},  # wrong story
            ],
        ),
        _story(
            "B",
            ["s1", "s2"],
            [
                {"kind": "number", "values": [val("two prisoners"), val("2 prisoners")]},
                {"kind": "quote", "values": [val("confirmed"), val("declined")]},  # wrong kind
            ],
        ),
    ]
    judged = [{"articles": ["q1"], "kind": "date", "values": ["Tuesday", "Wednesday"]}]
    r = ec.score_differences(EXPECTED, stories, judged)
    assert r["recall"]["number"] == {"n": 1, "hit": 1, "rate": 1.0}
    assert r["recall"]["name"]["hit"] == 0
    assert r["recall"]["claim"]["hit"] == 0
    assert r["recall"]["overall"]["n"] == 3
    assert r["recall"]["overall"]["hit"] == 1
    assert r["precision"]["number"]["n"] == 2
    assert r["precision"]["number"]["hit"] == 1
    assert r["precision"]["date"] == {"n": 1, "hit": 1, "rate": 1.0}
    assert r["precision"]["overall"]["n"] == 6
    assert r["precision"]["overall"]["hit"] == 2
    assert r["judged_hits"] == 1
    assert r["unscored"] == {"coverage": 1}
    assert len(r["unmatched"]) == 4
    assert len(r["not_difference_hits"]) == 1
    assert r["not_difference_hits"][0][0]["values"] == ["two", "2"]
    assert [e["kind"] for e in r["missed"]] == ["name", "claim"]


def test_not_difference_is_kind_restricted_and_ignores_evidence():
    stories = [
        _story(
            "A",
            ["q1", "q2"],
            [
                # a number difference whose values happen to say Monday / March 3: not a date hit
                {"kind": "number", "values": [val("40 on Monday"), val("43 on March 3")]},
                # evidence sentences mention the days, value texts do not: no hit
                {
                    "kind": "date",
                    "values": [val("4:17", ("q1", "on Monday")), val("dawn", ("q2", "March 3"))],
                },
            ],
        )
    ]
    assert ec.score_differences(EXPECTED, stories)["not_difference_hits"] == []


def test_score_grouping_and_json_shape():
    doc = {"stories": [_story("A", ["q1", "q2", "s1"], []), _story("B", ["s2"], [])]}
    result = ec.score(EXPECTED, doc)
    g = result["grouping"]
    assert g["predicted_stories"] == 2
    assert g["precision"] == pytest.approx((2 / 3 + 2 / 3 + 1 / 3 + 1) / 4)
    assert g["recall"] == pytest.approx((1 + 1 + 0.5 + 0.5) / 4)
    out = ec.to_json(result)
    json.dumps(out)
    assert out["difference_recall"]["overall"]["hit"] == 0
    assert out["difference_precision"]["overall"]["rate"] is None


def test_main_scores_a_stories_file(tmp_path, capsys):
    doc = {"stories": [_story("A", ["q1", "q2"], []), _story("B", ["s1", "s2"], [])]}
    path = tmp_path / "stories.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    exp = tmp_path / "expected.yaml"
    exp.write_text(json.dumps(EXPECTED), encoding="utf-8")  # JSON is valid YAML
    assert ec.main(["--stories-json", str(path), "--expected", str(exp), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["grouping"]["f1"] == pytest.approx(1.0)
    assert ec.main(["--stories-json", str(path), "--expected", str(exp), "--show-misses"]) == 0
    assert "Missed planted differences (3)" in capsys.readouterr().out


# ----------------------------------------------------------------------------- the eval set itself


def test_eval_set_is_consistent():
    expected = ec.load_yaml(ec.EVAL_DIR / "expected.yaml")
    assert ec.check_eval_set(ec.EVAL_DIR / "articles", expected) == []
    n_articles = len(list((ec.EVAL_DIR / "articles").glob("*.md")))
    assert 35 <= n_articles <= 45
    kinds = Counter(d["kind"] for d in expected["differences"])
    for kind in ("number", "date", "name", "quote", "claim"):
        assert kinds[kind] >= 4, kind
    assert kinds["attribution"] >= 3
    assert ec.load_yaml(ec.EVAL_DIR / "judged.yaml").get("judged") == []


EVAL2 = REPO / "tests" / "eval2"


def test_second_eval_set_is_consistent():
    """tests/eval2: written after the rules, at least 8 events, 30 articles, 40 differences,
    with part sums, updated tolls and transliterations among them."""
    expected = ec.load_yaml(EVAL2 / "expected.yaml")
    assert ec.check_eval_set(EVAL2 / "articles", expected) == []
    assert len(expected["stories"]) >= 8
    assert len(list((EVAL2 / "articles").glob("*.md"))) >= 30
    diffs = expected["differences"]
    assert len(diffs) >= 40
    assert sum(1 for d in diffs if d.get("parts")) >= 4
    assert sum(1 for d in diffs if d.get("detail") == "updated") >= 8
    assert {"Kyiv", "Kiev"} <= {v for d in diffs if d["kind"] == "name" for v in d["values"]}
    judged = ec.load_yaml(EVAL2 / "judged.yaml").get("judged")
    assert all(j["kind"] in ec.SCORED_KINDS and j.get("note") for j in judged)


def _digest_of(paths) -> str:
    import hashlib

    h = hashlib.sha256()
    for p in paths:
        h.update(p.relative_to(EVAL2).as_posix().encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


# The second set was frozen before the rules changed (see docs/COMPARISON.md): its articles
# and annotations must never be edited. A disputed annotation is discussed in COMPARISON.md.
EVAL2_FROZEN = "429c5dac64d6355a920b46fd2d276fee2cb922a166667ee0e10476c55f742a2d"


def test_second_eval_set_is_frozen():
    files = sorted((EVAL2 / "articles").glob("*.md")) + [EVAL2 / "expected.yaml"]
    assert _digest_of(files) == EVAL2_FROZEN


def test_detail_and_parts_count_for_recall_only():
    planted = {"story": "s", "kind": "number", "articles": ["a", "b"], "values": ["27", "31"],
               "parts": True}
    rose = {"story": "s", "kind": "number", "articles": ["a", "b"], "values": ["12", "17"],
            "detail": "updated"}
    parts_value = dict(val("4 killed + 27 injured = 31", ("a", "4 killed and 27 injured.")),
                       parts=["4 killed", "27 injured"])
    stories = [{"id": "s1", "articles": [{"id": "a"}, {"id": "b"}], "differences": [
        {"kind": "number", "detail": "compatible",
         "values": [val("27", ("a", "27 injured.")), val("31", ("b", "31 hurt or killed."))]},
        {"kind": "number", "detail": "conflict",
         "values": [val("12", ("a", "12 dead.")), val("17", ("b", "17 dead."))]},
    ]}]
    r = ec.score_differences({"differences": [planted, rose]}, stories)
    assert r["recall"]["number"]["hit"] == 0  # found, but neither shown as annotated
    assert r["precision"]["number"]["hit"] == 2  # still real differences
    stories[0]["differences"][0]["values"][0] = parts_value
    stories[0]["differences"][1]["detail"] = "updated"
    r = ec.score_differences({"differences": [planted, rose]}, stories)
    assert r["recall"]["number"]["hit"] == 2
