"""How a story page and api/stories.json show a figure that changed between reports (a
development, with its inline chart) and a total given as parts, on a project built by the
CLI from articles written here."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import run_digest, stories_json

ARTICLES = {
    "quake-wire": ("Wire A", "2026-10-07", "14:20",
                   "A magnitude 6.3 earthquake struck the western province on Wednesday, "
                   "killing at least 320 people and injuring more than 1,000, officials said. "
                   "Rescuers searched collapsed villages in the mountain district through "
                   "the night."),
    "quake-paper": ("Paper B", "2026-10-08", None,
                    "The death toll from Wednesday's earthquake in the western province rose "
                    "to 2,053 on Thursday, the disaster ministry said. Rescuers searched "
                    "collapsed villages in the mountain district with their bare hands."),
    "quake-daily": ("Daily C", "2026-10-09", "07:30",
                    "The number of people killed in the earthquake that struck the western "
                    "province on Wednesday has risen to 2,445, the disaster ministry says. "
                    "Rescuers searched collapsed villages in the mountain district for a "
                    "third day."),
}


def _project(root: Path) -> Path:
    folder = root / "content" / "articles"
    folder.mkdir(parents=True)
    for aid, (source, day, time, body) in ARTICLES.items():
        when = f'time: "{time}"\n' if time else ""
        folder.joinpath(f"{aid}.md").write_text(
            f"---\ntitle: Earthquake in the western province ({source})\nsource: {source}\n"
            f"date: {day}\n{when}---\n{body}\n", encoding="utf-8")
    run_digest("build", "--root", str(root))
    return root


def test_a_development_is_listed_apart_with_an_accessible_chart(tmp_path: Path) -> None:
    root = _project(tmp_path)
    [story] = stories_json(root)["stories"]
    [dev] = [d for d in story["differences"] if d["detail"] == "updated"]
    assert dev["note"] == "rose from at least 320 to 2,445 between Oct 7 and Oct 9"
    assert [(v["value"], v["as_of"], v["amount"]) for v in dev["values"]] == [
        ("at least 320", "2026-10-07 14:20", 320), ("2,053", "2026-10-08", 2053),
        ("2,445", "2026-10-09 07:30", 2445)]

    page = next((root / "site" / "stories").glob("*/index.html")).read_text("utf-8")
    section = page.split('id="dev-h"', 1)[1].split("</section>", 1)[0]
    assert "Death toll rose from at least 320 to 2,445 between Oct 7 and Oct 9." in section
    svg = re.search(r"<svg class=\"dev-chart\".*?</svg>", section, re.S)
    assert svg, section
    chart = svg.group(0)
    assert 'role="img"' in chart and "<script" not in chart
    title = re.search(r'<title id="([^"]+)">(.*?)</title>', chart)
    desc = re.search(r'<desc id="([^"]+)">(.*?)</desc>', chart)
    assert title and desc
    assert f'aria-labelledby="{title.group(1)} {desc.group(1)}"' in chart
    assert title.group(2) == "death toll: rose from at least 320 to 2,445 between Oct 7 and Oct 9"
    assert desc.group(2) == ("at least 320 (2026-10-07 14:20); 2,053 (2026-10-08); "
                             "2,445 (2026-10-09 07:30)")
    # every point carries its value as text: the chart is read without colour
    assert re.findall(r"<text[^>]*>([^<]+)</text>", chart) == ["320", "2,053", "2,445"]
    assert chart.count("<circle") == 3
    # the id the agreement matrix links to is kept
    assert re.search(r'<li class="difference kind-number" id="diff-\d+">', section)
