"""Cached and incremental builds produce exactly the site a clean full build produces."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from digest.build import Builder, build
from digest.text import slugify

EVAL = Path(__file__).parent / "eval" / "articles"


def snapshot(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes()
            for p in sorted(site.rglob("*")) if p.is_file()}


def clean_build(project: Path, tmp: Path) -> dict[str, bytes]:
    """Copy the project's inputs elsewhere and build them with no cache at all."""
    fresh = tmp / "fresh"
    if fresh.exists():
        shutil.rmtree(fresh)
    shutil.copytree(project / "content", fresh / "content")
    if (project / "templates").exists():
        shutil.copytree(project / "templates", fresh / "templates")
    if (project / "digest.yaml").exists():
        shutil.copy(project / "digest.yaml", fresh / "digest.yaml")
    build(fresh, use_cache=False)
    return snapshot(fresh / "site")


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    shutil.copytree(EVAL, project / "content" / "articles")
    return project


def _edit(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("title: ", "title: Updated: ", 1), encoding="utf-8")


def _append(path: Path, sentence: str) -> None:
    path.write_text(path.read_text(encoding="utf-8").rstrip() + f"\n\n{sentence}\n",
                    encoding="utf-8")
    old = time.time_ns() - 10**10  # written 10 s ago: a file this fresh is read every time
    os.utime(path, ns=(old, old))


class _Engine:
    """One Builder kept between builds (the dev server), or a new one each time: a new
    `digest build` process, which starts from the caches on disk only."""

    def __init__(self, root: Path, in_place: bool, fresh: bool):
        self.root, self.in_place, self.fresh = root, in_place, fresh
        self.kept = Builder(root, in_place=in_place)

    def build(self):
        return (Builder(self.root, in_place=self.in_place) if self.fresh else self.kept).build()


@pytest.mark.parametrize(("in_place", "fresh"), [(False, False), (True, False), (False, True)],
                         ids=["swap", "in-place", "new-process"])
def test_rebuilds_match_clean_builds(corpus: Path, tmp_path: Path, in_place: bool,
                                     fresh: bool) -> None:
    builder = _Engine(corpus, in_place, fresh)
    first = builder.build()
    assert first.pages_written > 40
    assert snapshot(corpus / "site") == clean_build(corpus, tmp_path)

    warm = builder.build()
    assert warm.pages_written == 0 and warm.pages_rendered == 0

    articles = sorted((corpus / "content" / "articles").glob("*.md"))
    _edit(articles[3])
    edited = builder.build()
    assert 0 < edited.pages_written < first.pages_written
    assert snapshot(corpus / "site") == clean_build(corpus, tmp_path)

    # what grouping does not read (a url), an editor's story note, the site's settings:
    # the builder reuses its grouping, stories, renderer and page keys only where right
    text = articles[2].read_text(encoding="utf-8")
    articles[2].write_text(text.replace("url: ", "url: https://example.org/moved#", 1),
                           encoding="utf-8")
    builder.build()
    assert snapshot(corpus / "site") == clean_build(corpus, tmp_path)
    story_id = first.stories[0].id
    (corpus / "content" / "stories").mkdir()
    (corpus / "content" / "stories" / f"{story_id}.md").write_text(
        "---\ntitle: An editor's headline\n---\n\nWhat we know so far.\n", encoding="utf-8")
    noted = builder.build()
    assert any("An editor&#39;s headline" in (corpus / "site" / p).read_text(encoding="utf-8")
               for p in noted.written_paths if p.endswith(".html"))
    assert snapshot(corpus / "site") == clean_build(corpus, tmp_path)
    (corpus / "digest.yaml").write_text("title: Another digest\n", encoding="utf-8")
    builder.build()
    assert b"Another digest" in (corpus / "site" / "index.html").read_bytes()
    assert snapshot(corpus / "site") == clean_build(corpus, tmp_path)

    shutil.copy(articles[5], articles[5].with_name("copy-of-five.md"))
    text = articles[5].with_name("copy-of-five.md").read_text(encoding="utf-8")
    articles[5].with_name("copy-of-five.md").write_text(
        text.replace("id: ", "id: copy-", 1).replace("url: ", "url: https://example.org/copy#", 1),
        encoding="utf-8")
    builder.build()
    assert snapshot(corpus / "site") == clean_build(corpus, tmp_path)

    articles[7].unlink()
    removed = builder.build()
    assert removed.removed_paths
    assert snapshot(corpus / "site") == clean_build(corpus, tmp_path)

    templates = corpus / "templates"
    shutil.copytree(Path(__file__).parent.parent / "templates", templates)
    copied = builder.build()  # the default theme, copied unchanged: nothing to render
    assert copied.pages_rendered == 0 and copied.pages_written == 0
    base = templates / "base.html"
    base.write_text(base.read_text(encoding="utf-8").replace("</footer>", "<!-- t --></footer>"),
                    encoding="utf-8")
    themed = builder.build()
    assert themed.pages_written > 40
    assert snapshot(corpus / "site") == clean_build(corpus, tmp_path)


def test_a_fresh_process_reuses_the_disk_cache(corpus: Path, tmp_path: Path) -> None:
    build(corpus)
    again = Builder(corpus).build()  # a new engine: only the cache on disk carries over
    assert again.pages_rendered == 0 and again.pages_written == 0
    assert snapshot(corpus / "site") == clean_build(corpus, tmp_path)


def _git(cwd: Path, *args: str) -> None:
    import subprocess

    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
                   cwd=cwd, check=True, capture_output=True)


def test_a_fresh_clone_with_the_restored_cache_parses_nothing_again(
        corpus: Path, tmp_path: Path) -> None:
    """A CI runner checks the repository out (every file a new mtime) and restores
    .digest-cache/: the articles are recognised by their bytes, not parsed again, and the
    site is byte for byte the clean build's; one new article is the only one parsed."""
    first = build(corpus)
    assert first.articles_parsed == len(first.articles) > 20
    (corpus / ".gitignore").write_text("site/\n.digest-cache/\n", encoding="utf-8")
    _git(corpus, "init", "-q", "-b", "main")
    _git(corpus, "add", "-A")
    _git(corpus, "commit", "-q", "-m", "corpus")
    clone = tmp_path / "clone"
    _git(tmp_path, "clone", "-q", str(corpus), str(clone))
    shutil.copytree(corpus / ".digest-cache", clone / ".digest-cache")  # actions/cache restore
    restored = Builder(clone).build()
    assert restored.articles_parsed == 0
    assert restored.pages_rendered == first.pages_rendered  # site/ was not restored: rendered
    assert snapshot(clone / "site") == snapshot(corpus / "site")

    shutil.rmtree(clone)
    _git(tmp_path, "clone", "-q", str(corpus), str(clone))
    shutil.copytree(corpus / ".digest-cache", clone / ".digest-cache")
    shutil.copytree(corpus / "site", clone / "site")  # site/ restored with the cache
    new = clone / "content" / "articles" / "2099-01-01-a-new-report.md"
    new.write_text("---\ntitle: A new report on the harbour\nsource: Example Wire\n"
                   "date: 2099-01-01\n---\n\nThe harbour reopened on Monday.\n",
                   encoding="utf-8")
    one_more = Builder(clone).build()
    assert one_more.articles_parsed == 1
    assert 0 < one_more.pages_rendered < first.pages_rendered / 4
    assert snapshot(clone / "site") == clean_build(clone, tmp_path)


def test_a_corrupt_cache_is_ignored(corpus: Path, tmp_path: Path) -> None:
    build(corpus)
    files = [f for f in (corpus / ".digest-cache").rglob("*") if f.is_file()]
    assert len(files) > 4
    for f in files:
        f.write_bytes(b"\x80garbage")
    build(corpus)
    assert snapshot(corpus / "site") == clean_build(corpus, tmp_path)


def test_cache_files_round_trip_in_chunks_and_a_cancelled_save_keeps_the_old(
        tmp_path: Path) -> None:
    """Caches are pickled a chunk at a time so that the dev server can stop a save when an
    edit comes in: a stopped save leaves the previous files whole."""
    import threading

    from digest.build import CACHE_CHUNK, CACHE_SHARDS, _load_cache, _save_cache

    folder = tmp_path / "cache" / "pages"
    first = {f"page/{i}/index.html": f"key {i}" for i in range(CACHE_CHUNK * CACHE_SHARDS + 7)}
    assert _save_cache(folder, first, None)
    assert _load_cache(folder, None) == first
    stop = threading.Event()
    stop.set()
    assert not _save_cache(folder, {"other": "entries"}, None, cancel=stop)
    assert _load_cache(folder, None) == first
    names = sorted(p.name for p in folder.iterdir())
    assert names == [f"{n:02d}.pickle" for n in range(CACHE_SHARDS)]  # no temp file left
    shard = folder / "05.pickle"
    tampered = bytearray(shard.read_bytes())
    tampered[-5] ^= 1  # a flipped bit in its last chunk: the signature no longer matches
    shard.write_bytes(bytes(tampered))
    left = _load_cache(folder, None)
    assert 0 < len(left) < len(first) and all(first[k] == v for k, v in left.items())
    (folder / "06.pickle").rename(folder / "07.pickle")  # signed for another place
    assert len(_load_cache(folder, None)) < len(left)


def _files(folder: Path) -> dict[str, tuple[int, int]]:
    return {p.relative_to(folder).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in folder.rglob("*") if p.is_file()}


def test_an_edit_rewrites_only_the_cache_shards_it_touched(
        corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A new `digest build` process after one edit writes a few cache files, not the whole
    cache again (which is what made one edit cost minutes at 100,000 articles); after a
    change of settings it does not group the articles again."""
    import digest.build

    grouped: list[int] = []
    real = digest.build.group_into_stories

    def counting(articles, **kwargs):  # the real grouping, counted
        grouped.append(1)
        return real(articles, **kwargs)

    monkeypatch.setattr(digest.build, "group_into_stories", counting)
    build(corpus)
    cache = corpus / ".digest-cache"
    before = _files(cache)
    assert {f.split("/")[0] for f in before} >= {"articles", "analyses", "pages", "stories"}
    assert len([f for f in before if f.startswith("articles/")]) > 20
    path = sorted((corpus / "content" / "articles").glob("*.md"))[4]
    _append(path, "One more sentence for the record.")
    site = (corpus / "site").stat().st_ino
    engine = Builder(corpus)
    engine.build()
    assert (corpus / "site").stat().st_ino == site  # one story changed: written in place
    after = _files(cache)
    changed = {f for f in after if before.get(f) != after[f]} | (before.keys() - after.keys())
    assert len([f for f in changed if f.startswith("articles/")]) == 1
    assert 0 < len([f for f in changed if f.startswith("analyses/")]) <= 2
    assert len(changed) < len(after) / 3
    assert snapshot(corpus / "site") == clean_build(corpus, tmp_path)
    engine.build()  # the whole pipeline again, nothing changed: no cache file is written
    assert _files(cache) == after
    (corpus / "digest.yaml").write_text("title: Renamed\n", encoding="utf-8")
    grouped.clear()
    build(corpus)  # every page changes: a staged copy is swapped in
    assert grouped == []  # the same articles, the same terms: the stored grouping
    assert (corpus / "site").stat().st_ino != site
    assert snapshot(corpus / "site") == clean_build(corpus, tmp_path)


def test_builds_do_not_depend_on_hash_seed(corpus: Path, tmp_path: Path) -> None:
    """Python shuffles set order per process; the site must not notice."""
    import os
    import subprocess
    import sys

    sites = []
    for seed in ("1", "2"):
        project = tmp_path / f"seed{seed}"
        shutil.copytree(corpus / "content", project / "content")
        env = dict(os.environ, PYTHONHASHSEED=seed)
        subprocess.run([sys.executable, "-m", "digest", "build", "--root", str(project)],
                       check=True, env=env, capture_output=True, timeout=300)
        sites.append(snapshot(project / "site"))
    assert sites[0] == sites[1]


def test_editor_leftovers_in_the_theme_are_not_published(corpus: Path) -> None:
    static = corpus / "templates" / "static"
    shutil.copytree(Path(__file__).parent.parent / "templates", corpus / "templates")
    (static / ".style.css.swp").write_bytes(b"swap")
    (static / "style.css~").write_bytes(b"backup")
    build(corpus)
    published = [p.name for p in (corpus / "site" / "static").iterdir()]
    assert any(name.startswith("style.") and name.endswith(".css") for name in published)
    assert not any("swp" in name or name.endswith("~") for name in published), published


def test_each_cache_depends_on_the_code_that_computes_it() -> None:
    """A template or site change keeps the comparisons; a comparison change drops them."""
    from digest.build import STAGE_MODULES, module_closure

    package = Path(__file__).parents[1] / "digest"
    compare = {p.relative_to(package).as_posix() for p in
               module_closure(STAGE_MODULES["analyses"])}
    rules = {f"compare/{p.name}" for p in (package / "compare").glob("*.py")}
    assert rules <= compare  # every rule module, found through compare/__init__'s imports
    assert {"text.py", "model.py"} <= compare
    assert not {"render.py", "site.py", "build.py", "serve.py"} & compare
    articles = {p.name for p in module_closure(STAGE_MODULES["articles"])}
    assert {"load.py", "group.py", "model.py", "text.py"} <= articles
    assert "render.py" not in articles


def _age(folder: Path, seconds: int = 60) -> None:
    """Date every file back: a file written this very second is never trusted by its stat."""
    past = time.time() - seconds
    for p in folder.rglob("*"):
        os.utime(p, (past, past))


def test_a_warm_build_with_nothing_changed_does_nothing(corpus: Path, tmp_path: Path) -> None:
    bad = corpus / "content" / "articles" / "zz-bad.md"
    bad.write_text("---\ntitle: [unclosed\n---\nBody.\n", encoding="utf-8")
    _age(corpus / "content")
    first = build(corpus)
    assert not first.up_to_date and first.errors
    site = snapshot(corpus / "site")

    again = build(corpus)  # a new Builder, as a new `digest build` process would be
    assert again.up_to_date
    assert (again.article_count, again.story_count) == (len(first.articles),
                                                        len(first.stories))
    assert again.pages_unchanged == first.pages_written + first.pages_unchanged > 40
    assert [str(p) for p in again.problems] == [str(p) for p in first.problems]
    assert snapshot(corpus / "site") == site

    (corpus / "site" / "index.html").unlink()  # the output was tampered with: repaired
    repaired = build(corpus)
    assert not repaired.up_to_date and snapshot(corpus / "site") == site

    article = sorted((corpus / "content" / "articles").glob("2*.md"))[0]
    _edit(article)
    edited = build(corpus)  # written just now: its stat is not trusted, it is read
    assert not edited.up_to_date and edited.pages_written > 0
    assert not build(corpus).up_to_date  # and again, until the file is old enough
    _age(corpus / "content")
    build(corpus)
    assert build(corpus).up_to_date
    assert snapshot(corpus / "site") == clean_build(corpus, tmp_path)


def test_the_command_line_says_up_to_date_without_building(corpus: Path) -> None:
    """`digest build` checks freshness before importing the build machinery; --strict
    still fails on the problems the last build found."""
    from tests.conftest import run_digest

    (corpus / "content" / "articles" / "zz-warn.md").write_text(
        "---\ntitle: No source here\n---\nBody text.\n", encoding="utf-8")
    _age(corpus / "content")
    first = run_digest("build", "--root", str(corpus))
    assert first.stderr.startswith("built:") or "\nbuilt:" in first.stderr
    again = run_digest("build", "--root", str(corpus), "--strict", check=False)
    assert "up to date:" in again.stderr, again.stderr
    assert "zz-warn.md" in again.stderr  # the same problems, shown again
    assert again.returncode == 1
    assert run_digest("build", "--root", str(corpus), "--base-url",
                      "https://example.org/x/").stderr.count("up to date") == 0


def test_the_quick_rebuild_writes_just_the_pages_that_show_an_edited_story(
        corpus: Path, tmp_path: Path) -> None:
    """Builder.quick() (the dev server's first answer to an edit) writes exactly the
    edited story's page, its articles' pages and the index page listing it, as the full
    build would; the full build after it adds the outlet pages (long lists, left to it),
    feeds and API file, rewrites no other HTML page, and leaves a clean build's site."""
    builder = Builder(corpus, in_place=True, defer=True)
    builder.build()
    path = sorted((corpus / "content" / "articles").glob("*.md"))[5]
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("title: ", "title: Quickly updated ", 1).replace(
        "\n\n", "\n\nA sentence added by the editor.\n\n", 1), encoding="utf-8")

    quick = builder.quick({path})
    assert quick is not None and quick.provisional
    written = set(quick.written_paths)
    assert written and all(p.endswith(".html") for p in written), written
    story = next(s for s in quick.stories if any(a.path.endswith(path.name)
                                                 for a in s.articles))
    assert f"stories/{story.id}/index.html" in written
    assert written <= {f"stories/{story.id}/index.html", "index.html",
                       *(f"articles/{a.id}/index.html" for a in story.articles)}
    outlet_pages = {f"sources/{slugify(s)}/index.html" for s in story.sources}
    shown = {p for p in written
             if "Quickly updated " in (corpus / "site" / p).read_text(encoding="utf-8")}
    assert "index.html" in shown and any(p.startswith("articles/") for p in shown)

    full = builder.build({path})
    assert {p for p in full.written_paths if p.endswith(".html")} <= outlet_pages
    assert any(p in outlet_pages for p in full.written_paths)
    assert set(full.written_paths) >= {"feed.xml", "api/stories.json"}  # and outlet feeds
    builder.update_search()  # deferred, as in the dev server
    assert snapshot(corpus / "site") == clean_build(corpus, tmp_path)

    # a new title only: the story's facts and differences stay, its headline may not
    path.write_text(path.read_text(encoding="utf-8").replace(
        "title: Quickly updated ", "title: Retitled ", 1), encoding="utf-8")
    quick = builder.quick({path})
    assert quick is not None
    assert any("Retitled " in (corpus / "site" / p).read_text(encoding="utf-8")
               for p in quick.written_paths)
    full = builder.build({path})
    assert {p for p in full.written_paths if p.endswith(".html")} <= outlet_pages
    builder.update_search()
    assert snapshot(corpus / "site") == clean_build(corpus, tmp_path)

    # a changed date moves the article in the lists: not for the quick path
    path.write_text(path.read_text(encoding="utf-8").replace("date: 20", "date: 19", 1),
                    encoding="utf-8")
    assert builder.quick({path}) is None


@pytest.mark.parametrize("fresh", [False, True], ids=["same-builder", "new-process"])
def test_a_new_outlet_that_takes_an_old_outlets_page_path(tmp_path: Path, fresh: bool) -> None:
    """Outlets whose names make one slug share it in name order: a new 'A P' takes
    sources/a-p/ and 'A.P.' moves to sources/a-p-2/. Nothing of the 'A.P.' story changed,
    yet its pages link to its outlet's page and must be written again."""
    project = tmp_path / "project"
    arts = project / "content" / "articles"
    arts.mkdir(parents=True)

    def article(name: str, source: str, date: str, text: str) -> None:
        (arts / f"{name}.md").write_text(
            f"---\ntitle: {name.title()} report\nsource: {source}\ndate: {date}\n---\n{text}\n",
            encoding="utf-8")

    article("alpha", "A.P.", "2025-01-01", "Zebra quagga okapi gathered near the river.")
    article("beta", "Reuters", "2025-03-01", "Marmot beaver vole colonies spread north.")
    engine = _Engine(project, in_place=False, fresh=fresh)
    engine.build()
    page = next(p for p in (project / "site" / "stories").glob("*/index.html")
                if "Alpha report" in p.read_text(encoding="utf-8"))
    assert "sources/a-p/" in page.read_text(encoding="utf-8")
    article("gamma", "A P", "2025-03-02", "Marmot beaver vole colonies spread further north.")
    engine.build()
    assert "sources/a-p-2/" in page.read_text(encoding="utf-8")
    assert snapshot(project / "site") == clean_build(project, tmp_path)


def _retitle(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('title: "', 'title: "Updated: ', 1), encoding="utf-8")


@pytest.mark.parametrize(("in_place", "fresh"), [(False, False), (True, False), (False, True)],
                         ids=["swap", "in-place", "new-process"])
def test_retention_rebuilds_match_clean_builds(corpus: Path, tmp_path: Path, in_place: bool,
                                               fresh: bool) -> None:
    """keep_days (digest/retention.py): a new day that expires stories, an edit of an
    expired article and of a kept one, the newest article deleted (stories come back):
    every cached build is the clean build's site."""
    builder = _Engine(corpus, in_place, fresh)
    everything = builder.build()  # published: the lock records every story
    (corpus / "digest.yaml").write_text("keep_days: 30\n", encoding="utf-8")
    first = builder.build()
    assert len(first.stories) < len(everything.stories)
    assert snapshot(corpus / "site") == clean_build(corpus, tmp_path)
    articles = corpus / "content" / "articles"
    newest = articles / "2025-04-25-a-new-day.md"
    newest.write_text("---\ntitle: Harbour reopens\nsource: Example Wire\ndate: 2025-04-25\n"
                      "---\n\nThe harbour of Testa reopened on Friday.\n", encoding="utf-8")
    later = builder.build()
    assert len(later.stories) < len(first.stories)
    assert snapshot(corpus / "site") == clean_build(corpus, tmp_path)
    _retitle(articles / "2025-03-10-nk-missiles-yonhap.md")  # an expired story's
    builder.build()
    assert b"Updated: " in (corpus / "site" / "stories" / "2025-03-10-nk-ballistic-missiles-nhk"
                            / "index.html").read_bytes()
    assert snapshot(corpus / "site") == clean_build(corpus, tmp_path)
    _retitle(articles / "2025-04-04-manisa-quake-reuters.md")  # a kept story's
    builder.build()
    assert snapshot(corpus / "site") == clean_build(corpus, tmp_path)
    newest.unlink()
    back = builder.build()
    assert {s.id for s in back.stories} == {s.id for s in first.stories}
    assert snapshot(corpus / "site") == clean_build(corpus, tmp_path)


def test_retention_and_the_quick_rebuild(corpus: Path, tmp_path: Path) -> None:
    """The dev server's quick answer to an edit of a kept story, then its full build,
    leave the clean build's site; an expired article's edit goes to the full build."""
    build(corpus)  # published: the lock records every story
    (corpus / "digest.yaml").write_text("keep_days: 30\n", encoding="utf-8")
    builder = Builder(corpus, in_place=True, defer=True)
    builder.build()
    kept = corpus / "content" / "articles" / "2025-04-04-manisa-quake-reuters.md"
    _retitle(kept)
    quick = builder.quick({kept})
    assert quick is not None and quick.written_paths
    builder.build({kept})
    builder.update_search()
    assert snapshot(corpus / "site") == clean_build(corpus, tmp_path)
    expired = corpus / "content" / "articles" / "2025-03-10-nk-missiles-yonhap.md"
    _retitle(expired)
    assert builder.quick({expired}) is None
    builder.build({expired})
    builder.update_search()
    assert snapshot(corpus / "site") == clean_build(corpus, tmp_path)


def test_a_one_shot_build_hides_its_caches_from_the_collector_only_while_it_runs(
        corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`build()` freezes what it loaded for the garbage collector (gc.freeze) and unfreezes
    it at the end; a dev server's Builder never freezes anything."""
    import gc

    import digest.build

    frozen: list[int] = []
    real = digest.build.group_into_stories

    def seeing(articles, **kwargs):
        frozen.append(gc.get_freeze_count())
        return real(articles, **kwargs)

    monkeypatch.setattr(digest.build, "group_into_stories", seeing)
    build(corpus)
    path = sorted((corpus / "content" / "articles").glob("*.md"))[2]
    path.write_text(path.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    build(corpus)
    assert gc.get_freeze_count() == 0 and frozen[-1] > 0
    assert snapshot(corpus / "site") == clean_build(corpus, tmp_path)
    assert not Builder(corpus).freeze_gc


def test_the_files_of_a_site_are_listed_relative_to_it(corpus: Path, monkeypatch) -> None:
    from digest.freshness import existing_files

    build(corpus)
    site = corpus / "site"
    expected = sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file())
    assert any("/" in p for p in expected) and "index.html" in expected
    assert sorted(existing_files(site)) == expected
    monkeypatch.chdir(corpus)
    assert sorted(existing_files(Path("site"))) == expected
    assert list(existing_files(corpus / "nothing here")) == []


def test_an_edit_unpacks_only_the_analyses_of_the_stories_it_shows_again(
        corpus: Path, tmp_path: Path) -> None:
    """Every story's analysis is kept packed (compressed, not as objects) by the build and
    its cache, and a story is released once its pages are made; a new `digest build`
    process after one edit unpacks the edited story's analysis alone, and still writes the
    very site a clean build writes."""
    from digest.compare import PackedAnalysis
    from digest.model import _PENDING

    before = PackedAnalysis.unpacked
    first = build(corpus)
    assert len(first.stories) > 5 and PackedAnalysis.unpacked - before >= len(first.stories)
    assert all(s.__dict__["_facts"] is _PENDING for s in first.stories)  # released
    path = sorted((corpus / "content" / "articles").glob("*.md"))[6]
    _append(path, "One more sentence for the record.")
    before = PackedAnalysis.unpacked
    result = Builder(corpus).build()
    # the edited story: its card, its pages (it is released in between)
    assert 1 <= PackedAnalysis.unpacked - before <= 2
    assert all(isinstance(s.packed, PackedAnalysis) for s in result.stories)
    assert snapshot(corpus / "site") == clean_build(corpus, tmp_path)
    # what an untouched story shows, read now, is what a clean build compared
    edited = {s.id for s in result.stories if any(a.path.endswith(path.name)
                                                 for a in s.articles)}
    other = next(s for s in result.stories if s.id not in edited and s.facts)
    clean = Builder(tmp_path / "fresh", use_cache=False).build()
    twin = next(s for s in clean.stories if s.id == other.id)
    assert (other.facts, other.differences) == (twin.facts, twin.differences)


def test_a_story_reads_facts_given_to_it_or_packed_once() -> None:
    from digest.compare import PackedAnalysis, StoryAnalysis
    from digest.model import Evidence, Fact, Story

    fact = Fact("The bridge reopened.", [Evidence("a1", "The bridge reopened on Monday.")],
                ["A", "B"])
    given = Story(id="s", title="t", articles=[], facts=[fact])
    assert given.facts == [fact] and given.differences == []
    assert Story(id="s", title="t", articles=[]).facts == []
    packed = PackedAnalysis.pack(StoryAnalysis("t", "sum", [fact], []))
    assert pickle_roundtrip(packed).unpack() == StoryAnalysis("t", "sum", [fact], [])
    story = Story(id="s", title="t", articles=[], packed=packed)
    # a story pickled before its facts are read reads them after
    assert pickle_roundtrip(story).facts == [fact]
    assert story.facts == [fact] and story.facts is story.facts  # unpacked once
    assert story == given


def pickle_roundtrip(value):
    import pickle

    return pickle.loads(pickle.dumps(value))


def test_an_edit_expands_only_the_bodies_of_its_own_story(corpus: Path, tmp_path: Path) -> None:
    """Articles come out of the cache with their bodies packed (digest.model.Article); a
    new process after one edit expands the bodies of the edited story's articles (compared
    again, their pages rendered), packs them again once its pages are written, and expands
    no other; the site is a clean build's."""
    from digest import model

    first = build(corpus)
    story = next(s for s in first.stories if len(s.articles) >= 3)
    path = corpus / story.articles[0].path
    _append(path, "One more sentence for the record.")
    before = model.body_expansions
    result = Builder(corpus).build()
    expanded = model.body_expansions - before
    assert result.articles_parsed == 1
    assert snapshot(corpus / "site") == clean_build(corpus, tmp_path)
    mine = next(s for s in result.stories if s.id == story.id)
    assert {a.path for a in mine.articles} == {a.path for a in story.articles}
    others = [a for s in result.stories if s is not mine for a in s.articles]
    assert len(others) > 20 and all(a.packed for a in others)
    # expanded once each (the edited one parsed, packed, then read), and packed again
    # once the story's pages were written
    assert expanded == len(mine.articles) and all(a.packed for a in mine.articles)
    before = model.body_expansions
    again = Builder(corpus).build()  # nothing changed: nothing to read, nothing expanded
    assert again.pages_written == 0 and model.body_expansions == before


# --- api/stories.json: a story's line is copied from the last file, never cached ---------

def _lines_made(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ids of the stories whose line of api/stories.json is made from now on (the real
    story_line, counted)."""
    import digest.site

    made: list[str] = []
    real = digest.site.story_line

    def counting(story):
        made.append(story.id)
        return real(story)

    monkeypatch.setattr(digest.site, "story_line", counting)
    return made


def _stories_cache(project: Path) -> dict:
    from digest.build import _load_cache

    return _load_cache(project / ".digest-cache" / "stories", None)


def _story_of(stories: list, path: Path):
    return next(s for s in stories if any(a.path.endswith(path.name) for a in s.articles))


def test_the_story_memo_holds_no_api_lines_but_where_they_are(corpus: Path) -> None:
    """The saved story memo has no story's line of api/stories.json: it says where each
    line is in the file just written, and which file that is."""
    import json

    from digest.site import ApiFile, PageMemo, StoryPages, _identity

    first = build(corpus)
    api = corpus / "site" / "api" / "stories.json"
    data = api.read_bytes()
    cache = _stories_cache(corpus)
    record = cache.pop(PageMemo.API)
    assert isinstance(record, ApiFile) and record.identity == _identity(api.stat())
    assert cache and all(isinstance(v, StoryPages) and not hasattr(v, "line")
                         for v in cache.values())
    assert record.lines.keys() == cache.keys()
    lines = [data[offset:offset + length] for offset, length, _crc in record.lines.values()]
    assert sorted(json.loads(line)["id"] for line in lines) == \
        sorted(s.id for s in first.stories)
    saved = b"".join(p.read_bytes() for p in (corpus / ".digest-cache" / "stories").iterdir())
    assert not any(line in saved for line in lines)


@pytest.mark.parametrize("swap", [False, True], ids=["in-place", "swap"])
def test_an_edit_copies_the_other_stories_api_lines_from_the_last_file(
        corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, swap: bool) -> None:
    """A new `digest build` process after one edit makes the edited story's line of
    api/stories.json and copies every other story's from the file the last build wrote,
    whether it writes site/ in place or a staged copy swapped in; the site is the clean
    build's, byte for byte."""
    import digest.build

    if swap:  # however few stories changed
        monkeypatch.setattr(digest.build, "IN_PLACE_STORIES", -1)
    made = _lines_made(monkeypatch)
    first = build(corpus)
    site = (corpus / "site").stat().st_ino
    assert sorted(made) == sorted(s.id for s in first.stories)  # once each, cold
    made.clear()
    path = sorted((corpus / "content" / "articles").glob("*.md"))[4]
    _append(path, "Officials said on Tuesday that 4,321 residents of the coastal districts "
                  "had been evacuated by ferry.")  # a detail only this outlet gives
    edited = build(corpus)
    assert "api/stories.json" in edited.written_paths
    assert b"4,321 residents" in (corpus / "site" / "api" / "stories.json").read_bytes()
    assert made == [_story_of(edited.stories, path).id]
    assert ((corpus / "site").stat().st_ino != site) == swap
    assert snapshot(corpus / "site") == clean_build(corpus, tmp_path)


@pytest.mark.parametrize("damage", ["same-size", "appended", "deleted", "same-bytes-new-file"])
def test_a_hand_edited_or_deleted_api_file_is_made_again(
        corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str) -> None:
    """api/stories.json edited, deleted or replaced by hand: the next build writes it again
    right, making the lines it cannot copy; a line is copied only if it is where the memo
    says, with its recorded length and CRC-32, so a copy of the file with the same bytes (a
    CI run's restored site/) gives every line, and one edited in place with its size and
    time put back (the very file by its stat, as the page manifest trusts every page) is
    right again once the next build writes it."""
    from digest.site import PageMemo, _identity

    build(corpus)
    api = corpus / "site" / "api" / "stories.json"
    right = api.read_bytes()
    record = _stories_cache(corpus)[PageMemo.API]
    path = sorted((corpus / "content" / "articles").glob("*.md"))[4]
    if damage == "same-size":  # one letter of a story's title, in place
        st = api.stat()
        offset = sorted(record.lines.values())[2][0]
        at = right.index(b'"title": "', offset) + len(b'"title": "')
        with api.open("r+b") as fh:
            fh.seek(at)
            fh.write(bytes([right[at] ^ 0x20]))
        os.utime(api, ns=(st.st_atime_ns, st.st_mtime_ns))
        assert _identity(api.stat()) == record.identity and api.read_bytes() != right
        _append(path, "One more sentence for the record.")  # or nothing is built again
    elif damage == "appended":
        with api.open("ab") as fh:
            fh.write(b"\n")
    elif damage == "deleted":
        api.unlink()
    else:
        api.unlink()
        api.write_bytes(right)
    made = _lines_made(monkeypatch)
    again = build(corpus)
    if damage == "same-size":
        assert len(made) == 2  # the edited story's line, and the damaged one
    elif damage == "deleted":
        assert sorted(made) == sorted(s.id for s in again.stories)  # no file to copy from
        assert api.read_bytes() == right
    else:  # another file (as a CI run's restored site/), its lines checked one by one
        assert made == [] and api.read_bytes() == right
    assert snapshot(corpus / "site") == clean_build(corpus, tmp_path)


def test_a_build_that_fails_while_writing_the_api_file_leaves_nothing_behind(
        corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import digest.site

    build(corpus)
    before = snapshot(corpus / "site")
    cache = sorted(p.name for p in (corpus / ".digest-cache").iterdir())
    _append(sorted((corpus / "content" / "articles").glob("*.md"))[4], "One more sentence.")

    def failing(fd, ref):
        raise RuntimeError("the disk went away")

    monkeypatch.setattr(digest.site, "_recorded_line", failing)
    with pytest.raises(RuntimeError):
        build(corpus)
    assert snapshot(corpus / "site") == before  # no temporary file, nothing replaced
    assert sorted(p.name for p in (corpus / ".digest-cache").iterdir()) == cache
    assert digest.site._spool.file is None and not digest.site._story_data
    monkeypatch.undo()
    build(corpus)
    assert snapshot(corpus / "site") == clean_build(corpus, tmp_path)
