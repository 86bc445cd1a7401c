"""`digest init DIR`: a new digest, ready to build locally and to publish on GitHub Pages.

Writes digest.yaml (commented), feeds.yaml (the feeds to follow), content/articles/ with
one example article, a copy of the default theme in templates/ to customise, a .gitignore,
and .github/workflows/pages.yml, which every day imports the feeds, builds the site with
the last run's build cache, commits what was imported (and content/stories.lock) and
deploys the site with the official GitHub Pages actions, passing the site's address from
actions/configure-pages to `digest build --base-url` (so a project site under
https://USER.github.io/REPO/ works with no hand edits).

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

# Retention: a story leaves the index, feeds, sitemap, search and API once its newest
# report is more than this many days older than the newest article in content/ (not the
# clock). Its URL keeps answering with a small archived page; content/ is never touched.
# Unset: keep every story.
# keep_days: 30

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

FEEDS_TEMPLATE = """\
# feeds.yaml: the RSS/Atom feeds this digest follows. The daily workflow
# (.github/workflows/pages.yml) imports their new entries with
#   digest import --feeds feeds.yaml --fetch
# which you can also run here. One feed URL (or a path to a feed file) a line; entries that
# carry only a summary are completed from the page they link to (--fetch). A feed that fails
# never stops the others: the run's summary lists each feed with its new, duplicate and
# failed entries.
feeds:
  # - https://www.example.org/world/rss.xml
  # - https://news.example.net/feeds/atom.xml
"""

GITIGNORE = """\
# built by `digest build`
site/
.digest-cache/
__pycache__/
"""


# The actions the workflow uses, at their current major versions (docs/HOSTING.md says why
# each): a major version tag follows that major's fixes; a new major is a reviewed change.
ACTIONS = {
    "checkout": "actions/checkout@v7",
    "setup-python": "actions/setup-python@v6",
    "cache-restore": "actions/cache/restore@v6",
    "cache-save": "actions/cache/save@v6",
    "configure-pages": "actions/configure-pages@v6",
    "upload-pages-artifact": "actions/upload-pages-artifact@v5",
    "deploy-pages": "actions/deploy-pages@v5",
}


# the build cache a CI run carries to the next (docs/HOSTING.md, "The build cache"): the
# caches, the last site, and the key that signs the cache files (a new runner has none)
CACHE_PATHS = (".digest-cache", "site", "~/.cache/digest")


def pages_workflow(install_command: str, install_note: str = "") -> str:
    """The GitHub Actions workflow that keeps the digest up to date and publishes it on
    GitHub Pages: every day (and on demand, and on a push to main) it imports the feeds in
    feeds.yaml, builds with the build cache of the last run, commits what the import added
    (and content/stories.lock) back to the branch, and deploys the site.

    `install_command` is the shell command that installs digest on the runner.
    """
    note = "".join(f"        # {line}\n" for line in install_note.splitlines())
    a = ACTIONS
    # a new cache entry per run (an entry cannot be overwritten); a run restores the newest
    cache_key = "digest-build-${{ runner.os }}-${{ github.run_id }}-${{ github.run_attempt }}"
    # what a run restores and saves: the same list in both steps
    cache_paths = "".join(f"            {p}\n" for p in CACHE_PATHS)
    return f"""\
# Keeps the digest up to date and publishes it on GitHub Pages (docs/HOSTING.md).
#
# Every day (the cron line below), on demand (Actions -> Publish the digest -> Run
# workflow) and on every push to main, it:
#   1. imports the new entries of the feeds listed in feeds.yaml (`digest import --feeds`;
#      one failing feed never stops the others; the run's summary lists each feed),
#   2. builds the site, starting from the last run's build cache (.digest-cache/ and site/),
#   3. commits the new articles and content/stories.lock (the ids that keep story URLs
#      stable) back to the branch, only when something changed, with the counts,
#   4. deploys the site to GitHub Pages.
#
# One-time set-up: on GitHub, Settings -> Pages -> Build and deployment -> Source:
# "GitHub Actions". The site is then published at https://USER.github.io/REPO/ (or your
# custom domain): actions/configure-pages reports that address, and the build step hands it
# to `digest build --base-url`, so every link, feed and canonical URL lands under it.
name: Publish the digest

on:
  schedule:
    # Every day at 05:17 UTC. Change it to suit you: minute hour day-of-month month
    # day-of-week, in UTC ("17 5,17 * * *" runs twice a day). GitHub may start a scheduled
    # run some minutes late, and pauses the schedule of a public repository after 60 days
    # without a commit (each import that adds articles is one).
    - cron: "17 5 * * *"
  workflow_dispatch:
  push:
    branches: [main]

# one run at a time: two runs would both commit and both deploy
concurrency:
  group: pages
  cancel-in-progress: false

permissions:
  contents: read

jobs:
  build:
    runs-on: ubuntu-latest
    permissions:
      contents: write  # to commit the imported articles and content/stories.lock
    outputs:
      import: ${{{{ steps.import.outcome }}}}
    steps:
      - uses: {a["checkout"]}

      - uses: {a["setup-python"]}
        with:
          python-version: "3.12"

      - name: Install digest
{note}        run: {install_command}

      - name: Restore the build cache
        # the last run's parsed articles, comparisons and pages: a run that adds a few
        # articles costs what a local incremental build costs, not a cold build. The key
        # that signs the cache files (~/.cache/digest) travels with them: a new runner
        # would make a new one, and reject every file signed with the old
        uses: {a["cache-restore"]}
        with:
          path: |
{cache_paths}          key: {cache_key}
          restore-keys: digest-build-${{{{ runner.os }}}}-

      - name: Import the feeds
        id: import
        # every feed failing (exit 1) must not keep what was pushed by hand from the site:
        # the run goes on, publishes, and the "report" job below then marks it failed
        continue-on-error: true
        run: |
          if [ -f feeds.yaml ]; then
            digest import --feeds feeds.yaml --fetch
          else
            echo "no feeds.yaml: nothing to import"
          fi

      - name: Configure GitHub Pages
        id: pages
        uses: {a["configure-pages"]}

      - name: Build the site
        run: digest build --base-url "${{{{ steps.pages.outputs.base_url }}}}/"

      - name: Commit new articles and story ids
        env:
          NEW: ${{{{ steps.import.outputs.new }}}}
          MESSAGE: ${{{{ steps.import.outputs.message }}}}
        run: |
          git add -A content
          if git diff --cached --quiet; then
            echo "nothing new under content/"
            exit 0
          fi
          if [ "${{NEW:-0}}" = 0 ]; then MESSAGE="digest: update content/stories.lock"; fi
          git config user.name "github-actions[bot]"
          git config user.email "41898282+github-actions[bot]@users.noreply.github.com"
          git commit -q -m "$MESSAGE"
          git show --stat --format="committed: %s" HEAD
          # a push made meanwhile: put this commit on top of it (content/ files are new
          # files, so this only conflicts if someone edited the same article)
          git push -q origin HEAD:"$GITHUB_REF_NAME" || {{
            git pull -q --rebase origin "$GITHUB_REF_NAME"
            git push -q origin HEAD:"$GITHUB_REF_NAME"
          }}

      - name: Save the build cache
        uses: {a["cache-save"]}
        with:
          path: |
{cache_paths}          key: {cache_key}

      - name: Upload the site
        uses: {a["upload-pages-artifact"]}
        with:
          path: site

  deploy:
    needs: build
    runs-on: ubuntu-latest
    permissions:
      pages: write  # to deploy to GitHub Pages
      id-token: write  # to prove the deployment comes from this workflow
    environment:
      name: github-pages
      url: ${{{{ steps.deployment.outputs.page_url }}}}
    steps:
      - name: Deploy to GitHub Pages
        id: deployment
        uses: {a["deploy-pages"]}

  report:
    # the site is published either way; a run in which every feed failed shows red
    needs: [build, deploy]
    if: needs.build.outputs.import == 'failure'
    runs-on: ubuntu-latest
    steps:
      - name: Every feed failed
        run: |
          echo "::error::digest import failed for every feed: see the build job's summary"
          exit 1
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
        "feeds.yaml": FEEDS_TEMPLATE.encode(),
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
