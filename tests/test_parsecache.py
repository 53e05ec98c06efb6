"""The parse cache (parsecache.py): what read_yaml_file, and the checks kept with it, give is the same with it as
without it."""

from __future__ import annotations

import datetime as dt
import hashlib
import pickle
import re
from pathlib import Path

import pytest

from conftest import GOOD_RECORD, SITE_EXTRA_FILES, write_catalog
from longctx_catalog.load import read_yaml_file
from longctx_catalog.parsecache import PARSE_FILE, ParseCache, cached_parsing
from longctx_catalog.validate import load_catalog

FILES = {
    "papers/plain.yaml": 'id: plain\ntitle: "A Plain Record"\nauthors: [Ada Example]\ndate: 2024-05\n'
                         "tags: [rope]\nnested: {a: [1, 2.5, true, null]}\n",
    "papers/twice.yaml": "id: twice\ntitle: One\ntitle: Two\n",  # a duplicate key: a diagnostic with the data
    "papers/empty.yaml": "",
    "papers/broken.yaml": "id: [unclosed\n",
    "papers/control.yaml": 'id: control\ntitle: "bell \\a here"\n',
    "taxonomy.yaml": "- id: root\n  title: Root\n  children: &a [*a]\n",
}


def _read_all(root: Path) -> dict[str, tuple]:  # type: ignore[type-arg]
    out = {}
    for rel in FILES:
        doc, diagnostics = read_yaml_file(root / rel, rel)
        out[rel] = (None if doc is None else (doc.path, doc.data, doc.text), [str(d) for d in diagnostics])
    return out


@pytest.fixture
def root(tmp_path: Path) -> Path:
    for rel, text in FILES.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    return tmp_path


def test_a_cached_parse_is_the_parse(root: Path) -> None:
    plain = _read_all(root)
    assert plain["papers/twice.yaml"][1] and plain["papers/broken.yaml"][0] is None  # the cases are real
    with cached_parsing(root):
        assert _read_all(root) == plain  # parsed, and stored
    assert (root / PARSE_FILE).is_file()
    with cached_parsing(root) as cache:
        stored = {rel: cache.get(cache.key(rel, "LC004", (root / rel).read_bytes())) for rel in FILES}
        assert all(value is not None for value in stored.values())  # every file is a hit now
        assert _read_all(root) == plain


def test_the_data_handed_out_is_never_the_stored_data(root: Path) -> None:
    with cached_parsing(root):
        _read_all(root)
    with cached_parsing(root):
        doc, _ = read_yaml_file(root / "papers/plain.yaml", "papers/plain.yaml")
        assert doc is not None
        doc.data["title"] = "changed by a later step"
        doc.data["nested"]["a"].append("more")
        again, _ = read_yaml_file(root / "papers/plain.yaml", "papers/plain.yaml")
    assert again is not None and again.data["title"] == "A Plain Record" and again.data["nested"]["a"] == [
        1, 2.5, True, None]


def test_an_edited_file_is_parsed_again(root: Path) -> None:
    with cached_parsing(root):
        _read_all(root)
    path = root / "papers/plain.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("A Plain Record", "An Edited Record"), encoding="utf-8")
    with cached_parsing(root):
        doc, _ = read_yaml_file(path, "papers/plain.yaml")
    assert doc is not None and doc.data["title"] == "An Edited Record"
    # The same bytes under another path report their problems under that path.
    (root / "papers/copy.yaml").write_bytes((root / "papers/twice.yaml").read_bytes())
    with cached_parsing(root):
        _, diagnostics = read_yaml_file(root / "papers/copy.yaml", "papers/copy.yaml")
    assert diagnostics and all(str(d).startswith("papers/copy.yaml:") for d in diagnostics)


@pytest.mark.parametrize("damage", ["garbage", "truncated", "flipped", "other-version"])
def test_a_damaged_or_foreign_cache_file_is_a_fresh_one(root: Path, damage: str) -> None:
    plain = _read_all(root)
    with cached_parsing(root):
        _read_all(root)
    file = root / PARSE_FILE
    blob = file.read_bytes()
    if damage == "garbage":
        file.write_bytes(b"not a cache")
    elif damage == "truncated":
        file.write_bytes(blob[: len(blob) // 2])
    elif damage == "flipped":
        file.write_bytes(blob[:-40] + bytes([blob[-40] ^ 1]) + blob[-39:])
    else:  # a well-formed file from another version of the tool: its entries are not used
        payload = pickle.dumps((b"another version", pickle.loads(blob[16:])[1]))
        file.write_bytes(hashlib.blake2b(payload, digest_size=16).digest() + payload)
    assert ParseCache(file)._stored == {}
    with cached_parsing(root):
        assert _read_all(root) == plain
    assert len(ParseCache(file)._stored) == len(FILES)  # written afresh, whole


def test_only_what_a_run_used_is_kept_and_an_unchanged_cache_is_not_rewritten(root: Path) -> None:
    with cached_parsing(root):
        _read_all(root)
    file = root / PARSE_FILE
    (root / "papers/broken.yaml").unlink()
    with cached_parsing(root):
        for rel in FILES:
            if (root / rel).exists():
                read_yaml_file(root / rel, rel)
    assert len(ParseCache(file)._stored) == len(FILES) - 1
    before = file.stat().st_mtime_ns, file.stat().st_ino
    with cached_parsing(root):
        for rel in FILES:
            if (root / rel).exists():
                read_yaml_file(root / rel, rel)
    assert (file.stat().st_mtime_ns, file.stat().st_ino) == before


def test_a_block_that_fails_saves_nothing(root: Path) -> None:
    with pytest.raises(RuntimeError), cached_parsing(root):
        _read_all(root)
        raise RuntimeError("the load failed")
    assert not (root / PARSE_FILE).exists()


# ---------------------------------------------------------------------------------
# Checks kept with the parses (parsecache.derived): a record's check and an arXiv file's check


def _loaded(root: Path, on_date: str) -> tuple[list[str], list[str]]:
    catalog, diagnostics = load_catalog(root, on_date=dt.date.fromisoformat(on_date))
    return sorted(repr(r) for r in catalog.records), sorted(str(d) for d in diagnostics)


def _codes(diagnostics: list[str]) -> set[str]:
    return {code for d in diagnostics for code in re.findall(r"\[(LC\d+)", d)}


@pytest.fixture
def catalogue(tmp_path: Path) -> Path:
    # yarn, a record with a problem (an unknown field), and yarn's arXiv file twice: once for
    # another record under its own name, holding yarn's id (a problem only there).
    arxiv = SITE_EXTRA_FILES["data/arxiv/2309.00071.yaml"]
    other = GOOD_RECORD.replace("id: yarn", "id: other").replace("'2309.00071'", "'2401.00001'")
    return write_catalog(tmp_path / "cat", {"yarn": GOOD_RECORD, "other": other,
                                            "odd": GOOD_RECORD.replace("id: yarn", "id: odd") + "colour: blue\n"},
                         extra={"data/arxiv/2309.00071.yaml": arxiv, "data/arxiv/2401.00001.yaml": arxiv})


def test_a_kept_check_is_the_check(catalogue: Path) -> None:
    plain = _loaded(catalogue, "2026-11-22")
    assert {"LC101", "LC501"} <= _codes(plain[1])  # the cases are real
    for _ in range(2):  # checked and stored, then taken from the cache
        with cached_parsing(catalogue):
            assert _loaded(catalogue, "2026-11-22") == plain


def test_a_kept_check_depends_on_today(catalogue: Path) -> None:
    with cached_parsing(catalogue):
        assert "LC123" not in _codes(_loaded(catalogue, "2026-11-22")[1])
    with cached_parsing(catalogue):  # yarn was added on 2026-11-20: the day before, that is the future
        assert "LC123" in _codes(_loaded(catalogue, "2026-11-19")[1])


def test_a_kept_check_depends_on_the_taxonomy(catalogue: Path) -> None:
    with cached_parsing(catalogue):
        before = _loaded(catalogue, "2026-11-22")[1]
    taxonomy = catalogue / "taxonomy.yaml"
    taxonomy.write_text(taxonomy.read_text(encoding="utf-8").replace("rope-scaling", "rope-rescaling"),
                        encoding="utf-8")
    with cached_parsing(catalogue):
        after = _loaded(catalogue, "2026-11-22")[1]
    assert not any("rope-scaling" in d and "papers/yarn.yaml" in d for d in before)
    assert any("rope-scaling" in d and "papers/yarn.yaml" in d for d in after), after
