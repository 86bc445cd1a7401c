"""`digest import` end to end for every format: files, folders, URLs, feeds, --fetch, JSONL,
duplicates and wire-copy families. URLs are served by a 127.0.0.1 server started here."""

from __future__ import annotations

import json
import shutil
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
import yaml

from tests.conftest import local_http_server, run_digest

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"


# ---------------------------------------------------------------------------------------------
# A tiny local web: path -> (status, content type, body)
# ---------------------------------------------------------------------------------------------

PAGES: dict[str, tuple[int, str, bytes]] = {}
HITS: dict[str, int] = {}


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server API)
        path = self.path.split("?", 1)[0]
        HITS[path] = HITS.get(path, 0) + 1
        status, ctype, body = PAGES.get(path, (404, "text/plain", b"not found"))
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def web():
    with local_http_server(_Handler) as base:
        yield base


def serve(path: str, body: str | bytes, ctype: str = "text/html; charset=utf-8", status=200):
    PAGES[path] = (status, ctype, body.encode("utf-8") if isinstance(body, str) else body)


def article_page(title: str, outlet: str, paragraphs: list[str], canonical: str | None = None,
                 date: str = "2025-03-14") -> str:
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<!doctype html><html lang="en"><head><title>{title} | {outlet}</title>{link}'
        f'<meta property="og:site_name" content="{outlet}">'
        f'<meta property="article:published_time" content="{date}T08:00:00Z"></head><body>'
        f"<nav><a href='/'>Home</a> <a href='/world'>World</a> <a href='/subscribe'>Subscribe</a>"
        f"</nav><article><h1>{title}</h1>{body}</article>"
        f"<footer>© 2025 {outlet}. All rights reserved.</footer></body></html>"
    )


WIRE = [
    "Emergency crews rescued fourteen hikers trapped overnight by a rockslide on the northern "
    "face of Mount Aldren, regional officials said on Friday, after a helicopter was able to "
    "reach the group at first light.",
    "The hikers, part of an organised tour, had sheltered in a shallow cave after the slide "
    "blocked the only trail down. Two were treated for mild hypothermia and one for a broken "
    "wrist, the regional health service said.",
    "Officials said the trail would stay closed for at least a week while geologists assessed "
    "the slope, which has been unstable since heavy rain earlier in the month.",
]


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def articles(root: Path) -> dict[str, tuple[dict, str]]:
    out = {}
    for p in sorted((root / "content" / "articles").glob("*.md")):
        _, fm, body = p.read_text(encoding="utf-8").split("---\n", 2)
        out[p.stem] = (yaml.safe_load(fm), body.strip())
    return out


def by_title(root: Path) -> dict[str, tuple[dict, str]]:
    return {fm["title"]: (fm, body) for fm, body in articles(root).values()}


def summary_line(stdout: str) -> str:
    return next(line for line in stdout.splitlines() if line.startswith("imported "))


def digest_import(root: Path, *args: str, check: bool = True):
    return run_digest("import", "--root", str(root), *args, check=check)


# ---------------------------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------------------------


def test_saved_html_pages(project: Path):
    proc = digest_import(project, str(FIXTURES / "jsonld_newsarticle.html"),
                         str(FIXTURES / "byline_heavy_chrome.html"))
    assert summary_line(proc.stdout) == "imported 2, skipped as duplicate 0, failed 0"
    arts = by_title(project)
    fm, body = arts["Port strike ends after 11 days as unions accept pay deal"]
    assert fm["source"] == "Harbour Gazette"
    assert fm["author"] == "Amira Okafor"
    assert str(fm["date"]) == "2025-03-14"
    assert fm["url"].endswith("/business/2025/03/14/port-strike-ends-pay-deal")
    assert fm["language"] == "en-GB"
    assert "## Backlog will take weeks to clear" in body
    assert "Related stories" not in body and "Subscribe" not in body
    fm, body = arts["County approves new bridge over Miller Creek"]
    assert fm["source"] == "The Valley Courier" and fm["author"] == "Daniel Reyes"
    assert "cookies" not in body and "Most Read" not in body
    names = sorted(p.name for p in (project / "content" / "articles").glob("*.md"))
    assert names == [
        "2025-03-03-county-approves-new-bridge-over-miller-creek.md",
        "2025-03-14-port-strike-ends-after-11-days-as-unions-accept-pay-deal.md",
    ]


def test_url_import_and_canonical_duplicate(project: Path, web: str):
    serve("/fr/terrasses", (FIXTURES / "meta_only.html").read_bytes())
    proc = digest_import(project, f"{web}/fr/terrasses")
    assert "imported 1," in summary_line(proc.stdout)
    (fm, body), = articles(project).values()
    assert fm["source"] == "Le Courrier du Matin" and fm["language"] == "fr"
    assert fm["url"] == "https://courrierdumatin.example/societe/conseil-etat-terrasses-2025"
    assert "Se connecter" not in body
    # the same page saved to disk with different bytes: same canonical URL -> duplicate
    saved = project / "saved.html"
    saved.write_bytes((FIXTURES / "meta_only.html").read_bytes() + b"<!-- saved copy -->")
    proc = digest_import(project, str(saved))
    assert summary_line(proc.stdout) == "imported 0, skipped as duplicate 1, failed 0"
    assert "same URL" in proc.stdout
    assert len(articles(project)) == 1


def test_same_text_same_outlet_is_duplicate(project: Path):
    a = project / "a.html"
    b = project / "b.html"
    a.write_text(article_page("Hikers rescued", "Mountain Post", WIRE))
    # the same article saved again later: other chrome, other headline wording, no canonical
    b.write_text(article_page("Fourteen hikers rescued after rockslide", "Mountain Post", WIRE)
                 .replace("<nav>", "<nav><a href='/sport'>Sport</a>"))
    digest_import(project, str(a))
    proc = digest_import(project, str(b))
    assert summary_line(proc.stdout) == "imported 0, skipped as duplicate 1, failed 0"
    assert "same text" in proc.stdout and "same outlet" in proc.stdout


def test_wire_copies_share_a_family(project: Path):
    first = project / "first.html"
    second = project / "second.html"
    third = project / "third.html"
    other = project / "other.html"
    first.write_text(article_page("Hikers rescued after rockslide", "Alpine Daily", WIRE))
    second.write_text(article_page(
        "14 hikers freed from Mount Aldren", "Valley Times",
        ["(Reuters) - " + WIRE[0], WIRE[1], WIRE[2], "Reporting by Anna Berg; editing by Tom Hale."],
    ))
    third.write_text(article_page("Rockslide: hikers safe", "Summit News", WIRE[:2] + [
        WIRE[2].replace("at least a week", "at least seven days")]))
    other.write_text(article_page("Ski season opens early", "Alpine Daily", [
        "Resorts across the region opened their lifts two weeks earlier than usual on Saturday "
        "after the heaviest November snowfall in a decade, drawing long queues at the valley "
        "stations and packed car parks by mid-morning.",
        "Operators said bookings were up by a fifth on last year, and that more staff had been "
        "hired to run the extra lifts now open on the upper slopes.",
    ]))
    digest_import(project, str(first))
    proc = digest_import(project, str(second), str(third), str(other))
    assert summary_line(proc.stdout) == "imported 3, skipped as duplicate 0, failed 0"
    assert "wire copy" in proc.stdout
    arts = by_title(project)
    first_fm = arts["Hikers rescued after rockslide"][0]
    family = first_fm["id"]
    assert first_fm["family"] == family  # the first one is marked too
    assert arts["14 hikers freed from Mount Aldren"][0]["family"] == family
    assert arts["Rockslide: hikers safe"][0]["family"] == family
    assert "family" not in arts["Ski season opens early"][0]
    # the first article's file was edited in place, its text untouched
    first_file = project / "content" / "articles" / f"{family}.md"
    assert "(Reuters)" not in first_file.read_text(encoding="utf-8")
    assert first_file.read_text(encoding="utf-8").count("family:") == 1


def test_rss_feed_file_full_content(project: Path):
    proc = digest_import(project, str(FIXTURES / "rss_full_content.xml"))
    assert summary_line(proc.stdout) == "imported 2, skipped as duplicate 0, failed 0"
    fm, body = by_title(project)["Central bank holds rates steady, signals cuts later this year"]
    assert fm["source"] == "Northwind Wire" and fm["author"] == "Priya Natarajan"
    assert str(fm["date"]) == "2025-03-10"
    assert "partial" not in fm
    assert "## Markets react" in body
    # the same feed again: every entry is a duplicate
    proc = digest_import(project, str(FIXTURES / "rss_full_content.xml"))
    assert summary_line(proc.stdout) == "imported 0, skipped as duplicate 2, failed 0"


def atom_feed(web: str, entries: list[tuple[str, str, str]]) -> str:
    items = "".join(
        f"<entry><title>{title}</title><link href='{web}{path}'/><id>{path}</id>"
        f"<updated>2025-03-14T09:00:00Z</updated><summary>{summary}</summary></entry>"
        for title, path, summary in entries
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>Mountain Post</title><id>{web}/feed</id><updated>2025-03-14T09:00:00Z</updated>"
        f"{items}</feed>"
    )


def test_feed_url_with_fetch_completes_partial_entries(project: Path, web: str):
    serve("/mp/hikers", article_page("Hikers rescued", "Mountain Post", WIRE))
    serve("/feeds/mp.atom", atom_feed(web, [
        ("Hikers rescued", "/mp/hikers", "Fourteen hikers were rescued."),
        ("Gone story", "/mp/gone", "This page was deleted."),
    ]), ctype="application/atom+xml")
    proc = digest_import(project, "--fetch", f"{web}/feeds/mp.atom")
    assert summary_line(proc.stdout) == "imported 2, skipped as duplicate 0, failed 0"
    assert "warning" in proc.stdout and "/mp/gone" in proc.stdout and "404" in proc.stdout
    arts = by_title(project)
    fm, body = arts["Hikers rescued"]
    assert "partial" not in fm
    assert body.startswith("Emergency crews rescued fourteen hikers")
    assert "Subscribe" not in body and "All rights reserved" not in body
    assert fm["source"] == "Mountain Post"
    fm, body = arts["Gone story"]
    assert fm["partial"] is True and body == "This page was deleted."
    # without --fetch the summary is imported as a partial article, nothing fetched
    other = project / "other"
    (other / "content" / "articles").mkdir(parents=True)
    hits = HITS.get("/mp/hikers", 0)
    digest_import(other, f"{web}/feeds/mp.atom")
    assert HITS.get("/mp/hikers", 0) == hits
    assert by_title(other)["Hikers rescued"][0]["partial"] is True


def test_feeds_yaml_and_digest_yaml(project: Path, web: str):
    serve("/feeds/fen.atom", (FIXTURES / "atom_summaries.xml").read_bytes(),
          ctype="application/atom+xml")
    shutil.copy(FIXTURES / "rss_full_content.xml", project / "local.xml")
    (project / "feeds.yaml").write_text(f"feeds:\n  - {web}/feeds/fen.atom\n  - local.xml\n")
    proc = digest_import(project, "--feeds", str(project / "feeds.yaml"))
    assert summary_line(proc.stdout) == "imported 4, skipped as duplicate 0, failed 0"
    assert "[4/4]" in proc.stderr  # progress for more than a few items
    assert by_title(project)["Market town celebrates 800 years of its charter"][0]["partial"]

    # `digest import` with no inputs reads feeds: from digest.yaml (paths relative to the root)
    fresh = project / "fresh"
    (fresh / "content" / "articles").mkdir(parents=True)
    shutil.copy(FIXTURES / "rss_full_content.xml", fresh / "wire.xml")
    (fresh / "digest.yaml").write_text("feeds:\n  - wire.xml\n")
    proc = digest_import(fresh)
    assert summary_line(proc.stdout) == "imported 2, skipped as duplicate 0, failed 0"


def test_nothing_to_import(project: Path):
    proc = digest_import(project, check=False)
    assert proc.returncode == 2 and "nothing to import" in proc.stderr


def test_jsonl_batch_with_bad_lines(project: Path, web: str):
    serve("/mp/ski", article_page("Ski season opens early", "Mountain Post", [
        "Resorts across the region opened their lifts two weeks earlier than usual on Saturday "
        "after the heaviest November snowfall in a decade.",
    ]))
    batch = project / "batch.jsonl"
    batch.write_text("\n".join([
        json.dumps({"title": "Council approves budget", "source": "Metro Herald",
                    "date": "2025-02-11", "text": "The council approved the budget.\n\nThe vote "
                    "was 7-2."}),
        '{"title": "broken", ',
        json.dumps({"url": f"{web}/mp/ski", "date": "2025-11-29"}),
        json.dumps({"url": f"{web}/mp/missing"}),
        json.dumps({"title": "no content"}),
    ]) + "\n")
    proc = digest_import(project, str(batch))
    assert summary_line(proc.stdout) == "imported 2, skipped as duplicate 0, failed 3"
    assert "batch.jsonl: line 2: not valid JSON" in proc.stdout
    assert "line 4:" in proc.stdout and "HTTP 404" in proc.stdout
    assert 'line 5: needs one of "text", "html" or "url"' in proc.stdout
    arts = by_title(project)
    assert arts["Council approves budget"][0]["source"] == "Metro Herald"
    fm, body = arts["Ski season opens early"]
    assert fm["source"] == "Mountain Post" and str(fm["date"]) == "2025-11-29"
    assert fm["url"] == f"{web}/mp/ski"


def test_folder_import_mixed_formats(project: Path):
    folder = project / "inbox"
    (folder / "sub").mkdir(parents=True)
    (folder / ".hidden").mkdir()
    shutil.copy(FIXTURES / "jsonld_newsarticle.html", folder / "a.html")
    shutil.copy(FIXTURES / "cp1252_article.txt", folder / "sub" / "b.txt")
    shutil.copy(FIXTURES / "atom_summaries.xml", folder / "sub" / "c.atom")
    shutil.copy(FIXTURES / "meta_only.html", folder / ".hidden" / "skip.html")
    (folder / "notes.pdf").write_bytes(b"%PDF-1.4")
    proc = digest_import(project, str(folder))
    assert summary_line(proc.stdout) == "imported 4, skipped as duplicate 0, failed 0"
    assert "[4/4]" in proc.stderr
    titles = set(by_title(project))
    assert "Café owner Zoë Brontë named “small business of the year”" in titles
    assert "Le Conseil d'État suspend l'arrêté sur les terrasses" not in titles


def test_failures_are_reported_per_item(project: Path, web: str):
    empty = project / "empty.html"
    empty.write_text("<html><body><nav>Home</nav></body></html>")
    proc = digest_import(project, str(project / "missing.txt"), f"{web}/nowhere", str(empty),
                         str(FIXTURES / "jsonld_newsarticle.html"))
    assert summary_line(proc.stdout) == "imported 1, skipped as duplicate 0, failed 3"
    assert f"failed: {project / 'missing.txt'}: No such file or directory" in proc.stdout
    assert f"failed: {web}/nowhere: HTTP 404 Not Found" in proc.stdout
    assert "no article text found" in proc.stdout
    assert proc.returncode == 0  # something was imported
    proc = digest_import(project, str(project / "missing.txt"), check=False)
    assert proc.returncode == 1


def test_a_feed_list_reports_each_feed_and_one_broken_feed_never_stops_the_others(
        project: Path, web: str):
    """`digest import --feeds` in a GitHub Actions step: per feed new / duplicate / failed
    with the reason, on stdout and as a Markdown table in $GITHUB_STEP_SUMMARY; the counts
    and a commit message as step outputs in $GITHUB_OUTPUT."""
    serve("/mp/rescue", article_page("Hikers rescued", "Mountain Post", WIRE))
    serve("/feeds/good.atom", atom_feed(web, [
        ("Hikers rescued", "/mp/rescue", "Fourteen hikers were rescued."),
        ("Trail | closed", "/mp/trail", "The trail stays closed for a week."),
    ]), ctype="application/atom+xml")
    serve("/feeds/down.rss", "server trouble", ctype="text/plain", status=500)
    serve("/feeds/broken.rss", "<html><body>Not a feed at all</body></html>")
    (project / "feeds.yaml").write_text(
        f"feeds:\n  - {web}/feeds/down.rss\n  - {web}/feeds/good.atom\n"
        f"  - {web}/feeds/broken.rss\n")
    step_summary, outputs = project / "summary.md", project / "outputs.txt"
    step_summary.write_text("earlier step\n")  # appended to, never replaced
    env = {"GITHUB_STEP_SUMMARY": str(step_summary), "GITHUB_OUTPUT": str(outputs)}
    proc = run_digest("import", "--root", str(project), "--feeds", str(project / "feeds.yaml"),
                      env=env)
    assert proc.returncode == 0  # one feed worked
    assert summary_line(proc.stdout) == "imported 2, skipped as duplicate 0, failed 2"
    assert f"  feed {web}/feeds/down.rss: failed: HTTP 500" in proc.stdout
    assert f"  feed Mountain Post ({web}/feeds/good.atom): 2 new, 0 duplicate, 0 failed" \
        in proc.stdout
    assert f"  feed {web}/feeds/broken.rss: failed: not an RSS or Atom feed" in proc.stdout
    table = step_summary.read_text(encoding="utf-8")
    assert table.startswith("earlier step\n### digest import\n")
    rows = [line for line in table.splitlines() if line.startswith(f"| {web}")
            or line.startswith("| Mountain Post")]
    assert rows[:2] == [
        f"| {web}/feeds/down.rss | 0 | 0 | feed | HTTP 500 Internal Server Error |",
        f"| Mountain Post ({web}/feeds/good.atom) | 2 | 0 | 0 |  |",
    ]
    assert rows[2].startswith(f"| {web}/feeds/broken.rss | 0 | 0 | feed | not an RSS or Atom")
    assert outputs.read_text() == ("new=2\nduplicate=0\nfailed=2\n"
                                   "message=digest: 2 new articles from 3 feeds (2 failed)\n")

    # the next day: the same entries are duplicates, counted per feed; nothing new is success
    outputs.unlink()
    proc = run_digest("import", "--root", str(project), "--feeds", str(project / "feeds.yaml"),
                      env=env)
    assert proc.returncode == 0
    assert f"  feed Mountain Post ({web}/feeds/good.atom): 0 new, 2 duplicate, 0 failed" \
        in proc.stdout
    assert "| Mountain Post" in step_summary.read_text().split("### digest import")[2]
    assert "new=0\n" in outputs.read_text()
    assert "message=digest: 0 new articles from 3 feeds (2 failed)" in outputs.read_text()

    # every feed failing is the one case that exits non-zero
    (project / "feeds.yaml").write_text(f"feeds:\n  - {web}/feeds/down.rss\n")
    proc = run_digest("import", "--root", str(project), "--feeds", str(project / "feeds.yaml"),
                      check=False)
    assert proc.returncode == 1 and "failed: HTTP 500" in proc.stdout
