"""The seeds build into one story whose facts and differences are real and quoted."""

from __future__ import annotations

import re
from pathlib import Path

from digest.build import build
from tests.conftest import run_digest, stories_json


def _text_of(root: Path) -> dict[str, str]:
    """Article id -> the plain text the evidence must be quoted from."""
    from digest.build import load_articles
    from digest.config import load_config

    arts, _, _ = load_articles(load_config(root))
    return {a.id: a.text for a in arts}


def _values(diff: dict) -> list[str]:
    return [v["value"] for v in diff["values"]]


def test_seeds_make_one_story_of_five(seeded_site: Path) -> None:
    data = stories_json(seeded_site)
    assert len(data["stories"]) == 1
    story = data["stories"][0]
    assert len(story["articles"]) == 5
    assert "Zelensk" in story["title"] and "North Korean" in story["title"]


def test_shared_facts_are_distinct_and_multi_source(seeded_site: Path) -> None:
    story = stories_json(seeded_site)["stories"][0]
    multi = [f for f in story["facts"] if len(f["sources"]) >= 2]
    assert len(multi) >= 8
    texts = [f["text"] for f in multi]
    assert len(set(texts)) == len(texts)
    joined = " ".join(texts)
    assert "Kursk" in joined
    assert "11,000" in joined
    assert re.search(r"hand (over )?(captured North Korean soldiers|Kim Jong Un)", joined)
    assert "training" in joined


def test_no_fact_counts_one_outlet_twice(seeded_site: Path) -> None:
    story = stories_json(seeded_site)["stories"][0]
    source_of = {a["id"]: a["source"] for a in story["articles"]}
    for fact in story["facts"]:
        outlets = [source_of[e["article"]] for e in fact["evidence"]]
        assert len(outlets) == len(set(outlets)), fact


def test_troop_count_and_capture_date_differ(seeded_site: Path) -> None:
    diffs = stories_json(seeded_site)["stories"][0]["differences"]
    numbers = [d for d in diffs if d["kind"] == "number"]
    troops = [d for d in numbers if "over 10,000" in _values(d)]
    assert troops, numbers
    assert any("11,000" in v for v in _values(troops[0]))
    dates = [d for d in diffs if d["kind"] == "date"]
    assert any({"January", "January 9, 2025"} <= set(_values(d)) and d["detail"] == "precision"
               for d in dates), dates


def test_names_quotes_and_claims(seeded_site: Path) -> None:
    diffs = stories_json(seeded_site)["stories"][0]["differences"]
    names = [set(_values(d)) for d in diffs if d["kind"] == "name"]
    assert any(any("Zelensky" in v for v in n) and any("Zelenskiy" in v for v in n)
               for n in names), names
    assert any({"Kim Jong Un", "Kim Jong-un"} <= n for n in names), names
    quotes = [d for d in diffs if d["kind"] == "quote"]
    assert any(any("organise" in v for v in _values(q)) and any("organize" in v for v in _values(q))
               for q in quotes), quotes
    claims = [d for d in diffs if d["kind"] == "claim"]
    assert any(any("acknowledged" in e["sentence"] for v in c["values"] for e in v["evidence"])
               and any("neither confirmed nor denied" in e["sentence"]
                       for v in c["values"] for e in v["evidence"]) for c in claims), claims


def test_every_evidence_sentence_is_verbatim(seeded_site: Path) -> None:
    texts = _text_of(seeded_site)
    story = stories_json(seeded_site)["stories"][0]
    count = 0
    for fact in story["facts"]:
        for e in fact["evidence"]:
            assert e["sentence"] in texts[e["article"]]
            count += 1
    for diff in story["differences"]:
        for v in diff["values"]:
            for e in v["evidence"]:
                assert e["sentence"] in texts[e["article"]], e
                count += 1
    assert count > 30


def test_site_pages_exist_and_story_page_reads_well(seeded_site: Path) -> None:
    site = seeded_site / "site"
    story = stories_json(seeded_site)["stories"][0]
    page = (site / "stories" / story["id"] / "index.html").read_text(encoding="utf-8")
    assert "What the sources agree on" in page
    assert "Where the sources differ" in page
    assert "Reported by one source only" in page
    assert "over 10,000" in page
    for a in story["articles"]:
        assert (site / "articles" / a["id"] / "index.html").is_file()
    index = (site / "index.html").read_text(encoding="utf-8")
    assert story["title"].replace("’", "&rsquo;") in index or story["title"] in index
    assert "5 sources" in index


def test_another_event_becomes_a_second_story(seeded: Path) -> None:
    (seeded / "content" / "articles" / "quake.md").write_text(
        "---\ntitle: Earthquake shakes southern Chile\nsource: Test Wire\n"
        "date: 2025-01-12\n---\n\nA magnitude 6.1 earthquake struck southern Chile on Sunday, "
        "damaging roads near Valdivia. Chile's disaster agency said 14 people were injured "
        "and power was cut to 20,000 homes.\n\nThe quake was felt in Puerto Montt.\n",
        encoding="utf-8")
    run_digest("build", "--root", str(seeded))
    stories = stories_json(seeded)["stories"]
    assert len(stories) == 2
    sizes = sorted(len(s["articles"]) for s in stories)
    assert sizes == [1, 5]


def test_script_in_an_article_is_shown_as_text(project: Path) -> None:
    (project / "content" / "articles" / "x.md").write_text(
        "---\ntitle: '<script>alert(1)</script> headline'\nsource: '<b>Wire</b>'\n"
        "date: 2025-01-01\nurl: 'javascript:alert(2)'\n---\n\n"
        "Body with <script>alert(3)</script> inside and [a link](javascript:alert(4)).\n",
        encoding="utf-8")
    build(project)
    for page in (project / "site").rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "<script>alert" not in html, page
        assert 'href="javascript:' not in html, page
    article = next((project / "site" / "articles").glob("*/index.html")).read_text()
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in article
    assert "&lt;script&gt;alert(1)&lt;/script&gt; headline" in article


def test_build_is_deterministic(seeded: Path, tmp_path: Path) -> None:
    run_digest("build", "--root", str(seeded))
    first = {p.relative_to(seeded / "site"): p.read_bytes()
             for p in (seeded / "site").rglob("*") if p.is_file()}
    import shutil
    shutil.rmtree(seeded / "site")
    run_digest("build", "--root", str(seeded))
    second = {p.relative_to(seeded / "site"): p.read_bytes()
              for p in (seeded / "site").rglob("*") if p.is_file()}
    assert first == second


def test_casualty_figures_are_one_difference_with_their_parts(seeded_site: Path) -> None:
    """"About 300 killed with another 2,700 injured" (two reports) and "over 3,000 killed or
    wounded" (another) are one quantity: one difference whose values show the parts and
    their sum, read from api/stories.json and from the story page; no single-source detail
    repeats those sentences."""
    story = stories_json(seeded_site)["stories"][0]
    source_of = {a["id"]: a["source"] for a in story["articles"]}
    casualties = [d for d in story["differences"] if d["kind"] == "number"
                  and any("3,000" in v["value"] for v in d["values"])]
    assert len(casualties) == 1, casualties
    [d] = casualties
    assert d["topic"] == "casualties (killed and wounded)" and d["detail"] == "compatible"
    parts, total = d["values"]
    assert parts["value"].endswith("300 killed + 2,700 wounded = 3,000")
    assert [p.split()[-2:] for p in parts["parts"]] == [["300", "killed"], ["2,700", "wounded"]]
    assert total["value"] == "over 3,000 killed or wounded" and "parts" not in total
    assert len({source_of[e["article"]] for e in parts["evidence"]}) == 2
    assert all("2,700" in e["sentence"] for e in parts["evidence"])
    assert [e["sentence"] for e in total["evidence"]] == [
        "Ukraine estimates over 3,000 North Korean soldiers have been killed or wounded there."]
    quoted = {e["sentence"] for v in d["values"] for e in v["evidence"]}
    coverage = [e["sentence"] for c in story["differences"] if c["kind"] == "coverage"
                for v in c["values"] for e in v["evidence"]]
    assert not quoted & set(coverage)
    page = next((seeded_site / "site" / "stories").glob("*/index.html")).read_text("utf-8")
    assert "300 killed + 2,700 wounded = 3,000</strong>" in page
    assert "over 3,000 killed or wounded</strong>" in page
