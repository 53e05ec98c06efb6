"""BibTeX import and export: entry_for, export, import-bib, export-bib."""

from __future__ import annotations

import bibtexparser
import pytest

from longctx_catalog.bibtex import citation_key, entry_for
from longctx_catalog.bibtex.latex import to_latex, to_text
from longctx_catalog.bibtex.parse import parse_bib
from longctx_catalog.model import Author, CodeLink, Record


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
    authors=(Author("Jörg Müller"), Author("François Ñandú"), Author("王小明"), Author("OpenAI"),
             Author("Simon and Schuster"), Author("Łukasz Kaiser"), Author("John Smith, Jr.")),
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
    assert names == sorted(names)
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
    assert entry.get("year") == "2023"
    assert entry.get("month") == "August"  # a bare month macro, resolved
    assert entry.get("booktitle") == "ICLR 2024"


def test_generated_entry_is_deterministic_and_fast_path_free_of_state() -> None:
    assert entry_for(HOSTILE_RECORD) == entry_for(HOSTILE_RECORD)
    clone = Record(**{k: v for k, v in HOSTILE_RECORD.__dict__.items()})
    assert entry_for(clone) == entry_for(HOSTILE_RECORD)


@pytest.mark.parametrize(
    ("record", "key"),
    [
        (Record(id="a", title="The Long Road", authors=(Author("Ada Lovelace"),), date="1843"),
         "lovelace1843long"),
        (Record(id="b", title="On ∞-former", date="2021-09"), "anon2021former"),
        (Record(id="c", arxiv="2309.00071"), "anonndc"),
        (Record(id="d", title="A survey", authors=(Author("Ünal Şahin"),)), "sahinndsurvey"),
    ],
)
def test_citation_key_fallbacks(record: Record, key: str) -> None:
    assert citation_key(record) == key
    assert entry_for(record).startswith("@misc{" + key)


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
    for text in ["Müller Jörg", "François Ñandú ǘ ı Łukasz ß Ångström", "50% & x_y #1 $5 ~ ^ {a} \\ b",
                 "王小明 ∞-former", "Plain"]:
        assert to_text(to_latex(text)) == text
