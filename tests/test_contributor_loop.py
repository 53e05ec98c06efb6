"""The contributor loop, end to end in git: two pull requests that each add one paper file pass
`longctx check`, merge cleanly, and main regenerates its pages with the Pages workflow's own script."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import yaml

from conftest import REPO, make_site_catalogue, run_longctx, site_env

PAPER = """\
id: {id}
title: '{title}'
arxiv: '{arxiv}'
authors: [Ada Lovelace]
date: {date}
tags: [{tag}]
links:
  paper: https://arxiv.org/abs/{arxiv}
tldr: {tldr}
status: unread
added: 2026-11-21
"""
NEW_PAPERS = {
    "alpha": PAPER.format(id="alpha", title="Alpha: Stretching Rotary Embeddings Further", arxiv="2402.01001",
                          date="2024-02-01", tag="rope-scaling", tldr="Stretches rotary embeddings further."),
    "beta": PAPER.format(id="beta", title="Beta: A Sparse Pattern for Long Inputs", arxiv="2403.02002",
                         date="2024-03-02", tag="sparse-attention", tldr="Proposes a sparse attention pattern."),
}


def _script(step_name: str) -> str:
    """The shell script of one step of .github/workflows/pages.yml, as the runner would execute it."""
    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "pages.yml").read_text(encoding="utf-8"))
    steps = [step for job in workflow["jobs"].values() for step in job.get("steps", [])]
    (step,) = [step for step in steps if step.get("name") == step_name]
    return str(step["run"])


class Repo:
    def __init__(self, root: Path, home: Path) -> None:
        self.root = root
        self.env = {**site_env(), "GIT_CONFIG_GLOBAL": os.devnull, "HOME": str(home)}

    def git(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(["git", *args], cwd=self.root, env=self.env, capture_output=True, text=True,
                                timeout=60)
        assert not check or result.returncode == 0, result.stdout + result.stderr
        return result

    def bash(self, script: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["bash", "-eo", "pipefail", "-c", script], cwd=self.root, env={**self.env, **env},
                              capture_output=True, text=True, timeout=120)


def test_two_pull_requests_adding_a_paper_each_pass_merge_and_main_regenerates(tmp_path: Path) -> None:
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(origin)], check=True, timeout=60)
    repo = Repo(make_site_catalogue(tmp_path / "catalogue"), tmp_path)
    shutil.copy(REPO / ".gitignore", repo.root / ".gitignore")  # site/ and caches stay out of git, as here
    assert run_longctx(repo.root, "render").returncode == 0  # a green main: pages current
    repo.git("init", "-q", "-b", "main")
    repo.git("config", "user.name", "Contributor")
    repo.git("config", "user.email", "c@example.org")
    repo.git("add", "-A")
    repo.git("commit", "-qm", "main")
    repo.git("remote", "add", "origin", str(origin))
    repo.git("push", "-q", "origin", "main")

    # two contributors, each a branch off main with one new file and nothing else
    for name, text in NEW_PAPERS.items():
        repo.git("checkout", "-q", "-b", name, "main")
        (repo.root / "papers" / f"{name}.yaml").write_text(text, encoding="utf-8")
        repo.git("add", f"papers/{name}.yaml")
        repo.git("commit", "-qm", f"add {name}")
        assert repo.git("diff", "--name-only", "main", name).stdout.split() == [f"papers/{name}.yaml"]
        check = run_longctx(repo.root, "check")
        assert check.returncode == 0, check.stdout + check.stderr
        assert "committed file(s) differ, regenerated on main after the merge" in check.stderr
        assert run_longctx(repo.root, "render", "--check").returncode == 1  # the pages are stale in the PR

    # the maintainer merges both: no conflict, since neither touched a generated file
    repo.git("checkout", "-q", "main")
    for name in NEW_PAPERS:
        repo.git("merge", "-q", "--no-ff", "-m", f"Merge {name}", name)
    repo.git("push", "-q", "origin", "main")
    merged = repo.git("rev-parse", "HEAD").stdout.strip()

    # the push to main runs the Pages workflow: render, then its commit step
    assert run_longctx(repo.root, "render").returncode == 0
    commit = repo.bash(_script("Commit the regenerated pages"), GITHUB_SHA=merged, GITHUB_REF_NAME="main")
    assert commit.returncode == 0, commit.stdout + commit.stderr
    assert repo.git("log", "-1", "--format=%an|%s", "origin/main").stdout.strip() == \
        f"github-actions[bot]|render: regenerate docs/ and README tables after {merged[:7]}"
    changed = repo.git("diff", "--name-only", merged, "origin/main").stdout.split()
    assert changed and all(p == "README.md" or p.startswith("docs/") for p in changed), changed
    assert "alpha" in (repo.root / "README.md").read_text(encoding="utf-8").lower()
    assert repo.git("status", "--porcelain").stdout == ""

    for args in (("check",), ("render", "--check"), ("check", "--no-site", "--fresh")):
        result = run_longctx(repo.root, *args)
        assert result.returncode == 0, (args, result.stdout + result.stderr)

    # no loop: running the workflow again commits nothing
    head = repo.git("rev-parse", "HEAD").stdout.strip()
    again = repo.bash(_script("Commit the regenerated pages"), GITHUB_SHA=head, GITHUB_REF_NAME="main")
    assert again.returncode == 0 and "up to date" in again.stdout, again.stdout + again.stderr
    assert repo.git("rev-parse", "origin/main").stdout.strip() == head


def test_the_pages_workflow_renders_and_commits_before_it_builds() -> None:
    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "pages.yml").read_text(encoding="utf-8"))
    names = [step.get("name") or step.get("uses") for step in workflow["jobs"]["build"]["steps"]]
    order = [names.index(n) for n in ("Regenerate docs/ and the README regions", "Commit the regenerated pages",
                                      "The committed pages are now current", "Build the site into site/")]
    assert order == sorted(order)
    assert workflow["jobs"]["build"]["permissions"] == {"contents": "write"}
    assert "git add -A -- docs README.md" in _script("Commit the regenerated pages")
