"""Where the analysis stages run: this machine's process pool (`local`, the default), or the
workers of a Dask distributed cluster (`dask://HOST:PORT`; docs/SCALING.md).

A cluster's `Client.get_executor()` is a `concurrent.futures.Executor`; `DaskExecutor`
wraps it with what a build needs to know about it: that its workers are other machines
(they get file bytes, not Article objects: `digest.build`), how many task slots they
have, and errors that say what to do. A build connects before it reads anything (so a
wrong address fails at once); it sends work there only when there is enough of it
(build.REMOTE_MIN_FILES files to parse, build.PARALLEL_MIN_STORIES stories to compare).

Dask reschedules the tasks of a worker that dies on the others; nothing here holds data on
a worker (no scatter): every task carries its own input, so any task can run again.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, Future
from typing import Any, TypeVar

from digest.config import ConfigError

LOCAL = "local"
EXTRA = "pip install 'digest[dask]'"
# seconds to reach the scheduler and to see a worker there; a build never hangs on a
# cluster that is not there (DIGEST_DASK_TIMEOUT overrides it)
CONNECT_TIMEOUT = 20.0
_SPEC = re.compile(r"dask://(?P<host>\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+):(?P<port>[0-9]{1,5})/?")


class ExecutorError(Exception):
    """The cluster cannot be used: the extra is missing, the scheduler cannot be reached,
    it has no workers, or it was lost mid-build. The message says what to do."""


def parse_spec(spec: str) -> str | None:
    """'local' -> None; 'dask://HOST:PORT' -> the scheduler's address 'tcp://HOST:PORT'.
    Raises ConfigError for anything else."""
    spec = spec.strip()
    if spec == LOCAL:
        return None
    m = _SPEC.fullmatch(spec)
    if m is None or not 0 < int(m["port"]) < 65536:
        raise ConfigError(f"executor {spec!r}: expected 'local' or 'dask://HOST:PORT' (the "
                          "address of a Dask scheduler, e.g. dask://127.0.0.1:8786)")
    return f"tcp://{m['host']}:{int(m['port'])}"


def _timeout() -> float:
    try:
        return float(os.environ.get("DIGEST_DASK_TIMEOUT", CONNECT_TIMEOUT))
    except ValueError:
        return CONNECT_TIMEOUT


def require_distributed() -> None:
    """Raise ExecutorError naming the extra when Dask distributed is not installed."""
    try:
        import distributed  # noqa: F401
    except ImportError as exc:
        raise ExecutorError("--executor dask://... needs Dask distributed, which is not "
                            f"installed: {EXTRA} (on this machine and every worker)") from exc


class DaskExecutor(Executor):
    """A Dask distributed cluster as an Executor (connect() or the first task connects).

    `slots` is the number of worker threads the scheduler knows (at least 1). Raises
    ExecutorError, naming the address and the fix, when the scheduler cannot be reached
    within the timeout or has no worker."""

    remote = True  # tasks get bytes, not in-memory objects (digest.build)

    def __init__(self, address: str, timeout: float | None = None) -> None:
        require_distributed()
        self.address = address
        self.timeout = _timeout() if timeout is None else timeout
        self._client: Any = None
        self._executor: Executor | None = None

    def connect(self) -> None:
        """Reach the scheduler now (a build does so first: a wrong address is reported
        before anything is read, even when there would be too little work to send)."""
        self._connect()

    def _connect(self) -> Executor:
        if self._executor is not None:
            return self._executor
        from distributed import Client

        where = self.address.removeprefix("tcp://")
        try:
            client = Client(self.address, timeout=self.timeout, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise ExecutorError(
                f"cannot reach the Dask scheduler at {self.address} within "
                f"{self.timeout:g} s ({exc}): start one there with 'dask scheduler --port "
                f"{where.rsplit(':', 1)[1]}' and at least one 'dask worker {self.address}', "
                "or fix the address (--executor, or executor: in digest.yaml), or build "
                "with --executor local") from exc
        try:
            client.wait_for_workers(1, timeout=self.timeout)
        except (OSError, TimeoutError) as exc:
            client.close()
            raise ExecutorError(
                f"the Dask scheduler at {self.address} has no worker (waited "
                f"{self.timeout:g} s): start one with 'dask worker {self.address}' on a "
                "machine with digest installed") from exc
        self._client = client
        self._executor = client.get_executor(pure=False)
        return self._executor

    @property
    def slots(self) -> int:
        self._connect()
        return max(1, sum(self._client.nthreads().values()))

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        return self._connect().submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Close the connection (the cluster itself goes on)."""
        if self._executor is not None:
            self._executor.shutdown(wait=wait and not cancel_futures)
        if self._client is not None:
            self._client.close()
        self._client = self._executor = None

    def lost(self, exc: BaseException) -> ExecutorError | None:
        """An ExecutorError for an exception that says the cluster failed (a task killed its
        workers again and again, the scheduler went away), else None (digest's own error)."""
        name = type(exc).__name__
        if name in ("KilledWorker", "CancelledError", "FutureCancelledError",
                    "CommClosedError") or isinstance(exc, OSError | TimeoutError):
            return ExecutorError(f"the Dask cluster at {self.address} failed mid-build "
                                 f"({name}: {exc}); the previous site/ is unchanged: check "
                                 "the scheduler and workers, then build again")
        return None


def open_executor(spec: str | None) -> DaskExecutor | None:
    """The executor `spec` names ('local' or None: None, the build's own process pool)."""
    address = parse_spec(spec) if spec else None
    return DaskExecutor(address) if address else None


T = TypeVar("T")
R = TypeVar("R")


def run_ordered(executor: Executor, fn: Callable[[Any], R], chunks: Sequence[T],
                window: int, prepare: Callable[[T], Any] | None = None) -> Iterator[R]:
    """fn(prepare(chunk)) for each chunk on `executor`, results in chunk order, with at most
    `window` tasks submitted at once (a million articles' bytes are never all in flight:
    `prepare`, which makes a task's input, runs only when it is submitted). On an error the
    tasks not yet done are cancelled; a cluster failure is an ExecutorError."""
    pending: dict[int, Future] = {}
    nxt = 0
    try:
        for i in range(len(chunks)):
            while nxt < len(chunks) and nxt < i + max(1, window):
                chunk = chunks[nxt]
                pending[nxt] = executor.submit(fn, prepare(chunk) if prepare else chunk)
                nxt += 1
            yield pending.pop(i).result()
    except BaseException as exc:
        for fut in pending.values():
            fut.cancel()
        lost = executor.lost(exc) if isinstance(executor, DaskExecutor) else None
        if lost is not None and not isinstance(exc, GeneratorExit):
            raise lost from exc
        raise


@functools.cache
def code_version(stage: str) -> str:
    """The hash of the code a stage runs (freshness._code_version), once per process: a
    worker's answer carries it, so that a worker with other digest code is caught instead
    of silently giving another site."""
    from digest.freshness import _code_version

    return _code_version(stage)


def check_version(theirs: str, mine: str, executor: Executor) -> None:
    """Raise ExecutorError when a worker's answer was made by other code than this one's."""
    if theirs != mine:
        where = getattr(executor, "address", "the cluster")
        raise ExecutorError(f"a worker of {where} runs other digest code than this machine "
                            "(its analysis could differ): install the same digest on every "
                            "worker, then build again")

