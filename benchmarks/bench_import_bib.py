"""Time `longctx import-bib` (and export-bib, entry_for) on generated .bib files.

    python benchmarks/bench_import_bib.py            # 1,000 and 5,000 entries
    python benchmarks/bench_import_bib.py --sizes 200 2000

Each size gets a fresh catalogue (the repository's taxonomy, no records) in a temp
folder and a generated bibliography shaped like real ones: Google Scholar
`@article`s with `Last, First` names and accents, arXiv `@misc` exports with
eprint/archivePrefix, `@inproceedings` with a booktitle, braces protecting
capitals, LaTeX accents and escapes, `@string` macros, a few repeated keys and a
broken entry. Reported: wall time of the whole CLI run (new process, as a user
runs it) and, in-process, of reading (parse + convert), planning and writing, then
export-bib and entry_for over the imported records. Target: a few thousand
entries in a few seconds.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from longctx_catalog.bibtex.entry import entry_for  # noqa: E402
from longctx_catalog.bibtex.export import export  # noqa: E402
from longctx_catalog.bibtex.importer import plan_import  # noqa: E402
from longctx_catalog.bibtex.parse import parse_bib  # noqa: E402
from longctx_catalog.schema.context import local_today  # noqa: E402
from longctx_catalog.validate import load_catalog  # noqa: E402
from longctx_catalog.write import atomic_write_many  # noqa: E402

FIRST = [
    "Yunpeng",
    "Nelson F.",
    "Fran{\\c{c}}ois",
    'J{\\"o}rg',
    "Gr{\\'e}goire",
    "{\\L}ukasz",
    "Mei",
    "Ana",
    "Tri",
    "Noah A.",
    "Anian",
    "Siyu",
]
LAST = [
    "Huang",
    "Liu",
    "Fleuret",
    'M{\\"u}ller',
    "Del{\\'e}tang",
    "Kaiser",
    "Chen",
    "Garc{\\'\\i}a",
    "Dao",
    "Smith",
    "Ruoss",
    "van der Maaten",
]
WORDS = [
    "efficient",
    "long",
    "context",
    "attention",
    "memory",
    "transformer",
    "retrieval",
    "scaling",
    "window",
    "extension",
    "sparse",
    "compression",
    "position",
    "interpolation",
    "benchmark",
    "language",
    "models",
]
NAMES = ["{YaRN}", "{LongLoRA}", "{RoPE}", "{GPT}-4", "$\\infty$-former", "Flash{A}ttention", "{LLaMA}"]


def generate(n: int, seed: int = 7, *, broken: bool = True) -> str:
    """A bibliography of ``n`` entries; ``broken`` adds one malformed entry (import-bib then exits 1)."""
    rng = random.Random(seed)
    out = [
        "% generated for bench_import_bib.py",
        '@string{acl = "Proceedings of the Annual Meeting of the Association for Computational Linguistics"}',
        "",
    ]
    for i in range(n):
        words = rng.sample(WORDS, 6)
        title = f"{rng.choice(NAMES)} {i}: " + " ".join(words).capitalize() + " \\& more"
        authors = " and ".join(f"{rng.choice(LAST)}, {rng.choice(FIRST)}" for _ in range(rng.randint(1, 9)))
        year = rng.randint(2019, 2025)
        arxiv = f"{year % 100:02d}{rng.randint(1, 12):02d}.{10000 + i:05d}"
        key = f"key{i}" if i % 250 else f"key{i - 1}"  # a repeated key now and then
        kind = i % 3
        if kind == 0:
            out.append(
                f"@article{{{key},\n  title={{{title}}},\n  author={{{authors}}},\n"
                f"  journal={{arXiv preprint arXiv:{arxiv}}},\n  year={{{year}}}\n}}\n"
            )
        elif kind == 1:
            out.append(
                f"@misc{{{key},\n      title={{{title}}}, \n      author={{{authors}}},\n"
                f"      year={{{year}}},\n      eprint={{{arxiv}}},\n      archivePrefix={{arXiv}},\n"
                f"      primaryClass={{cs.CL}}\n}}\n"
            )
        else:
            out.append(
                f'@inproceedings{{{key},\n  title = "{title}",\n  author = "{authors}",\n'
                f"  booktitle = acl,\n  month = jun,\n  year = {year},\n"
                f"  url = {{https://github.com/example/repo{i}}}\n}}\n"
            )
        if broken and i == n // 2:
            out.append("@article{broken,\n  title={Missing a comma}\n  year={2020}\n}\n")
    return "\n".join(out)


def bench(n: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-bib-") as tmp:
        base = Path(tmp)
        bib = base / f"gen-{n}.bib"
        bib.write_text(generate(n), encoding="utf-8")
        for name in ("cli", "inproc"):
            root = base / name
            (root / "papers").mkdir(parents=True)
            (root / "taxonomy.yaml").write_text(
                (REPO / "taxonomy.yaml").read_text(encoding="utf-8"), encoding="utf-8"
            )
        env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
        start = time.perf_counter()
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "longctx_catalog",
                "--root",
                str(base / "cli"),
                "import-bib",
                str(bib),
                "--tag",
                "methodology",
            ],
            capture_output=True,
            text=True,
            env=env,
        )
        cli_time = time.perf_counter() - start
        summary = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "?"

        text = bib.read_text(encoding="utf-8")
        t0 = time.perf_counter()
        n_parsed = len(parse_bib(text, bib.name)[0])
        t_parse = time.perf_counter() - t0
        catalog, _ = load_catalog(base / "inproc")
        t0 = time.perf_counter()
        plan = plan_import(catalog, text, bib.name, ["methodology"], local_today())
        t_plan = time.perf_counter() - t0
        t0 = time.perf_counter()
        atomic_write_many({c.path: c.text for c in plan.changes})
        t_write = time.perf_counter() - t0

        catalog, _ = load_catalog(base / "inproc")
        t0 = time.perf_counter()
        exported = export(catalog.records)
        t_export = time.perf_counter() - t0
        t0 = time.perf_counter()
        for record in catalog.records:
            entry_for(record)
        t_entry = time.perf_counter() - t0
        t0 = time.perf_counter()
        for record in catalog.records:
            record.bibtex = None  # generated entries, the slower path
            entry_for(record)
        t_generated = time.perf_counter() - t0

        print(
            f"{n:>6} entries | CLI import-bib (new process): {cli_time:6.2f} s  exit {proc.returncode}  "
            f"[{summary}]"
        )
        print(
            f"       in-process: parse {n_parsed} entries {t_parse:5.2f} s; whole plan {t_plan:5.2f} s; "
            f"write {len(plan.changes)} files {t_write:5.2f} s"
        )
        print(
            f"       export {len(catalog.records)} records {t_export:5.2f} s ({len(exported) // 1024} KiB); "
            f"entry_for x{len(catalog.records)}: verbatim {t_entry * 1000:6.1f} ms, "
            f"generated {t_generated * 1000:6.1f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    args = parser.parse_args()
    os.environ.setdefault("LONGCTX_TODAY", "2026-11-22")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    for n in args.sizes:
        bench(n)


if __name__ == "__main__":
    main()
