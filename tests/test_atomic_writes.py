"""Writes that fail midway (after some bytes are on disk) leave every file as it was.

A failure before the first byte is easy to survive; the real risk is a disk that fills
up, or a size limit hit, while a file is half written. Here the operating system itself
stops the write: the writer runs in a child process whose file-size limit
(``RLIMIT_FSIZE``) is smaller than the new content, so ``write`` fails with EFBIG after
the limit's worth of bytes has been written to the temporary file.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import FIXTURES, site_env

LIMIT = 4096  # bytes a child may write to any one file


def _limit_file_size() -> None:  # runs in the child, before it starts Python
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a failed write, not a killed process
    resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, LIMIT))


def run_limited(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=site_env(), timeout=300,
                          preexec_fn=_limit_file_size)


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_the_limit_really_stops_a_write_midway(tmp_path: Path) -> None:
    # the harness itself: a plain write of 3 x LIMIT bytes stops at LIMIT bytes, with EFBIG
    probe = f"with open('big', 'wb') as f: f.write(b'x' * {3 * LIMIT})"
    result = run_limited([sys.executable, "-c", probe], tmp_path)
    assert result.returncode != 0 and "File too large" in result.stderr
    assert (tmp_path / "big").stat().st_size == LIMIT


def test_atomic_write_text_failing_midway_keeps_the_old_file(tmp_path: Path) -> None:
    (tmp_path / "page.md").write_text("old page\n", encoding="utf-8")
    script = textwrap.dedent(f"""
        from pathlib import Path
        from longctx_catalog.write import atomic_write_text
        try:
            atomic_write_text(Path("page.md"), "new line\\n" * {LIMIT})
        except OSError as err:
            print(err.errno)
    """)
    result = run_limited([sys.executable, "-c", script], tmp_path)
    assert result.stdout.strip() == "27", result.stderr  # EFBIG: the write began and was cut off
    assert files(tmp_path) == {"page.md": b"old page\n"}  # old content, no temp file left


def test_atomic_write_many_failing_midway_changes_none(tmp_path: Path) -> None:
    # a.md and c.md are small and fit; b.md is cut off partway: none of the three may change
    for name in ("a.md", "b.md"):
        (tmp_path / name).write_text(f"old {name}\n", encoding="utf-8")
    script = textwrap.dedent(f"""
        from pathlib import Path
        from longctx_catalog.write import atomic_write_many
        try:
            atomic_write_many({{Path("a.md"): "new a\\n", Path("b.md"): "new b\\n" * {LIMIT},
                                Path("c.md"): "new c\\n"}})
        except OSError as err:
            print(err.errno)
    """)
    result = run_limited([sys.executable, "-c", script], tmp_path)
    assert result.stdout.strip() == "27", result.stderr
    assert files(tmp_path) == {"a.md": b"old a.md\n", "b.md": b"old b.md\n"}


def test_render_failing_midway_leaves_docs_and_readme_as_they_were(tmp_path: Path) -> None:
    import shutil

    root = Path(shutil.copytree(FIXTURES / "render-catalogue", tmp_path / "catalogue"))
    first = subprocess.run([sys.executable, "-m", "longctx_catalog", "--root", str(root), "render"],
                           capture_output=True, text=True, env=site_env(), timeout=300)
    assert first.returncode == 0, first.stderr
    # an edit that changes small pages and large ones (the timeline, the survey pages)
    record = root / "papers" / "yarn.yaml"
    record.write_text(record.read_text(encoding="utf-8").replace("Rescales RoPE", "Rescales rotary"),
                      encoding="utf-8")
    sizes = {k: len(v) for k, v in files(root / "docs").items()}
    assert min(sizes.values()) < LIMIT < max(sizes.values())
    before = outputs(root)
    result = run_limited([sys.executable, "-m", "longctx_catalog", "--root", str(root), "render"], root)
    after = outputs(root)
    assert sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k)) == [], result.stderr
    assert result.returncode == 2, result.stderr
    assert "File too large" in result.stderr and "Traceback" not in result.stderr


def outputs(root: Path) -> dict[str, bytes]:
    """The catalogue's files but its cache (compiled templates are only a cache)."""
    return {k: v for k, v in files(root).items() if not k.startswith(".longctx-cache/")}


@pytest.mark.parametrize("fmt", ["json", "markdown"])
def test_schema_output_file(tmp_path: Path, fmt: str) -> None:
    def schema(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "longctx_catalog", "schema", "--format", fmt, *args],
                              cwd=tmp_path, capture_output=True, text=True, env=site_env(), timeout=60)

    printed = schema().stdout
    target = tmp_path / "out" / f"record.{fmt}"
    result = schema("-o", str(target))
    assert result.returncode == 0 and result.stdout == "", result.stderr
    assert target.read_text(encoding="utf-8") == printed and printed
    mtime = target.stat().st_mtime_ns
    os.utime(target, ns=(mtime - 10**9, mtime - 10**9))
    assert schema("-o", str(target)).returncode == 0
    assert target.stat().st_mtime_ns == mtime - 10**9  # same content: the file is not touched
    # a path that cannot be written: a clear error, no traceback, nothing left behind
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    bad = schema("-o", str(tmp_path / "a-file" / "record.json"))
    assert bad.returncode == 2, bad.stderr
    assert "cannot write" in bad.stderr and "Traceback" not in bad.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "out"]
