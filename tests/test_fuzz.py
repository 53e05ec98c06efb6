"""Random and mutated records never crash the validator, and every problem is located."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import GOOD_RECORD, MINI_TAXONOMY
from longctx_catalog.diagnostics import CODES
from longctx_catalog.load import CONTROL_CHARACTERS, parse_yaml
from longctx_catalog.schema.checks import check_record
from longctx_catalog.schema.context import Ctx
from longctx_catalog.schema.derived import FIELD_ORDER

TODAY = dt.date(2026, 11, 22)
TAGS = ["rope-scaling", "datasets", "nope", "methodology"]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 1, 1)),
    st.sampled_from(["2309.00071", "javascript:alert(1)", "https://a.org/x", "2023-13", "<script>", "|*_`[",
                     "extended-rope", "paper", "model", "dataset"]),
)
values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(FIELD_ORDER), st.text(max_size=8)), children, max_size=4),
    ),
    max_leaves=12,
)
keys = st.one_of(st.sampled_from((*FIELD_ORDER, "url", "official", "name", "affiliation")), st.text(max_size=10))
records = st.dictionaries(keys, values, max_size=12)


def _check_text(text: str) -> None:
    doc, diags = parse_yaml(text, "papers/x.yaml")
    if doc is not None:
        ctx = Ctx(doc, TODAY, TAGS)
        check_record(doc, "x", ctx)
        diags = diags + ctx.diagnostics
    for d in diags:
        assert d.location.path == "papers/x.yaml"
        assert d.location.line >= 1 and d.location.column >= 1
        assert d.code in CODES
        assert d.message


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records)
def test_random_records_never_raise(record: dict) -> None:
    _check_text(yaml.safe_dump(record, allow_unicode=True))


_lines = GOOD_RECORD.splitlines(keepends=True)


@settings(max_examples=1500, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, len(_lines) - 1), st.sampled_from(["drop", "dup", "dedent", "garble", "insert"]),
                  st.text(max_size=12)),
        min_size=1,
        max_size=4,
    )
)
def test_mutated_good_record_never_raises(mutations: list[tuple[int, str, str]]) -> None:
    lines = list(_lines)
    for index, how, junk in mutations:
        index %= len(lines)
        if how == "drop":
            del lines[index]
        elif how == "dup":
            lines.insert(index, lines[index])
        elif how == "dedent":
            lines[index] = lines[index].lstrip()
        elif how == "garble":
            cut = len(junk) % max(1, len(lines[index]))
            lines[index] = lines[index][:cut] + junk + lines[index][cut:]
        else:
            lines.insert(index, junk + "\n")
        if not lines:
            lines = ["\n"]
    _check_text("".join(lines))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=200))
def test_arbitrary_bytes_as_a_file(tmp_path: Path, data: bytes) -> None:
    from longctx_catalog.load import read_yaml_file

    file = tmp_path / f"f{next(_counter)}.yaml"
    file.write_bytes(data)
    doc, diags = read_yaml_file(file, "papers/x.yaml")
    assert doc is not None or diags
    assert all(d.location.line >= 1 and d.code in CODES for d in diags)


_counter = itertools.count()


def test_taxonomy_is_fuzz_safe_too() -> None:
    from longctx_catalog.schema.checks import check_taxonomy

    # each broken shape must be reported (with the code and the place), the good one not at all
    cases = [
        (MINI_TAXONOMY, []),
        ("- 1\n- [2]\n", [("LC301", 1, 3), ("LC301", 2, 3)]),
        ("- {id: a, title: A, children: [{id: a, title: B}]}\n", [("LC302", 1, 37)]),
        ("{}\n", [("LC301", 1, 1)]),
    ]
    for text, expected in cases:
        doc, diags = parse_yaml(text, "taxonomy.yaml")
        assert doc is not None
        _, more = check_taxonomy(doc)
        found = diags + more
        assert all(d.location.path == "taxonomy.yaml" and d.message for d in found)
        assert [(d.code, d.location.line, d.location.column) for d in found] == expected, text


# --- .bib input: hostile pieces glued at random never crash, hang or go unlocated --------------

_bib_pieces = st.one_of(
    st.sampled_from([
        "@article{k,", "@string{s = ", "@misc{", "title = ", "author = {A and B}", "year = 2020", "eprint = ",
        "{", "}", '"', "#", ",", "=", "\n", "\\", "%", "{" * 70, "}" * 70, "s # s # s # s", "{\\'e}", "$x^2$",
        "\x00", "\x01", "\x1b", "\x7f", "\u0085", "２３０９.０００７１", "2309.00071", "jan",
    ]),
    st.text(max_size=6),
)


@settings(max_examples=250, deadline=None)
@given(st.lists(_bib_pieces, max_size=40))
def test_random_bibtex_never_raises(pieces: list[str]) -> None:
    from longctx_catalog.bibtex.convert import convert
    from longctx_catalog.bibtex.parse import parse_bib

    text = "".join(pieces)
    entries, diags = parse_bib(text, "in.bib")
    lines = text.count("\n") + 1
    for d in diags:
        assert d.location.path == "in.bib" and 1 <= d.location.line <= lines and d.code in CODES
    for entry in entries:
        converted = convert(entry, TODAY)  # LaTeX to text on whatever survived parsing
        assert not any(CONTROL_CHARACTERS.search(str(v)) for v in converted.fields.values()), converted.fields
