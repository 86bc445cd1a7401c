#!/usr/bin/env python3
"""A cold `digest build` on this machine's process pool vs on a Dask distributed
LocalCluster, in the same run, on the same generated corpus (docs/SCALING.md).

    python benchmarks/dask_bench.py --n 10000 [--workers 2] [--repeat 1] [--json OUT]

The corpus (benchmarks/gen_corpus.py, --seed) is generated once; each build runs as a
child process (`python -m digest build --executor SPEC`) in a fresh copy of it (no site/,
no .digest-cache/). The cluster (--workers processes of one thread each, started here) is
up before its build starts, as a real one would be. Printed per build: wall seconds, the
client's CPU seconds and peak RSS (os.wait4), the workers' CPU seconds (psutil, which
distributed depends on), and the build's own stage times; then the ratios dask / local and
whether the two sites are byte-identical. The machine is shared: compare ratios within one
run, not figures across runs.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
STAGES = ("load", "group", "compare", "render+write", "search index", "cache")


def run_build(root: Path, executor: str) -> dict:
    """One cold build as a child process: wall, its CPU and peak RSS, its stage times."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "digest", "build", "--root", str(root),
                             "--executor", executor], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    out = proc.stdout.read() if proc.stdout else ""
    err = proc.stderr.read() if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"build with --executor {executor} failed:\n{out}\n{err}")
    stages = {}
    for name in STAGES:
        m = re.search(rf"^  {re.escape(name)}\s+([0-9.]+)s$", err, re.M)
        if m:
            stages[name] = float(m.group(1))
    summary = next((line for line in err.splitlines() if line.startswith("built:")), "")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
            "rss_mib": usage.ru_maxrss / 1024, "stages": stages, "summary": summary}


def worker_cpu(pids: list[int]) -> float:
    import psutil

    total = 0.0
    for pid in pids:
        try:
            t = psutil.Process(pid).cpu_times()
            total += t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return total


def same_tree(a: Path, b: Path) -> tuple[bool, int]:
    files_a = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    if files_a != files_b:
        return False, len(files_a)
    return all((a / f).read_bytes() == (b / f).read_bytes() for f in files_a), len(files_a)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=10000, help="articles (default 10000)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=2, help="cluster worker processes")
    ap.add_argument("--repeat", type=int, default=1, help="builds of each kind, alternated")
    ap.add_argument("--out", type=Path, help="work folder (default: a temporary one)")
    ap.add_argument("--json", type=Path, help="also write every figure here")
    args = ap.parse_args(argv)

    from distributed import LocalCluster

    work = Path(tempfile.mkdtemp(prefix="dask-bench-", dir=args.out))
    corpus = work / "corpus"
    subprocess.run([sys.executable, str(HERE / "gen_corpus.py"), "--n", str(args.n),
                    "--seed", str(args.seed), "--out", str(corpus), "--quiet"], check=True)
    print(f"[bench] {args.n} articles in {corpus}; {os.cpu_count()} cores", flush=True)
    cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                           dashboard_address=None, host="127.0.0.1")
    runs: list[dict] = []
    try:
        spec = "dask://" + cluster.scheduler_address.removeprefix("tcp://")
        pids = [ws.pid for ws in cluster.scheduler.workers.values()]
        for r in range(args.repeat):
            for kind, executor in (("local", "local"), ("dask", spec)):
                root = work / f"{kind}-{r}"
                shutil.copytree(corpus / "content", root / "content")
                before = worker_cpu(pids)
                run = run_build(root, executor)
                run.update(kind=kind, root=str(root),
                           workers_cpu=worker_cpu(pids) - before if kind == "dask" else 0.0)
                runs.append(run)
                print(f"[bench] {kind}: {run['wall']:.1f} s  {run['summary']}", flush=True)
    finally:
        cluster.close()

    identical, files = same_tree(Path(runs[0]["root"]) / "site", Path(runs[1]["root"]) / "site")
    cols = ["wall s", "client CPU s (+ children)", "workers CPU s", "client RSS MiB",
            *(f"{s} s" for s in STAGES)]
    print(f"\n{args.n} articles, cold builds, LocalCluster of {args.workers} worker processes "
          f"x 1 thread vs the local process pool ({os.cpu_count()} cores, one run)\n")
    print("| build | " + " | ".join(cols) + " |")
    print("|---|" + "---|" * len(cols))
    for run in runs:
        cells = [f"{run['wall']:.1f}", f"{run['cpu']:.1f}", f"{run['workers_cpu']:.1f}",
                 f"{run['rss_mib']:.0f}",
                 *(f"{run['stages'].get(s, float('nan')):.2f}" for s in STAGES)]
        print(f"| {run['kind']} | " + " | ".join(cells) + " |")
    local = [r for r in runs if r["kind"] == "local"]
    dask = [r for r in runs if r["kind"] == "dask"]

    def mean(rows: list[dict], key: str, stage: str | None = None) -> float:
        vals = [r["stages"].get(stage, 0.0) if stage else r[key] for r in rows]
        return sum(vals) / len(vals)

    print("\nratio dask / local: wall {:.2f}, load {:.2f}, compare {:.2f}; client CPU "
          "{:.2f}".format(mean(dask, "wall") / mean(local, "wall"),
                          mean(dask, "", "load") / max(mean(local, "", "load"), 1e-9),
                          mean(dask, "", "compare") / max(mean(local, "", "compare"), 1e-9),
                          mean(dask, "cpu") / mean(local, "cpu")))
    print(f"sites byte-identical: {'yes' if identical else 'NO'} ({files} files)")
    if args.json:
        args.json.write_text(json.dumps({"n": args.n, "workers": args.workers, "runs": runs,
                                         "identical": identical}, indent=1))
    if args.out is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
