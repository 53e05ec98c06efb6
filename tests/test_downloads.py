"""Downloads: catalogue.bib, the per-branch .bib files, catalogue.json and its JSON Schema."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import bibtexparser
import jsonschema
import pytest

from conftest import FIXTURES, REPO
from longctx_catalog.downloads import (
    CATALOGUE_BIB,
    CATALOGUE_JSON,
    CATALOGUE_SCHEMA,
    catalogue_schema,
    download_files,
    records_under,
)
from longctx_catalog.validate import load_catalog
from longctx_catalog.write import dump_record


@pytest.fixture
def catalogue(tmp_path: Path) -> Path:
    return Path(shutil.copytree(FIXTURES / "render-catalogue", tmp_path / "catalogue"))


def test_catalogue_bib_parses_cleanly_with_one_entry_per_record(catalogue: Path) -> None:
    catalog, _ = load_catalog(catalogue)
    files, _ = download_files(catalog)
    library = bibtexparser.parse_string(files[CATALOGUE_BIB])
    assert library.failed_blocks == []
    assert len(library.entries) == len(catalog.records)
    keys = [e.key for e in library.entries]
    assert len({k.casefold() for k in keys}) == len(keys)
    titles = " ".join(e.fields_dict["title"].value for e in library.entries)
    assert "YaRN" in titles or "Yarn" in titles


def test_branch_bibs_hold_the_branch_records_with_the_same_keys(catalogue: Path) -> None:
    catalog, _ = load_catalog(catalogue)
    files, _ = download_files(catalog)
    whole = {e.key: e for e in bibtexparser.parse_string(files[CATALOGUE_BIB]).entries}
    seen = 0
    for branch in catalog.taxonomy.roots:
        library = bibtexparser.parse_string(files[f"bib/{branch.id}.bib"])
        assert library.failed_blocks == []
        expected = records_under(catalog, branch)
        assert len(library.entries) == len(expected), branch.id
        for entry in library.entries:  # the same citation, key and all, as in catalogue.bib
            assert entry.key in whole
            assert entry.raw.strip() == whole[entry.key].raw.strip()
        seen += len(expected)
    assert seen >= len(catalog.records) - 1  # every record is under some branch (one may be in two)


def test_catalogue_json_validates_against_its_schema_and_the_record_schema(catalogue: Path) -> None:
    catalog, _ = load_catalog(catalogue)
    files, _ = download_files(catalog)
    data = json.loads(files[CATALOGUE_JSON])
    schema = json.loads(files[CATALOGUE_SCHEMA])
    assert schema == catalogue_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(data)
    record_schema = json.loads((REPO / "schema" / "record.schema.json").read_text(encoding="utf-8"))
    for record in data["records"]:
        jsonschema.Draft202012Validator(record_schema).validate(record)
    assert [r["id"] for r in data["records"]] == sorted(r.id for r in catalog.records)
    assert [n["id"] for n in data["taxonomy"]] == [n.id for n in catalog.taxonomy.roots]


def test_catalogue_json_rejects_what_its_schema_forbids() -> None:
    schema = catalogue_schema()
    validator = jsonschema.Draft202012Validator(schema)
    good = {"format": 1, "taxonomy": [{"id": "a", "title": "A"}], "records": [{"id": "x", "title": "X",
                                                                             "tags": ["a"]}]}
    validator.validate(good)
    for bad in (
        {**good, "format": 2},
        {**good, "records": [{"id": "x", "title": "X"}]},  # no tags
        {**good, "records": [{"id": "x", "title": "X", "tags": ["a"], "colour": "red"}]},
        {**good, "records": [{"id": "x", "kind": "model", "title": "X", "tags": ["a"]}]},  # model without L_max
        {**good, "extra": 1},
    ):
        assert list(validator.iter_errors(bad)), bad


def test_catalogue_json_records_round_trip_to_the_same_records(catalogue: Path, tmp_path: Path) -> None:
    """Each record in catalogue.json, written back as a YAML file, loads as the same record."""
    catalog, _ = load_catalog(catalogue)
    files, _ = download_files(catalog)
    data = json.loads(files[CATALOGUE_JSON])
    copy = tmp_path / "copy"
    (copy / "papers").mkdir(parents=True)
    shutil.copy(catalogue / "taxonomy.yaml", copy / "taxonomy.yaml")
    for record in data["records"]:
        (copy / "papers" / f"{record['id']}.yaml").write_text(dump_record(record), encoding="utf-8")
    again, diags = load_catalog(copy)
    assert not [d for d in diags if d.is_error], diags
    assert sorted(again.records, key=lambda r: r.id) == sorted(catalog.records, key=lambda r: r.id)


def test_downloads_are_deterministic(catalogue: Path) -> None:
    first, _ = download_files(load_catalog(catalogue)[0])
    second, _ = download_files(load_catalog(catalogue)[0])
    assert first == second
    assert sorted(first) == sorted([CATALOGUE_BIB, CATALOGUE_JSON, CATALOGUE_SCHEMA, "bib/methodology.bib",
                                    "bib/evaluation.bib", "bib/toolkits.bib"])
