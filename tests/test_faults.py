"""Faults: a build interrupted at any point leaves the previous site/ as it was (a build that
rewrites the site swaps in a staged copy) and the next build succeeds; a corrupt or missing cache costs only time; an interrupted import batch
re-runs to completion without duplicates.

Interruptions are real signals to a real `python -m digest build` subprocess: once at a
moment chosen by time (midway through loading 3,000 generated articles), and once at a
moment chosen exactly (after N pages written to the staging folder, or right before the
swap), by a wrapper that signals its own process there.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_digest

N_CORPUS = 3000
N_SITE = 40  # articles in the "previous site" (a full build of 3,000 takes minutes)


def _snapshot(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes()
            for p in sorted(site.rglob("*")) if p.is_file()}


def _leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.name.startswith(".site."))


@pytest.fixture(scope="module", autouse=True)
def _same_hash_seed() -> Iterator[None]:
    """Builds compared byte for byte run with one hash seed: digest/compare sums float
    weights over sets, so the last bits (and a tie-break) can depend on PYTHONHASHSEED."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PYTHONHASHSEED", "0")
        yield


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """3,000 generated articles; content/ holds the first 40, the rest wait in reserve/."""
    root = tmp_path_factory.mktemp("faults")
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "gen_corpus.py"), "--n",
                    str(N_CORPUS), "--seed", "1", "--out", str(root)], check=True,
                   capture_output=True, timeout=300)
    arts = root / "content" / "articles"
    reserve = root / "reserve"
    reserve.mkdir()
    for f in sorted(arts.iterdir())[N_SITE:]:
        f.rename(reserve / f.name)
    run_digest("build", "--root", str(root))
    return {"root": root, "arts": arts, "reserve": reserve,
            "keep": {f.name for f in arts.iterdir()}}


def _back_to_the_first_40(corpus: dict) -> None:
    for f in corpus["arts"].iterdir():
        if f.name not in corpus["keep"]:
            f.rename(corpus["reserve"] / f.name)


@pytest.fixture
def project(corpus: dict) -> Iterator[Path]:
    """The corpus project with its site built from the 40 articles, as it is after the test."""
    root: Path = corpus["root"]
    yield root
    _back_to_the_first_40(corpus)
    for name in _leftovers(root):
        shutil.rmtree(root / name, ignore_errors=True)
    if not (root / "site").is_dir():
        run_digest("build", "--root", str(root))


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wait_midway(proc: subprocess.Popen, cpu: float = 1.5, timeout: float = 120) -> None:
    """Until the build has done `cpu` seconds of work: well into reading 3,000 articles."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        if _cpu_seconds(proc.pid) >= cpu:
            return
        time.sleep(0.05)
    raise AssertionError("the build did not get going")


def test_signals_midway_through_a_big_build(corpus: dict, project: Path) -> None:
    """SIGINT, then SIGKILL, to `python -m digest build` of 3,000 articles while it reads."""
    before = _snapshot(project / "site")
    for f in sorted(corpus["reserve"].iterdir()):
        f.rename(corpus["arts"] / f.name)
    for sig in (signal.SIGINT, signal.SIGKILL):
        proc = subprocess.Popen([sys.executable, "-m", "digest", "build", "--root",
                                 str(project)], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        _wait_midway(proc)
        proc.send_signal(sig)
        _out, err = proc.communicate(timeout=120)
        if sig == signal.SIGINT:
            assert proc.returncode == 130, err
            assert "interrupted" in err and "Traceback" not in err
        else:
            assert proc.returncode == -signal.SIGKILL
        assert _snapshot(project / "site") == before
        assert _leftovers(project) == []
    # the next build succeeds (with the 40 articles: the same site again)
    _back_to_the_first_40(corpus)
    run_digest("build", "--root", str(project))
    assert _snapshot(project / "site") == before


_KILL_AFTER_PAGES = """
import os, signal, sys
import digest.build
pages, after, sig = digest.build.site_pages, int(sys.argv[2]), getattr(signal, sys.argv[3])
def site_pages(*args, **kwargs):
    for n, spec in enumerate(pages(*args, **kwargs)):
        if n == after:
            os.kill(os.getpid(), sig)
        yield spec
digest.build.site_pages = site_pages
from digest.cli import main
sys.exit(main(["build", "--root", sys.argv[1], "--base-url", "https://example.org/news/"]))
"""

_KILL_BEFORE_SWAP = """
import os, signal, sys
replace = os.replace
def kill_before_swap(src, dst, *args, **kwargs):
    if os.path.basename(str(src)).startswith(".site.staging-"):
        os.kill(os.getpid(), signal.SIGKILL)
    return replace(src, dst, *args, **kwargs)
os.replace = kill_before_swap
import digest.build
def kill_before_exchange(a, b):  # the atomic swap, where the system has one
    os.kill(os.getpid(), signal.SIGKILL)
digest.build._exchange = kill_before_exchange
from digest.cli import main
sys.exit(main(["build", "--root", sys.argv[1], "--base-url", "https://example.org/news/"]))
"""


def _run(script: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", script, *args], capture_output=True,
                          text=True, timeout=300, cwd=ROOT)


@pytest.mark.parametrize("sig", ["SIGINT", "SIGKILL"])
def test_signal_while_writing_the_staging_folder(project: Path, sig: str) -> None:
    """Killed after 30 pages of a build that rewrites every page (another base URL)."""
    before = _snapshot(project / "site")
    proc = _run(_KILL_AFTER_PAGES, str(project), "30", sig)
    if sig == "SIGINT":
        assert proc.returncode == 130, proc.stderr
        assert "Traceback" not in proc.stderr
        assert _leftovers(project) == []  # the staging folder is cleaned up
    else:
        assert proc.returncode == -signal.SIGKILL, proc.stderr
        assert _leftovers(project)  # the half-written staging folder
    assert _snapshot(project / "site") == before
    run_digest("build", "--root", str(project))
    assert _snapshot(project / "site") == before
    assert _leftovers(project) == []  # the next build removed the killed one's staging


def test_kill_right_before_the_swap_keeps_site(project: Path) -> None:
    before = _snapshot(project / "site")
    proc = _run(_KILL_BEFORE_SWAP, str(project))
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    try:
        assert _snapshot(project / "site") == before
    finally:  # put it back for the other tests
        for old in project.glob(".site.old-*"):
            if not (project / "site").exists():
                old.rename(project / "site")


# --- the cache ---------------------------------------------------------------------------------

def _small_project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    (project / "content" / "articles").mkdir(parents=True)
    for f in (ROOT / "tests" / "fixtures" / "hostile" / "content" / "articles").glob("good-*"):
        shutil.copy(f, project / "content" / "articles")
    return project


def test_corrupt_or_missing_cache_costs_only_time(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture) -> None:
    """In-process builds (one hash seed, no interpreter start-up per build)."""
    from digest.build import build

    project = _small_project(tmp_path)
    cache = project / ".digest-cache"
    build(project)
    before = _snapshot(project / "site")
    files = [p for p in cache.rglob("*") if p.is_file()]
    assert files, "the build keeps a cache"
    for n, f in enumerate(files):
        if n % 2:
            f.write_bytes(f.read_bytes()[:7])  # cut short mid-write
        else:
            f.write_bytes(bytes((n * 37 + i * 101) % 256 for i in range(4096)))  # garbage
    build(project)
    assert _snapshot(project / "site") == before
    shutil.rmtree(cache)
    build(project)
    assert _snapshot(project / "site") == before
    shutil.rmtree(cache)
    cache.write_text("a file where the cache folder should be")
    capsys.readouterr()
    build(project)
    assert _snapshot(project / "site") == before
    assert "warning: cannot write cache" in capsys.readouterr().err


def test_a_planted_cache_file_runs_nothing(tmp_path: Path) -> None:
    import pickle

    project = _small_project(tmp_path)
    marker = tmp_path / "PWNED-by-cache"

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    cache = project / ".digest-cache"
    cache.mkdir(exist_ok=True)
    from digest.build import CACHE_SHARDS

    for name in ("articles", "analyses", "pages", "stories"):
        (cache / name).mkdir(parents=True)
        for n in range(CACHE_SHARDS):
            (cache / name / f"{n:02d}.pickle").write_bytes(pickle.dumps(Payload()))
    from digest.build import build

    try:
        build(project)
        assert not marker.exists()
    finally:
        marker.unlink(missing_ok=True)


# --- import ------------------------------------------------------------------------------------

_KILL_AT_WRITE = """
import os, signal, sys
replace, count = os.replace, [0]
after, sig = int(sys.argv[1]), getattr(signal, sys.argv[2])
def replace_then_die(src, dst, *args, **kwargs):
    if os.path.basename(str(src)).startswith(".tmp-"):
        count[0] += 1
        if count[0] == after:
            os.kill(os.getpid(), sig)  # the new file is complete, but not renamed yet
    return replace(src, dst, *args, **kwargs)
os.replace = replace_then_die
from digest.cli import main
sys.exit(main(["import", *sys.argv[3:]]))
"""


@pytest.mark.parametrize("sig", ["SIGINT", "SIGKILL"])
def test_interrupted_import_batch_reruns_without_duplicates(tmp_path: Path, sig: str) -> None:
    project = tmp_path / "project"
    arts = project / "content" / "articles"
    arts.mkdir(parents=True)
    inputs = []
    for i in range(10):
        f = tmp_path / f"in{i}.txt"
        f.write_text(f"Harbour report number {i} for the test\n\nDate: 2025-03-0{i % 9 + 1}\n\n"
                     f"Dock workers at pier {i} unloaded {i * 7 + 3} containers of grain.\n"
                     f"The harbour master said shift {i} ended late.\n")
        inputs.append(str(f))
    proc = _run(_KILL_AT_WRITE, "5", sig, "--root", str(project), *inputs)
    assert proc.returncode == (130 if sig == "SIGINT" else -9), proc.stderr
    written = sorted(p.name for p in arts.iterdir() if not p.name.startswith("."))
    assert len(written) == 4
    if sig == "SIGINT":
        assert [p for p in arts.iterdir() if p.name.startswith(".")] == []
    for name in written:  # every file that is there is whole
        assert (arts / name).read_text().rstrip().endswith("ended late.")
    again = run_digest("import", "--root", str(project), *inputs)
    assert "imported 6, skipped as duplicate 4" in again.stdout
    articles = sorted(p for p in arts.iterdir() if not p.name.startswith("."))
    assert len(articles) == 10
    from digest.build import load_articles
    from digest.config import load_config

    loaded, problems, _terms = load_articles(load_config(project))
    assert len(loaded) == 10 and problems == []


def test_next_build_mends_a_kill_between_the_two_renames(tmp_path: Path) -> None:
    """Where no atomic exchange exists, a kill between 'site -> .site.old-PID' and
    'staging -> site' leaves no site/; the next build puts it back and removes leftovers."""
    from digest.build import build, recover_interrupted

    project = _small_project(tmp_path)
    build(project)
    before = _snapshot(project / "site")
    (project / "site").rename(project / ".site.old-99999")
    (project / ".site.staging-99998").mkdir()
    # a search index cut short, and one cancelled but not yet deleted, by killed processes
    (project / ".site.pagefind-99997" / "fragment").mkdir(parents=True)
    (project / ".site.pagefind-99996.trash-1").mkdir()
    recover_interrupted(project / "site")
    assert _snapshot(project / "site") == before
    assert not list(project.glob(".site.*"))
