"""`digest build --executor dask://HOST:PORT` on a real Dask distributed LocalCluster (two
worker processes, started here): the site is byte for byte the local build's, even when a
worker is killed mid-build; a missing extra, a bad address and an unreachable scheduler
are clear errors (docs/SCALING.md)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from distributed import LocalCluster
from distributed.diagnostics.plugin import SchedulerPlugin

from tests.conftest import ROOT, run_digest

N_ARTICLES = 1000


class TaskLog(SchedulerPlugin):
    """Counts, by function, the tasks that finished on a worker (their key starts with the
    function's name); optionally kills one worker process as soon as `kill_after` tasks of
    `kill_on` finished while that worker is running another one."""

    def __init__(self, scheduler, kill_on: str | None = None, kill_after: int = 1) -> None:
        self.scheduler = scheduler
        self.done: Counter[str] = Counter()
        self.kill_on, self.kill_after = kill_on, kill_after
        self.killed: dict[str, object] = {}  # address, pid, the tasks it was running
        self.removed: list[str] = []
        self.lock = threading.Lock()

    def transition(self, key, start, finish, *args, **kwargs) -> None:
        if finish != "memory":
            return
        name = key if isinstance(key, str) else str(key)
        prefix = name.split("-", 1)[0]  # the function's name, then a uuid
        with self.lock:
            self.done[prefix] += 1
            if self.kill_on and not self.killed and self.done[self.kill_on] >= self.kill_after:
                self._kill_busy_worker()

    def _kill_busy_worker(self) -> None:
        for ws in self.scheduler.workers.values():
            running = [str(ts.key) for ts in ws.processing
                       if str(ts.key).startswith(self.kill_on)]
            if running and ws.pid:
                os.kill(ws.pid, signal.SIGKILL)  # the real process, mid-task
                self.killed = {"address": ws.address, "pid": ws.pid, "running": running}
                return

    def remove_worker(self, scheduler, worker, **kwargs) -> None:
        self.removed.append(worker)


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           dashboard_address=None, host="127.0.0.1")
    try:
        yield cluster
    finally:
        cluster.close()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 1,000-article generated corpus (benchmarks/gen_corpus.py), built by nobody."""
    out = tmp_path_factory.mktemp("corpus")
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "gen_corpus.py"), "--n",
                    str(N_ARTICLES), "--seed", "1", "--out", str(out), "--quiet"],
                   check=True, timeout=300)
    return out


def fresh_copy(corpus: Path, dest: Path) -> Path:
    """A project of its own (no site/, no .digest-cache/ shared with another build)."""
    shutil.copytree(corpus / "content", dest / "content")
    return dest


@pytest.fixture(scope="module")
def local_build(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = fresh_copy(corpus, tmp_path_factory.mktemp("local"))
    run_digest("build", "--root", str(root), "--executor", "local")
    return root


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_same_site(a: Path, b: Path) -> None:
    """Every file of the two sites, and the story lock each build wrote, byte for byte."""
    left, right = tree(a / "site"), tree(b / "site")
    assert sorted(left) == sorted(right)
    assert len(left) > N_ARTICLES  # a page per article, and the story pages
    differ = [p for p in left if left[p] != right[p]]
    assert not differ, f"{len(differ)} files differ, e.g. {differ[:5]}"
    assert (a / "content" / "stories.lock").read_bytes() == \
        (b / "content" / "stories.lock").read_bytes()


def address(cluster: LocalCluster) -> str:
    return "dask://" + cluster.scheduler_address.removeprefix("tcp://")


def test_cluster_build_is_byte_identical(cluster: LocalCluster, corpus: Path,
                                         local_build: Path, tmp_path: Path) -> None:
    root = fresh_copy(corpus, tmp_path / "dask")
    log = TaskLog(cluster.scheduler)
    cluster.scheduler.add_plugin(log, name="tasklog-identical")
    try:
        proc = run_digest("build", "--root", str(root), "--executor", address(cluster))
    finally:
        cluster.scheduler.remove_plugin(name="tasklog-identical")
    assert "1000 articles" in proc.stderr
    # the workers parsed every article and compared every story: counted by task, each
    # of which carries several
    assert log.done["_parse_remote"] >= 4
    assert log.done["_compare_remote"] >= 4
    assert_same_site(local_build, root)


def test_worker_killed_mid_build_still_same_site(cluster: LocalCluster, corpus: Path,
                                                local_build: Path, tmp_path: Path) -> None:
    """One worker process is SIGKILLed while it compares a story chunk; Dask runs its tasks
    again on the other worker (and on the one its nanny restarts): the build completes with
    the same bytes. This project names the cluster in digest.yaml, not on the command line."""
    root = fresh_copy(corpus, tmp_path / "dask")
    (root / "digest.yaml").write_text(f"executor: {address(cluster)}\n", encoding="utf-8")
    log = TaskLog(cluster.scheduler, kill_on="_compare_remote", kill_after=1)
    cluster.scheduler.add_plugin(log, name="tasklog-kill")
    try:
        proc = run_digest("build", "--root", str(root))
    finally:
        cluster.scheduler.remove_plugin(name="tasklog-kill")
    assert "1000 articles" in proc.stderr
    assert log.killed, "no worker was running a compare task to kill"
    assert log.killed["address"] in log.removed  # the scheduler saw it die mid-build
    assert log.killed["running"]  # ... while it ran a chunk of stories
    assert_same_site(local_build, root)
    cluster.wait_for_workers(2, timeout=60)  # the nanny restarted it


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def small(tmp_path: Path) -> Path:
    (tmp_path / "content" / "articles").mkdir(parents=True)
    (tmp_path / "content" / "articles" / "a.md").write_text(
        "---\ntitle: One\ndate: 2025-03-04\nsource: Wire\n---\nA quake hit the town.\n",
        encoding="utf-8")
    return tmp_path


def test_unreachable_scheduler_is_a_clear_error(small: Path) -> None:
    port = free_port()  # nothing listens there
    proc = run_digest("build", "--root", str(small), "--executor", f"dask://127.0.0.1:{port}",
                      check=False, env={"DIGEST_DASK_TIMEOUT": "2"})
    assert proc.returncode == 1
    assert f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port} within 2 s" in proc.stderr
    assert "dask scheduler --port" in proc.stderr and "--executor local" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (small / "site").exists()


@pytest.mark.parametrize("where", ["cli", "yaml"])
def test_missing_extra_names_it(small: Path, where: str) -> None:
    """Without Dask distributed importable (blocked in this subprocess), asking for a
    cluster says which extra to install, whether asked on the command line or in
    digest.yaml."""
    args = ["build", "--root", str(small)]
    if where == "cli":
        args += ["--executor", "dask://127.0.0.1:8786"]
    else:
        (small / "digest.yaml").write_text("executor: dask://127.0.0.1:8786\n",
                                           encoding="utf-8")
    code = ("import sys; sys.modules['distributed'] = None\n"
            "from digest.cli import main\n"
            f"sys.exit(main({args!r}))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert "pip install 'digest[dask]'" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("spec", ["dask:/127.0.0.1:8786", "tcp://127.0.0.1:8786",
                                  "dask://127.0.0.1", "dask://127.0.0.1:99999", "threads"])
def test_bad_executor_spec(small: Path, spec: str) -> None:
    proc = run_digest("build", "--root", str(small), "--executor", spec, check=False)
    assert proc.returncode == 1
    assert f"executor {spec!r}: expected 'local' or 'dask://HOST:PORT'" in proc.stderr
    (small / "digest.yaml").write_text(f"executor: {spec}\n", encoding="utf-8")
    proc = run_digest("build", "--root", str(small), check=False)
    assert proc.returncode == 1
    assert f"digest.yaml: executor {spec!r}" in proc.stderr


def test_local_executor_in_yaml_builds(small: Path) -> None:
    (small / "digest.yaml").write_text("executor: local\n", encoding="utf-8")
    run_digest("build", "--root", str(small))
    assert (small / "site" / "index.html").is_file()
