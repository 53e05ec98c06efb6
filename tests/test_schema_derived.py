"""What is derived from the one schema: JSON Schema for editors, written records."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from conftest import GOOD_RECORD, REPO, write_catalog
from longctx_catalog.load import record_files
from longctx_catalog.schema.derived import json_schema
from longctx_catalog.validate import load_catalog
from longctx_catalog.write import atomic_write_text, dump_record

VALIDATOR = jsonschema.Draft202012Validator(json_schema(), format_checker=jsonschema.FormatChecker())


def as_json_data(text: str) -> object:
    # YAML dates become strings, as an editor's language server sees them.
    return json.loads(json.dumps(yaml.safe_load(text), default=str))


def test_the_json_schema_is_itself_valid() -> None:
    jsonschema.Draft202012Validator.check_schema(json_schema())


@pytest.mark.real_clock
@pytest.mark.parametrize("path", record_files(REPO), ids=lambda p: p.name)
def test_shipped_records_satisfy_the_json_schema(path: Path) -> None:
    errors = [e.message for e in VALIDATOR.iter_errors(as_json_data(path.read_text(encoding="utf-8")))]
    assert errors == []


@pytest.mark.parametrize(
    "mutation",
    [("arxiv: '2309.00071'", "arxiv: 2309.00071"), ("tags: [rope-scaling]", "tags: []"),
     ("status: read", "status: maybe"), ("paper: https://arxiv", "paper: javascript://arxiv"),
     ("venue: ICLR 2024", "venu: ICLR 2024")],
)
def test_json_schema_rejects_what_the_validator_rejects(tmp_path: Path, mutation: tuple[str, str]) -> None:
    text = GOOD_RECORD.replace(*mutation)
    assert list(VALIDATOR.iter_errors(as_json_data(text)))
    _, diags = load_catalog(write_catalog(tmp_path / "c", {"yarn": text}))
    assert any(d.is_error for d in diags)


def test_dump_record_writes_canonical_order_and_quotes_what_must_be_quoted(tmp_path: Path) -> None:
    fields = {
        "tags": ["rope-scaling"],
        "added": "2026-11-20",
        "title": "YaRN: Efficient Context Window Extension",
        "id": "yarn",
        "arxiv": "2310.05210",
        "date": "2023-10",
        "tldr": "A short summary.",
        "notes": "line one\nline two",
        "venue": "",
        "code": [{"url": "https://github.com/jquesnelle/yarn", "official": True}],
    }
    text = dump_record(fields)
    assert text.splitlines()[:5] == [
        "id: yarn",
        "title: 'YaRN: Efficient Context Window Extension'",
        "arxiv: '2310.05210'",
        "date: 2023-10",
        "tags:",
    ]
    assert "venue" not in text and "notes: |-\n  line one\n  line two\n" in text
    assert "code:\n  - url: https://github.com/jquesnelle/yarn\n    official: true\n" in text
    catalog, diags = load_catalog(write_catalog(tmp_path / "c", {"yarn": text}))
    assert diags == []
    assert catalog.by_id["yarn"].arxiv == "2310.05210"


def test_dump_record_refuses_unknown_fields() -> None:
    with pytest.raises(ValueError, match="titel"):
        dump_record({"id": "x", "titel": "y"})


def test_atomic_write_keeps_unchanged_files_untouched(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "f.md"
    assert atomic_write_text(target, "hello\n") is True
    before = target.stat().st_mtime_ns
    assert atomic_write_text(target, "hello\n") is False
    assert target.stat().st_mtime_ns == before
    assert atomic_write_text(target, "changed\n") is True
    assert target.read_text() == "changed\n"
    assert [p.name for p in target.parent.iterdir()] == ["f.md"]  # no temp files left behind


def test_atomic_write_failure_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "f.md"
    target.write_text("old\n")
    with pytest.raises(UnicodeEncodeError):
        atomic_write_text(target, "bad \udc80 surrogate")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["f.md"]


@pytest.mark.real_clock
def test_the_shipped_catalogue_is_strictly_valid() -> None:
    catalog, diags = load_catalog(REPO)
    assert [str(d) for d in diags] == []
    assert catalog.records
