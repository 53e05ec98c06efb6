"""The YAML layer: positions, duplicate keys, unsafe tags, unreadable files."""

from __future__ import annotations

import gc
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from longctx_catalog.load import CONTROL_CHARACTERS, RootNotFound, find_root, parse_yaml, read_yaml_file, record_files


def codes(diags):
    return [d.code for d in diags]


def test_positions_of_keys_and_values_are_one_based() -> None:
    doc, diags = parse_yaml("id: x\ntags:\n  - a\n  - b\ncode:\n  - url: u\n", "p.yaml")
    assert diags == []
    assert doc is not None
    assert str(doc.loc(("tags",), key=True)) == "p.yaml:2:1"
    assert str(doc.loc(("tags", 1))) == "p.yaml:4:5"
    assert str(doc.loc(("code", 0, "url"))) == "p.yaml:6:10"
    # An unknown path falls back to the nearest enclosing value.
    assert str(doc.loc(("code", 0, "official"))) == "p.yaml:6:5"


def test_raw_scalar_text_survives_float_conversion() -> None:
    doc, _ = parse_yaml("arxiv: 2310.05210\n", "p.yaml")
    assert doc is not None
    assert doc.data["arxiv"] == pytest.approx(2310.0521)
    assert doc.raw(("arxiv",)) == "2310.05210"


def test_duplicate_keys_are_reported_at_every_depth() -> None:
    text = "title: A\ntitle: B\nlinks:\n  paper: https://a.org\n  paper: https://b.org\n"
    doc, diags = parse_yaml(text, "p.yaml")
    assert doc is not None
    assert [(d.code, d.location.line) for d in diags] == [("LC003", 2), ("LC003", 5)]
    assert "first at line 1" in diags[0].message


@pytest.mark.parametrize(
    "text",
    [
        "x: !!python/object/apply:os.system ['echo pwned']\n",
        "x: !!python/name:os.system\n",
        "x: !custom 3\n",
        "x: !!binary aGVsbG8=\n",
        "x: !!set {a, b}\n",
    ],
)
def test_non_data_tags_are_refused_before_construction(text: str) -> None:
    doc, diags = parse_yaml(text, "p.yaml")
    assert doc is None
    assert codes(diags) == ["LC004"]
    assert diags[0].location.line == 1 and diags[0].location.column == 4


def test_merge_keys_are_refused_with_advice() -> None:
    doc, diags = parse_yaml("base: &b {a: 1}\nx:\n  <<: *b\n", "p.yaml")
    assert doc is None
    assert codes(diags) == ["LC004"]
    assert "merge" in diags[0].message


def test_syntax_errors_are_located() -> None:
    doc, diags = parse_yaml("id: x\ntags: [a\nfoo: bar\n", "p.yaml")
    assert doc is None
    assert codes(diags) == ["LC002"]
    assert diags[0].location.line >= 2


def test_several_documents_in_one_file_are_a_syntax_error() -> None:
    doc, diags = parse_yaml("id: a\n---\nid: b\n", "p.yaml")
    assert doc is None
    assert codes(diags) == ["LC002"]


def test_control_characters_are_located() -> None:
    doc, diags = parse_yaml("id: x\ntitle: a\x00b\n", "p.yaml")
    assert doc is None
    assert codes(diags) == ["LC002"]
    assert (diags[0].location.line, diags[0].location.column) == (2, 9)


def test_recursive_alias_is_refused() -> None:
    doc, diags = parse_yaml("a: &x [1, *x]\n", "p.yaml")
    assert doc is None
    assert codes(diags) == ["LC004"]


def test_alias_bomb_stays_cheap() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    start = time.perf_counter()
    doc, diags = parse_yaml("\n".join(lines) + "\n", "p.yaml")
    assert time.perf_counter() - start < 5  # 10**9 leaves if anything expanded them
    assert doc is not None and diags == []


def test_impossible_timestamp_is_a_located_error_not_a_crash() -> None:
    doc, diags = parse_yaml("date: 2023-02-30\n", "p.yaml")
    assert doc is None
    assert codes(diags) == ["LC002"]


def test_empty_document_parses_to_none() -> None:
    doc, diags = parse_yaml("# only a comment\n", "p.yaml")
    assert doc is not None and doc.data is None and diags == []


def test_file_that_is_not_utf8_is_one_located_error(tmp_path: Path) -> None:
    file = tmp_path / "x.yaml"
    file.write_bytes(b"id: x\ntitle: caf\xe9\n")
    doc, diags = read_yaml_file(file, "papers/x.yaml")
    assert doc is None
    assert [str(d.location) for d in diags] == ["papers/x.yaml:2:11"]
    assert codes(diags) == ["LC001"]


def test_unreadable_file_is_one_located_error(tmp_path: Path) -> None:
    link = tmp_path / "gone.yaml"
    link.symlink_to(tmp_path / "missing-target")
    doc, diags = read_yaml_file(link, "papers/gone.yaml")
    assert doc is None
    assert codes(diags) == ["LC001"]
    assert str(diags[0].location) == "papers/gone.yaml:1:1"


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    file = tmp_path / "x.yaml"
    file.write_bytes("\ufeffid: x\n".encode())
    doc, diags = read_yaml_file(file, "x.yaml")
    assert doc is not None and doc.data == {"id": "x"} and diags == []


def test_record_files_are_found_recursively_in_stable_order(tmp_path: Path) -> None:
    for rel in ["papers/b.yaml", "papers/a.yml", "papers/sub/c.yaml", "papers/.hidden.yaml", "papers/notes.md",
                "papers/.git/x.yaml"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("id: x\n")
    names = [p.relative_to(tmp_path).as_posix() for p in record_files(tmp_path)]
    assert names == ["papers/a.yml", "papers/b.yaml", "papers/sub/c.yaml"]


def test_find_root_walks_up_like_git(tmp_path: Path) -> None:
    (tmp_path / "taxonomy.yaml").write_text("[]\n")
    deep = tmp_path / "papers" / "a" / "b"
    deep.mkdir(parents=True)
    assert find_root(deep) == tmp_path.resolve()


def test_find_root_fails_clearly(tmp_path: Path) -> None:
    with pytest.raises(RootNotFound, match="--root"):
        find_root(tmp_path)


# The loader builds data in its own pass (load.py, _Loader.construct_document); it must
# give exactly what PyYAML's own constructor gives for every plain-data document.
_plain_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20),
    st.dates(), st.sampled_from(["yes", "No", "on", "~", "null", "1e3", "0x1F", "0o17", "-.inf", ".NaN", "+12",
                                 "2023-01-02", "2023-01-02T03:04:05Z", "1_000", "12:30", "=", "", " x ", "#x"]),
)
_plain_data = st.recursive(
    _plain_scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.one_of(st.text(max_size=6), st.integers(), st.booleans()), inner,
                                            max_size=4)),
    max_leaves=15,
)


def _holds_control(data: object) -> bool:
    if isinstance(data, str):
        return bool(CONTROL_CHARACTERS.search(data))
    if isinstance(data, dict):
        return any(_holds_control(k) or _holds_control(v) for k, v in data.items())
    if isinstance(data, list):
        return any(_holds_control(item) for item in data)
    return False


@settings(max_examples=400, deadline=None)
@given(_plain_data, st.sampled_from([None, True, False]), st.sampled_from([None, '"', "'", "|"]))
def test_data_equals_pyyaml_for_plain_documents(data, flow, style) -> None:  # type: ignore[no-untyped-def]
    shared = [data, data]  # the same object twice: the dump holds an anchor and an alias
    text = yaml.safe_dump({"a": data, "b": shared}, default_flow_style=flow, default_style=style,
                          allow_unicode=True)
    doc, diags = parse_yaml(text, "p.yaml")
    expected = yaml.load(text, Loader=yaml.CSafeLoader)
    # The one thing refused in plain data: text holding a control character (LC104, located).
    assert {d.code for d in diags} == ({"LC104"} if _holds_control(expected) else set())
    assert doc is not None and doc.data == expected
    # Twice: the second parse runs through the resolver's memo of plain scalars.
    again, _ = parse_yaml(text, "p.yaml")
    assert again is not None and again.data == expected


@pytest.mark.parametrize("text", ["x: !!map [1, 2]\n", "x: !!seq {a: 1}\n", "x: !!map b\n", "x: !!str [1]\n"])
def test_collection_tagged_as_another_kind_is_a_located_error(text: str) -> None:
    doc, diags = parse_yaml(text, "p.yaml")
    assert doc is None
    assert codes(diags) == ["LC002"]
    assert (diags[0].location.line, diags[0].location.column) == (1, 4)


def test_unhashable_key_is_a_located_error() -> None:
    doc, diags = parse_yaml("x: 1\n? [a, b]\n: 2\n", "p.yaml")
    assert doc is None
    assert codes(diags) == ["LC103"]
    assert diags[0].location.line == 2


def test_parsing_leaves_no_reference_cycles() -> None:
    # validate.py pauses the garbage collector while loading thousands of files: anything
    # parsing leaves in a cycle (a loader, a self-calling closure) would stay in memory.
    text = "id: x\ntags: [a, b]\ncode:\n  - url: https://a.org\n    official: true\nshared: &s [1, 2]\nagain: *s\n"
    gc.collect()
    gc.disable()
    try:
        for _ in range(3):
            doc, diags = parse_yaml(text, "p.yaml")
            assert doc is not None and diags == []
        del doc
        assert gc.collect() == 0
    finally:
        gc.enable()
