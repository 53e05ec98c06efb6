"""`longctx add` end to end: the CLI in a subprocess, the real arxiv client, a fake arXiv on 127.0.0.1."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from conftest import GOOD_RECORD, write_catalog
from fake_arxiv import FakeArxiv, env_for, running
from longctx_catalog.enrich.add import parse_id_argument, propose_id
from longctx_catalog.validate import load_catalog
from test_enrich import changed, snapshot


@pytest.fixture
def fake() -> Iterator[FakeArxiv]:
    with running() as server:
        yield server


def longctx(fake: FakeArxiv, root: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **env_for(fake.url), "LONGCTX_TODAY": "2026-11-22", "NO_COLOR": "1", **env}
    return subprocess.run([sys.executable, "-m", "longctx_catalog", "--root", str(root), *args], env=full_env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return write_catalog(tmp_path / "c", {"yarn": GOOD_RECORD})


NEIGHBOURS = {
    "stretchy": "id: stretchy\ntitle: Stretchy Rotary Positions\ntags: [rope-scaling]\n"
                "tldr: Stretches rotary positions so that windows grow.\nadded: 2026-11-01\n",
    "haystack-suite": "id: haystack-suite\ntitle: A Haystack Suite of Long Documents\ntags: [datasets]\n"
                      "tldr: Hides facts in long documents for models to find.\nadded: 2026-11-01\n",
}


def test_add_without_tag_uses_the_node_the_paper_is_most_like(fake: FakeArxiv, tmp_path: Path) -> None:
    root = write_catalog(tmp_path / "c", {"yarn": GOOD_RECORD, **NEIGHBOURS})
    # "Yarnball: Invented Rotary Stretching ..." and "Needlework: Locating Invented Facts in Long Haystacks"
    result = longctx(fake, root, "add", "2401.11111", "2403.33333")
    assert result.returncode == 0, result.stderr
    assert "arXiv 2401.11111: tagged rope-scaling (" in result.stderr
    assert "arXiv 2403.33333: tagged datasets (" in result.stderr
    assert yaml.safe_load((root / "papers" / "yarnball.yaml").read_text(encoding="utf-8"))["tags"] == ["rope-scaling"]
    assert yaml.safe_load((root / "papers" / "needlework.yaml").read_text(encoding="utf-8"))["tags"] == ["datasets"]
    _, diags = load_catalog(root)
    assert [d for d in diags if d.is_error] == []


def test_add_writes_a_record_that_validates(fake: FakeArxiv, root: Path) -> None:
    result = longctx(fake, root, "add", "2401.11111", "--tag", "rope-scaling", "--tag", "datasets")
    assert result.returncode == 0, result.stderr
    assert len(fake.requests) == 1 and fake.requests[0].ids == ["2401.11111"]
    assert result.stdout == ("papers/yarnball.yaml: Yarnball: Invented Rotary Stretching for Very Long Inputs "
                             "(arXiv 2401.11111v1, 2024-01-19)\n")
    text = (root / "papers" / "yarnball.yaml").read_text(encoding="utf-8")
    assert text == """\
id: yarnball
title: 'Yarnball: Invented Rotary Stretching for Very Long Inputs'
arxiv: '2401.11111'
authors:
  - name: Cleo Marsh
    affiliation:
      - Lab of Made-Up Results
      - Second Fictional University
  - name: Dev Okafor
    affiliation: Lab of Made-Up Results
  - Eun-ji Park
date: 2024-01-19
tags:
  - rope-scaling
  - datasets
links:
  paper: https://arxiv.org/abs/2401.11111
  pdf: https://arxiv.org/pdf/2401.11111
added: 2026-11-22
"""
    assert (root / "data" / "arxiv" / "2401.11111.yaml").is_file()  # the full metadata, for the site

    check = longctx(fake, root, "validate")
    assert check.returncode == 0, check.stdout
    assert check.stdout.splitlines() == ["papers/yarnball.yaml:1:1: warning: no 'tldr'; add one or two sentences, "
                                         "in your own words, on what the work does [LC142 missing-tldr]"]
    catalog, _ = load_catalog(root)
    record = catalog.by_id["yarnball"]
    assert record.arxiv_meta is not None and record.arxiv_meta.categories == ("cs.CL", "cs.AI")

    # enrich asks only about the older record: the added one is cached already
    assert longctx(fake, root, "enrich").returncode == 0
    assert [r.ids for r in fake.requests] == [["2401.11111"], ["2309.00071"]]
    before = snapshot(root)
    assert longctx(fake, root, "enrich").returncode == 0
    assert len(fake.requests) == 2 and changed(before, snapshot(root)) == []


def test_several_ids_cost_one_request(fake: FakeArxiv, root: Path) -> None:
    result = longctx(fake, root, "add", "2401.11111", "arXiv:2402.22222v1", "https://arxiv.org/abs/2403.33333",
                     "hep-th/9901001", "--tag", "datasets")
    assert result.returncode == 0, result.stderr
    assert len(fake.requests) == 1
    assert sorted(fake.requests[0].ids) == ["2401.11111", "2402.22222", "2403.33333", "hep-th/9901001"]
    names = sorted(p.name for p in (root / "papers").iterdir())
    assert names == ["extending-memory-invented-transformers.yaml", "invented-strings-long-contexts.yaml",
                     "needlework.yaml", "yarn.yaml", "yarnball.yaml"]
    assert longctx(fake, root, "validate", "--format", "json").returncode == 0
    old = yaml.safe_load((root / "papers" / "invented-strings-long-contexts.yaml").read_text(encoding="utf-8"))
    assert old["arxiv"] == "hep-th/9901001" and old["date"].isoformat() == "1999-01-04"


def test_id_option_overrides_the_proposal(fake: FakeArxiv, root: Path) -> None:
    result = longctx(fake, root, "add", "2402.22222", "--tag", "datasets", "--id", "paged-recall")
    assert result.returncode == 0, result.stderr
    assert yaml.safe_load((root / "papers" / "paged-recall.yaml").read_text(encoding="utf-8"))["id"] == "paged-recall"


def test_an_id_already_in_the_catalogue_is_refused_by_name(fake: FakeArxiv, root: Path) -> None:
    before = snapshot(root)
    result = longctx(fake, root, "add", "2309.00071v2", "--tag", "datasets")
    assert result.returncode == 2
    assert "2309.00071 is already in the catalogue: papers/yarn.yaml (id 'yarn')" in result.stderr
    assert fake.requests == [] and changed(before, snapshot(root)) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["2401.1111", "--tag", "datasets"], "not a valid arXiv id: 2401.1111"),
        (["2401.11111", "--tag", "rope-scalng"], "unknown taxonomy node 'rope-scalng' — did you mean 'rope-scaling'?"),
        (["2401.11111", "2402.22222", "--tag", "datasets", "--id", "x"], "--id names one record"),
        (["2401.11111", "--tag", "datasets", "--id", "Yarn Ball"], "'Yarn Ball' is not a record id"),
        (["2401.11111", "--tag", "datasets", "--id", "yarn"], "id 'yarn' is already used by papers/yarn.yaml"),
    ],
)
def test_bad_arguments_are_refused_before_any_request(fake: FakeArxiv, root: Path, args: list[str],
                                                      message: str) -> None:
    before = snapshot(root)
    result = longctx(fake, root, "add", *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert fake.requests == [] and changed(before, snapshot(root)) == []


def test_one_unknown_id_means_nothing_is_written(fake: FakeArxiv, root: Path) -> None:
    before = snapshot(root)
    result = longctx(fake, root, "add", "2401.11111", "2410.99999", "--tag", "datasets")
    assert result.returncode == 1
    assert "error: arXiv 2410.99999: arXiv has no paper with this id" in result.stderr
    assert "Nothing was written." in result.stderr
    assert len(fake.requests) == 1 and changed(before, snapshot(root)) == []


def test_arxiv_down_means_nothing_is_written(fake: FakeArxiv, root: Path) -> None:
    fake.always = "503"
    before = snapshot(root)
    result = longctx(fake, root, "add", "2401.11111", "--tag", "datasets", LONGCTX_ARXIV_RETRIES="1")
    assert result.returncode == 2
    assert "arXiv answered HTTP 503 (after 2 attempts)" in result.stderr
    assert len(fake.requests) == 2 and changed(before, snapshot(root)) == []
    assert "Traceback" not in result.stderr
    # progress while waiting: what is asked, and every retry said out loud
    assert f"Asking arXiv ({fake.url}) for 2401.11111 ..." in result.stderr
    assert result.stderr.count("arXiv: arXiv answered HTTP 503; trying again in") == 1
    assert 'longctx new --arxiv 2401.11111 --title "TITLE" --tag datasets --no-input' in result.stderr


def test_without_network_add_fails_at_once_and_offers_the_title_path(fake: FakeArxiv, root: Path) -> None:
    """A host name that does not resolve (as offline) is not retried: one attempt, a clear message."""
    before = snapshot(root)
    started = time.monotonic()
    result = longctx(fake, root, "add", "2401.11111", "--tag", "datasets",
                     "--arxiv-api", "http://arxiv.invalid/api/query", LONGCTX_ARXIV_BACKOFF="30")
    elapsed = time.monotonic() - started
    assert result.returncode == 2, result.stderr
    assert "error: arXiv 2401.11111: cannot connect to http://arxiv.invalid/api/query: host name not found\n" \
        in result.stderr
    assert "trying again" not in result.stderr and "attempts" not in result.stderr
    assert elapsed < 30  # a retry would have waited LONGCTX_ARXIV_BACKOFF = 30 s first
    assert "longctx new --arxiv 2401.11111 --title" in result.stderr
    assert changed(before, snapshot(root)) == [] and "Traceback" not in result.stderr


def test_a_paper_whose_title_is_already_catalogued_is_refused(fake: FakeArxiv, tmp_path: Path) -> None:
    root = write_catalog(tmp_path / "c", {"needle": "id: needle\ntitle: 'NEEDLEWORK - locating invented facts in long "
                                                    "haystacks'\ntags: [datasets]\n"})
    before = snapshot(root)
    result = longctx(fake, root, "add", "2403.33333", "--tag", "datasets")
    assert result.returncode == 1
    assert "has the same title as papers/needle.yaml (id 'needle')" in result.stderr
    assert changed(before, snapshot(root)) == []


# --- the pieces -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("YaRN: Efficient Context Window Extension of Large Language Models", "yarn"),
        ("LM-Infinite: Simple On-the-Fly Length Generalization", "lm-infinite"),
        ("Extending Context Window of Large Language Models via Positional Interpolation",
         "extending-context-window-large"),
        ("Lost in the Middle: How Language Models Use Long Contexts", "lost-middle-language-models"),
        ("Attention Is All You Need", "attention-all-you-need"),
        ("Ünïcode Tïtle: Ünïcode", "unicode-title"),
    ],
)
def test_proposed_ids_are_short_and_readable(title: str, expected: str) -> None:
    assert propose_id(title, "2023", set()) == expected


def test_a_taken_id_gets_the_year_then_a_number() -> None:
    assert propose_id("YaRN: Anything", "2023", {"yarn"}) == "yarn-2023"
    assert propose_id("YaRN: Anything", "2023", {"yarn", "yarn-2023"}) == "yarn-2023-2"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2309.00071", "2309.00071"),
        ("2309.00071v3", "2309.00071"),
        (" arXiv:2309.00071 ", "2309.00071"),
        ("https://arxiv.org/abs/2309.00071v2", "2309.00071"),
        ("https://arxiv.org/pdf/2309.00071.pdf", "2309.00071"),
        ("http://export.arxiv.org/abs/hep-th/9901001v1", "hep-th/9901001"),
        ("2309.0007", None),
        ("2313.00071", None),
        ("https://example.org/abs/2309.00071", None),
    ],
)
def test_ids_are_read_from_what_people_paste(text: str, expected: str | None) -> None:
    assert parse_id_argument(text) == expected


def test_a_tag_with_its_own_ancestor_is_a_warning(fake: FakeArxiv, root: Path) -> None:
    result = longctx(fake, root, "add", "2401.11111", "--tag", "extended-rope", "--tag", "rope-scaling")
    assert result.returncode == 0, result.stderr
    assert ("warning: --tag extended-rope is an ancestor of --tag rope-scaling; the record already shows under "
            "extended-rope through rope-scaling, so extended-rope can go") in result.stderr
