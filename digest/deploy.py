"""`digest gh-deploy`: build the site and push it to the gh-pages branch (with ghp-import).

The other way to publish, without GitHub Actions: GitHub Pages then serves the gh-pages
branch (Settings -> Pages -> Source: "Deploy from a branch", gh-pages, / (root)).
The site is built for its published address: --base-url, else base_url from digest.yaml
unless it is a local one, else https://CNAME/ when cname is set, else the address GitHub
gives the repository's origin remote (https://USER.github.io/REPO/).
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from digest.config import Config, load_config


class DeployError(Exception):
    pass


def is_local_url(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host in ("", "localhost", "0.0.0.0", "::1") or host.startswith("127.")


def pages_url_for_remote(remote: str) -> str | None:
    """https://USER.github.io/REPO/ for a GitHub remote URL (https or ssh), else None."""
    m = re.match(r"^(?:https://github\.com/|git@github\.com:|ssh://git@github\.com/)"
                 r"([\w.-]+)/([\w.-]+?)(?:\.git)?/?$", remote.strip())
    if not m:
        return None
    user, repo = m.group(1), m.group(2)
    if repo.lower() == f"{user.lower()}.github.io":
        return f"https://{user.lower()}.github.io/"
    return f"https://{user.lower()}.github.io/{repo}/"


def _remote_url(root: Path, remote: str) -> str | None:
    try:
        proc = subprocess.run(["git", "remote", "get-url", remote], cwd=root,
                              capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return proc.stdout.strip() if proc.returncode == 0 else None


def publish_base_url(cfg: Config, root: Path, remote: str, override: str | None) -> str:
    if override:
        return override
    if not is_local_url(cfg.base_url):
        return cfg.base_url
    if cfg.cname:
        return f"https://{cfg.cname.strip()}/"
    url = _remote_url(root, remote)
    guessed = pages_url_for_remote(url) if url else None
    if guessed:
        return guessed
    raise DeployError(
        f"base_url is {cfg.base_url}, a local address: the published site's links and feeds "
        "would point there. Set base_url in digest.yaml or pass --base-url "
        "https://USER.github.io/REPO/")


@dataclass
class DeployResult:
    base_url: str
    branch: str
    pushed: bool


def gh_deploy(root: Path, *, remote: str = "origin", branch: str = "gh-pages",
              message: str | None = None, push: bool = True, base_url: str | None = None,
              build_first: bool = True) -> DeployResult:
    """Build `root`'s digest for its published address and commit site/ to `branch`."""
    import ghp_import

    from digest.build import build, print_report

    root = root.resolve()
    cfg = load_config(root)
    url = publish_base_url(cfg, root, remote, base_url)
    if build_first:
        result = build(root, base_url=url)
        print_report(result, sum(result.timings.values()))
        if result.errors:
            raise DeployError(f"the build reported {len(result.errors)} error(s); "
                              "nothing was deployed")
    site = load_config(root, base_url=url).output
    if not site.is_dir():
        raise DeployError(f"{site} does not exist: run digest build first")
    if not (site / ".nojekyll").exists():
        raise DeployError(f"{site} has no .nojekyll: it does not look like a digest site")
    opts = {"mesg": message or f"Publish the digest ({url})", "remote": remote,
            "branch": branch, "push": push, "nojekyll": True}
    if cfg.cname:
        opts["cname"] = cfg.cname.strip()
    with contextlib.chdir(root):  # ghp-import works on the git repository of the cwd
        try:
            ghp_import.ghp_import(os.fspath(site), **opts)
        except ghp_import.GhpError as exc:
            raise DeployError(f"ghp-import: {exc.message}") from exc
    return DeployResult(url, branch, push)
