"""One test (at least) per validation rule; each fails if its rule is removed."""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path

import pytest

from conftest import GOOD_RECORD, MINI_TAXONOMY, write_catalog
from longctx_catalog.diagnostics import CODES, Severity
from longctx_catalog.model import Record
from longctx_catalog.schema.checks import count_sentences
from longctx_catalog.schema.derived import FIELD_ORDER
from longctx_catalog.schema.specs import parse_arxiv_id
from longctx_catalog.validate import load_catalog

_fresh = itertools.count()


def check(tmp_path: Path, records: dict[str, str], **kwargs):
    root = write_catalog(tmp_path / f"c{next(_fresh)}", records, **kwargs)
    return load_catalog(root)


def diag_list(tmp_path: Path, records: dict[str, str], **kwargs):
    _, diags = check(tmp_path, records, **kwargs)
    return diags


def only(diags, code):
    found = [d for d in diags if d.code == code]
    assert found, f"expected {code}, got {[str(d) for d in diags]}"
    return found


def with_field(line_from: str, line_to: str, base: str = GOOD_RECORD) -> str:
    assert line_from in base
    return base.replace(line_from, line_to)


def test_good_record_is_clean(tmp_path: Path) -> None:
    catalog, diags = check(tmp_path, {"yarn": GOOD_RECORD})
    assert diags == []
    record = catalog.by_id["yarn"]
    assert record.arxiv == "2309.00071"
    assert record.date == "2023-08-31"
    assert record.code[0].official is True
    assert [a.name for a in record.authors] == ["Bowen Peng", "Jeffrey Quesnelle"]


def test_unknown_field_suggests_the_right_one(tmp_path: Path) -> None:
    diags = diag_list(tmp_path, {"yarn": GOOD_RECORD + "titel: oops\n"})
    (d,) = only(diags, "LC101")
    assert "did you mean 'title'" in d.message
    assert d.location.line == GOOD_RECORD.count("\n") + 1 and d.location.column == 1


def test_unquoted_arxiv_id_is_caught_with_the_exact_fix(tmp_path: Path) -> None:
    diags = diag_list(tmp_path, {"yarn": with_field("arxiv: '2309.00071'", "arxiv: 2309.00070")})
    (d,) = only(diags, "LC121")
    assert 'arxiv: "2309.00070"' in d.message  # the text as written, not the float 2309.0007
    assert (d.location.line, d.location.column) == (3, 8)


@pytest.mark.parametrize(
    "bad",
    ["'2309.0071'", "'2313.00071'", "'1412.12345'", "'2309.00071v0'", "'cs/01120'", "'arXiv:2309.00071'",
     "'https://arxiv.org/abs/2309.00071'", "'0612.1234'", "'hello'"],
)
def test_malformed_arxiv_ids(tmp_path: Path, bad: str) -> None:
    only(diag_list(tmp_path, {"yarn": with_field("arxiv: '2309.00071'", f"arxiv: {bad}")}), "LC121")


@pytest.mark.parametrize("good", ["2309.00071", "2309.00071v3", "0704.0001", "1412.1234", "cs/0112017",
                                  "math.GT/0309136", "hep-th/9901001v2"])
def test_well_formed_arxiv_ids(good: str) -> None:
    assert parse_arxiv_id(good)


@pytest.mark.parametrize(
    ("value", "code"),
    [("2023-13", "LC122"), ("'2023-02-30'", "LC122"), ("'Aug 2023'", "LC122"), ("2023-08-31T10:00:00", "LC122"),
     ("[2023]", "LC122"), ("2027-01-01", "LC123"), ("'2026-12'", "LC123")],
)
def test_dates_must_be_real_and_not_in_the_future(tmp_path: Path, value: str, code: str) -> None:
    diags = diag_list(tmp_path, {"yarn": with_field("date: 2023-08-31", f"date: {value}")})
    only(diags, code)


def test_partial_dates_are_allowed(tmp_path: Path) -> None:
    for value in ("2023-08", "'2023'", "2023"):
        diags = diag_list(tmp_path, {"yarn": with_field("date: 2023-08-31", f"date: {value}")})
        assert diags == [], value


def test_added_needs_a_full_date(tmp_path: Path) -> None:
    only(diag_list(tmp_path, {"yarn": with_field("added: 2026-11-20", "added: 2026-11")}), "LC122")


def test_added_in_the_future_is_an_error(tmp_path: Path) -> None:
    only(diag_list(tmp_path, {"yarn": with_field("added: 2026-11-20", "added: 2026-11-23")}), "LC123")


def test_arxiv_month_far_from_date_is_a_warning(tmp_path: Path) -> None:
    diags = diag_list(tmp_path, {"yarn": with_field("date: 2023-08-31", "date: 2024-01-21")})
    (d,) = only(diags, "LC124")
    assert d.severity is Severity.WARNING
    # One month apart (submitted on the last day of a month) is fine.
    assert diag_list(tmp_path, {"yarn": with_field("date: 2023-08-31", "date: 2023-10")}) == []


@pytest.mark.parametrize(
    ("line", "code"),
    [
        ("tags: []", "LC106"),
        ("tags: rope-scaling", "LC103"),
        ("tags: [rope-scaling, rope-scaling]", "LC104"),
        ("tags: [42]", "LC103"),
    ],
)
def test_tags_shape(tmp_path: Path, line: str, code: str) -> None:
    only(diag_list(tmp_path, {"yarn": with_field("tags: [rope-scaling]", line)}), code)


def test_unknown_tag_suggests_a_node_and_says_where_to_look(tmp_path: Path) -> None:
    diags = diag_list(tmp_path, {"yarn": with_field("tags: [rope-scaling]", "tags: [rope-scalng]")})
    (d,) = only(diags, "LC201")
    assert "did you mean 'rope-scaling'" in d.message
    assert "longctx tags" in d.message
    assert (d.location.line, d.location.column) == (9, 8)


def test_missing_required_fields(tmp_path: Path) -> None:
    text = GOOD_RECORD.replace("tags: [rope-scaling]\n", "").replace("id: yarn\n", "")
    diags = diag_list(tmp_path, {"yarn": text})
    assert {d.message.split("'")[1] for d in only(diags, "LC102")} == {"id", "tags"}


def test_title_may_be_left_for_enrichment_only_with_an_arxiv_id(tmp_path: Path) -> None:
    no_title = "\n".join(line for line in GOOD_RECORD.splitlines() if not line.startswith("title:")) + "\n"
    assert diag_list(tmp_path, {"yarn": no_title}) == []
    neither = no_title.replace("arxiv: '2309.00071'\n", "")
    (d,) = only(diag_list(tmp_path, {"yarn": neither}), "LC102")
    assert "title" in d.message


@pytest.mark.parametrize("bad_id", ["Yarn", "../yarn", "ya rn", "ya/rn", "-yarn", "y" * 81, "yarn.v2"])
def test_ids_must_be_safe_slugs(tmp_path: Path, bad_id: str) -> None:
    diags = diag_list(tmp_path, {"yarn": with_field("id: yarn", f"id: '{bad_id}'")})
    only(diags, "LC111")


def test_id_must_match_file_stem(tmp_path: Path) -> None:
    (d,) = only(diag_list(tmp_path, {"not-yarn": GOOD_RECORD}), "LC112")
    assert "not-yarn" in d.message and d.location.path == "papers/not-yarn.yaml"


def test_duplicate_ids_across_folders(tmp_path: Path) -> None:
    root = write_catalog(tmp_path / "c", {"yarn": GOOD_RECORD})
    (root / "papers" / "sub").mkdir()
    other = GOOD_RECORD.replace("'2309.00071'", "'2401.00001'").replace("YaRN", "Other")
    other = other.replace("2023-08-31", "2024-01")
    (root / "papers" / "sub" / "yarn.yaml").write_text(other)
    _, diags = load_catalog(root)
    (d,) = only(diags, "LC211")
    assert d.location.path == "papers/yarn.yaml" and "papers/sub/yarn.yaml" in d.message


def test_duplicate_arxiv_ids_ignore_versions(tmp_path: Path) -> None:
    twin = GOOD_RECORD.replace("id: yarn", "id: yarn-2").replace("'2309.00071'", "'2309.00071v2'").replace(
        "YaRN:", "Yet another:")
    (d,) = only(diag_list(tmp_path, {"yarn": GOOD_RECORD, "yarn-2": twin}), "LC212")
    # Files are read in sorted order ("yarn-2" sorts before "yarn."): the later one is flagged.
    assert d.location.path == "papers/yarn.yaml" and "papers/yarn-2.yaml" in d.message


def test_duplicate_titles_ignore_case_and_punctuation(tmp_path: Path) -> None:
    twin = (GOOD_RECORD.replace("id: yarn", "id: yarn-copy").replace("'2309.00071'", "'2401.00001'")
            .replace("2023-08-31", "2024-01-02")
            .replace("'YaRN: Efficient Context Window Extension of Large Language Models'",
                     "YARN - efficient context-window extension of large language models"))
    only(diag_list(tmp_path, {"yarn": GOOD_RECORD, "yarn-copy": twin}), "LC213")


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "ftp://example.org/x", "example.org/paper", "https://", "https://exa mple.org",
     "hhttps://github.com/x/y", "data:text/html,hi"],
)
def test_links_must_be_http_urls(tmp_path: Path, url: str) -> None:
    only(diag_list(tmp_path, {"yarn": with_field("paper: https://arxiv.org/abs/2309.00071", f"paper: '{url}'")}),
         "LC131")


def test_code_urls_are_checked_too(tmp_path: Path) -> None:
    only(diag_list(tmp_path, {"yarn": with_field("url: https://github.com/jquesnelle/yarn",
                                                 "url: 'javascript:void(0)'")}), "LC131")


def test_unknown_link_kind_suggests_one(tmp_path: Path) -> None:
    diags = diag_list(tmp_path, {"yarn": with_field("  paper: https", "  papr: https")})
    (d,) = only(diags, "LC101")
    assert "did you mean 'paper'" in d.message


def test_code_entries_need_url_and_official(tmp_path: Path) -> None:
    diags = diag_list(tmp_path, {"yarn": with_field("    official: true\n", "")})
    (d,) = only(diags, "LC102")
    assert "official" in d.message


@pytest.mark.parametrize(
    ("line", "code"),
    [("status: maybe", "LC104"), ("venue: 2024", "LC103"), ("venue: ''", "LC106"), ("venue:", "LC106"),
     ("venue: [a]", "LC103")],
)
def test_wrong_types_and_empty_values(tmp_path: Path, line: str, code: str) -> None:
    only(diag_list(tmp_path, {"yarn": GOOD_RECORD.replace("venue: ICLR 2024", line).replace(
        "status: read", line if line.startswith("status") else "status: read")}), code)


def test_kind_specific_fields_belong_to_their_kind(tmp_path: Path) -> None:
    (d,) = only(diag_list(tmp_path, {"yarn": GOOD_RECORD + "max_context: 4096\n"}), "LC105")
    assert "model" in d.message


def test_model_needs_max_context_and_whole_numbers(tmp_path: Path) -> None:
    model = "id: m\nkind: model\ntitle: M\ntags: [baselines]\nadded: 2026-11-01\n"
    assert "max_context" in only(diag_list(tmp_path, {"m": model}), "LC102")[0].message
    (d,) = only(diag_list(tmp_path, {"m": model + "max_context: 128k\n"}), "LC103")
    assert "128000" in d.message


def test_dataset_fields(tmp_path: Path) -> None:
    dataset = """\
id: d
kind: dataset
title: D
tags: [datasets]
added: 2026-11-01
language: [en, zh]
task_types: [MCQA, Summ]
task_count: 2
length_kwords: {avg: 7.2, min: 0.1, max: 44.2}
quality: {human_labeled: true, model_assisted: false}
splits: {train: 322K, test: 13.1K, dev: 423}
format: jsonl
"""
    catalog, diags = check(tmp_path, {"d": dataset})
    assert diags == []
    record = catalog.by_id["d"]
    assert record.splits == {"train": "322K", "test": "13.1K", "dev": "423"}
    assert record.length_kwords is not None and record.length_kwords.max == 44.2
    bad = dataset.replace("[MCQA, Summ]", "[MCQA, Sum]").replace("max: 44.2", "max: -1").replace("322K", "lots")
    diags = diag_list(tmp_path, {"d": bad})
    assert "did you mean 'Summ'" in only(diags, "LC104")[0].message
    assert len(only(diags, "LC104")) == 3


def test_benchmarks_must_name_dataset_records(tmp_path: Path) -> None:
    dataset = "id: longbench\nkind: dataset\ntitle: LongBench\ntags: [datasets]\nadded: 2026-11-01\n"
    tool = "id: vllm\nkind: toolkit\ntitle: vLLM\ntags: [toolkits]\nadded: 2026-11-01\n"
    paper = GOOD_RECORD + "benchmarks: [longbench, longbnech, vllm]\n"
    diags = diag_list(tmp_path, {"yarn": paper, "longbench": dataset, "vllm": tool})
    refs = only(diags, "LC202")
    assert len(refs) == 2
    assert "did you mean 'longbench'" in refs[0].message
    assert "a toolkit record, not a dataset" in refs[1].message


def test_affiliations_parallel_list(tmp_path: Path) -> None:
    good = GOOD_RECORD.replace("date:", "affiliations: [Nous Research, null]\ndate:")
    catalog, diags = check(tmp_path, {"yarn": good})
    assert diags == []
    assert catalog.by_id["yarn"].authors[0].affiliations == ("Nous Research",)
    short = GOOD_RECORD.replace("date:", "affiliations: [Nous Research]\ndate:")
    assert "1 entries but 'authors' has 2" in only(diag_list(tmp_path, {"yarn": short}), "LC104")[0].message


def test_affiliation_per_author_and_not_both(tmp_path: Path) -> None:
    per = GOOD_RECORD.replace("  - Bowen Peng\n", "  - name: Bowen Peng\n    affiliation: [EleutherAI, Nous]\n")
    catalog, diags = check(tmp_path, {"yarn": per})
    assert diags == []
    assert catalog.by_id["yarn"].authors[0].affiliations == ("EleutherAI", "Nous")
    both = per.replace("date:", "affiliations: [a, b]\ndate:")
    assert "both" in only(diag_list(tmp_path, {"yarn": both}), "LC104")[0].message


def test_tldr_rules(tmp_path: Path) -> None:
    long = "tldr: " + " ".join(["It does a thing."] * 3)
    (d,) = only(diag_list(tmp_path, {"yarn": with_field(
        "tldr: Rescales RoPE frequencies so a short fine-tune reaches a much longer window.", long)}), "LC141")
    assert d.severity is Severity.WARNING
    no_tldr = "\n".join(line for line in GOOD_RECORD.splitlines() if not line.startswith("tldr")) + "\n"
    assert only(diag_list(tmp_path, {"yarn": no_tldr}), "LC142")[0].severity is Severity.WARNING
    # ... unless the record says openly that nobody has read it yet
    assert diag_list(tmp_path, {"yarn": no_tldr.replace("status: read", "status: unread")}) == []
    # Datasets, models and toolkits may go without.
    tool = "id: vllm\nkind: toolkit\ntitle: vLLM\ntags: [toolkits]\nadded: 2026-11-01\n"
    assert diag_list(tmp_path, {"vllm": tool}) == []


def test_sentence_counting_ignores_abbreviations() -> None:
    assert count_sentences("Uses e.g. RoPE and ALiBi, i.e. relative encodings, as in Press et al. 2021.") == 1
    assert count_sentences("One. Two. Three.") == 3


def test_missing_added_is_a_warning(tmp_path: Path) -> None:
    diags = diag_list(tmp_path, {"yarn": GOOD_RECORD.replace("added: 2026-11-20\n", "")})
    (d,) = only(diags, "LC143")
    assert "added: 2026-11-22" in d.message


def test_not_a_mapping(tmp_path: Path) -> None:
    assert only(diag_list(tmp_path, {"a": "- just\n- a list\n"}), "LC005")
    assert only(diag_list(tmp_path, {"a": ""}), "LC005")


def test_every_problem_in_a_file_is_reported_at_once(tmp_path: Path) -> None:
    text = GOOD_RECORD.replace("tags: [rope-scaling]", "tags: [nope]").replace("status: read", "status: x") + (
        "extra: 1\n")
    assert {d.code for d in diag_list(tmp_path, {"yarn": text})} >= {"LC201", "LC104", "LC101"}


# --- taxonomy -----------------------------------------------------------------


def test_taxonomy_duplicate_ids(tmp_path: Path) -> None:
    tax = MINI_TAXONOMY + "- id: datasets\n  title: Again\n"
    (d,) = only(diag_list(tmp_path, {"yarn": GOOD_RECORD}, taxonomy=tax), "LC302")
    assert d.location.path == "taxonomy.yaml" and "already used" in d.message


def test_taxonomy_cycle_through_alias(tmp_path: Path) -> None:
    tax = "- &root\n  id: a\n  title: A\n  children:\n    - *root\n"
    only(diag_list(tmp_path, {}, taxonomy=tax), "LC303")


def test_taxonomy_subtree_repeated_by_alias_is_a_duplicate(tmp_path: Path) -> None:
    tax = "- &x\n  id: a\n  title: A\n- id: b\n  title: B\n  children: [*x]\n"
    only(diag_list(tmp_path, {}, taxonomy=tax), "LC302")


@pytest.mark.parametrize(
    "tax",
    ["- id: a\n  title: ''\n", "- id: a\n", "- id: A B\n  title: x\n", "- id: a\n  title: x\n  childs: []\n",
     "id: a\ntitle: x\n", "- just-a-string\n", "- id: a\n  title: x\n  children: b\n", ""],
)
def test_malformed_taxonomy(tmp_path: Path, tax: str) -> None:
    only(diag_list(tmp_path, {}, taxonomy=tax), "LC301")


def test_taxonomy_model(tmp_path: Path) -> None:
    catalog, diags = check(tmp_path, {"yarn": GOOD_RECORD})
    assert diags == []
    tax = catalog.taxonomy
    assert [n.id for n in tax["rope-scaling"].lineage()] == ["methodology", "extended-rope", "rope-scaling"]
    assert tax.branch("rope-scaling").id == "methodology"
    assert list(tax.nodes)[:3] == ["methodology", "extended-rope", "rope-scaling"]


# --- metrics data file ------------------------------------------------------------


def test_metrics_file(tmp_path: Path) -> None:
    good = "metrics: [Acc/F1, EM]\ntasks:\n  MCQA: [Acc/F1]\n  ExtQA: [Acc/F1, EM]\n"
    catalog, diags = check(tmp_path, {}, extra={"data/metrics.yaml": good})
    assert diags == [] and catalog.metrics == {"metrics": ("Acc/F1", "EM"), "tasks": {"MCQA": ("Acc/F1",),
                                                                                    "ExtQA": ("Acc/F1", "EM")}}
    bad = "metrics: [Acc/F1]\ntasks:\n  MCQ: [Acc/F1]\n  ExtQA: [Acc/F2]\n"
    diags = diag_list(tmp_path, {}, extra={"data/metrics.yaml": bad})
    assert len(only(diags, "LC401")) == 2


# --- the schema is defined once ---------------------------------------------------------


def test_record_dataclass_mirrors_the_schema() -> None:
    model_fields = [f.name for f in dataclasses.fields(Record)]
    derived = {"path", "arxiv_meta", "affiliations"}  # provenance; fetched (data/arxiv/); folded into authors
    assert [f for f in model_fields if f not in derived] == [f for f in FIELD_ORDER if f not in derived]


def test_every_code_has_a_symbol_and_description() -> None:
    symbols = [symbol for symbol, _, _ in CODES.values()]
    assert len(symbols) == len(set(symbols))
    assert all(desc for _, _, desc in CODES.values())
