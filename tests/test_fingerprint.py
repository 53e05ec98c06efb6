"""fingerprint.py: a file whose identity is unchanged is not read again, and no edit hides behind it.

The identity is (device, inode, size, mtime, ctime); the change time cannot be set back, so
an edit that restores the size and modification time is still a new identity. These run
:func:`snapshot` in this process with the settling time at zero (files written by a test are
otherwise too new to be trusted), then a real build with the stamp it leaves.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from conftest import build_site_catalogue, run_longctx
from longctx_catalog import fingerprint
from longctx_catalog.fingerprint import STAMP_FILE, Stats, snapshot

LABEL = "papers/yarn.yaml"


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(fingerprint, "SETTLED_NS", 0)
    (tmp_path / "papers").mkdir()
    (tmp_path / LABEL).write_text("id: yarn\ntitle: YaRN\n", encoding="utf-8")
    return tmp_path


def _taken(root: Path, known: Stats | None = None) -> tuple[dict[str, str], Stats]:
    stats: Stats = {}
    time.sleep(0.01)  # the settling time is zero, but a file's times must be before the snapshot's
    return snapshot(root, known=known, stats=stats), stats


def test_an_unchanged_identity_is_trusted_without_reading(root: Path) -> None:
    files, stats = _taken(root)
    assert stats[LABEL][5] == files[LABEL] == fingerprint.content_digest((root / LABEL).read_bytes())
    # The stored digest is what comes back, whatever the file holds: the file was not read.
    planted = {LABEL: (*stats[LABEL][:5], "planted")}
    assert _taken(root, planted)[0][LABEL] == "planted"


@pytest.mark.parametrize("change", ["same size and mtime", "renamed over", "touched"])
def test_any_change_of_the_file_is_a_new_identity(root: Path, change: str) -> None:
    path = root / LABEL
    _, stats = _taken(root)
    planted = {LABEL: (*stats[LABEL][:5], "planted")}
    before = path.stat()
    if change == "same size and mtime":
        path.write_text("id: yarn\ntitle: YARN\n", encoding="utf-8")
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
        assert (path.stat().st_size, path.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    elif change == "renamed over":
        other = root / "other.tmp"
        other.write_text("id: yarn\ntitle: YARN\n", encoding="utf-8")
        os.utime(other, ns=(before.st_atime_ns, before.st_mtime_ns))
        os.replace(other, path)
    else:
        os.utime(path)  # no byte changed: the digest is the same, but read again
    files, _ = _taken(root, planted)
    assert files[LABEL] == fingerprint.content_digest(path.read_bytes()) != "planted"


def test_a_file_changed_just_now_is_not_trusted_next_time(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fingerprint, "SETTLED_NS", 60 * 10**9)
    files, stats = _taken(root)
    assert LABEL in files and LABEL not in stats


def test_the_stamp_keeps_identities_and_an_edit_keeping_size_and_mtime_rebuilds(tmp_path: Path) -> None:
    root = build_site_catalogue(tmp_path / "catalogue")
    time.sleep(fingerprint.SETTLED_NS / 1e9)  # the inputs settle ...
    assert "built site/" in run_longctx(root, "build", "--force").stderr  # ... and this build's stamp trusts them
    stored = json.loads((root / STAMP_FILE).read_text(encoding="utf-8"))["stats"]
    assert LABEL in stored and len(stored) > 20
    assert "site is up to date" in run_longctx(root, "build").stderr
    path = root / LABEL
    before = path.stat()
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("YaRN", "YARN", 1), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    result = run_longctx(root, "build")
    assert "built site/" in result.stderr, result.stderr
    assert "YARN" in (root / "site" / "papers" / "yarn" / "index.html").read_text(encoding="utf-8")
