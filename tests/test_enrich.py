"""`longctx enrich` with the real arxiv client against a fake arXiv on 127.0.0.1 (tests/fake_arxiv.py).

Every fault test hashes every file of the catalogue before and after, and counts the
requests the server saw.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import re
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import GOOD_RECORD, write_catalog
from fake_arxiv import FIXTURES, FakeArxiv, closed_port, env_for, running
from longctx_catalog.cli import cli
from longctx_catalog.enrich.arxiv import DEFAULT_API, ArxivSource, Settings, SettingsError
from longctx_catalog.enrich.cache import cache_file, dump_meta, read_meta
from longctx_catalog.enrich.events import EVENTS_FILE, ArxivEvent, load_events
from longctx_catalog.validate import load_catalog

BARE = "id: {name}\narxiv: '{arxiv}'\ntags: [datasets]\nadded: 2026-11-01\n"


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeArxiv]:
    with running() as server:
        for key, value in env_for(server.url).items():
            monkeypatch.setenv(key, value)
        yield server


def bare(name: str, arxiv: str) -> str:
    return BARE.format(name=name, arxiv=arxiv)


def catalogue(tmp_path: Path, records: dict[str, str] | None = None) -> Path:
    records = records if records is not None else {
        "yarn": GOOD_RECORD,  # curated title, authors and date that differ from what arXiv says
        "needlework": bare("needlework", "2403.33333"),  # only an id: enrichment fills the rest
        "strings": bare("strings", "hep-th/9901001"),  # an old-style id
    }
    return write_catalog(tmp_path / "c", records)


def enrich(root: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--root", str(root), "enrich", *args], catch_exceptions=False)


def snapshot(root: Path) -> dict[str, tuple[str, int]]:
    """Every file under root: content hash and modification time."""
    return {
        p.relative_to(root).as_posix(): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def changed(before: dict[str, tuple[str, int]], after: dict[str, tuple[str, int]]) -> list[str]:
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


def no_temp_files(root: Path) -> bool:
    return not [p for p in root.rglob("*.tmp")]


# --- the happy path -----------------------------------------------------------------------


def test_enrich_caches_metadata_and_fills_only_what_records_lack(tmp_path: Path, fake: FakeArxiv) -> None:
    root = catalogue(tmp_path)
    records_before = {p.name: p.read_bytes() for p in (root / "papers").iterdir()}
    result = enrich(root)
    assert result.exit_code == 0, result.output
    assert len(fake.requests) == 1
    assert sorted(fake.requests[0].ids) == ["2309.00071", "2403.33333", "hep-th/9901001"]
    assert "3 of 3 ids fetched in 1 request(s)" in result.stderr
    # record files are never written
    assert {p.name: p.read_bytes() for p in (root / "papers").iterdir()} == records_before
    assert sorted(p.name for p in (root / "data" / "arxiv").iterdir()) == [
        "2309.00071.yaml", "2403.33333.yaml", "hep-th_9901001.yaml"]

    catalog, diags = load_catalog(root)
    assert [d for d in diags if d.is_error] == []
    yarn, needle, strings = (catalog.by_id[i] for i in ("yarn", "needlework", "strings"))
    # curated fields win ...
    assert yarn.title == "YaRN: Efficient Context Window Extension of Large Language Models"
    assert [a.name for a in yarn.authors] == ["Bowen Peng", "Jeffrey Quesnelle"]
    assert yarn.date == "2023-08-31"
    # ... while arXiv's view is kept beside them
    assert yarn.arxiv_meta is not None
    assert yarn.arxiv_meta.title == "Stretching Rotary Positions, an Invented Study of Window Growth"
    assert yarn.arxiv_meta.version == 2 and yarn.arxiv_meta.updated == "2023-11-01"
    assert yarn.arxiv_meta.published == "2023-08-31"
    assert yarn.arxiv_meta.abstract == ("We pretend to stretch rotary position embeddings and report numbers that "
                                        "nobody measured. The abstract wraps over lines the way arXiv's do.")
    assert yarn.arxiv_meta.comment == "12 pages, 4 imaginary figures"
    assert yarn.arxiv_meta.authors[0].affiliations == ("Invented Institute of Testing",)
    # a record with only an id gets title, authors (with affiliations) and the v1 date
    assert needle.title == "Needlework: Locating Invented Facts in Long Haystacks"
    assert [(a.name, a.affiliations) for a in needle.authors] == [
        ("Gus Lindqvist", ("Nowhere Polytechnic",)), ("Hana Sato", ("Nowhere Polytechnic",))]
    assert needle.date == "2024-03-10"
    meta = needle.arxiv_meta
    assert meta is not None and (meta.primary_category, meta.categories) == ("cs.CL", ("cs.CL", "cs.IR"))
    assert strings.arxiv_meta is not None and strings.arxiv_meta.journal_ref == "Imaginary Phys. Lett. 12 (1999) 34-56"
    assert strings.arxiv_meta.doi == "10.0000/invented.1999.001"


def test_second_run_makes_no_request_and_changes_no_file(tmp_path: Path, fake: FakeArxiv) -> None:
    root = catalogue(tmp_path)
    assert enrich(root).exit_code == 0
    before, n = snapshot(root), len(fake.requests)
    result = enrich(root)
    assert result.exit_code == 0
    assert len(fake.requests) == n
    assert changed(before, snapshot(root)) == []
    assert "Nothing to fetch" in result.stderr


def test_refresh_without_news_asks_again_but_changes_no_file(tmp_path: Path, fake: FakeArxiv) -> None:
    root = catalogue(tmp_path)
    assert enrich(root).exit_code == 0
    before = snapshot(root)
    result = enrich(root, "--refresh")
    assert result.exit_code == 0, result.output
    assert len(fake.requests) == 2
    assert changed(before, snapshot(root)) == []
    assert not (root / EVENTS_FILE).exists()


def test_cache_files_are_deterministic(tmp_path: Path, fake: FakeArxiv) -> None:
    one = catalogue(tmp_path / "one")
    two = catalogue(tmp_path / "two")
    assert enrich(one).exit_code == 0 and enrich(two).exit_code == 0
    files = sorted((one / "data" / "arxiv").iterdir())
    assert files and all(f.read_bytes() == (two / "data" / "arxiv" / f.name).read_bytes() for f in files)
    meta, diags = read_meta(one, "2309.00071")
    assert diags == [] and meta is not None
    assert dump_meta(meta) == cache_file(one, "2309.00071").read_text(encoding="utf-8")  # round trip


def test_a_literal_arxiv_feed_is_read_field_by_field(tmp_path: Path, fake: FakeArxiv) -> None:
    fake.verbatim = (FIXTURES / "two-papers.xml").read_bytes()
    root = catalogue(tmp_path, {"walls": bare("walls", "2406.66666"), "counting": bare("counting", "2405.55555")})
    assert enrich(root).exit_code == 0
    catalog, _ = load_catalog(root)
    walls = catalog.by_id["walls"]
    meta = walls.arxiv_meta
    assert meta is not None
    assert walls.title == "Windows Without Walls: An Invented Account of Unbounded Attention"
    assert (meta.version, meta.published, meta.updated) == (3, "2024-06-14", "2024-09-30")
    assert [(a.name, a.affiliations) for a in meta.authors] == [
        ("Juno Ferreira", ("Made-Up Research Centre",)),
        ("Kai Lehmann", ("Fictional Technical University", "Made-Up Research Centre")),
    ]
    assert meta.abstract == ("This abstract is invented for a test fixture. It is wrapped the way arXiv wraps "
                             "abstracts, with a hard line break in the middle of a sentence and leading spaces.")
    assert (meta.primary_category, meta.categories) == ("cs.LG", ("cs.LG", "cs.CL"))
    assert meta.comment == "Camera-ready for an imaginary venue; 9 pages"
    assert meta.journal_ref == "Journal of Invented Results 7 (2024) 1-9"
    assert meta.doi == "10.0000/invented.2024.066"
    counting = catalog.by_id["counting"].arxiv_meta
    assert counting is not None and (counting.comment, counting.journal_ref, counting.doi) == (None, None, None)


# --- batching and politeness --------------------------------------------------------------


def test_250_ids_cost_3_requests_of_at_most_100(tmp_path: Path, fake: FakeArxiv) -> None:
    ids = fake.add_generated(250)
    root = catalogue(tmp_path, {f"study-{i:03d}": bare(f"study-{i:03d}", arxiv) for i, arxiv in enumerate(ids)})
    result = enrich(root)
    assert result.exit_code == 0, result.output
    assert len(fake.requests) == math.ceil(250 / 100)
    assert sorted(len(r.ids) for r in fake.requests) == [50, 100, 100]
    assert sorted(i for r in fake.requests for i in r.ids) == sorted(ids)  # each id asked once
    assert all(r.params["start"] == "0" for r in fake.requests)  # never a second page
    assert len(list((root / "data" / "arxiv").glob("*.yaml"))) == 250
    assert "250 of 250 ids fetched in 3 request(s)" in result.stderr


def test_unknown_ids_are_named_and_cost_no_extra_page(tmp_path: Path, fake: FakeArxiv) -> None:
    # arXiv leaves unknown ids out but still counts them in totalResults; the client
    # would then ask for a second page (lukasschwab/arxiv.py#82). We must not.
    root = catalogue(tmp_path, {"needlework": bare("needlework", "2403.33333"),
                                "ghost": "# a comment\nid: ghost\narxiv:   '2410.99999'\ntags: [datasets]\n"})
    before = snapshot(root)
    result = enrich(root)
    assert result.exit_code == 1
    assert len(fake.requests) == 1
    assert result.stdout.splitlines() == [
        "papers/ghost.yaml:3:10: error: arXiv 2410.99999: arXiv has no paper with this id; check the id on "
        "arxiv.org [LC511 arxiv-unknown-id]"]
    assert changed(before, snapshot(root)) == ["data/arxiv/2403.33333.yaml"]
    # a re-run asks only for what is still missing
    assert enrich(root).exit_code == 1
    assert fake.requests[-1].ids == ["2410.99999"]


def test_requests_are_spaced_by_the_delay(tmp_path: Path, fake: FakeArxiv, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LONGCTX_ARXIV_DELAY", "0.25")
    ids = fake.add_generated(201)
    root = catalogue(tmp_path, {f"s-{i}": bare(f"s-{i}", arxiv) for i, arxiv in enumerate(ids)})
    assert enrich(root).exit_code == 0
    times = [r.at for r in fake.requests]
    assert len(times) == 3
    assert min(b - a for a, b in itertools.pairwise(times)) >= 0.25


def test_retries_back_off_and_then_succeed(tmp_path: Path, fake: FakeArxiv) -> None:
    fake.faults = ["503", "429"]  # then normal answers
    root = catalogue(tmp_path)
    result = enrich(root)
    assert result.exit_code == 0, result.output
    assert len(fake.requests) == 3
    assert len(list((root / "data" / "arxiv").glob("*.yaml"))) == 3


def test_settings_come_from_the_option_then_the_environment() -> None:
    env = {"LONGCTX_ARXIV_API": "http://127.0.0.1:9/api/query", "LONGCTX_ARXIV_DELAY": "0.5",
           "LONGCTX_ARXIV_RETRIES": "1", "LONGCTX_ARXIV_BACKOFF": "0", "LONGCTX_ARXIV_TIMEOUT": "2"}
    assert Settings.from_env(None, env) == Settings("http://127.0.0.1:9/api/query", 0.5, 2.0, 1, 0.0)
    assert Settings.from_env("http://mirror.example.org/q", env).api == "http://mirror.example.org/q"
    assert Settings.from_env(None, {}) == Settings(DEFAULT_API, 3.0, 30.0, 3, 5.0)
    # arXiv's own host never gets less than its terms allow
    assert Settings.from_env(None, {"LONGCTX_ARXIV_DELAY": "0"}).delay == 3.0
    for bad in ({"LONGCTX_ARXIV_DELAY": "soon"}, {"LONGCTX_ARXIV_RETRIES": "-1"}, {"LONGCTX_ARXIV_API": "ftp://x"},
                {"LONGCTX_ARXIV_TIMEOUT": "nan"}):
        with pytest.raises(SettingsError, match=next(iter(bad)) if "API" not in next(iter(bad)) else "http"):
            Settings.from_env(None, bad)


def test_bad_setting_is_a_usage_error_before_any_request(tmp_path: Path, fake: FakeArxiv,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LONGCTX_ARXIV_DELAY", "three")
    result = enrich(catalogue(tmp_path))
    assert result.exit_code == 2
    assert "LONGCTX_ARXIV_DELAY='three' must be a number of seconds" in result.stderr
    assert fake.requests == []


def test_endpoint_option_beats_environment_and_keeps_its_query(tmp_path: Path, fake: FakeArxiv,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LONGCTX_ARXIV_API", f"http://127.0.0.1:{closed_port()}/nothing")
    root = catalogue(tmp_path)
    mirror = f"http://127.0.0.1:{fake.port}/mirror/api/query?key=k1"
    assert enrich(root, "--arxiv-api", mirror).exit_code == 0
    (request,) = fake.requests
    assert request.path == "/mirror/api/query"
    assert request.params["key"] == "k1" and len(request.ids) == 3


def test_no_proxy_is_honoured_for_loopback(tmp_path: Path, fake: FakeArxiv, monkeypatch: pytest.MonkeyPatch) -> None:
    dead_proxy = f"http://127.0.0.1:{closed_port()}"
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.setenv(name, dead_proxy)
    root = catalogue(tmp_path)
    assert enrich(root).exit_code == 0  # NO_PROXY=127.0.0.1 (from env_for) bypasses the dead proxy
    assert len(fake.requests) == 1
    monkeypatch.delenv("NO_PROXY")
    monkeypatch.delenv("no_proxy")
    assert enrich(root, "--refresh").exit_code == 2  # without it, the proxy is used: proof it is read
    assert len(fake.requests) == 1


def test_the_client_still_keeps_its_session_where_we_replace_it() -> None:
    # We hand arxiv.Client our transport through Client._session; a new arxiv release
    # that moves it must fail here, not silently lose the timeout.
    source = ArxivSource(Settings(api="http://127.0.0.1:9/api/query", delay=0))
    assert source.client._session is source.transport
    assert source.client.query_url_format == "http://127.0.0.1:9/api/query?{}"


# --- faults lose nothing ----------------------------------------------------------------------


def _fault_run(tmp_path: Path, fake: FakeArxiv) -> tuple[Path, Result, dict[str, tuple[str, int]]]:
    root = catalogue(tmp_path)
    before = snapshot(root)
    return root, enrich(root), before


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ("503", "arXiv answered HTTP 503 (after 3 attempts)"),
        ("malformed", "arXiv sent a <html> document where an Atom feed was expected (after 3 attempts)"),
        ("garbage", "arXiv sent a malformed feed (not well-formed (invalid token): line 1, column 0)"),
        ("truncated", "arXiv sent a malformed feed ("),
        ("short-body", "the answer from arXiv broke off: the feed ended before its announced length"),
    ],
)
def test_a_fault_for_good_changes_no_file(tmp_path: Path, fake: FakeArxiv, fault: str, reason: str) -> None:
    fake.always = fault
    root, result, before = _fault_run(tmp_path, fake)
    assert result.exit_code == 2, result.output
    assert len(fake.requests) == 3  # one try and two retries (LONGCTX_ARXIV_RETRIES=2)
    assert changed(before, snapshot(root)) == [] and no_temp_files(root)
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    assert all(f"{reason}" in line and "[LC513 arxiv-fetch-failed]" in line for line in lines), lines
    assert {line.split(": error: ")[0] for line in lines} == {
        "papers/yarn.yaml:3:8", "papers/needlework.yaml:2:8", "papers/strings.yaml:2:8"}
    assert "Traceback" not in result.output


def test_timeout(tmp_path: Path, fake: FakeArxiv, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LONGCTX_ARXIV_TIMEOUT", "0.2")
    monkeypatch.setenv("LONGCTX_ARXIV_RETRIES", "1")
    fake.always, fake.hang = "timeout", 1.0
    root, result, before = _fault_run(tmp_path, fake)
    assert result.exit_code == 2
    assert len(fake.requests) == 2
    assert changed(before, snapshot(root)) == []
    assert "arXiv did not answer within 0.2 s (after 2 attempts)" in result.stdout


def test_connection_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in env_for(f"http://127.0.0.1:{closed_port()}/api/query").items():
        monkeypatch.setenv(key, value)
    root, result, before = _fault_run(tmp_path, FakeArxiv())
    assert result.exit_code == 2
    assert changed(before, snapshot(root)) == []
    assert result.stdout.count("connection refused (after 3 attempts)") == 3
    assert "in 3 request(s)" in result.stderr  # the attempts, counted by our transport


def _without(tag: str) -> Callable[[str], str]:
    return lambda entry: re.sub(rf"\s*<{tag}>[^<]*</{tag}>", "", entry)


@pytest.mark.parametrize(("edit", "reason"), [
    (_without("published"), "without <published>"),
    (_without("updated"), "without <updated>"),
    (_without("id"), "arXiv sent an entry without an <id>"),
    (lambda e: re.sub(r"<published>[^<]*<", "<published>not-a-date<", e), "with <published> 'not-a-date', which is "
     "not a date"),
    (lambda e: re.sub(r"(<id>[^<]*v)\d+<", lambda m: m[1] + "9" * 5000 + "<", e), "version number has 5000 digits"),
    (lambda e: re.sub(r"<summary>[^<]*<", "<summary>" + "long " * 40_000 + "<", e), "with a <summary> of 200,000 "
     "characters"),
])
def test_a_broken_entry_is_a_server_fault_not_an_unknown_id(tmp_path: Path, fake: FakeArxiv,
                                                            monkeypatch: pytest.MonkeyPatch,
                                                            edit: Callable[[str], str], reason: str) -> None:
    monkeypatch.setenv("LONGCTX_ARXIV_RETRIES", "0")
    fake.edit_entry = edit
    root, result, before = _fault_run(tmp_path, fake)
    assert result.exit_code == 2, result.output
    assert changed(before, snapshot(root)) == [] and no_temp_files(root)
    lines = result.stdout.splitlines()
    assert len(lines) == 3 and all(reason in line and "[LC513 arxiv-fetch-failed]" in line for line in lines), lines
    assert "no paper with this id" not in result.output and "Traceback" not in result.output


def test_an_endless_answer_is_cut_off_at_the_size_cap(tmp_path: Path, fake: FakeArxiv,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LONGCTX_ARXIV_RETRIES", "0")
    fake.always = "endless"
    root, result, before = _fault_run(tmp_path, fake)
    assert result.exit_code == 2, result.output
    assert result.stdout.count("arXiv's answer is larger than 16 MB") == 3
    assert changed(before, snapshot(root)) == []


def test_a_trickling_server_is_given_up_at_the_deadline(tmp_path: Path, fake: FakeArxiv,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    # Each byte comes well within the 1 s read timeout; the whole feed would take minutes.
    monkeypatch.setenv("LONGCTX_ARXIV_RETRIES", "1")
    monkeypatch.setenv("LONGCTX_ARXIV_TIMEOUT", "1")
    monkeypatch.setenv("LONGCTX_ARXIV_DEADLINE", "1.5")
    fake.always, fake.trickle = "trickle", 0.05
    start = time.monotonic()
    root, result, before = _fault_run(tmp_path, fake)
    assert time.monotonic() - start < 8  # two attempts of 1.5 s, not the minutes the feed would take
    assert result.exit_code == 2, result.output
    assert result.stdout.count("arXiv did not finish answering within 1.5 s (after 2 attempts)") == 3
    assert changed(before, snapshot(root)) == []


def test_http_400_for_one_bad_id_is_isolated(tmp_path: Path, fake: FakeArxiv) -> None:
    # Our check accepts the id; arXiv does not. The batch is split until the bad id is alone.
    ids = fake.add_generated(40)
    fake.reject = {ids[17]}
    root = catalogue(tmp_path, {f"s-{i:02d}": bare(f"s-{i:02d}", arxiv) for i, arxiv in enumerate(ids)})
    before = snapshot(root)
    result = enrich(root)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"papers/s-17.yaml:2:8: error: arXiv {ids[17]}: arXiv refused the id as malformed (HTTP 400); fix the id "
        "[LC512 arxiv-rejected-id]"]
    assert len(fake.requests) <= 1 + 2 * math.ceil(math.log2(40))
    assert changed(before, snapshot(root)) == sorted(f"data/arxiv/{i}.yaml" for i in ids if i != ids[17])


def test_malformed_ids_are_never_sent(tmp_path: Path, fake: FakeArxiv) -> None:
    source = ArxivSource(Settings.from_env())
    batches = list(source.fetch(["2403.33333", "2403.3333", "hep-th/99", "2403.33333v2"]))
    assert fake.requests[0].ids == ["2403.33333"] and len(fake.requests) == 1
    failures = {f.arxiv_id: f.kind for b in batches for f in b.failures}
    assert failures == {"2403.3333": "rejected", "hep-th/99": "rejected"}
    assert [m for b in batches for m in b.found] == ["2403.33333"]


def test_a_failed_batch_keeps_the_others_and_a_rerun_resumes(tmp_path: Path, fake: FakeArxiv) -> None:
    ids = fake.add_generated(250)
    fake.fail_when_asked = {ids[150]}  # the second batch (ids 100-199) fails for good
    root = catalogue(tmp_path, {f"s-{i:03d}": bare(f"s-{i:03d}", arxiv) for i, arxiv in enumerate(ids)})
    before = snapshot(root)
    result = enrich(root)
    assert result.exit_code == 2
    assert len(fake.requests) == 1 + 3 + 1
    assert result.stdout.count("[LC513 arxiv-fetch-failed]") == 100
    written = changed(before, snapshot(root))
    assert written == sorted(f"data/arxiv/{i}.yaml" for i in ids[:100] + ids[200:])
    for name in written:  # each written file is complete
        meta, diags = read_meta(root, Path(name).stem)
        assert diags == [] and meta is not None
    fake.fail_when_asked = set()
    n = len(fake.requests)
    result = enrich(root)
    assert result.exit_code == 0
    assert [sorted(r.ids) for r in fake.requests[n:]] == [sorted(ids[100:200])]


# --- damaged files are diagnostics, not tracebacks ---------------------------------------------


def test_a_damaged_cache_file_is_located_and_enrich_repairs_it(tmp_path: Path, fake: FakeArxiv) -> None:
    root = catalogue(tmp_path)
    assert enrich(root).exit_code == 0
    file = cache_file(root, "2403.33333")
    text = file.read_text(encoding="utf-8")
    file.write_text(text.replace("version: 1", "version: one"), encoding="utf-8")
    catalog, diags = load_catalog(root)
    (diag,) = [d for d in diags if d.code == "LC501"]
    line = 1 + text.splitlines().index("version: 1")
    assert str(diag.location) == f"data/arxiv/2403.33333.yaml:{line}:10"
    assert "run `longctx enrich` to fetch it again" in diag.message
    assert catalog.by_id["needlework"].arxiv_meta is None and catalog.by_id["needlework"].title is None
    validate = CliRunner().invoke(cli, ["--root", str(root), "validate"])
    assert validate.exit_code == 1 and "[LC501 arxiv-cache-invalid]" in validate.stdout

    file.write_text("<<<<<<< HEAD\nid: '2403.33333'\n", encoding="utf-8")  # a bad merge
    _, diags = load_catalog(root)
    assert [d.code for d in diags if d.is_error] == ["LC501"]

    n = len(fake.requests)
    assert enrich(root).exit_code == 0
    assert [r.ids for r in fake.requests[n:]] == [["2403.33333"]]
    assert file.read_text(encoding="utf-8") == text


def test_a_cache_file_filed_under_the_wrong_id_is_refused(tmp_path: Path, fake: FakeArxiv) -> None:
    root = catalogue(tmp_path)
    assert enrich(root).exit_code == 0
    good = cache_file(root, "2403.33333").read_text(encoding="utf-8")
    cache_file(root, "hep-th/9901001").write_text(good, encoding="utf-8")
    _, diags = load_catalog(root)
    (diag,) = [d for d in diags if d.is_error]
    assert diag.code == "LC501" and diag.location.path == "data/arxiv/hep-th_9901001.yaml"
    assert "holds arXiv '2403.33333' but is named for 'hep-th/9901001'" in diag.message


# --- refresh events -------------------------------------------------------------------------------


def test_refresh_logs_new_versions_journal_refs_and_dois(tmp_path: Path, fake: FakeArxiv,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    root = catalogue(tmp_path)
    assert enrich(root).exit_code == 0
    records_before = {p.name: p.read_bytes() for p in (root / "papers").iterdir()}
    fake.new_version("2403.33333", "2025-02-01T10:00:00Z", journal_ref="Invented Conf. 2025",
                     doi="10.0000/invented.2025.333")
    fake.new_version("2309.00071", "2024-05-02T10:00:00Z")
    before = snapshot(root)
    monkeypatch.setenv("LONGCTX_TODAY", "2026-11-21")
    result = enrich(root, "--refresh")
    assert result.exit_code == 0, result.output
    assert "4 new event(s) logged" in result.stderr
    assert changed(before, snapshot(root)) == ["data/arxiv/2309.00071.yaml", "data/arxiv/2403.33333.yaml",
                                                EVENTS_FILE]
    assert {p.name: p.read_bytes() for p in (root / "papers").iterdir()} == records_before
    events, diags = load_events(root)
    assert diags == []
    assert events == [
        ArxivEvent("2026-11-21", "needlework", "2403.33333", "doi", None, "10.0000/invented.2025.333"),
        ArxivEvent("2026-11-21", "needlework", "2403.33333", "journal-ref", None, "Invented Conf. 2025"),
        ArxivEvent("2026-11-21", "needlework", "2403.33333", "new-version", "v1", "v2"),
        ArxivEvent("2026-11-21", "yarn", "2309.00071", "new-version", "v2", "v3"),
    ]
    catalog, _ = load_catalog(root)
    meta = catalog.by_id["needlework"].arxiv_meta
    assert meta is not None
    assert (meta.version, meta.journal_ref, meta.updated) == (2, "Invented Conf. 2025", "2025-02-01")
    assert catalog.by_id["needlework"].date == "2024-03-10"  # still the first version's date

    # the next refresh, a day later, finds nothing new and changes nothing
    monkeypatch.setenv("LONGCTX_TODAY", "2026-11-22")
    before = snapshot(root)
    assert enrich(root, "--refresh").exit_code == 0
    assert changed(before, snapshot(root)) == []

    # a later change is appended after the earlier ones
    fake.new_version("2309.00071", "2026-11-01T10:00:00Z")
    assert enrich(root, "--refresh").exit_code == 0
    events, _ = load_events(root)
    assert (events[-1].date, events[-1].record, events[-1].old, events[-1].new) == ("2026-11-22", "yarn", "v3", "v4")
    assert len(events) == 5


def test_events_file_format(tmp_path: Path, fake: FakeArxiv) -> None:
    root = catalogue(tmp_path)
    assert enrich(root).exit_code == 0
    fake.new_version("2309.00071", "2024-05-02T10:00:00Z")
    assert enrich(root, "--refresh").exit_code == 0
    text = (root / EVENTS_FILE).read_text(encoding="utf-8")
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    assert body == textwrap.dedent("""\
        - date: 2026-11-22
          record: yarn
          arxiv: '2309.00071'
          kind: new-version
          old: v2
          new: v3""")


def test_a_damaged_events_file_blocks_refresh_but_not_enrich(tmp_path: Path, fake: FakeArxiv) -> None:
    root = catalogue(tmp_path)
    (root / EVENTS_FILE).parent.mkdir(parents=True)
    (root / EVENTS_FILE).write_text("- date: 2026-11-22\n  record: yarn\n  kind: new-versoin\n", encoding="utf-8")
    events, diags = load_events(root)
    assert events == []
    assert sorted((d.code, str(d.location)) for d in diags) == [
        ("LC502", "data/arxiv/events.yaml:1:3"), ("LC502", "data/arxiv/events.yaml:3:9")]
    assert any("did you mean 'new-version'" in d.message for d in diags)
    before = snapshot(root)
    result = enrich(root, "--refresh")
    assert result.exit_code == 1 and "events.yaml is damaged" in result.stderr
    assert fake.requests == [] and changed(before, snapshot(root)) == []
    assert enrich(root).exit_code == 0  # plain enrich does not touch the log


def test_an_interrupted_refresh_logs_each_change_once(tmp_path: Path, fake: FakeArxiv,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # Events are written before the cache files they describe. If a run stops in
    # between, the next refresh sees the same change again: it must not be logged twice.
    root = catalogue(tmp_path)
    assert enrich(root).exit_code == 0
    stale = cache_file(root, "2309.00071").read_bytes()
    fake.new_version("2309.00071", "2024-05-02T10:00:00Z")
    assert enrich(root, "--refresh").exit_code == 0
    cache_file(root, "2309.00071").write_bytes(stale)  # as if the run had stopped before this write
    monkeypatch.setenv("LONGCTX_TODAY", "2026-11-23")
    log = (root / EVENTS_FILE).read_bytes()
    result = enrich(root, "--refresh")
    assert result.exit_code == 0 and "0 new event(s) logged" in result.stderr
    assert (root / EVENTS_FILE).read_bytes() == log
    events, _ = load_events(root)
    assert [(e.date, e.record, e.kind, e.old, e.new) for e in events] == [
        ("2026-11-22", "yarn", "new-version", "v2", "v3")]
    meta, _ = read_meta(root, "2309.00071")
    assert meta is not None and meta.version == 3


# --- fuzz: no cache or events content makes loading crash ---------------------------------------

_CACHE_KEYS = ("id", "version", "title", "authors", "published", "updated", "abstract", "primary_category",
               "categories", "comment", "journal_ref", "doi", "name", "affiliations", "date", "record", "arxiv",
               "kind", "old", "new")
_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=12),
              st.dates(), st.sampled_from(["2403.33333", "2403.33333v2", "hep-th/9901001", "new-version", "v2"])),
    lambda children: st.one_of(st.lists(children, max_size=3),
                               st.dictionaries(st.sampled_from(_CACHE_KEYS), children, max_size=4)),
    max_leaves=10,
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cache=st.dictionaries(st.sampled_from(_CACHE_KEYS), _values, max_size=12), events=_values,
       raw=st.text(max_size=40))
def test_damaged_cache_and_events_files_never_crash_loading(tmp_path: Path, cache: dict, events: object,
                                                            raw: str) -> None:
    root = catalogue(tmp_path, {"needlework": bare("needlework", "2403.33333"),
                                "strings": bare("strings", "hep-th/9901001")})
    (root / "data" / "arxiv").mkdir(parents=True, exist_ok=True)
    cache_file(root, "2403.33333").write_text(yaml.safe_dump(cache), encoding="utf-8")
    cache_file(root, "hep-th/9901001").write_text(raw, encoding="utf-8")
    (root / EVENTS_FILE).write_text(yaml.safe_dump(events), encoding="utf-8")
    catalog, diags = load_catalog(root)
    for d in diags:
        if d.location.path.startswith("data/arxiv/"):
            assert d.code in ("LC501", "LC502") and d.location.line >= 1
    for record in catalog.records:  # whatever got through is well-formed
        meta = record.arxiv_meta
        assert meta is None or (isinstance(meta.title, str) and meta.authors and isinstance(meta.version, int))


def test_check_lists_what_is_not_cached_without_any_request(tmp_path: Path, fake: FakeArxiv) -> None:
    root = catalogue(tmp_path)
    result = enrich(root, "--check")
    assert result.exit_code == 1
    assert sorted(result.stdout.splitlines()) == [
        "papers/needlework.yaml: arXiv 2403.33333 has no cached metadata; run `longctx enrich`",
        "papers/strings.yaml: arXiv hep-th/9901001 has no cached metadata; run `longctx enrich`",
        "papers/yarn.yaml: arXiv 2309.00071 has no cached metadata; run `longctx enrich`",
    ]
    assert fake.requests == []
    assert enrich(root).exit_code == 0
    assert enrich(root, "--check").exit_code == 0 and len(fake.requests) == 1
