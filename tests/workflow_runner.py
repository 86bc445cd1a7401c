"""Runs the build job of digest's GitHub Actions workflow here, step by step, as GitHub's
runner would, each run on a "new machine" (a fresh clone and an empty home folder): every
`run:` step verbatim under `bash -e`, with $GITHUB_OUTPUT,
$GITHUB_STEP_SUMMARY and $GITHUB_REF_NAME, and `${{ ... }}` expressions substituted. The
`uses:` steps have local stand-ins that do what the action does for this workflow:

- actions/checkout: a fresh shallow clone of a local bare repository (new file times);
- actions/setup-python and the "Install digest" step: digest is already installed here;
- actions/cache/restore and /save: copies of the listed paths (`~` is the run's home),
  kept under a key in a folder; restore takes the newest entry whose key starts with a
  restore key, as actions/cache does;
- actions/configure-pages: the output `base_url` (the address the site is served at);
- actions/upload-pages-artifact: a copy of the folder without its hidden files (as v5 does);
- actions/deploy-pages (the deploy job): that copy becomes the served site.

An expression, `if:` or action the runner does not know fails the test that uses it: a
change to the workflow must come with a change here, never pass unseen.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


@dataclass
class StepRun:
    name: str
    outcome: str  # success | failure
    outputs: dict[str, str]
    stdout: str
    stderr: str


@dataclass
class Run:
    """One run of the workflow's build job."""

    run_id: int
    steps: dict[str, StepRun] = field(default_factory=dict)
    order: list[StepRun] = field(default_factory=list)
    summary: str = ""  # every step's $GITHUB_STEP_SUMMARY, in order
    workspace: Path | None = None
    home: Path | None = None


class LocalRunner:
    def __init__(self, workflow: Path, origin: Path, work: Path, base_url: str,
                 deploy_to: Path):
        self.workflow = yaml.safe_load(workflow.read_text(encoding="utf-8"))
        self.origin, self.work = origin, work
        self.base_url, self.deploy_to = base_url, deploy_to
        self.cache_store = work / "actions-cache"
        self.cache_store.mkdir(parents=True, exist_ok=True)
        self.shims = work / "shims"
        self.shims.mkdir(exist_ok=True)
        shim = self.shims / "digest"
        shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m digest "$@"\n')
        shim.chmod(shim.stat().st_mode | stat.S_IXUSR)

    # --- expressions ------------------------------------------------------------------------

    def _value(self, expr: str, run: Run) -> str:
        m = re.fullmatch(r"steps\.([\w-]+)\.(?:outputs\.([\w-]+)|(outcome|conclusion))", expr)
        if m:
            step = run.steps.get(m.group(1))
            if step is None:
                return ""
            if m.group(2):
                return step.outputs.get(m.group(2), "")
            return step.outcome if m.group(3) == "outcome" else "success"
        known = {"runner.os": "Linux", "github.run_id": str(run.run_id),
                 "github.run_attempt": "1", "github.ref_name": "main"}
        if expr in known:
            return known[expr]
        raise AssertionError(f"the local runner does not know the expression ${{{{ {expr} }}}}")

    def expand(self, text: str, run: Run) -> str:
        return EXPR.sub(lambda m: self._value(m.group(1), run), text)

    # --- the job ----------------------------------------------------------------------------

    def run_build(self, run_id: int, between: Callable[[str, Path], None] | None = None) -> Run:
        """Run the build job; `between(step_name, workspace)` is called before each step
        (to change the world mid-run, e.g. a push to the origin)."""
        run = Run(run_id)
        job = self.workflow["jobs"]["build"]
        ws = self.work / f"run-{run_id}"
        run.workspace = ws
        run.home = self.work / f"home-{run_id}"  # a new runner: nothing in ~ survives
        run.home.mkdir()
        for n, step in enumerate(job["steps"]):
            name = step.get("name") or step.get("uses") or f"step {n}"
            if "if" in step:
                raise AssertionError(f"the local runner does not evaluate if: ({name})")
            if between:
                between(name, ws)
            if "uses" in step:
                result = self._action(step, name, run, ws)
            elif name == "Install digest":
                assert step["run"].startswith("pip install "), step["run"]
                result = StepRun(name, "success", {}, "", "")
            else:
                result = self._shell(step, name, run, ws)
            run.order.append(result)
            if step.get("id"):
                run.steps[step["id"]] = result
            if result.outcome == "failure" and not step.get("continue-on-error"):
                raise AssertionError(f"step {name!r} failed:\n{result.stdout}\n{result.stderr}")
        return run

    def _shell(self, step: dict, name: str, run: Run, ws: Path) -> StepRun:
        out_file, summary_file = ws.parent / "github-output", ws.parent / "github-summary"
        out_file.write_text("")
        summary_file.write_text("")
        env = {k: v for k, v in os.environ.items()
               if k not in ("GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT", "XDG_CACHE_HOME")}
        env.update({self.expand(k, run): self.expand(str(v), run)
                    for k, v in (step.get("env") or {}).items()})
        env.update({"GITHUB_OUTPUT": str(out_file), "GITHUB_STEP_SUMMARY": str(summary_file),
                    "GITHUB_REF_NAME": "main", "GITHUB_ACTIONS": "true", "CI": "true",
                    "HOME": str(run.home),
                    "PATH": f"{self.shims}{os.pathsep}{os.environ.get('PATH', '')}"})
        script = self.expand(step["run"], run)
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-e", "-c", script], cwd=ws,
                              env=env, capture_output=True, text=True, timeout=600)
        outputs = dict(line.split("=", 1) for line in out_file.read_text().splitlines()
                       if "=" in line)
        run.summary += summary_file.read_text()
        return StepRun(name, "success" if proc.returncode == 0 else "failure", outputs,
                       proc.stdout, proc.stderr)

    def _action(self, step: dict, name: str, run: Run, ws: Path) -> StepRun:
        action = step["uses"].split("@")[0]
        args = {k: self.expand(str(v), run) for k, v in (step.get("with") or {}).items()}
        outputs: dict[str, str] = {}
        if action == "actions/checkout":
            subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{self.origin}",
                            str(ws)], check=True, capture_output=True)
        elif action == "actions/setup-python":
            pass  # this interpreter runs digest (see the shim)
        elif action == "actions/cache/restore":
            prefixes = [args["key"], *args.get("restore-keys", "").split()]
            entries = sorted((p for p in self.cache_store.iterdir()),
                             key=lambda p: p.stat().st_mtime_ns, reverse=True)
            hit = next((e for pre in prefixes for e in entries if e.name.startswith(pre)), None)
            if hit is not None:
                for rel in _paths(args["path"]):
                    stored, place = _entry_path(hit, rel), _place(rel, ws, run)
                    if stored.exists():
                        shutil.copytree(stored, place, copy_function=shutil.copy2)
                outputs["cache-matched-key"] = hit.name
        elif action == "actions/cache/save":
            entry = self.cache_store / args["key"]
            assert not entry.exists(), f"cache key {args['key']} saved twice"
            for rel in _paths(args["path"]):
                place = _place(rel, ws, run)
                if place.exists():
                    shutil.copytree(place, _entry_path(entry, rel), copy_function=shutil.copy2)
            entry.mkdir(exist_ok=True)
        elif action == "actions/configure-pages":
            outputs["base_url"] = self.base_url
        elif action == "actions/upload-pages-artifact":
            artifact = ws.parent / f"artifact-{run.run_id}"
            shutil.copytree(ws / args["path"], artifact,
                            ignore=lambda d, names: [n for n in names if n.startswith(".")])
            outputs["artifact"] = str(artifact)
        else:
            raise AssertionError(f"the local runner has no stand-in for {step['uses']}")
        return StepRun(name, "success", outputs, "", "")

    def deploy(self, run: Run) -> None:
        """The deploy job: the uploaded artifact becomes the served site."""
        steps = self.workflow["jobs"]["deploy"]["steps"]
        assert [s["uses"].split("@")[0] for s in steps] == ["actions/deploy-pages"]
        artifact = next(s.outputs["artifact"] for s in run.order if "artifact" in s.outputs)
        if self.deploy_to.exists():
            shutil.rmtree(self.deploy_to)
        shutil.copytree(artifact, self.deploy_to)


def _paths(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _place(rel: str, ws: Path, run: Run) -> Path:
    """Where a cache path is on the runner: `~/...` in the run's home, the rest in the
    workspace."""
    assert run.home is not None
    return run.home / rel[2:] if rel.startswith("~/") else ws / rel


def _entry_path(entry: Path, rel: str) -> Path:
    return entry / "home" / rel[2:] if rel.startswith("~/") else entry / "workspace" / rel
