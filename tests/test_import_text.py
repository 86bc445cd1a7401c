"""Importing plain-text articles like the seeds: headline, date, boilerplate, duplicates."""

from __future__ import annotations

from pathlib import Path

import yaml

from digest.ingest.plaintext import parse_text
from tests.conftest import SEEDS, run_digest


def front(path: Path) -> tuple[dict, str]:
    text = path.read_text(encoding="utf-8")
    _, fm, body = text.split("---\n", 2)
    return yaml.safe_load(fm), body


def articles(root: Path) -> dict[str, tuple[dict, str]]:
    out = {}
    for p in sorted((root / "content" / "articles").glob("*.md")):
        fm, body = front(p)
        out[fm["source"]] = (fm, body)
    return out


def test_seeds_import_with_titles_dates_and_no_boilerplate(seeded: Path) -> None:
    arts = articles(seeded)
    assert len(arts) == 5
    br_fm, br_body = arts["Business Recorder"]
    assert br_fm["title"].startswith("Volodymyr Zelenskiy says he’s ready to exchange")
    assert str(br_fm["date"]) == "2025-01-13"  # from "Published January 13, 2025"
    assert "Decreased By" not in br_body and "KSE100" not in br_body and "AIRLINK" not in br_body
    assert "Published January" not in br_body
    assert not br_body.lstrip().startswith("World")
    assert br_body.count("KYIV: Ukraine’s President") == 1  # teaser line dropped
    nb_fm, nb_body = arts["NewsBytes"]
    assert nb_fm["title"] == "Zelensky offers to exchange North Korean soldiers with captured Ukrainians"
    assert str(nb_fm["date"]) == "2025-01-13"  # from "date 2025-01-13" glued to line 1
    assert "date 2025" not in nb_body
    assert "## Historic capture" in nb_body  # sub-heads kept as Markdown
    summary_fm, summary_body = arts["World News Summary"]
    assert summary_fm["title"] == "Zelensky Proposes North Korean Soldier Exchange for Ukrainian POWs"
    assert "Zelensky Proposes North Korean Soldier Exchange" not in summary_body  # headline x2 gone
    assert "date" not in summary_fm  # the text carries no date: none is invented
    afp_fm, afp_body = arts["AFP via Hindustan Times"]
    assert "(AFP)" not in afp_body and "(AFP)" not in afp_fm["title"]
    assert afp_fm["title"].startswith("Ukraine's Zelensky announced")
    for fm, _body in arts.values():
        assert {"id", "title", "source", "imported", "checksum"} <= set(fm)


def test_file_name_stands_in_for_missing_source(project: Path) -> None:
    run_digest("import", "--root", str(project), str(SEEDS / "001_275daff4724fd889.txt"))
    (fm, _), = articles(project).values()
    assert fm["source"] == "001_275daff4724fd889"


def test_overrides_win_over_detection(project: Path) -> None:
    run_digest("import", "--root", str(project), "--source", "X", "--title", "My title",
               "--date", "2025-02-01", "--url", "https://example.com/a",
               str(SEEDS / "000_18d70cfc18c7a424.txt"))
    (fm, _), = articles(project).values()
    assert fm["title"] == "My title" and str(fm["date"]) == "2025-02-01"
    assert fm["url"] == "https://example.com/a"


def test_reimport_is_a_duplicate_and_edits_survive(seeded: Path) -> None:
    target = next((seeded / "content" / "articles").glob("2025-01-13-volodymyr*.md"))
    edited = target.read_text(encoding="utf-8").replace("Zelenskiy", "Zelenskiy (edited)", 1)
    target.write_text(edited, encoding="utf-8")
    proc = run_digest("import", "--root", str(seeded), str(SEEDS / "003_41355db6c868b72e.txt"))
    assert "duplicate" in proc.stdout
    assert len(list((seeded / "content" / "articles").glob("*.md"))) == 5
    assert target.read_text(encoding="utf-8") == edited
    run_digest("import", "--root", str(seeded), "--force", "--source", "Business Recorder",
               str(SEEDS / "003_41355db6c868b72e.txt"))
    assert "(edited)" not in target.read_text(encoding="utf-8")
    assert len(list((seeded / "content" / "articles").glob("*.md"))) == 5


def test_boilerplate_lines_and_published_dates() -> None:
    raw = ("Skip to main content\nShare\nQuake hits the coast of Chile today\n"
           "Published March 3, 2025\nA strong earthquake struck off Chile on Monday.\n"
           "Share this article\nOfficials said 12 people were hurt.\n")
    art = parse_text(raw, name="x")
    assert art.title == "Quake hits the coast of Chile today"
    assert art.date == "2025-03-03"
    assert "Skip to" not in art.body_markdown and "Share" not in art.body_markdown
    assert "12 people were hurt" in art.body_markdown


def test_markdown_special_characters_stay_literal() -> None:
    art = parse_text("A headline here today\n1. not a list\n# not a heading *really*\n", "x")
    assert "\\1. not a list" in art.body_markdown
    assert "\\# not a heading \\*really\\*" in art.body_markdown


def test_a_pipe_or_huge_file_is_refused_and_the_rest_imported(project: Path) -> None:
    import os

    fifo = project / "pipe.txt"
    os.mkfifo(fifo)
    huge = project / "huge.txt"
    with huge.open("wb") as fh:  # sparse: 60 MB without writing them
        fh.seek(60 * 1024 * 1024)
        fh.write(b"x")
    proc = run_digest("import", "--root", str(project), str(fifo), str(huge),
                      str(SEEDS / "001_275daff4724fd889.txt"), check=False)
    assert "not a regular file" in proc.stdout + proc.stderr
    assert "file is too large" in proc.stdout + proc.stderr
    assert len(list((project / "content" / "articles").glob("*.md"))) == 1
