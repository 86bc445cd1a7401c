"""`digest init DIR`: a new digest, ready to build locally and to publish on GitHub Pages.

Writes digest.yaml (commented), content/articles/ with one example article, a copy of the
default theme in templates/ to customise, a .gitignore, and .github/workflows/pages.yml,
which builds the site and deploys it with the official GitHub Pages actions, passing the
site's address from actions/configure-pages to `digest build --base-url` (so a project
site under https://USER.github.io/REPO/ works with no hand edits).

Existing files are never overwritten unless `force` is set: `init` names them and stops.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from datetime import date
from importlib import metadata
from pathlib import Path

from digest.render import default_theme_dir

# `pip install digest` would fetch an unrelated PyPI project of the same name: the workflow
# installs this digest from where it was installed from (see install_spec), or from this.
PLACEHOLDER_SPEC = "git+https://github.com/OWNER/digest"


class ScaffoldError(Exception):
    pass


CONFIG_TEMPLATE = """\
# digest.yaml: the settings of this digest. Every setting is optional.

# The site's name and one line about it (page titles, the feed, link previews).
title: {title}
description: "What the sources agree on, and where they differ."

# Where the site is published. Links, feeds and canonical URLs are built from it, so a site
# under a sub-path (a GitHub Pages project site: https://USER.github.io/REPO/) works.
# The GitHub workflow (.github/workflows/pages.yml) passes the right address with
# `digest build --base-url`, so for GitHub Pages this can stay as it is.
base_url: {base_url}

# Language of the site (the <html lang> attribute and the feeds).
language: en

# Articles more than this many days apart are never grouped into one story.
group_window_days: 4

# Stories per index page (the index is paginated: page/2/, page/3/, ...).
stories_per_page: 20

# Static search over stories and articles (Pagefind, runs in the browser). It adds about
# a second to a build that changed pages; false turns it off.
search: true

# Where parsing and comparing run: local (this machine's processes), or the workers of a
# Dask cluster, dask://HOST:PORT (pip install 'digest[dask]'; docs/SCALING.md). The site is
# the same byte for byte either way.
# executor: dask://127.0.0.1:8786

# A custom domain for GitHub Pages (writes a CNAME file into the site), e.g. news.example.org
# cname: news.example.org

# Feeds `digest import` (with no arguments) reads: RSS/Atom URLs or files.
# feeds:
#   - https://example.org/world/rss.xml
"""

EXAMPLE_ARTICLE = """\
---
title: "Welcome to your news digest"
source: "Digest Example Wire"
date: {date}
url: https://example.org/welcome-to-your-digest
---

This is an example article. Replace it with real ones: import scraped text, HTML pages or
feeds with `digest import FILE`, or write Markdown files like this one by hand.

Each article needs a title, and should have a source (the outlet), a date and the URL of
the original. Articles about the same event from different outlets become one story, and
the story page shows what the sources agree on and where they differ.

Delete this file once you have added your own articles.
"""

GITIGNORE = """\
# built by `digest build`
site/
.digest-cache/
__pycache__/
"""


def pages_workflow(install_command: str, install_note: str = "") -> str:
    """The GitHub Actions workflow that builds the digest and deploys it to GitHub Pages.

    `install_command` is the shell command that installs digest on the runner.
    """
    note = "".join(f"        # {line}\n" for line in install_note.splitlines())
    return f"""\
# Builds the digest and publishes it on GitHub Pages, on every push to main and on demand
# (Actions -> Publish the digest -> Run workflow).
#
# One-time set-up: on GitHub, Settings -> Pages -> Build and deployment -> Source:
# "GitHub Actions". The site is then published at https://USER.github.io/REPO/ (or your
# custom domain): actions/configure-pages reports that address, and the build step hands it
# to `digest build --base-url`, so every link, feed and canonical URL lands under it.
name: Publish the digest

on:
  push:
    branches: [main]
  workflow_dispatch:

permissions:
  contents: read
  pages: write
  id-token: write

concurrency:
  group: pages
  cancel-in-progress: false

jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4

      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"

      - name: Install digest
{note}        run: {install_command}

      - name: Configure GitHub Pages
        id: pages
        uses: actions/configure-pages@v5

      - name: Build the site
        run: digest build --base-url "${{{{ steps.pages.outputs.base_url }}}}/"

      - name: Upload the site
        uses: actions/upload-pages-artifact@v3
        with:
          path: site

  deploy:
    needs: build
    runs-on: ubuntu-latest
    environment:
      name: github-pages
      url: ${{{{ steps.deployment.outputs.page_url }}}}
    steps:
      - name: Deploy to GitHub Pages
        id: deployment
        uses: actions/deploy-pages@v4
"""


def install_spec() -> tuple[str, str]:
    """(pip requirement for this digest, a note) for a CI runner that cannot see this machine.

    From the install's PEP 610 record when digest came from a git URL; else from the git
    checkout digest runs from, when it has a GitHub remote; else a placeholder to edit.
    """
    try:
        direct = metadata.distribution("digest").read_text("direct_url.json")
        info = json.loads(direct) if direct else {}
    except (metadata.PackageNotFoundError, ValueError):
        info = {}
    vcs = info.get("vcs_info") or {}
    if vcs.get("vcs") == "git" and info.get("url"):
        commit = vcs.get("commit_id")
        return (f"git+{info['url']}" + (f"@{commit}" if commit else ""),
                "digest is installed from the git repository it was installed from here")
    checkout = Path(__file__).resolve().parent.parent
    remote = _git(checkout, "remote", "get-url", "origin")
    url = github_https_url(remote) if remote else None
    if url:
        return f"git+{url}", "digest is installed from its GitHub repository"
    return PLACEHOLDER_SPEC, ("EDIT THIS: where pip can install digest from (e.g. "
                              "git+https://github.com/OWNER/digest); not `pip install digest`,\n"
                              "which is an unrelated project on PyPI")


def github_https_url(remote: str) -> str | None:
    """https://github.com/OWNER/REPO for a GitHub remote (https or ssh form), else None."""
    m = re.match(r"^(?:https://github\.com/|git@github\.com:|ssh://git@github\.com/)"
                 r"([\w.-]+)/([\w.-]+?)(?:\.git)?/?$", remote.strip())
    return f"https://github.com/{m.group(1)}/{m.group(2)}" if m else None


def _git(cwd: Path, *args: str) -> str | None:
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                              timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return proc.stdout.strip() if proc.returncode == 0 and proc.stdout.strip() else None


@dataclass
class InitResult:
    root: Path
    written: list[str] = field(default_factory=list)
    install: str = ""
    install_note: str = ""


def planned_files(title: str, base_url: str, install: str, note: str, today: str
                  ) -> dict[str, bytes]:
    """Every file `init` writes, by path relative to DIR."""
    files: dict[str, bytes] = {
        "digest.yaml": CONFIG_TEMPLATE.format(title=json.dumps(title),
                                              base_url=json.dumps(base_url)).encode(),
        f"content/articles/{today}-welcome-to-your-digest.md":
            EXAMPLE_ARTICLE.format(date=today).encode(),
        ".gitignore": GITIGNORE.encode(),
        ".github/workflows/pages.yml":
            pages_workflow(f'pip install "{install}"', note).encode(),
    }
    theme = default_theme_dir()
    for f in sorted(theme.rglob("*")):
        if f.is_file():
            files[f"templates/{f.relative_to(theme).as_posix()}"] = f.read_bytes()
    return files


def init(root: Path, *, title: str = "News digest", base_url: str = "http://127.0.0.1:8000/",
         install: str | None = None, force: bool = False, today: str | None = None
         ) -> InitResult:
    """Scaffold a digest in `root` (created if missing). Raises ScaffoldError on conflicts."""
    today = today or date.today().isoformat()
    if root.exists() and not root.is_dir():
        raise ScaffoldError(f"{root} exists and is not a folder")
    note = ""
    if install is None:
        install, note = install_spec()
    files = planned_files(title, base_url, install, note, today)
    existing = sorted(p for p in files if (root / p).exists() or (root / p).is_symlink())
    if existing and not force:
        names = "\n  ".join(existing)
        raise ScaffoldError(f"{root}: these files already exist, and init does not overwrite "
                            f"files:\n  {names}\n(--force replaces them)")
    result = InitResult(root=root, install=install, install_note=note)
    for rel, data in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_symlink() or target.is_dir():
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            else:
                target.unlink()
        target.write_bytes(data)
        result.written.append(rel)
    return result
