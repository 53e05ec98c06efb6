"""`longctx new`: a record from a title (offline) or an arXiv id, asked for or given as options."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import GOOD_RECORD, MINI_TAXONOMY, write_catalog
from fake_arxiv import FakeArxiv, running
from longctx_catalog.cli import cli
from longctx_catalog.commands.new import search_nodes
from longctx_catalog.model import Taxonomy
from longctx_catalog.validate import load_catalog
from test_add import longctx
from test_enrich import changed, snapshot


@pytest.fixture
def fake() -> Iterator[FakeArxiv]:
    with running() as server:
        yield server


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return write_catalog(tmp_path / "c", {"yarn": GOOD_RECORD})


def errors_of(root: Path) -> list[str]:
    return [str(d) for d in load_catalog(root)[1] if d.is_error]


def test_title_only_writes_a_valid_record_offline(fake: FakeArxiv, root: Path) -> None:
    result = longctx(fake, root, "new", "--title", "Notes on Rotary Scaling", "--tag", "rope-scaling",
                     "--no-input")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "papers/notes-rotary-scaling.yaml\n"
    assert (root / "papers" / "notes-rotary-scaling.yaml").read_text() == (
        "id: notes-rotary-scaling\ntitle: Notes on Rotary Scaling\ntags:\n  - rope-scaling\nadded: 2026-11-22\n")
    assert "Next steps" in result.stderr and "tldr" in result.stderr
    assert errors_of(root) == []
    assert fake.requests == []  # no arXiv id, no request


def test_arxiv_id_fetches_through_the_add_verb(fake: FakeArxiv, root: Path) -> None:
    result = longctx(fake, root, "new", "--arxiv", "https://arxiv.org/abs/2401.11111v1", "--tag", "rope-scaling",
                     "--no-input")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("papers/yarnball.yaml: Yarnball:")
    assert len(fake.requests) == 1
    assert errors_of(root) == []


def test_unreachable_arxiv_with_a_title_still_writes_offline(fake: FakeArxiv, root: Path) -> None:
    fake.always = "503"
    result = longctx(fake, root, "new", "--arxiv", "2401.11111", "--title", "Yarnball", "--tag", "rope-scaling",
                     "--no-input", LONGCTX_ARXIV_RETRIES="0")
    assert result.returncode == 0, result.stderr
    text = (root / "papers" / "yarnball.yaml").read_text()
    assert "arxiv: '2401.11111'" in text and "paper: https://arxiv.org/abs/2401.11111" in text
    assert errors_of(root) == []


def test_unreachable_arxiv_without_a_title_writes_nothing(fake: FakeArxiv, root: Path) -> None:
    fake.always = "503"
    before = snapshot(root)
    result = longctx(fake, root, "new", "--arxiv", "2401.11111", "--tag", "rope-scaling", "--no-input",
                     LONGCTX_ARXIV_RETRIES="0")
    assert result.returncode == 2
    assert "give --title too" in result.stderr
    assert changed(before, snapshot(root)) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--title", "X"], "give at least one --tag"),
        (["--tag", "rope-scaling"], "give --arxiv ID or --title TEXT"),
        (["--title", "X", "--tag", "rope-scalng"], "did you mean 'rope-scaling'"),
        (["--arxiv", "not-an-id", "--tag", "rope-scaling"], "is not an arXiv id"),
        (["--title", "X", "--tag", "rope-scaling", "--id", "Bad Id"], "is not a record id"),
    ],
)
def test_missing_or_bad_options_are_usage_errors(fake: FakeArxiv, root: Path, args: list[str],
                                                 message: str) -> None:
    before = snapshot(root)
    result = longctx(fake, root, "new", "--no-input", *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert changed(before, snapshot(root)) == []


def test_a_title_already_catalogued_is_refused(fake: FakeArxiv, root: Path) -> None:
    before = snapshot(root)
    result = longctx(fake, root, "new", "--title", "YaRN - efficient context window extension of large language "
                     "models", "--tag", "rope-scaling", "--no-input")
    assert result.returncode == 1
    assert "papers/yarn.yaml" in result.stderr
    assert result.stdout == ""
    assert changed(before, snapshot(root)) == []  # nothing written, nothing touched, no temp file left


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        # the id of an existing record, and of a file in papers/ that does not load as a record
        (["--title", "Another Study", "--id", "yarn"], 2, "id 'yarn' is already used"),
        (["--title", "Another Study", "--id", "broken"], 2, "id 'broken' is already used"),
        # an arXiv id the catalogue already holds (refused before any request)
        (["--title", "Another Study", "--arxiv", "2309.00071"], 2, "2309.00071 is already in the catalogue"),
    ],
)
def test_refusals_write_nothing(fake: FakeArxiv, root: Path, args: list[str], code: int, message: str) -> None:
    (root / "papers" / "broken.yaml").write_text("id: [not, a, record\n", encoding="utf-8")
    fake.always = "503"
    before = snapshot(root)
    result = longctx(fake, root, "new", "--tag", "rope-scaling", "--no-input", *args, LONGCTX_ARXIV_RETRIES="0")
    assert result.returncode == code, result.stderr
    assert message in result.stderr
    assert changed(before, snapshot(root)) == []


def test_interactive_session_asks_and_searches_the_taxonomy(root: Path) -> None:
    answers = "\n".join([
        "A Hand-Written Study of Truncation",  # not an arXiv id: taken as the title
        "",  # the kind: paper, the default
        "",  # search instead of taking a node suggested from the title
        "truncaton",  # a typo still finds the node
        "1",
        "",  # finish
    ]) + "\n"
    result = CliRunner().invoke(cli, ["--root", str(root), "new", "--interactive"], input=answers,
                                env={"LONGCTX_TODAY": "2026-11-22"})
    assert result.exit_code == 0, result.output
    assert "What kind of record is it? (paper, survey, dataset, model, toolkit) [paper]:" in result.output
    assert "1. rope-truncation  (Methodology › Extended RoPE › Truncation Strategies)" in result.output
    text = (root / "papers" / "hand-written-study-truncation.yaml").read_text()
    assert "tags:\n  - rope-truncation\n" in text
    assert errors_of(root) == []


def test_interactive_session_offers_the_nodes_most_like_the_title(root: Path) -> None:
    answers = "\n".join(["A Hand-Written Study of Truncation Strategies", "", "1", ""]) + "\n"
    result = CliRunner().invoke(cli, ["--root", str(root), "new", "--interactive"], input=answers,
                                env={"LONGCTX_TODAY": "2026-11-22"})
    assert result.exit_code == 0, result.output
    assert "Most like the title (by similarity to the catalogue):\n  1. rope-truncation  (Methodology" in result.output
    text = (root / "papers" / "hand-written-study-truncation.yaml").read_text()
    assert "tags:\n  - rope-truncation\n" in text


def test_without_tag_the_title_chooses_the_node(fake: FakeArxiv, root: Path) -> None:
    result = longctx(fake, root, "new", "--title", "Notes on Rotary Scaling Strategies", "--no-input")
    assert result.returncode == 0, result.stderr
    assert "no --tag given; tagged rope-scaling (" in result.stderr
    assert "tags:\n  - rope-scaling\n" in (root / "papers" / "notes-rotary-scaling-strategies.yaml").read_text()
    assert fake.requests == []


def test_search_prefers_substrings_then_fuzzy_matches(tmp_path: Path) -> None:
    catalog, _ = load_catalog(write_catalog(tmp_path / "c", {}, taxonomy=MINI_TAXONOMY))
    taxonomy: Taxonomy = catalog.taxonomy
    assert [n.id for n in search_nodes("rope", taxonomy)][:3] == ["rope-scaling", "rope-truncation",
                                                                  "extended-rope"]
    assert [n.id for n in search_nodes("sparse atention", taxonomy)] == ["sparse-attention"]
    assert search_nodes("zzzz", taxonomy) == []
    assert search_nodes("  ", taxonomy) == []


def test_interactive_session_asks_the_kind_and_notes_an_ancestor_tag(root: Path) -> None:
    answers = "\n".join([
        "NeedleWork Corpus",  # the title
        "dataset",  # the kind
        "benchmark",  # people's word for it: finds Datasets (and Evaluation)
        "2",  # datasets
        "evaluation",  # a node id is taken as is: the ancestor of datasets
        "",
    ]) + "\n"
    result = CliRunner().invoke(cli, ["--root", str(root), "new", "--interactive"], input=answers,
                                env={"LONGCTX_TODAY": "2026-11-22"})
    assert result.exit_code == 0, result.output
    assert "  1. evaluation  (Evaluation)\n  2. datasets  (Evaluation › Datasets)\n" in result.output
    assert "note: evaluation is an ancestor of datasets; the most specific tag is enough" in result.output
    assert "warning: evaluation is an ancestor of datasets" in result.output
    text = (root / "papers" / "needlework-corpus.yaml").read_text()
    assert "kind: dataset\n" in text and "tags:\n  - datasets\n  - evaluation\n" in text
    assert errors_of(root) == []


def test_given_kind_needs_no_question(fake: FakeArxiv, root: Path) -> None:
    result = longctx(fake, root, "new", "--title", "A Tool Kit for Windows", "--kind", "toolkit", "--tag", "toolkits",
                     "--no-input")
    assert result.returncode == 0, result.stderr
    assert "kind: toolkit\n" in (root / "papers" / "tool-kit-windows.yaml").read_text()


def test_search_understands_the_words_people_type() -> None:
    from conftest import REPO

    catalog, _ = load_catalog(REPO)
    taxonomy: Taxonomy = catalog.taxonomy

    def top(query: str, n: int = 3) -> list[str]:
        return [node.id for node in search_nodes(query, taxonomy)][:n]

    # the taxonomy has homes of their own for benchmarks, the KV cache and RAG (issue 17)
    assert top("benchmark", 2) == ["benchmarks", "llm-benchmarks"]
    assert top("benchmarks", 2) == top("benchmark", 2)
    assert top("evaluation", 1) == ["evaluation"] and {"datasets", "metrics"} <= set(top("evaluation", 4))
    assert "kv-cache-management" in top("KV cache", 3) and top("kv-cache", 1) == ["kv-cache-management"]
    assert top("prompt compression", 1) == ["hard-compression"]
    assert top("positional encoding", 1) == ["extrapolative-pes"]
    assert top("RAG", 1) == ["rag-and-long-context"]
    assert top("mixture of experts", 1) == ["mixture-of-experts"]
