"""How good and how fast the catalogue's text model is (``longctx discover``, issue 18).

Four measurements, printed as markdown for benchmarks/RESULTS.md:

1. **Tag suggestion, leave-one-out** on the catalogue at ROOT (default: this repo):
   for each record with a title and tags, fit the model without it, suggest tags from
   its title + TL;DR (no abstract: a fresh arXiv entry's abstract is used in
   practice, but the shipped TL;DRs are our own words), and count a hit when the first
   (top-1) or any of the first three (top-3) suggestions is one of its tags.
2. **Ranking precision** on a labelled mix of real titles: long-context titles drawn
   from the seed list ``lcm.bib`` (Awesome-LLM-Long-Context-Modeling), held out of the
   catalogue for the fit, against the off-topic titles in
   benchmarks/fixtures/off-topic-titles.yaml (real ML papers of the same years).
   Precision among the top k, k = number of long-context titles, over several random
   draws. Two fits: the catalogue as it is, and with the seed titles it lacks added.
   Titles only: neither side has abstracts offline.
3. **Related**: what site-mode rendering pays for the record pages' "Related" lists at
   5,000 records (import of the model module in a fresh process, fit, all pairs; CPU).
4. **Speed**: fit + score + suggest for 2,000 candidates against 2,000 records (a
   synthetic catalogue from make_catalogue.py, with abstracts), median wall and CPU
   time, and the memory one run allocates at its peak (tracemalloc).

Usage:  python benchmarks/bench_discover.py [--root ROOT] [--bib lcm.bib] [--draws 5] [--positives 60]
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import yaml

from longctx_catalog.model import Catalog, Record, normalise_title
from longctx_catalog.similarity import Index, record_text
from longctx_catalog.validate import load_catalog

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OFF_TOPIC = HERE / "fixtures" / "off-topic-titles.yaml"
SEED_BIB = Path("/work/shared/seed-corpus/lcm.bib")
_BIB_TITLE = re.compile(r"^\s*title\s*=\s*\{\{?(.*?)\}?\},?\s*$", re.M)


def leave_one_out(root: Path) -> tuple[int, float, float]:
    catalog, _ = load_catalog(root)
    records = [r for r in catalog.records if r.title and r.tags]
    top1 = top3 = 0
    for record in records:
        index = Index(catalog, exclude=[record.id])
        text = " ".join(x for x in (record.title, record.tldr) if x)
        suggested = [s.node for s in index.suggest_tags([text])[0]]
        top1 += bool(suggested[:1]) and suggested[0] in record.tags
        top3 += any(node in record.tags for node in suggested[:3])
    n = len(records)
    return n, top1 / n, top3 / n


def precision_at_k(scores: list[float], labels: list[bool]) -> float:
    k = sum(labels)
    order = sorted(range(len(scores)), key=lambda i: (-scores[i], i))[:k]
    return sum(labels[i] for i in order) / k


def ranking(root: Path, bib: Path, draws: int, positives: int) -> list[tuple[str, list[float]]]:
    """Precision@k per draw, in two fits: the catalogue as it is, and with every lcm.bib title in it.

    The drawn long-context titles are always held out: records with the same normalised
    title are taken out of the catalogue before the fit, so the shipped catalogue may
    hold the whole seed list (issue 17) and the measurement stays honest.
    """
    catalog, _ = load_catalog(root)
    bib_titles = list(dict.fromkeys(m.strip() for m in _BIB_TITLE.findall(bib.read_text(encoding="utf-8"))))
    off = [item["title"] for item in yaml.safe_load(OFF_TOPIC.read_text(encoding="utf-8"))]
    held = {normalise_title(r.title) for r in catalog.records if r.title}
    extra = [t for t in bib_titles if normalise_title(t) not in held]  # seed titles the catalogue lacks
    rng = random.Random(18)
    as_is: list[float] = []
    imported: list[float] = []
    for _ in range(draws):
        sample = rng.sample(bib_titles, positives)
        out = {normalise_title(t) for t in sample}
        kept = [r for r in catalog.records if not (r.title and normalise_title(r.title) in out)]
        candidates = sample + off
        labels = [True] * len(sample) + [False] * len(off)
        fitted = Catalog(catalog.root, catalog.taxonomy, kept)
        as_is.append(precision_at_k([a.score for a in Index(fitted).assess(candidates)], labels))
        # Every other seed title as a title-only record, as if the whole seed list were imported.
        rest = [Record(id=f"lcm-{i}", title=t) for i, t in enumerate(extra) if normalise_title(t) not in out]
        bigger = Catalog(catalog.root, catalog.taxonomy, kept + rest)
        imported.append(precision_at_k([a.score for a in Index(bigger).assess(candidates)], labels))
    print(f"ranking: {len(bib_titles)} long-context titles, {len(catalog.records)} records "
          f"({len(extra)} seed titles not in it), {len(off)} off-topic; {draws} draws of {positives}", file=sys.stderr)
    return [(f"catalogue as shipped ({len(catalog.records)} records, the drawn titles held out)", as_is),
            (f"catalogue + the {len(extra)} lcm.bib titles it lacks", imported)]


def speed(n: int, runs: int) -> tuple[float, float, float]:
    sys.path.insert(0, str(HERE))
    from make_catalogue import make

    with tempfile.TemporaryDirectory() as tmp:
        make(n, Path(tmp) / "c")
        catalog, _ = load_catalog(Path(tmp) / "c")
        rng = random.Random(3)
        vocab = " ".join(record_text(r) for r in catalog.records).split()
        candidates = [" ".join(rng.choices(vocab, k=rng.randint(8, 40))) for _ in range(n)]
        times = []
        cpu = []
        for _ in range(runs):
            start, start_cpu = time.perf_counter(), time.process_time()
            Index(catalog).assess(candidates)
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        # Memory allocated by one fit + assess at its peak (numpy and scipy allocate through Python's
        # allocator hooks, so tracemalloc sees the matrices), apart from what the process already held.
        tracemalloc.start()
        Index(catalog).assess(candidates)
        peak_mb = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return statistics.median(times), statistics.median(cpu), peak_mb


def related_cost(n: int) -> tuple[float, float, float]:
    """Site-mode "Related" at ``n`` records: scikit-learn's import in a fresh process, then fit + all pairs (CPU s)."""
    import subprocess

    sys.path.insert(0, str(HERE))
    from make_catalogue import make

    code = ("import time; t = time.process_time(); import longctx_catalog.similarity; "
            "print(time.process_time() - t)")
    imports = float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
    with tempfile.TemporaryDirectory() as tmp:
        make(n, Path(tmp) / "c")
        catalog, _ = load_catalog(Path(tmp) / "c")
        start = time.process_time()
        index = Index(catalog, abstracts=False)
        fitted = time.process_time()
        index.all_related(5)
        done = time.process_time()
    return imports, fitted - start, done - fitted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", type=Path, default=REPO)
    parser.add_argument("--bib", type=Path, default=SEED_BIB)
    parser.add_argument("--draws", type=int, default=5)
    parser.add_argument("--positives", type=int, default=60)
    parser.add_argument("--size", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    n, top1, top3 = leave_one_out(args.root)
    print(f"| tag suggestion, leave-one-out ({n} records) | top-1 {top1:.3f} | top-3 {top3:.3f} | goal top-3 ≥ 0.7 |")
    if args.bib.exists():
        for label, values in ranking(args.root, args.bib, args.draws, args.positives):
            print(f"| ranking precision@k, {label} | mean {statistics.mean(values):.3f} | "
                  f"min {min(values):.3f} · max {max(values):.3f} | goal ≥ 0.9 |")
    else:
        print(f"(no {args.bib}: ranking skipped)", file=sys.stderr)
    imports, fit, pairs = related_cost(5000)
    print(f"| site-mode Related at 5,000 records (titles + TL;DRs) | import {imports:.2f} s + fit {fit:.2f} s + "
          f"all pairs {pairs:.2f} s CPU | | added to a site build only |")
    seconds, cpu, peak = speed(args.size, args.runs)
    print(f"| fit + assess (score and tags), {args.size:,} candidates × {args.size:,} records | "
          f"{seconds:.3f} s wall, {cpu:.3f} s CPU (median of {args.runs}) | peak {peak:.0f} MB allocated "
          "(tracemalloc) | goal well under 1 s |")


if __name__ == "__main__":
    main()
