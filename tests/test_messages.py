"""Validation messages tell a first-time contributor what to do, at the place to do it."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import GOOD_RECORD, write_catalog
from longctx_catalog.validate import load_catalog


def diags_for(tmp_path: Path, text: str):  # type: ignore[no-untyped-def]
    root = write_catalog(tmp_path / "c", {"yarn": text})
    return load_catalog(root)[1]


@pytest.mark.parametrize(
    ("text", "where", "advice"),
    [
        # the most common first mistake: a colon in an unquoted title
        ("id: yarn\ntitle: YaRN: Efficient Context\n", (2, 12), "must be quoted"),
        ("id: yarn\n\ttitle: x\n", (2, 1), "indent with spaces, not tabs"),
        ("id: yarn\ntitle: 'YaRN\ntags: [a]\n", (2, 8), "a quote is never closed"),  # where the quote opens
        ("id: yarn\ntags: [a, b\ntitle: x\n", (3, 6), "a [list] is not closed"),
        ("id: yarn\ntitle x\ntags: [a]\n", (3, 1), "lacks ':' after its key"),
        ("id: yarn\ntitle: `x`\n", (2, 8), "must be quoted"),
    ],
)
def test_yaml_syntax_errors_come_with_a_fix(tmp_path: Path, text: str, where: tuple[int, int], advice: str) -> None:
    (d,) = diags_for(tmp_path, text)
    assert d.code == "LC002"
    assert (d.location.line, d.location.column) == where
    assert advice in d.message


def test_an_impossible_date_is_located_at_the_date(tmp_path: Path) -> None:
    (d,) = diags_for(tmp_path, GOOD_RECORD.replace("date: 2023-08-31", "date: 2023-02-30"))
    assert d.code == "LC002"
    assert (d.location.line, d.location.column) == (7, 7)
    assert "2023-02-30 is not a calendar date" in d.message and "check the month and day" in d.message


def test_unknown_tag_without_a_close_match_still_says_where_to_look(tmp_path: Path) -> None:
    (d,) = [d for d in diags_for(tmp_path, GOOD_RECORD.replace("[rope-scaling]", "[zzzz]")) if d.code == "LC201"]
    assert d.message == "unknown tag 'zzzz'; see taxonomy.yaml or run `longctx tags` for every node id"


def test_missing_fields_say_what_line_to_add(tmp_path: Path) -> None:
    text = GOOD_RECORD.replace("tags: [rope-scaling]\n", "").replace("    official: true\n", "")
    messages = {d.message for d in diags_for(tmp_path, text) if d.code == "LC102"}
    assert messages == {
        "missing required field 'tags'; add e.g. `tags: [rope-scaling]` (run `longctx tags` for every node id)",
        "code[0] is missing 'official'; add `official: true` (false for someone else's implementation)",
    }


@pytest.mark.parametrize(
    ("old", "new", "advice"),
    [
        ("date: 2023-08-31", "date: 2023/08/31", "write it as 2023-08-31"),
        ("added: 2026-11-20", "added: 2027-01-01", "check the year, or use today's date"),
        ("venue: ICLR 2024", "bibtex: not an entry", "copy it from the paper's page"),
        ("venue: ICLR 2024", "max_context: 4096", "remove the field or fix `kind`"),
        ("tags: [rope-scaling]", "tags: []", "add one, or remove the field"),
    ],
)
def test_field_errors_say_what_to_do(tmp_path: Path, old: str, new: str, advice: str) -> None:
    assert old in GOOD_RECORD
    errors = [d for d in diags_for(tmp_path, GOOD_RECORD.replace(old, new)) if d.is_error]
    assert len(errors) == 1, errors
    assert advice in errors[0].message
