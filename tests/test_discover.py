"""`longctx discover` with the real arxiv client against the fake arXiv on 127.0.0.1 (tests/fake_arxiv.py).

The fake serves one invented week (fixtures/arxiv/listing.yaml) that mixes long-context
work with other ML work; "today" is pinned to 2026-11-22 by conftest.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from conftest import GOOD_RECORD, write_catalog
from fake_arxiv import FakeArxiv, env_for, on_topic_ids, running
from longctx_catalog.cli import cli
from longctx_catalog.discover import build_query
from longctx_catalog.validate import load_catalog
from test_enrich import changed, snapshot

RECORDS = {
    "yarn": GOOD_RECORD,
    "stretchy": "id: stretchy\ntitle: Stretchy Rotary Positions for a Longer Context Window\ntags: [rope-scaling]\n"
                "tldr: Rescales rotary position embeddings so the context window of a language model grows.\n"
                "added: 2026-11-01\n",
    "haystack-suite": "id: haystack-suite\ntitle: A Haystack Suite of Long Documents\ntags: [datasets]\n"
                      "tldr: Hides facts in long documents and asks long-context models to retrieve them.\n"
                      "added: 2026-11-01\n",
    "windowed": "id: windowed\ntitle: Windowed Attention for Long Sequences\ntags: [sparse-attention]\n"
                "tldr: Tokens attend to a window of neighbours, so attention cost grows linearly with sequence "
                "length.\nadded: 2026-11-01\n",
    # Already in the catalogue: by arXiv id, and by title (a record without an id).
    "memory-tokens": "id: memory-tokens\narxiv: '2611.10002'\ntags: [sparse-attention]\nadded: 2026-11-01\n",
    "kv-squeeze": "id: kv-squeeze\ntitle: Compressing the KV caches for long-context inference!\n"
                  "tags: [sparse-attention]\nadded: 2026-11-01\n",
}


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeArxiv]:
    with running() as server:
        for key, value in env_for(server.url).items():
            monkeypatch.setenv(key, value)
        server.add_listing()
        yield server


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return write_catalog(tmp_path / "c", RECORDS)


def discover(root: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--root", str(root), "discover", *args], catch_exceptions=False)


def test_listing_is_ranked_tagged_and_leaves_out_what_the_catalogue_holds(fake: FakeArxiv, root: Path) -> None:
    before = snapshot(root)
    result = discover(root, "--format", "json")
    assert result.exit_code == 0, result.stderr
    [request] = fake.requests
    assert request.params["search_query"] == (
        "(cat:cs.CL OR cat:cs.LG OR cat:cs.AI OR cat:cs.CV) AND submittedDate:[202611160000 TO 202611222359]")
    assert int(request.params["max_results"]) >= 100 and request.params["start"] == "0"
    assert request.params["sortBy"] == "submittedDate"
    found = json.loads(result.stdout)
    ids = [c["arxiv"] for c in found]
    # Known by id (2611.10002) and by title (2611.10004) are left out; cs.RO and last week's are not asked for.
    assert sorted(ids) == ["2611.10001", "2611.10003", *(f"2611.2000{i}" for i in range(1, 7))]
    on_topic = on_topic_ids() & set(ids)
    assert set(ids[:len(on_topic)]) == on_topic  # precision 1 among the top k
    scores = [c["score"] for c in found]
    assert scores == sorted(scores, reverse=True) and all(0 <= s <= 1 for s in scores)
    assert min(s for c, s in zip(ids, scores, strict=True) if c in on_topic) > 0.5 > max(scores[len(on_topic):])
    by_id = {c["arxiv"]: c for c in found}
    assert by_id["2611.10001"]["tags"][0] == "rope-scaling"
    assert by_id["2611.10003"]["tags"][0] == "datasets"
    first = by_id["2611.10003"]
    assert first["title"] == "HaystackBench: Finding Needles in Long-Context Documents"
    assert first["authors"] == ["Olu Bankole", "Mia Stone", "Kai Lenz", "Ruth Abara"]
    assert first["published"] == "2026-11-19" and first["url"] == "https://arxiv.org/abs/2611.10003"
    assert 1 <= len(first["tags"]) <= 3 and len(first["confidence"]) == len(first["tags"])
    assert first["confidence"] == sorted(first["confidence"], reverse=True)
    assert "10 entries submitted 2026-11-16 to 2026-11-22" in result.stderr
    assert "2 already in the catalogue" in result.stderr
    assert changed(before, snapshot(root)) == []


def test_same_listing_gives_the_same_output(fake: FakeArxiv, root: Path) -> None:
    assert discover(root, "--format", "json").stdout == discover(root, "--format", "json").stdout


def test_text_and_markdown_formats(fake: FakeArxiv, root: Path) -> None:
    text = discover(root, "--limit", "3")
    assert text.exit_code == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0].split() == ["score", "arXiv", "published", "suggested", "nodes", "title"]
    assert len(lines) == 4 and "showing 3 of 8" in text.stderr
    md = discover(root, "--format", "markdown")
    assert md.stdout.startswith("## Long-context candidates submitted 2026-11-16 to 2026-11-22 (cs.CL, cs.LG, ")
    boxes = [line for line in md.stdout.splitlines() if line.startswith("- [ ] ")]
    assert len(boxes) == 8
    assert boxes[0].startswith("- [ ] **") and "[arXiv 2611.1000" in boxes[0] and "suggested: `" in boxes[0]


def test_query_and_categories_narrow_the_listing(fake: FakeArxiv, root: Path) -> None:
    result = discover(root, "--query", "haystack", "--category", "cs.CL", "--since", "2026-11-01", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert fake.requests[0].params["search_query"] == (
        '(cat:cs.CL) AND submittedDate:[202611010000 TO 202611222359] AND (all:"haystack")')
    assert [c["arxiv"] for c in json.loads(result.stdout)] == ["2611.10003"]


def test_listing_is_read_page_by_page(fake: FakeArxiv, root: Path) -> None:
    fake.add_generated(450)  # submitted 2025-01-06, in cs.CL
    result = discover(root, "--since", "2025-01-01", "--until", "2025-01-31", "--limit", "1000", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert [(r.params["start"], r.params["max_results"]) for r in fake.requests] == [
        ("0", "200"), ("200", "200"), ("400", "200")]
    assert len({c["arxiv"] for c in json.loads(result.stdout)}) == 450


def test_pages_are_spaced_like_enrich_requests(fake: FakeArxiv, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LONGCTX_ARXIV_DELAY", "0.3")
    fake.add_generated(250)
    result = discover(root, "--since", "2025-01-01", "--until", "2025-01-31")
    assert result.exit_code == 0, result.stderr
    times = [r.at for r in fake.requests]
    assert len(times) == 2 and times[1] - times[0] >= 0.3


def test_empty_listing_is_not_an_error(fake: FakeArxiv, root: Path) -> None:
    result = discover(root, "--since", "2020-01-01", "--until", "2020-01-07")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "No new candidates.\n"
    assert "0 entries submitted 2020-01-01 to 2020-01-07" in result.stderr
    assert json.loads(discover(root, "--since", "2020-01-01", "--until", "2020-01-07", "--format", "json").stdout) == []


@pytest.mark.parametrize(("faults", "requests", "message"), [
    (["503"] * 3, 3, "arXiv answered HTTP 503 (after 3 attempts); 0 entries had come back"),
    (["truncated"] * 3, 3, "malformed feed"),
    (["truncated", "429"], 3, None),  # two retries, then an answer
])
def test_arxiv_faults_change_nothing_and_say_so(fake: FakeArxiv, root: Path, faults: list[str], requests: int,
                                               message: str | None) -> None:
    fake.faults = list(faults)
    before = snapshot(root)
    result = discover(root, "--format", "json")
    assert len(fake.requests) == requests
    assert "trying again in" in result.stderr  # retries are announced, as in add
    if message is None:
        assert result.exit_code == 0, result.stderr
        assert len(json.loads(result.stdout)) == 8
    else:
        assert result.exit_code == 2
        assert result.stdout == ""
        assert "error: the arXiv listing could not be read: " in result.stderr and message in result.stderr
        assert "Nothing was written." in result.stderr
    assert changed(before, snapshot(root)) == []


def test_a_failure_on_a_later_page_prints_nothing(fake: FakeArxiv, root: Path) -> None:
    fake.add_generated(250)
    fake.faults = ["ok", "503", "503", "503"]
    result = discover(root, "--since", "2025-01-01", "--until", "2025-01-31", "--format", "json")
    assert result.exit_code == 2 and result.stdout == ""
    assert "200 entries had come back" in result.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["--since", "2026-13-01"], "'2026-13-01' is not a date like 2026-11-23"),
    (["--until", "yesterday"], "'yesterday' is not a date"),
    (["--since", "2026-11-20", "--until", "2026-11-10"], "--since 2026-11-20 is after --until 2026-11-10"),
    (["--category", "cs.CLL"], "unknown arXiv category 'cs.CLL' (did you mean cs.CL?)"),
    (["--category", "biology"], "unknown arXiv category 'biology'"),
    (["--limit", "0"], "--limit"),
    (["--format", "yaml"], "--format"),
    (["2611.10001"], "ARXIV_IDs are for --add"),
    (["--add"], "--add needs the arXiv ids"),
    (["--add", "2611.1"], "not a valid arXiv id: 2611.1"),
])
def test_bad_arguments_are_usage_errors(fake: FakeArxiv, root: Path, args: list[str], message: str) -> None:
    result = discover(root, *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert fake.requests == []


def test_add_writes_unread_records_with_suggested_tags(fake: FakeArxiv, root: Path) -> None:
    result = discover(root, "--add", "2611.10001", "arXiv:2611.10003")
    assert result.exit_code == 0, result.stderr
    [request] = fake.requests
    assert request.ids == ["2611.10001", "2611.10003"]
    records = {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in (root / "papers").glob("*.yaml")
               if p.stem not in RECORDS}
    assert len(records) == 2
    by_arxiv = {r["arxiv"]: r for r in records.values()}
    assert by_arxiv["2611.10001"]["tags"] == ["rope-scaling"]
    assert by_arxiv["2611.10003"]["tags"] == ["datasets"]
    assert {r["status"] for r in records.values()} == {"unread"}
    assert (root / "data" / "arxiv" / "2611.10001.yaml").exists()
    assert (root / "data" / "arxiv" / "2611.10003.yaml").exists()
    _, diags = load_catalog(root)
    assert [d for d in diags if d.is_error] == []


def test_add_with_arxiv_down_writes_nothing(fake: FakeArxiv, root: Path) -> None:
    fake.always = "503"
    before = snapshot(root)
    result = discover(root, "--add", "2611.10001")
    assert result.exit_code == 2
    assert "Nothing was written." in result.stderr
    assert changed(before, snapshot(root)) == []


def test_add_refuses_what_the_catalogue_holds(fake: FakeArxiv, root: Path) -> None:
    result = discover(root, "--add", "2611.10002")
    assert result.exit_code == 2
    assert "2611.10002 is already in the catalogue: papers/memory-tokens.yaml" in result.stderr
    assert fake.requests == []


def test_query_text_with_a_field_prefix_is_passed_on() -> None:
    import datetime as dt

    day = dt.date(2026, 11, 2)
    assert build_query(["cs.CL"], day, day, 'abs:"long context"') == (
        '(cat:cs.CL) AND submittedDate:[202611020000 TO 202611022359] AND (abs:"long context")')
