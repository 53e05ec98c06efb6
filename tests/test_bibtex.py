"""BibTeX import and export: entry_for, export, import-bib, export-bib."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import bibtexparser
import pytest
import yaml
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, GOOD_RECORD, REPO, write_catalog
from longctx_catalog.bibtex import citation_key, entry_for
from longctx_catalog.bibtex.convert import convert
from longctx_catalog.bibtex.export import export, export_report
from longctx_catalog.bibtex.importer import insert_fields
from longctx_catalog.bibtex.latex import to_latex, to_text
from longctx_catalog.bibtex.parse import parse_bib
from longctx_catalog.cli import cli
from longctx_catalog.load import parse_yaml
from longctx_catalog.model import ArxivMeta, Author, CodeLink, Record, normalise_title
from longctx_catalog.validate import load_catalog
from longctx_catalog.write import dump_record, dump_record_fast


@functools.cache
def shipped_records() -> dict[str, Record]:
    """The repository's own records, by id (loaded once)."""
    catalog, _ = load_catalog(REPO)
    return catalog.by_id


def parse_clean(text: str) -> list:
    """Parse with our reader and with bibtexparser's default stack; both must find no problem."""
    entries, diags = parse_bib(text, "out.bib")
    assert [d for d in diags] == [], diags
    assert all(not e.problems for e in entries), [e.problems for e in entries]
    library = bibtexparser.parse_string(text)
    assert library.failed_blocks == []
    assert len(library.entries) == len(entries)
    return entries


HOSTILE_RECORD = Record(
    id="hostile",
    title="YaRN & GPT-4: 50% of x_y #1 costs $5 ~ ^ {braces} \\ back",
    arxiv="2309.00071",
    authors=(
        Author("Jörg Müller"),
        Author("François Ñandú"),
        Author("王小明"),
        Author("OpenAI"),
        Author("Simon and Schuster"),
        Author("Łukasz Kaiser"),
        Author("John Smith, Jr."),
    ),
    date="2023-08-31",
    venue="ICLR 2024",
    code=(CodeLink("https://github.com/a/b", True),),
)


# ---------------------------------------------------------------------------------
# entry_for


def test_entry_for_returns_the_verbatim_bibtex() -> None:
    verbatim = "@misc{mykey,\n      title={Keep {ME} as   written},\n}\n"
    record = Record(id="x", title="Something else", bibtex=verbatim)
    assert entry_for(record) == verbatim.strip()


def test_generated_entry_key_sorted_fields_and_escaping() -> None:
    text = entry_for(HOSTILE_RECORD)
    lines = text.splitlines()
    assert lines[0] == "@inproceedings{muller2023yarn,"
    assert lines[-1] == "}"
    names = [line.split("=")[0].strip() for line in lines[1:-1]]
    assert names == sorted(names, key=str.lower)
    title_line = next(line for line in lines if line.strip().startswith("title"))
    for raw in ("&", "%", "#", "_", "$"):
        assert f"\\{raw}" in title_line
        assert f" {raw}" not in title_line.replace(f"\\{raw}", "")
    assert "{YaRN}" in title_line  # capitals protected against lower-casing styles
    assert 'M{\\"u}ller' in text
    [entry] = parse_clean(text)
    assert entry.key == "muller2023yarn"
    assert to_text(entry.get("title")) == HOSTILE_RECORD.title
    assert entry.get("eprint") == "2309.00071"
    assert entry.get("year") == "2024"  # the proceedings' year, not the preprint's
    assert entry.get("month") is None  # the preprint's month is not the proceedings'
    assert entry.get("booktitle") == "International Conference on Learning Representations ({ICLR})"


def test_generated_entry_is_deterministic_and_fast_path_free_of_state() -> None:
    assert entry_for(HOSTILE_RECORD) == entry_for(HOSTILE_RECORD)
    clone = Record(**{k: v for k, v in HOSTILE_RECORD.__dict__.items()})
    assert entry_for(clone) == entry_for(HOSTILE_RECORD)


@pytest.mark.parametrize(
    ("record", "key"),
    [
        (
            Record(id="a", title="The Long Road", authors=(Author("Ada Lovelace"),), date="1843"),
            "lovelace1843long",
        ),
        # no authors: the record's id, not an invented "anon" key
        (Record(id="b", title="On ∞-former", date="2021-09"), "b"),
        (Record(id="chatglm3-6b-128k", arxiv="2309.00071"), "chatglm3-6b-128k"),
        (Record(id="d", title="A survey", authors=(Author("Ünal Şahin"),)), "sahinndsurvey"),
    ],
)
def test_citation_key_fallbacks(record: Record, key: str) -> None:
    assert citation_key(record) == key
    assert entry_for(record).startswith("@misc{" + key)


@pytest.mark.real_clock
def test_yarn_cites_its_iclr_paper_from_the_curated_fields() -> None:
    """The shipped YaRN record: ICLR 2024 proceedings, capitals protected, every author."""
    yarn = shipped_records()["yarn"]
    text = entry_for(yarn)
    assert text.startswith("@inproceedings{peng2023yarn,")
    [entry] = parse_clean(text)
    assert entry.get("title").startswith("{YaRN}: Efficient Context Window Extension")
    assert "ICLR" in entry.get("booktitle") and entry.get("journal") is None
    assert entry.get("year") == "2024"
    assert entry.get("author").split(" and ") == [a.name for a in yarn.authors] and len(yarn.authors) == 4
    assert entry.get("eprint") == "2309.00071" and entry.get("url") == "https://arxiv.org/abs/2309.00071"


def test_an_arxiv_only_paper_is_misc_with_eprint() -> None:
    meta = ArxivMeta(
        id="2307.08691", version=1, title="FlashAttention-2", authors=(Author("Tri Dao"),),
        published="2023-07-17", updated="2023-07-17", primary_category="cs.LG", doi="10.1234/x_y",
    )
    record = Record(
        id="flashattention-2",
        title="FlashAttention-2: Faster Attention with Better Parallelism and Work Partitioning",
        arxiv="2307.08691v2",
        authors=(Author("Tri Dao"),),
        date="2023-07-17",
        arxiv_meta=meta,
    )
    [entry] = parse_clean(entry_for(record))
    assert entry.type == "misc" and entry.key == "dao2023flashattention"
    assert entry.get("eprint") == "2307.08691"  # without its version
    assert entry.get("archiveprefix") == "arXiv" and entry.get("primaryclass") == "cs.LG"
    assert entry.get("doi") == "10.1234/x_y" and entry.get("month") == "July" and entry.get("year") == "2023"
    assert entry.get("title").startswith("{FlashAttention}-2: Faster")


@pytest.mark.real_clock
def test_shipped_catalogue_keys_are_ascii_unique_and_never_anonymous() -> None:
    records = shipped_records()
    text = export(records.values())
    keys = re.findall(r"^@\w+\{([^,]+),", text, re.M)
    assert len(keys) == len(records)
    assert all(re.fullmatch(r"[A-Za-z0-9_:./+-]+", k) for k in keys), keys
    assert len({k.lower() for k in keys}) == len(keys)
    assert not [k for k in keys if k.startswith("anon")]
    # a record keeps its own entry only where the fields cannot say it: a dataset cited by its paper's title
    overrides = [r for r in records.values() if r.bibtex]
    assert len(overrides) <= 10
    for r in overrides:
        [entry] = parse_clean(r.bibtex)
        assert normalise_title(to_text(entry.get("title"))) != normalise_title(r.title or ""), r.id


def test_entry_type_follows_the_venue() -> None:
    journal = Record(id="j", title="T", venue="Transactions of the Association for Computational Linguistics")
    conference = Record(id="c", title="T", venue="NeurIPS 2023")
    preprint = Record(id="p", title="T", arxiv="2309.00071")
    assert entry_for(journal).startswith("@article{")
    assert "journal = {Transactions" in entry_for(journal)
    assert entry_for(conference).startswith("@inproceedings{")
    assert entry_for(preprint).startswith("@misc{")
    assert "url = {https://arxiv.org/abs/2309.00071}" in entry_for(preprint)


def test_latex_round_trip_of_hostile_text() -> None:
    for text in [
        "Müller Jörg",
        "François Ñandú ǘ ı Łukasz ß Ångström",
        "50% & x_y #1 $5 ~ ^ {a} \\ b",
        "王小明 ∞-former",
        "Plain",
    ]:
        assert to_text(to_latex(text)) == text


# ---------------------------------------------------------------------------------
# import-bib / export-bib: helpers

SEED = FIXTURES / "bibtex" / "long-llms-learning.bib"
HOSTILE = FIXTURES / "bibtex" / "hostile.bib"
CHECK_BST = FIXTURES / "bibtex" / "check.bst"
REAL_TAXONOMY = (REPO / "taxonomy.yaml").read_text(encoding="utf-8")
DIAG_RE = re.compile(
    r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<sev>error|warning): (?P<msg>.*) "
    r"\[(?P<code>LC\d{3}) [a-z-]+\]$"
)


def catalogue(tmp_path: Path, records: dict[str, str] | None = None, name: str = "cat") -> Path:
    """A catalogue with the repository's real taxonomy, so every tag of the seed lists exists."""
    return write_catalog(tmp_path / name, records or {}, taxonomy=REAL_TAXONOMY)


def run(root: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--root", str(root), *args], catch_exceptions=False)


def diagnostics(output: str) -> list[dict[str, str]]:
    return [m.groupdict() for line in output.splitlines() if (m := DIAG_RE.match(line))]


def snapshot(root: Path) -> dict[str, str]:
    """Every file under ``root`` (hidden ones too) -> sha256 of its bytes."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def records_of(root: Path) -> dict[str, Record]:
    catalog, diags = load_catalog(root)
    errors = [str(d) for d in diags if d.is_error]
    assert errors == [], errors
    return catalog.by_id


def line_of(path: Path, needle: str) -> int:
    """1-based number of the first line containing ``needle``."""
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return i
    raise AssertionError(f"{needle!r} not in {path}")


def seed_facts() -> dict[str, object]:
    """Facts about the seed .bib read with plain regular expressions, independently of our parser."""
    lines = SEED.read_text(encoding="utf-8").splitlines()
    starts = [
        (i, m.group(1)) for i, line in enumerate(lines, 1) if (m := re.match(r"@\w+\{([^,\s]+),", line))
    ]
    first: dict[str, int] = {}
    repeats = []
    for line, key in starts:
        if key in first:
            repeats.append(line)
        else:
            first[key] = line
    # a field line closed by `}` without a comma, followed by another field line
    missing_comma = [
        (i + 2, len(lines[i + 1]) - len(lines[i + 1].lstrip()) + 1)
        for i in range(len(lines) - 1)
        if re.match(r"\s+\w+\s*=\s*\{[^{}]*\}\s*$", lines[i]) and re.match(r"\s+\w+\s*=", lines[i + 1])
    ]
    broken_keys = {
        next(key for line, key in reversed(starts) if line < bad_line) for bad_line, _ in missing_comma
    }
    return {
        "entries": len(starts),
        "keys": set(first),
        "repeats": repeats,
        "missing_comma": missing_comma,
        "broken_keys": broken_keys,
    }


def entry_text(path: Path, key: str) -> str:
    """The entry with ``key`` as written (up to its closing line), trailing spaces dropped."""
    text = path.read_text(encoding="utf-8")
    m = re.search(r"^@\w+\{" + re.escape(key) + r",.*?^\}", text, re.S | re.M)
    assert m, key
    return "\n".join(line.rstrip() for line in m.group(0).splitlines())


# has arXiv 2309.00071 and no authors: the seed's entry must add them
YARN_WITHOUT_AUTHORS = GOOD_RECORD.replace("authors:\n  - Bowen Peng\n  - Jeffrey Quesnelle\n", "")
assert YARN_WITHOUT_AUTHORS != GOOD_RECORD

LOST_BY_TITLE = """\
# Curated by hand; the import may add fields but must not touch these lines.
id: lost-in-the-middle
title: 'Lost in the middle - how language models use long contexts'
# the tags were chosen carefully
tags: [methodology]
tldr: Models use information at the start and end of a long context far better than in the middle.
status: read
added: 2026-11-01
"""

FLOW_STYLE = """\
{id: flashattention, title: 'Flashattention: Fast and memory-efficient exact attention with io-awareness',
 tags: [io-aware-attention], added: 2026-11-01}
"""


# ---------------------------------------------------------------------------------
# import-bib on the real seed bibliography


def test_seed_import_counts_merges_and_reported_problems(tmp_path: Path) -> None:
    facts = seed_facts()
    assert facts["entries"] == 143 and len(facts["repeats"]) == 6  # five keys, langchain2022 three times
    root = catalogue(
        tmp_path,
        {"yarn": YARN_WITHOUT_AUTHORS, "lost-in-the-middle": LOST_BY_TITLE, "flashattention": FLOW_STYLE},
    )
    yarn_before = (root / "papers/yarn.yaml").read_text(encoding="utf-8")
    flow_before = (root / "papers/flashattention.yaml").read_bytes()

    result = run(root, "import-bib", str(SEED), "--tag", "methodology")
    assert result.exit_code == 1, result.output  # two entries had to be skipped
    diags = diagnostics(result.stdout)

    # every repeated key, at the line of the repeat
    repeated = sorted(int(d["line"]) for d in diags if d["code"] == "LC602")
    assert repeated == facts["repeats"]
    assert all("same work, merged" in d["msg"] for d in diags if d["code"] == "LC602")
    # every entry with a missing comma, at the field that follows the missing comma
    broken = sorted((int(d["line"]), int(d["col"])) for d in diags if d["code"] == "LC601")
    assert broken == facts["missing_comma"] and len(broken) == 2
    assert all("comma missing" in d["msg"] and d["path"] == str(SEED) for d in diags if d["code"] == "LC601")
    # the hand-written flow-style record is reported, not rewritten
    [flow] = [d for d in diags if d["code"] == "LC607"]
    assert "papers/flashattention.yaml" in flow["msg"]
    assert (root / "papers/flashattention.yaml").read_bytes() == flow_before

    # one record per distinct work: every key that is not broken, once
    records = records_of(root)  # the result validates without errors
    distinct_works = len(facts["keys"]) - len(facts["broken_keys"])
    assert len(records) == distinct_works
    assert "1 updated" not in result.stderr and "2 updated" in result.stderr
    arxiv_ids = {r.arxiv for r in records.values() if r.arxiv}
    assert "2405.02803" not in arxiv_ids and "2404.02882" not in arxiv_ids  # the two broken entries
    for record in records.values():
        assert record.tags and record.title

    # merges only add: yarn keeps every line and gains the seed's authors (not its entry: citations are generated)
    yarn_after = (root / "papers/yarn.yaml").read_text(encoding="utf-8")
    assert [
        line for line in yarn_after.splitlines() if line in yarn_before.splitlines()
    ] == yarn_before.splitlines()
    assert [a.name for a in records["yarn"].authors] == [
        "Bowen Peng", "Jeffrey Quesnelle", "Honglu Fan", "Enrico Shippole"
    ]
    assert records["yarn"].bibtex is None and entry_for(records["yarn"]).startswith("@inproceedings{peng2023yarn,")
    assert records["yarn"].tags == ("rope-scaling",)  # tags are never changed ...
    assert any(d["code"] == "LC608" and "papers/yarn.yaml" in d["msg"] for d in diags)  # ... but reported

    # matched by title only: fields inserted at their canonical places, comments kept
    lost = (root / "papers/lost-in-the-middle.yaml").read_text(encoding="utf-8")
    for line in LOST_BY_TITLE.splitlines():
        assert line in lost.splitlines()
    keys = [line.split(":")[0] for line in lost.splitlines() if re.match(r"[a-z_]+:", line)]
    assert keys == [
        "id",
        "title",
        "arxiv",
        "authors",
        "date",
        "tags",
        "links",
        "tldr",
        "status",
        "added",
    ]
    lost_lines = lost.splitlines()
    assert lost_lines[lost_lines.index("tags: [methodology]") - 1] == "# the tags were chosen carefully"
    assert records["lost-in-the-middle"].arxiv == "2307.03172"
    assert records["lost-in-the-middle"].title == "Lost in the middle - how language models use long contexts"
    assert records["lost-in-the-middle"].authors[0].name == "Nelson F. Liu"

    # new records: no verbatim entry (the generated one has the same key), Last, First -> First Last, arXiv month
    [sharp] = [r for r in records.values() if r.arxiv == "1805.04623"]
    assert sharp.bibtex is None and entry_for(sharp).startswith("@misc{khandelwal2018sharp,")
    assert [a.name for a in sharp.authors] == ["Urvashi Khandelwal", "He He", "Peng Qi", "Dan Jurafsky"]
    assert sharp.date == "2018-05" and sharp.status == "unread" and sharp.added == "2026-11-22"
    assert sharp.tags == ("methodology",)
    [infty] = [r for r in records.values() if r.arxiv == "2109.00301"]
    assert infty.title == "∞-former: Infinite Memory Transformer"
    assert [a.name for a in infty.authors][-1] == "André FT Martins"
    [cogltx] = [r for r in records.values() if (r.title or "").startswith("Cogltx")]
    assert cogltx.venue == "NeurIPS 2020" and cogltx.date == "2020"
    [langchain] = [r for r in records.values() if r.title == "LangChain"]
    assert langchain.code == (CodeLink("https://github.com/langchain-ai/langchain", True),)
    assert langchain.date == "2022-10" and langchain.venue is None
    survey = records.get("efficient-transformers")
    assert survey is not None and survey.kind == "survey" and survey.arxiv == "2009.06732"


def test_seed_import_is_deterministic_and_idempotent(tmp_path: Path) -> None:
    first = catalogue(tmp_path, {"yarn": YARN_WITHOUT_AUTHORS}, name="one")
    second = catalogue(tmp_path, {"yarn": YARN_WITHOUT_AUTHORS}, name="two")
    run(first, "import-bib", str(SEED), "--tag", "methodology")
    run(second, "import-bib", str(SEED), "--tag", "methodology")
    assert snapshot(first) == snapshot(second)
    ids = sorted(p.stem for p in (first / "papers").glob("*.yaml"))
    assert all(re.fullmatch(r"[a-z0-9][a-z0-9-]*", i) and len(i) <= 80 for i in ids)
    # names shared by a series ("Transformer Upgrade Roadmap: 7. ...") are not used as ids
    assert "transformer-upgrade-roadmap" not in ids
    assert {"yarn", "longlora", "longformer", "reformer", "lost-in-the-middle", "flashattention-2"} <= set(
        ids
    )

    before = snapshot(first)
    again = run(first, "import-bib", str(SEED), "--tag", "methodology")
    assert snapshot(first) == before
    assert "0 new record(s), 0 updated" in again.stderr


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    root = catalogue(tmp_path, {"yarn": YARN_WITHOUT_AUTHORS, "lost-in-the-middle": LOST_BY_TITLE})
    before = snapshot(root)
    result = run(root, "import-bib", str(SEED), "--tag", "methodology", "--dry-run")
    assert snapshot(root) == before
    assert "would create papers/longlora.yaml" in result.stdout
    assert "would update papers/yarn.yaml" in result.stdout
    assert "Dry run: nothing written." in result.stderr
    assert result.exit_code == 1  # the same verdict as a real run


# ---------------------------------------------------------------------------------
# hostile entries


def test_hostile_entries_import_correctly_or_fail_located(tmp_path: Path) -> None:
    root = catalogue(tmp_path)
    result = run(root, "import-bib", str(HOSTILE), "--tag", "methodology", "--tag", "rope-scaling")
    assert result.exit_code == 1
    diags = diagnostics(result.stdout)
    found = {(d["code"], int(d["line"]), int(d["col"])) for d in diags}

    def at(needle: str, token: str) -> tuple[int, int]:
        line = line_of(HOSTILE, needle)
        return line, HOSTILE.read_text(encoding="utf-8").splitlines()[line - 1].index(token) + 1

    # broken entries: each skipped with the place to fix
    assert ("LC601", *at("title = {Foo {bar},", "{Foo")) in found  # unbalanced: the { never closed
    assert ("LC601", *at("title = {Foo} bar},", "bar")) in found  # an extra }
    line = line_of(HOSTILE, "@article{missing-comma-after-key")
    assert ("LC601", line, len("@article{missing-comma-after-key") + 1) in found
    assert ("LC604", line_of(HOSTILE, "@misc{no-title"), 1) in found
    # problems that do not stop the entry: warnings, located
    assert ("LC605", *at("journal = nips", "nips")) in found
    assert ("LC605", *at("@String{ ACL23", "assoc")) in found  # used before @string(assoc) defines it
    assert ("LC605", line_of(HOSTILE, "@misc{doi-arxiv"), 1) in found  # year given twice
    assert ("LC605", *at("year = {2999}", "{2999}")) in found  # in the future
    errors = {d["code"] for d in diags if d["sev"] == "error"}
    assert errors == {"LC601", "LC604"}
    assert sum(d["sev"] == "error" for d in diags) == 4

    records = {r.title: r for r in records_of(root).values()}
    assert sorted(records) == sorted(
        [
            "Long Context Works",
            "100% Recall & More: the long_context O(n^2) case",
            "50% faster & cheaper_now: GPT-4 vs. #1",
            "Parentheses (round) delimit this entry",
            "Found through its DOI",
            "A Paper From The Future",
            "Still Imported After an Unbalanced Entry",
            "The Last Entry Is Imported Too",
        ]
    )  # the fake entry inside @comment is not one of them
    macro = records["Long Context Works"]  # @string macros, # concatenation, month macro, non-ASCII names
    assert macro.venue == "ACL 2023" and macro.date == "2023-01"
    assert [a.name for a in macro.authors] == ["Jörg Müller", "小明 王", "Hinrich Schütze", "Łukasz Kaiser"]
    assert macro.tags == ("methodology", "rope-scaling")
    assert macro.bibtex is None and "acl23" not in entry_for(macro).lower()  # macros expanded into the fields
    specials = records["100% Recall & More: the long_context O(n^2) case"]
    assert [a.name for a in specials.authors] == [
        "Grégoire Delétang",
        "Laurens van der Maaten",
        "John Smith, Jr.",
    ]
    assert specials.venue == "TACL 2021" and specials.bibtex is None
    bare = records["50% faster & cheaper_now: GPT-4 vs. #1"]
    assert bare.arxiv == "2401.01234" and bare.date == "2024-01"  # eprint with prefix and version
    assert [a.name for a in bare.authors] == ["Jane Doe", "Simon and Schuster"]
    paren = records["Parentheses (round) delimit this entry"]
    assert paren.arxiv == "2402.00005" and paren.venue == "NeurIPS 2024"  # id from an arxiv.org/pdf URL
    doi = records["Found through its DOI"]
    assert doi.arxiv == "2403.00007" and doi.code == (CodeLink("https://github.com/example/doi-arxiv", True),)
    assert records["A Paper From The Future"].date is None
    assert records["The Last Entry Is Imported Too"].date == "2019-09"


def test_garbage_is_a_located_error_and_writes_nothing(tmp_path: Path) -> None:
    root = catalogue(tmp_path, {"yarn": YARN_WITHOUT_AUTHORS})
    before = snapshot(root)
    cases = {
        "words.bib": b"This is not BibTeX at all.\n  Just {{ words }} and @ signs @ here, title = {x}\n",
        "broken.bib": b"@article{x,\n title = {never closed\n\n@misc{y, title={a}\n",
        "binary.bib": b"\x7fELF\x02\x01\x01\x00" + bytes(range(128, 256)),
        "empty.bib": b"",
    }
    for name, data in cases.items():
        bib = tmp_path / name
        bib.write_bytes(data)
        result = run(root, "import-bib", str(bib), "--tag", "methodology")
        assert result.exit_code == 1, (name, result.output)
        assert "Traceback" not in result.output
        diags = diagnostics(result.stdout)
        assert diags and all(d["path"] == str(bib) for d in diags), (name, result.stdout)
        assert {d["code"] for d in diags} <= {"LC001", "LC601", "LC603"}
        assert snapshot(root) == before, name
    # the located lines of the broken file: the unclosed value, then the unclosed entry
    result = run(root, "import-bib", str(tmp_path / "broken.bib"), "--tag", "methodology")
    located = sorted((int(d["line"]), int(d["col"]), d["code"]) for d in diagnostics(result.stdout))
    assert located == [(1, 1, "LC603"), (2, 10, "LC601"), (4, 6, "LC601")]
    binary = diagnostics(run(root, "import-bib", str(tmp_path / "binary.bib"), "--tag", "methodology").stdout)
    assert [(d["code"], d["line"], d["col"]) for d in binary] == [("LC001", "1", "9")]


def test_unknown_tag_is_a_usage_error(tmp_path: Path) -> None:
    root = catalogue(tmp_path)
    before = snapshot(root)
    result = run(root, "import-bib", str(HOSTILE), "--tag", "rope-scalin")
    assert result.exit_code == 2
    assert "did you mean 'rope-scaling'" in result.output
    assert snapshot(root) == before


def test_failed_write_midway_leaves_no_partial_set(tmp_path: Path) -> None:
    root = catalogue(tmp_path, {"yarn": YARN_WITHOUT_AUTHORS})
    bib = tmp_path / "two.bib"
    bib.write_text(
        "@misc{a, title = {Alpha First Work}, year = 2020}\n"
        "@article{peng2023yarn, title = {YaRN}, author = {Peng, Bowen}, journal = {arXiv preprint arXiv:2309.00071},"
        " year = 2023}\n"
        "@misc{z, title = {Zeta Last Work}, year = 2021}\n",
        encoding="utf-8",
    )
    # papers/zeta-last-work.yaml is a folder: writing it fails after alpha and yarn have been replaced
    (root / "papers" / "zeta-last-work.yaml").mkdir()
    before = snapshot(root)
    result = run(root, "import-bib", str(bib), "--tag", "methodology")
    assert result.exit_code == 2
    assert "nothing was changed" in result.output
    assert snapshot(root) == before  # yarn.yaml restored, alpha-first-work.yaml removed, no temp files left
    assert sorted(p.name for p in (root / "papers").iterdir()) == ["yarn.yaml", "zeta-last-work.yaml"]
    # the same import without the obstacle changes all three files
    (root / "papers" / "zeta-last-work.yaml").rmdir()
    assert run(root, "import-bib", str(bib), "--tag", "methodology").exit_code == 0
    assert sorted(p.name for p in (root / "papers").iterdir()) == [
        "alpha-first-work.yaml",
        "yarn.yaml",
        "zeta-last-work.yaml",
    ]
    assert "  - Bowen Peng\n" in (root / "papers" / "yarn.yaml").read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------
# export-bib

_TEXT_FIELDS = (
    "title",
    "author",
    "journal",
    "booktitle",
    "howpublished",
    "note",
    "publisher",
    "organization",
)


def strict_check(text: str) -> list[str]:
    """BibTeX's reading rules, stricter than bibtexparser's, as problems found.

    Braces are counted even after a backslash (BibTeX does); keys and field names are
    plain ASCII; each value is a braced group or a month macro; outside entries only
    comment lines; and in text fields no bare & % # _ outside math and \\url{}, which
    would break LaTeX when the bibliography is typeset.
    """
    problems: list[str] = []
    months = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}
    keys: set[str] = set()
    state = "outside"
    for n, line in enumerate(text.splitlines(), 1):
        if state == "outside":
            if not line.strip() or line.startswith("%"):
                continue
            m = re.fullmatch(r"@([a-z]+)\{([A-Za-z0-9_:./+-]+),", line)
            if not m:
                problems.append(f"{n}: not an entry start: {line!r}")
                continue
            if m.group(2).casefold() in keys:
                problems.append(f"{n}: repeated key {m.group(2)}")
            keys.add(m.group(2).casefold())
            state = "fields"
        elif line == "}":
            state = "outside"
        else:
            m = re.fullmatch(r"  ([a-z][a-z0-9_:.+-]*) = (.*?)(,?)", line)
            if not m:
                problems.append(f"{n}: not a field line: {line!r}")
                continue
            name, value = m.group(1), m.group(2)
            if value in months:
                continue
            depth = 0
            for i, c in enumerate(value):
                depth += (c == "{") - (c == "}")
                if depth < 0 or (depth == 0 and i < len(value) - 1):
                    problems.append(f"{n}: braces of {name} do not enclose the value: {value!r}")
                    break
            if depth != 0 or not value.startswith("{"):
                problems.append(f"{n}: {name} is not one braced value: {value!r}")
            if name in _TEXT_FIELDS:
                bare = re.sub(r"\\(url|href)\{[^}]*\}|\$[^$]*\$|\\.", "", value)
                if re.search(r"[&%#_]", bare):
                    problems.append(f"{n}: bare LaTeX special in {name}: {value!r}")
            if not value.isascii() and name not in _TEXT_FIELDS:
                problems.append(f"{n}: non-ASCII in {name}")
    if state != "outside":
        problems.append("the last entry is not closed")
    return problems


def bibtex_run(bib: Path, tmp_path: Path, style: Path = CHECK_BST) -> tuple[str, str]:
    """Run the real BibTeX on ``bib`` with ``style`` (by default a minimal one that formats every name); (bbl, blg)."""
    work = tmp_path / f"bibtex-run-{style.stem}"
    work.mkdir()
    shutil.copy(bib, work / "cat.bib")
    shutil.copy(style, work / style.name)
    (work / "cat.aux").write_text(
        f"\\citation{{*}}\n\\bibdata{{cat}}\n\\bibstyle{{{style.stem}}}\n", encoding="utf-8"
    )
    env = {**os.environ, "BIBINPUTS": ".", "BSTINPUTS": "."}
    proc = subprocess.run(["bibtex", "cat"], cwd=work, env=env, capture_output=True, text=True, timeout=60)
    blg = (work / "cat.blg").read_text(encoding="utf-8", errors="replace")
    assert proc.returncode == 0, proc.stdout + blg
    return (work / "cat.bbl").read_text(encoding="utf-8", errors="replace"), blg


def plain_bst() -> Path | None:
    """TeX Live's plain.bst, the strictest of the standard styles about missing fields."""
    if shutil.which("kpsewhich") is None:
        return None
    found = subprocess.run(["kpsewhich", "plain.bst"], capture_output=True, text=True).stdout.strip()
    return Path(found) if found else None


@pytest.mark.real_clock  # the shipped catalogue: records added today are not in the future
@pytest.mark.skipif(
    shutil.which("bibtex") is None or plain_bst() is None,
    reason="BibTeX and plain.bst are not installed (Debian: texlive-binaries, texlive-base)",
)
def test_bibtex_reads_the_whole_shipped_catalogue_without_warnings(tmp_path: Path) -> None:
    out = tmp_path / "catalogue.bib"
    result = run(REPO, "export-bib", "-o", str(out))
    assert result.exit_code == 0, result.output
    keys = re.findall(r"^@\w+\{([^,]+),", out.read_text(encoding="utf-8"), re.M)
    assert len(keys) == len(shipped_records())
    for style in (CHECK_BST, plain_bst()):
        bbl, blg = bibtex_run(out, tmp_path, style)
        assert "Warning" not in blg and "error message" not in blg, blg
        assert sorted(re.findall(r"\\bibitem(?:\[[^]]*\])?\{([^}]+)\}", bbl)) == sorted(keys)


def work_facts(root: Path) -> set[tuple]:
    return {(r.title, tuple(a.name for a in r.authors), r.year, r.arxiv) for r in records_of(root).values()}


def test_round_trip_keeps_every_work(tmp_path: Path) -> None:
    source = catalogue(tmp_path, name="source")
    run(source, "import-bib", str(SEED), "--tag", "methodology")
    run(source, "import-bib", str(HOSTILE), "--tag", "rope-scaling")
    out = tmp_path / "catalogue.bib"
    result = run(source, "export-bib", "-o", str(out))
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    entries = parse_clean(text)
    assert len(entries) == len(records_of(source))
    assert strict_check(text) == []

    copy = catalogue(tmp_path, name="copy")
    again = run(copy, "import-bib", str(out), "--tag", "methodology")
    assert again.exit_code == 0, again.output
    # no remark: the export is generated from checked fields (the year 2999 was dropped on import)
    assert [d["msg"] for d in diagnostics(again.stdout)] == []
    assert work_facts(copy) == work_facts(source)
    assert len(work_facts(source)) == len(records_of(source))

    # exporting is deterministic, and exporting the re-imported copy gives the same entries
    assert run(source, "export-bib").stdout == text
    assert run(copy, "export-bib").stdout.count("\n@") == text.count("\n@")


@pytest.mark.skipif(
    shutil.which("bibtex") is None, reason="BibTeX is not installed (Debian: texlive-binaries)"
)
def test_bibtex_itself_reads_the_export(tmp_path: Path) -> None:
    source = catalogue(tmp_path, name="source")
    run(source, "import-bib", str(SEED), "--tag", "methodology")
    run(source, "import-bib", str(HOSTILE), "--tag", "rope-scaling")
    out = tmp_path / "catalogue.bib"
    run(source, "export-bib", "-o", str(out))
    bbl, blg = bibtex_run(out, tmp_path)
    assert "Warning" not in blg and "error message" not in blg, blg
    keys = re.findall(r"^@\w+\{([^,]+),", out.read_text(encoding="utf-8"), re.M)
    assert sorted(re.findall(r"\\bibitem\{([^}]+)\}", bbl)) == sorted(keys)
    assert "Gr{\\'e}goire Del{\\'e}tang" in bbl and "{Simon and Schuster}" in bbl


def test_export_subtree_keys_and_unusable_verbatim(tmp_path: Path) -> None:
    def record(rid: str, title: str, tags: str, extra: str = "") -> str:
        return (
            f"id: {rid}\ntitle: '{title}'\nauthors: [Ada Lovelace]\ndate: '1843'\ntags: [{tags}]\n"
            f"added: 2026-11-01\n{extra}"
        )

    root = catalogue(
        tmp_path,
        {
            "long-road": record("long-road", "The Long Road", "rope-scaling"),
            "long-way": record("long-way", "The Long Way", "rope-scaling"),
            "verbatim": record(
                "verbatim",
                "Something",
                "rope-scaling",
                "bibtex: |-\n  @misc{Lovelace1843Long,\n    title = {Verbatim 100% & more}\n  }\n",
            ),
            "broken": record(
                "broken",
                "A Broken Citation",
                "sparse-attention",
                "bibtex: |-\n  @misc{broken, title = {unclosed}\n",
            ),
            "bench": record("bench", "A Dataset", "datasets"),
        },
    )
    rope = run(root, "export-bib", "--tag", "extended-rope")  # rope-scaling lies below extended-rope
    assert rope.exit_code == 0
    keys = re.findall(r"^@\w+\{([^,]+),", rope.stdout, re.M)
    # in record-id order: long-road, long-way, verbatim; keys compared ignoring case, as BibTeX does
    assert keys == ["lovelace1843long", "lovelace1843longb", "Lovelace1843Longc"]
    assert "Verbatim 100\\% \\& more" in rope.stdout  # bare specials of a verbatim entry escaped
    assert strict_check(rope.stdout) == []

    everything = run(root, "export-bib")
    assert everything.exit_code == 0
    assert len(parse_clean(everything.stdout)) == 5
    [warning] = diagnostics(everything.stderr)
    assert warning["code"] == "LC609" and warning["path"] == "papers/broken.yaml"
    assert int(warning["line"]) == line_of(root / "papers/broken.yaml", "bibtex:")
    assert "@misc{lovelace1843broken," in everything.stdout  # generated in its place

    assert run(root, "export-bib", "--tag", "nowhere").exit_code == 2
    assert export_report(records_of(root).values())[0] == export(records_of(root).values())


def test_insert_fields_refuses_what_it_cannot_prove_safe() -> None:
    text = "# note\nid: x\ntitle: X\ntags: [a]\n"
    doc, _ = parse_yaml(text, "x.yaml")
    new = insert_fields(text, doc, {"arxiv": "2309.00071", "bibtex": "@misc{x,\n  title = {X}\n}"})
    assert (
        new == "# note\nid: x\ntitle: X\narxiv: '2309.00071'\ntags: [a]\nbibtex: |-\n  @misc{x,\n"
        "    title = {X}\n  }\n"
    )
    flow = "{id: x, title: X, tags: [a]}\n"
    flow_doc, _ = parse_yaml(flow, "x.yaml")
    assert insert_fields(flow, flow_doc, {"arxiv": "2309.00071"}) is None


def test_cli_through_a_subprocess(tmp_path: Path) -> None:
    root = catalogue(tmp_path)
    longctx = [sys.executable, "-m", "longctx_catalog", "--root", str(root)]
    for verb in ("import-bib", "export-bib"):
        helped = subprocess.run([*longctx, verb, "--help"], capture_output=True, text=True, timeout=60)
        assert helped.returncode == 0 and "Examples:" in helped.stdout
    imported = subprocess.run(
        [*longctx, "import-bib", str(HOSTILE), "--tag", "methodology"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert imported.returncode == 1
    assert "create papers/long-context-works.yaml" in imported.stdout
    assert f"{HOSTILE}:{line_of(HOSTILE, '@misc{no-title')}:1: error:" in imported.stdout
    assert "8 new record(s)" in imported.stderr and "Traceback" not in imported.stderr
    out = tmp_path / "out.bib"
    exported = subprocess.run(
        [*longctx, "export-bib", "-o", str(out)], capture_output=True, text=True, timeout=60
    )
    assert exported.returncode == 0, exported.stderr
    assert len(parse_clean(out.read_text(encoding="utf-8"))) == 8
    garbage = tmp_path / "garbage.bib"
    garbage.write_text("nothing here\n", encoding="utf-8")
    failed = subprocess.run(
        [*longctx, "import-bib", str(garbage), "--tag", "methodology"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert failed.returncode == 1 and f"{garbage}:1:1: error:" in failed.stdout
    assert "Traceback" not in failed.stderr


def test_fast_record_dump_gives_dump_record_bytes(tmp_path: Path) -> None:
    """Imported records are written by write.dump_record_fast: the same bytes as write.dump_record."""
    root = catalogue(tmp_path)
    run(root, "import-bib", str(SEED), "--tag", "methodology")
    run(root, "import-bib", str(HOSTILE), "--tag", "rope-scaling", "--tag", "datasets")
    files = sorted((root / "papers").glob("*.yaml"))
    assert len(files) > 100
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert dump_record(yaml.safe_load(text)) == text, path.name
    shapes = [
        {
            "id": "x",
            "title": "T: with 'quotes' and: colons",
            "arxiv": "2309.00071",
            "date": "2023",
            "tags": ["a"],
            "links": {"paper": "https://e.org/x?a=1#b"},
            "notes": "two\nlines\n",
            "context_length": 128000,
        },
        {
            "id": "y",
            "authors": [{"name": "A", "affiliation": ["U1", "U2"]}],
            "tags": ["a"],
        },  # nested: fallback
        {
            "id": "z",
            "tags": ["a", "yes", "null", "2020"],
            "code": [{"url": "https://g.com/a", "official": False}],
            "added": dt.date(2026, 11, 22),
            "tldr": "- starts like a list item\n  and goes on",
        },
    ]
    for fields in shapes:
        assert dump_record_fast(fields) == dump_record(fields)


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=20))
def test_ascii_word_keeps_exactly_the_ascii_letters_and_digits(text: str) -> None:
    import unicodedata

    from longctx_catalog.bibtex.entry import _ascii_word

    expected = "".join(c for c in unicodedata.normalize("NFKD", text).lower() if c.isascii() and c.isalnum())
    assert _ascii_word(text) == expected


# ---------------------------------------------------------------------------------
# Titles written in TeX (E^2-LLM): shown as typeset, cited as TeX


@pytest.mark.parametrize(
    ("title", "shown"),
    [
        ("E^2-LLM: Efficient and Extreme Length Extension", "E²-LLM: Efficient and Extreme Length Extension"),
        ("Self-attention Does Not Need O(n^2) Memory", "Self-attention Does Not Need O(n²) Memory"),
        ("x_{1} and y^{n+1}", "x₁ and yⁿ⁺¹"),
        ("the long_context case", "the long_context case"),  # an identifier, not a subscript
        ("a^b and x^{abc}", "a^b and x^{abc}"),  # no Unicode forms: as written
        ("^2 at the start, L_max", "^2 at the start, L_max"),
    ],
)
def test_titles_with_tex_scripts_are_shown_typeset(title: str, shown: str) -> None:
    assert Record(id="x", title=title).display_title == shown


def test_tex_scripts_are_cited_as_tex_math() -> None:
    record = Record(id="e2-llm", title="E^2-LLM: Extreme Length Extension", authors=(Author("Jiaheng Liu"),),
                    date="2024-01-13", arxiv="2401.06951")
    [entry] = parse_clean(entry_for(record))
    assert entry.get("title") == "E$^{2}$-{LLM}: Extreme Length Extension"
    assert to_text(entry.get("title")) == record.title  # read back (import-bib) as written


def test_a_venue_naming_its_year_keeps_it_without_a_year_field() -> None:
    [entry] = parse_clean("@inproceedings{amosnever,\n  author = {Ido Amos},\n  booktitle = {ICLR 2024 Oral},\n"
                          "  title = {Never Train from Scratch}\n}")
    assert convert(entry, dt.date(2026, 12, 1)).fields["venue"] == "ICLR 2024"
    record = Record(id="n", title="Never Train from Scratch", authors=(Author("Ido Amos"),), venue="TPAMI 2026")
    [cited] = parse_clean(entry_for(record))
    assert cited.get("year") == "2026" and cited.get("journal") == "{TPAMI} 2026"
