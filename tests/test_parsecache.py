"""The parse cache (parsecache.py): what read_yaml_file gives is the same with it as without it."""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path

import pytest

from longctx_catalog.load import read_yaml_file
from longctx_catalog.parsecache import PARSE_FILE, ParseCache, cached_parsing

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
