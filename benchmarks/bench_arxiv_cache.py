"""How much the arXiv cache adds to loading the catalogue (every stage calls load_catalog).

Builds a synthetic catalogue of N records with arXiv ids in a temporary folder, then
times ``load_catalog`` without and with one cache file per record (median of R runs).
No network. Usage:  python benchmarks/bench_arxiv_cache.py [N] [R]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from longctx_catalog.enrich.cache import cache_file, dump_meta
from longctx_catalog.model import ArxivMeta, Author
from longctx_catalog.validate import load_catalog
from longctx_catalog.write import atomic_write_text

TAXONOMY = "- id: methods\n  title: Methods\n"


def build(root: Path, n: int, with_cache: bool) -> None:
    atomic_write_text(root / "taxonomy.yaml", TAXONOMY)
    for i in range(n):
        arxiv_id = f"2401.{i:05d}"
        atomic_write_text(root / "papers" / f"p{i}.yaml",
                          f"id: p{i}\narxiv: '{arxiv_id}'\ntags: [methods]\ntldr: Synthetic.\nadded: 2024-02-01\n")
        if with_cache:
            meta = ArxivMeta(
                id=arxiv_id, version=2, title=f"Synthetic paper {i} on very long contexts",
                authors=tuple(Author(f"Author {j}", ("Some Lab",) if j % 2 else ()) for j in range(8)),
                published="2024-01-15", updated="2024-03-01", abstract="word " * 220,
                primary_category="cs.CL", categories=("cs.CL", "cs.LG"), comment="10 pages",
            )
            atomic_write_text(cache_file(root, arxiv_id), dump_meta(meta))


def median_load(root: Path, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        _catalog, diags = load_catalog(root)
        times.append(time.perf_counter() - start)
        assert not [d for d in diags if d.is_error], diags[:3]
    return statistics.median(times)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    with tempfile.TemporaryDirectory() as tmp:
        plain, cached = Path(tmp, "plain"), Path(tmp, "cached")
        build(plain, n, False)
        build(cached, n, True)
        a, b = median_load(plain, runs), median_load(cached, runs)
    print(f"{n} records: load_catalog {a:.3f} s without cache, {b:.3f} s with cache "
          f"(+{(b - a) / n * 1000:.2f} ms per cached paper; median of {runs})")


if __name__ == "__main__":
    main()
