"""The benchmark scripts stay importable and their building blocks work (fast; no timing asserted).

The measurements themselves run in `python benchmarks/run.py` (and its --smoke run in
.ci/run); here the generator, the floor's file list, the process runner and the report
are exercised on tiny inputs so a refactoring that breaks them fails the test suite.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCH))

from benchlib import BenchError, Measure, run_python  # noqa: E402
from drivers import catalogue_files  # noqa: E402
from make_catalogue import make  # noqa: E402

from longctx_catalog.validate import load_catalog  # noqa: E402

SCRIPTS = sorted(p.stem for p in BENCH.glob("*.py"))


@pytest.mark.parametrize("name", SCRIPTS)
def test_every_benchmark_script_imports(name: str) -> None:
    module = importlib.import_module(name)
    assert module.__doc__, f"benchmarks/{name}.py should say what it measures"


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_generated_catalogue_is_valid_varied_and_deterministic(tmp_path: Path) -> None:
    make(60, tmp_path / "a", seed=5)
    make(60, tmp_path / "b", seed=5)
    make(60, tmp_path / "c", seed=6)
    a = _tree(tmp_path / "a")
    assert a == _tree(tmp_path / "b")
    assert a != _tree(tmp_path / "c")

    catalog, diags = load_catalog(tmp_path / "a")
    assert [d for d in diags if d.is_error] == []
    records = catalog.records
    assert len(records) == 60
    kinds = {r.kind for r in records}
    assert {"paper", "dataset"} <= kinds and len(kinds) >= 3
    assert len({t for r in records for t in r.tags}) >= 15  # spread over the real taxonomy
    assert any(r.code for r in records) and any(r.links for r in records) and any(r.notes for r in records)
    assert any(r.arxiv_meta is not None for r in records)  # the arXiv cache is read back
    assert len({len(r.authors) for r in records}) >= 4


def test_floor_reads_the_files_validate_reads(tmp_path: Path) -> None:
    make(20, tmp_path, seed=1)
    files = {Path(f).relative_to(tmp_path).as_posix() for f in catalogue_files(str(tmp_path))}
    assert "taxonomy.yaml" in files and "data/metrics.yaml" in files
    assert sum(f.startswith("papers/") for f in files) == 20
    assert any(f.startswith("data/arxiv/") for f in files)


def test_process_runner_measures_and_reports_failures() -> None:
    sample = run_python(["-c", "x = bytearray(30 * 1024 * 1024); print('done')"])
    assert sample.stdout.strip() == "done"
    assert sample.rss_mb >= 30 and sample.cpu > 0 and sample.wall >= sample.cpu * 0.5
    with pytest.raises(BenchError, match="exited 3"):
        run_python(["-c", "import sys; print('why', file=sys.stderr); sys.exit(3)"])


def test_report_flags_missed_targets_and_growth() -> None:
    run = importlib.import_module("run")

    def size(n: int, validate: float, floor: float) -> object:
        result = run.SizeResult(n)
        result.measures = {"validate": Measure(validate, validate, 50, 3), "yaml_floor": Measure(floor, floor, 20, 3)}
        return result

    text, missed = run.table([size(1000, 1.0, 0.8), size(5000, 5.0, 4.0), size(10000, 12.0, 7.0)])
    assert "| validate ÷ floor (wall; CPU) | 1.25×; 1.25× | 1.25×; 1.25× | 1.71×; 1.71× |" in text
    assert any("at 10,000" in m for m in missed)  # 1.71 > 1.5
    assert any("growth 10k/5k" in m for m in missed)  # 12 / 5 = 2.4 > 2.2
    assert "not measured" in text  # stages that did not run say so


def test_generated_citation_keys_are_plain_ascii(tmp_path: Path) -> None:
    import re

    make(150, tmp_path, seed=2)
    catalog, _ = load_catalog(tmp_path)
    keys = [re.match(r"@\w+\{([^,]*),", r.bibtex).group(1) for r in catalog.records if r.bibtex]
    assert keys and all(re.fullmatch(r"[a-z]+\d{4}[a-z0-9]+", key) for key in keys), keys
