"""`digest init` scaffolds a digest that builds as is and publishes on GitHub Pages;
`digest gh-deploy` commits the built site to gh-pages."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from digest.deploy import pages_url_for_remote
from digest.scaffold import ACTIONS, PLACEHOLDER_SPEC, github_https_url, pages_workflow
from tests.conftest import ROOT, run_digest

PAGES_ACTIONS = ("actions/configure-pages", "actions/upload-pages-artifact",
                 "actions/deploy-pages")


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def check_workflow(text: str) -> dict:
    wf = yaml.safe_load(text)
    # least privilege: the build job may push (the imported articles), only the deploy job
    # may publish
    assert wf["permissions"] == {"contents": "read"}
    assert wf["jobs"]["build"]["permissions"] == {"contents": "write"}
    assert wf["jobs"]["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    # every day (the cron line explained in a comment), on demand and on a push to main
    triggers = wf[True]  # YAML 1.1 reads the key `on` as a boolean
    assert [c["cron"] for c in triggers["schedule"]] == ["17 5 * * *"]
    assert "# Every day at 05:17 UTC. Change it" in text
    assert "workflow_dispatch" in triggers and triggers["push"] == {"branches": ["main"]}
    steps = wf["jobs"]["build"]["steps"] + wf["jobs"]["deploy"]["steps"]
    uses = [s["uses"] for s in steps if "uses" in s]
    assert sorted(uses) == sorted(ACTIONS.values())  # the current major versions
    for action in PAGES_ACTIONS:
        assert any(u.startswith(action + "@") for u in uses), action
    runs = [s.get("name") for s in wf["jobs"]["build"]["steps"]]
    assert runs.index("Import the feeds") < runs.index("Build the site") \
        < runs.index("Commit new articles and story ids") < runs.index("Save the build cache")
    pages = next(s for s in steps if s.get("uses", "").startswith("actions/configure-pages"))
    assert pages["id"] == "pages"
    build = next(s for s in steps if "digest build" in s.get("run", ""))
    assert '--base-url "${{ steps.pages.outputs.base_url }}/"' in build["run"]
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-pages"))
    assert upload["with"]["path"] == "site"
    assert wf["jobs"]["deploy"]["needs"] == "build"
    assert wf["jobs"]["deploy"]["environment"]["name"] == "github-pages"
    return wf


def test_init_then_build_in_an_empty_folder(tmp_path: Path) -> None:
    outside = tmp_path / "neighbour.txt"
    outside.write_text("leave me alone\n")
    target = tmp_path / "my-digest"
    out = run_digest("init", str(target), "--title", "Harbour News",
                     "--install", "git+https://github.com/example/digest@v1")
    assert "wrote" in out.stdout
    files = snapshot(target)
    assert "digest.yaml" in files and ".github/workflows/pages.yml" in files
    assert yaml.safe_load(files["feeds.yaml"]) == {"feeds": None}  # a commented example
    assert any(p.startswith("content/articles/") and p.endswith(".md") for p in files)
    for name in ("base.html", "story.html", "index.html", "article.html", "static/style.css"):
        assert f"templates/{name}" in files, name
    assert (ROOT / "templates" / "story.html").read_bytes() == files["templates/story.html"]
    config = yaml.safe_load(files["digest.yaml"])
    assert config["title"] == "Harbour News" and config["search"] is True
    assert b"#" in files["digest.yaml"]  # the settings are explained

    wf = check_workflow(files[".github/workflows/pages.yml"].decode())
    install = next(s for s in wf["jobs"]["build"]["steps"] if s.get("name") == "Install digest")
    assert install["run"] == 'pip install "git+https://github.com/example/digest@v1"'

    run_digest("build", "--root", str(target))
    site = target / "site"
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "Harbour News" in index and "Welcome to your news digest" in index
    assert (site / "feed.xml").is_file() and (site / ".nojekyll").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["my-digest", "neighbour.txt"]
    assert outside.read_text() == "leave me alone\n"


def test_init_never_overwrites_without_force(tmp_path: Path) -> None:
    (tmp_path / "digest.yaml").write_text("title: Mine\n")
    before = snapshot(tmp_path)
    proc = run_digest("init", str(tmp_path), check=False)
    assert proc.returncode == 1
    assert "digest.yaml" in proc.stderr and "--force" in proc.stderr
    assert snapshot(tmp_path) == before  # nothing written at all
    run_digest("init", str(tmp_path), "--force")
    assert yaml.safe_load((tmp_path / "digest.yaml").read_text())["title"] == "News digest"


def test_init_without_a_known_install_source_says_what_to_edit(tmp_path: Path) -> None:
    from digest.scaffold import init

    result = init(tmp_path / "d", install=None)
    wf = (tmp_path / "d" / ".github" / "workflows" / "pages.yml").read_text()
    check_workflow(wf)
    if result.install == PLACEHOLDER_SPEC:
        assert "EDIT THIS" in wf
    assert 'pip install "digest"' not in wf  # an unrelated project on PyPI


def test_the_repository_ships_the_same_workflow_for_its_demo() -> None:
    text = (ROOT / ".github" / "workflows" / "pages.yml").read_text(encoding="utf-8")
    wf = check_workflow(text)
    install = next(s for s in wf["jobs"]["build"]["steps"] if s.get("name") == "Install digest")
    assert install["run"] == "pip install ."
    assert text == pages_workflow(
        "pip install .", "this repository is digest itself: install it from the checkout")


def test_the_package_carries_the_default_theme() -> None:
    theme = ROOT / "digest" / "theme"
    assert theme.resolve() == (ROOT / "templates").resolve()
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert '"theme/*.html"' in pyproject and '"theme/static/*"' in pyproject


@pytest.mark.parametrize(("remote", "pages", "https"), [
    ("https://github.com/Ann/news.git", "https://ann.github.io/news/",
     "https://github.com/Ann/news"),
    ("git@github.com:ann/news.git", "https://ann.github.io/news/",
     "https://github.com/ann/news"),
    ("https://github.com/ann/ann.github.io", "https://ann.github.io/",
     "https://github.com/ann/ann.github.io"),
    ("https://gitlab.com/ann/news.git", None, None),
])
def test_github_addresses(remote: str, pages: str | None, https: str | None) -> None:
    assert pages_url_for_remote(remote) == pages
    assert github_https_url(remote) == https


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_gh_deploy_pushes_the_site_to_gh_pages(tmp_path: Path) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@example.org",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}

    def git(*args: str, cwd: Path) -> str:
        return subprocess.run(["git", *args], cwd=cwd, env=env, check=True,
                              capture_output=True, text=True).stdout

    bare = tmp_path / "remote.git"
    git("init", "--bare", "-q", str(bare), cwd=tmp_path)
    work = tmp_path / "work"
    run_digest("init", str(work), "--install", "git+https://github.com/example/digest")
    git("init", "-q", "-b", "main", cwd=work)
    git("remote", "add", "origin", str(bare), cwd=work)
    git("add", "-A", cwd=work)
    git("commit", "-q", "-m", "digest", cwd=work)
    proc = subprocess.run([sys.executable, "-m", "digest", "gh-deploy", "--root", str(work),
                           "--base-url", "https://ann.github.io/news/"], env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "pushed to origin/gh-pages" in proc.stdout
    listing = git("ls-tree", "-r", "--name-only", "gh-pages", cwd=bare).split()
    assert "index.html" in listing and ".nojekyll" in listing and "feed.xml" in listing
    index = git("show", "gh-pages:index.html", cwd=bare)
    assert 'href="https://ann.github.io/news/"' in index  # canonical at the published address
    assert 'href="/news/static/' in index  # assets under the project's sub-path
    # a local base_url and no way to guess the published address: refused, nothing pushed
    git("remote", "set-url", "origin", str(bare), cwd=work)
    proc = subprocess.run([sys.executable, "-m", "digest", "gh-deploy", "--root", str(work),
                           "--no-push"], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1 and "base_url" in proc.stderr
