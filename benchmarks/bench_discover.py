"""How good and how fast the catalogue's text model is (``longctx discover``, issue 18).

Four measurements, printed as markdown for benchmarks/RESULTS.md:

1. **Tag suggestion, leave-one-out** on the catalogue at ROOT (default: this repo):
   for each record with a title and tags, fit the model without it, suggest tags from
   its title + TL;DR (no abstract: a fresh arXiv entry's abstract is used in
   practice, but the shipped TL;DRs are our own words), and count a hit when the first
   (top-1) or any of the first three (top-3) suggestions is one of its tags.
2. **Ranking precision** on a labelled mix of real papers (benchmarks/fixtures/ranking-mix.yaml):
   long-context papers of the seed list ``lcm.bib`` (Awesome-LLM-Long-Context-Modeling),
   held out of the catalogue for the fit, against the off-topic papers of
   benchmarks/fixtures/off-topic-titles.yaml (real ML papers of the same years), each
   with its arXiv abstract as a bag of words. Precision among the top k, k = number of
   long-context papers, over several random draws; judged on titles + abstracts (what a
   listing holds) and on titles alone.
3. **Related**: what site-mode rendering pays for the record pages' "Related" lists at
   5,000 records (import of the model module in a fresh process, fit, all pairs; CPU).
4. **Speed**: fit + score + suggest for 2,000 candidates against 2,000 records (a
   synthetic catalogue from make_catalogue.py, with abstracts), median wall and CPU
   time, and the memory one run allocates at its peak (tracemalloc).

Usage:  python benchmarks/bench_discover.py [--root ROOT] [--draws 5] [--positives 60]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import yaml

from longctx_catalog.model import Catalog, normalise_title
from longctx_catalog.similarity import Index, record_text
from longctx_catalog.validate import load_catalog

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
MIX = HERE / "fixtures" / "ranking-mix.yaml"


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


def ranking(root: Path, draws: int, positives: int) -> list[tuple[str, list[float]]]:
    """Precision@k per draw on the labelled mix of MIX, judged on titles only and on titles + abstracts.

    Each draw takes ``positives`` long-context papers and every off-topic one (papers
    without a known abstract are left out of the mix, so both judgements see the same
    papers). The drawn papers are held out: records with the same normalised title are
    taken out of the catalogue before the fit, since the shipped catalogue holds the
    whole seed list (issue 17).
    """
    catalog, _ = load_catalog(root)
    mix = [item for item in yaml.load(MIX.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader) if item["words"]]
    on = [item for item in mix if item["kind"] == "long-context"]
    off = [item for item in mix if item["kind"] == "other"]
    rng = random.Random(18)
    titles_only: list[float] = []
    with_abstracts: list[float] = []
    for _ in range(draws):
        sample = rng.sample(on, positives)
        out = {normalise_title(item["title"]) for item in sample}
        kept = [r for r in catalog.records if not (r.title and normalise_title(r.title) in out)]
        index = Index(Catalog(catalog.root, catalog.taxonomy, kept))
        candidates = sample + off
        labels = [True] * len(sample) + [False] * len(off)
        titles = [item["title"] for item in candidates]
        titles_only.append(precision_at_k([a.score for a in index.assess(titles, titles=titles)], labels))
        texts = [f"{item['title']} {item['words']}" for item in candidates]
        with_abstracts.append(precision_at_k([a.score for a in index.assess(texts, titles=titles)], labels))
    print(f"ranking: {len(on)} long-context and {len(off)} off-topic papers with abstracts, {len(catalog.records)} "
          f"records; {draws} draws of {positives}", file=sys.stderr)
    return [(f"titles + abstracts ({len(catalog.records)} records, the drawn papers held out)", with_abstracts),
            ("titles only (the same papers)", titles_only)]


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
        # Memory allocated by one fit + assess at its peak (numpy allocates through Python's
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
    parser.add_argument("--draws", type=int, default=5)
    parser.add_argument("--positives", type=int, default=60)
    parser.add_argument("--size", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    n, top1, top3 = leave_one_out(args.root)
    print(f"| tag suggestion, leave-one-out ({n} records) | top-1 {top1:.3f} | top-3 {top3:.3f} | goal top-3 ≥ 0.7 |")
    for label, values in ranking(args.root, args.draws, args.positives):
        print(f"| ranking precision@k, {label} | mean {statistics.mean(values):.3f} | "
              f"min {min(values):.3f} · max {max(values):.3f} | goal ≥ 0.9 |")
    imports, fit, pairs = related_cost(5000)
    print(f"| site-mode Related at 5,000 records (titles + TL;DRs) | import {imports:.2f} s + fit {fit:.2f} s + "
          f"all pairs {pairs:.2f} s CPU | | added to a site build only |")
    seconds, cpu, peak = speed(args.size, args.runs)
    print(f"| fit + assess (score and tags), {args.size:,} candidates × {args.size:,} records | "
          f"{seconds:.3f} s wall, {cpu:.3f} s CPU (median of {args.runs}) | peak {peak:.0f} MB allocated "
          "(tracemalloc) | goal well under 1 s |")


if __name__ == "__main__":
    main()
