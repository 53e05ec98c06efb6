"""Facts of the shipped catalogue that were once wrong and must stay right (issue 17).

Each test reads the real records, so a regression in the data (a re-import, a hand
edit) fails here with the record named.
"""

from __future__ import annotations

from functools import cache

import pytest

from conftest import REPO
from longctx_catalog.bibtex import entry_for
from longctx_catalog.model import Catalog, Record
from longctx_catalog.pages import Views
from longctx_catalog.present import news_date, sort_latest_added
from longctx_catalog.schema.specs import arxiv_year_month
from longctx_catalog.validate import load_catalog

pytestmark = pytest.mark.real_clock


@cache
def shipped() -> Catalog:
    catalog, diagnostics = load_catalog(REPO)
    assert not [d for d in diagnostics if d.is_error], [str(d) for d in diagnostics if d.is_error]
    return catalog


def record(rid: str) -> Record:
    return shipped().by_id[rid]


def test_every_paper_and_survey_names_its_authors() -> None:
    bare = sorted(r.id for r in shipped().records if r.kind in ("paper", "survey") and not r.authors)
    assert bare == []
    # Cut short by "and others" in the seed BibTeX once; the full lists are long.
    assert [len(record(r).authors) for r in ("bigbird", "performer", "retro")] == [11, 13, 28]
    assert record("retro").authors[-1].name == "Laurent Sifre"
    assert [a.name for a in record("rmt").authors] == ["Aydar Bulatov", "Yuri Kuratov", "Mikhail S. Burtsev"]
    for rid in ("attention-buckets", "context-window-100-samples", "extensible-tokenization", "infinite-llm",
                "ring-attention"):
        assert len(record(rid).authors) >= 2, rid
    # no shown citation falls back to "and others" (or to an invented key for want of authors)
    cut = sorted(r.id for r in shipped().records if r.bibtex and " and others" in r.bibtex)
    assert cut == []


FIRST_VERSIONS = {  # record -> (arXiv id, month of its v1); the venue's year is later
    "sled": ("2208.00748", "2022-08"),
    "sandwich": ("2212.10356", "2022-12"),
    "efficiently-scaling-transformer-inference": ("2211.05102", "2022-11"),
    "retro": ("2112.04426", "2021-12"),
    "segatron": ("2004.14996", "2020-04"),
    "routing-transformer": ("2003.05997", "2020-03"),
    "transformers-survey": ("2106.04554", "2021-06"),
    "pegasus": ("1912.08777", "2019-12"),
    "bigbird": ("2007.14062", "2020-07"),
}


@pytest.mark.parametrize("rid", list(FIRST_VERSIONS))
def test_dates_are_first_public_versions(rid: str) -> None:
    arxiv, month = FIRST_VERSIONS[rid]
    assert (record(rid).arxiv, record(rid).date) == (arxiv, month)


def test_no_record_is_dated_after_its_arxiv_v1() -> None:
    late = []
    for r in shipped().records:
        ym = arxiv_year_month(r.arxiv) if r.arxiv else None
        if ym and r.date and r.date[:7] > f"{ym[0]:04d}-{ym[1]:02d}":
            late.append(f"{r.id}: {r.date} after arXiv {r.arxiv}")
    assert late == []


def test_code_and_identifiers() -> None:
    lm_infinite = record("lm-infinite").code
    assert [(c.url, c.official) for c in lm_infinite][:1] == [("https://github.com/Glaciohound/LM-Infinite", True)]
    # lucidrains re-implements papers; his repositories are never a paper's official code
    wrong = sorted(r.id for r in shipped().records for c in r.code
                   if "github.com/lucidrains/" in c.url and c.official)
    assert wrong == []
    assert record("infinitebench").arxiv == "2402.13718"


def test_max_context_counts_k_as_1024_tokens() -> None:
    # The survey's table writes L_max in k = 1,024 tokens; the record stores the tokens it means.
    assert record("chatglm3-6b-128k").max_context == 128 * 1024
    assert record("gpt4").max_context == 8 * 1024
    models = [r for r in shipped().records if r.kind == "model"]
    assert models and all(r.max_context and r.max_context % 1024 == 0 for r in models)


def test_read_means_read_and_unread_means_no_summary_yet() -> None:
    # The old `status: read` marks were on records nobody had read; they went.
    assert [r.id for r in shipped().records if r.status == "read" and not r.tldr] == []
    assert all(record(r).status is None for r in ("yarn", "alibi", "ring-attention"))
    assert all(r.status == "unread" for r in shipped().records if r.tldr is None and r.kind != "model")


def test_real_addition_dates() -> None:
    added = {rid: record(rid).added for rid in ("infinitebench", "chatglm3-6b-128k", "gpt4-turbo", "longbench")}
    assert added == {"infinitebench": "2023-12-19", "chatglm3-6b-128k": "2024-01-30",
                     "gpt4-turbo": "2024-01-25", "longbench": "2023-08-29"}


def test_latest_means_newest_news_not_a_bulk_import_day() -> None:
    bulk = "2026-11-22"
    records = [Record("old", date="2019-10", added=bulk), Record("new", date="2024-01", added=bulk),
               Record("undated", added=bulk), Record("early", date="2024-02", added="2023-12-19"),
               Record("fresh", date="2026-11", added="2026-11-30")]
    # a work added before its paper came out is news from the day it was added
    assert [r.id for r in sort_latest_added(records)] == ["fresh", "new", "early", "old", "undated"]
    assert news_date(records[3]) == "2023-12-19"
    # the shipped README's lists: nothing left out is newer than what is shown
    views = Views(shipped())
    for kinds in (["paper", "survey"], ["model"], ["dataset"]):
        shown = views.latest_added(kinds, 5)
        rest = [r for r in shipped().records if r.kind in kinds and r not in shown and r.date]
        assert len(shown) == 5 and all(r.date for r in shown)
        assert min(news_date(r) for r in shown) >= max(news_date(r) for r in rest)
    assert "chatglm3-6b-32k" in {r.id for r in views.latest_added(["model"], 5)}


def test_dataset_task_flags_match_what_the_datasets_are() -> None:
    flags = {rid: record(rid).task_types for rid in ("contractnli", "longchat-lines", "nature-questions")}
    assert flags == {"contractnli": ("Class",), "longchat-lines": ("ExtQA",), "nature-questions": ("ExtQA",)}


def test_tldrs_summarise_the_work_not_where_a_list_filed_it() -> None:
    where = ("listed among", "listed here", "long-llms-learning")
    filed = sorted(r.id for r in shipped().records if r.tldr and any(p in r.tldr.lower() for p in where))
    assert filed == []


def test_every_metric_is_defined() -> None:
    metrics = shipped().metrics
    assert metrics is not None
    assert set(metrics.get("definitions", {})) == set(metrics["metrics"])


def test_no_exported_citation_has_an_invented_key() -> None:
    keys = [entry_for(r).split("{", 1)[1].split(",", 1)[0] for r in shipped().records]
    assert [k for k in keys if k.startswith("anon")] == []
    assert entry_for(record("chatglm3-6b-128k")).startswith("@misc{chatglm3-6b-128k,")
