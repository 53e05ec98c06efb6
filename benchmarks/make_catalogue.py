"""Write a realistic synthetic catalogue of N records, the same one for the same seed.

    python benchmarks/make_catalogue.py 5000 /tmp/cat5k [--seed 1]

The catalogue uses the real taxonomy.yaml and data/metrics.yaml (copied from this
repository) and passes `longctx validate` without errors. Records vary the way
real ones do: mostly papers spread over the methodology subtree, some surveys,
datasets, models and toolkits; 1-30 authors (some with affiliations), titles and
TL;DRs of varied length with the odd markdown-significant character, arXiv ids
matching their dates, code links official or not, a BibTeX entry on some, markdown
notes of very different lengths on some, papers naming the datasets they report on,
and (as after `longctx enrich`) cached arXiv metadata with an abstract for most
records with an arXiv id (``--no-arxiv-cache`` leaves it out). A README.md with the
render regions is written too, so `longctx render` runs as is.

Benchmarks (bench_render.py, and later the other stages' benchmarks) build on it.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import sys
import unicodedata
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

import yaml  # noqa: E402

from longctx_catalog.enrich.cache import cache_file, dump_meta  # noqa: E402
from longctx_catalog.model import ArxivMeta, Author  # noqa: E402
from longctx_catalog.write import dump_record  # noqa: E402

FIRST = ("Wei", "Yao", "Anna", "Bowen", "Tri", "Iz", "Maria", "Ken", "Li", "Sara", "Jun", "Omar", "Priya", "Lukas",
         "Chen", "Ana", "Daniel", "Yuki", "Hao", "Elena", "Nikolai", "Fatima", "Zhiyuan", "Jakob", "Mei")
LAST = ("Zhang", "Fu", "Peng", "Dao", "Beltagy", "Garcia", "Tanaka", "Wang", "Kim", "Smith", "Müller", "Rossi",
        "Nguyen", "Chen", "Singh", "Ivanov", "Okafor", "Silva", "Haddad", "Kowalski", "Liu", "O'Brien", "Novak")
AFFILIATIONS = ("Tsinghua University", "Stanford University", "Google DeepMind", "Meta AI", "MIT", "CUHK",
                "Microsoft Research", "University of Edinburgh", "Shanghai AI Lab", "Nous Research", "ETH Zürich",
                "Allen Institute for AI", "Peking University", "NVIDIA", "Fudan University")
ADJECTIVES = ("Efficient", "Scalable", "Linear-Time", "Memory-Efficient", "Adaptive", "Hierarchical", "Sparse",
              "Extrapolatable", "Training-Free", "Lossless", "Streaming", "Recurrent", "Compressed", "Infinite")
NOUNS = ("Attention", "Position Interpolation", "Context Windows", "Memory Tokens", "KV Caches", "Transformers",
         "Retrieval", "Positional Encodings", "Sequence Parallelism", "Prompt Compression", "Long-Document QA")
GOALS = ("Long-Context Language Models", "Million-Token Inputs", "Length Generalisation", "Long Document "
         "Understanding", "Streaming Inference", "Extreme-Length Extrapolation", "Repository-Level Code")
SYLLABLES = ("lo", "ng", "ra", "ya", "ro", "pe", "fla", "sh", "in", "fi", "ni", "te", "me", "mo", "ex", "ta", "zu",
             "ka", "li", "vo", "qu", "ber", "sa", "tor")
ODD = (" (k-NN)", " with O(n log n) Cost", ": A|B Study", " *Revisited*", " for `long_context`", " <128K>", "")
VERBS = ("compresses", "caches", "interpolates", "retrieves", "sparsifies", "chunks", "recycles", "distils")
OBJECTS = ("the key-value cache", "rotary position indices", "distant tokens", "segment summaries",
           "attention scores", "retrieved passages", "memory slots")
EFFECTS = ("so a 7B model reads 128k tokens on one GPU", "cutting prefill time by half at 64k tokens",
           "without any fine-tuning", "while keeping perplexity flat up to 32 times the trained length",
           "and matches full attention on needle-in-a-haystack retrieval")
VENUES = ("ICLR 2024", "NeurIPS 2023", "ACL 2024", "EMNLP 2023", "ICML 2024", "COLM 2024", "arXiv")
LINK_KINDS = ("pdf", "project", "blog", "huggingface", "demo", "openreview")
BASES = ("Llama2", "Llama3", "Mistral", "GLM", "Qwen", "GPT", "Claude", "Yi", "InternLM")
FORMATS = ("jsonl", "json", "parquet", "csv")
CATEGORIES = ("cs.CL", "cs.LG", "cs.AI", "cs.CV", "stat.ML")
# Pieces of abstracts and notes: the point is realistic length and markup, not meaning.
CLAIMS = ("Transformers struggle with inputs far longer than those seen in training.",
          "The quadratic cost of self-attention limits the context a model can afford.",
          "We study how models use information placed in the middle of long inputs.",
          "Existing position encodings fail to extrapolate beyond the trained length.",
          "Key-value caches grow linearly with the context and dominate inference memory.")
FINDINGS = ("Experiments on {n} benchmarks show consistent gains over strong baselines.",
            "Our method reaches {n}k tokens with less than {m}% extra compute.",
            "Ablations show that both components are needed for the improvement.",
            "Code and checkpoints are released to support further research.",
            "On passkey retrieval it keeps {m}% accuracy at {n}k tokens.")
NOTE_LINES = ("- Compare with [{ref}](https://arxiv.org/abs/{arxiv}) on the same benchmark.",
              "- Results are reported at **{n}k** tokens only; shorter inputs are not evaluated.",
              "- The released code needs `flash-attn>=2` and a GPU with {m} GB of memory.",
              "- Needle-in-a-haystack numbers use the *single needle* setting.",
              "- Perplexity is measured on PG-19 with a sliding window of {n}k tokens.")


def _leaves_under(nodes: list[dict], keep: set[str]) -> list[tuple[str, int]]:
    """(node id, depth) for every node below the top-level ids in ``keep``."""
    out: list[tuple[str, int]] = []

    def walk(items: list[dict], depth: int, inside: bool) -> None:
        for item in items:
            here = inside or item["id"] in keep
            if here and depth > 0:
                out.append((item["id"], depth))
            walk(item.get("children", []), depth + 1, here)

    walk(nodes, 0, False)
    return out


def _abstract(rng: random.Random, name: str) -> str:
    parts = [rng.choice(CLAIMS), f"We propose {name}, which {rng.choice(VERBS)} {rng.choice(OBJECTS)} "
             f"{rng.choice(EFFECTS)}."]
    parts += [rng.choice(FINDINGS).format(n=rng.randint(2, 128), m=rng.randint(1, 99))
              for _ in range(rng.randint(2, 7))]
    return " ".join(parts)


def _notes(rng: random.Random, name: str) -> str:
    """Markdown notes from one line to several paragraphs and a list (real notes vary that much)."""
    size = rng.choice((1, 1, 1, 2, 3, 8))
    paragraphs = [" ".join(rng.choice(FINDINGS).format(n=rng.randint(2, 128), m=rng.randint(1, 99))
                           for _ in range(rng.randint(1, 3))) for _ in range(max(1, size // 2))]
    if size > 1:
        paragraphs.append("\n".join(rng.choice(NOTE_LINES).format(
            ref=f"{name} v{i}", arxiv=f"23{rng.randint(1, 12):02d}.{rng.randint(1, 99999):05d}",
            n=rng.randint(4, 256), m=rng.randint(8, 80)) for i in range(size)))
    return "\n\n".join(paragraphs)


def _arxiv_meta(rng: random.Random, fields: dict, name: str) -> ArxivMeta:
    published = fields["date"] if len(fields["date"]) == 10 else fields["date"][:7] + "-15"
    year, month = int(published[:4]), int(published[5:7])
    updated = f"{year + (month + 2) // 12}-{(month + 2) % 12 + 1:02d}-{rng.randint(1, 28):02d}"
    names = [a if isinstance(a, str) else a["name"] for a in fields["authors"]]
    return ArxivMeta(
        id=fields["arxiv"], version=rng.choice((1, 1, 2, 2, 3, 5)), title=fields["title"],
        authors=tuple(Author(n, (rng.choice(AFFILIATIONS),) if rng.random() < 0.2 else ()) for n in names),
        published=published, updated=max(updated, published), abstract=_abstract(rng, name),
        primary_category=rng.choice(CATEGORIES[:2]),
        categories=tuple(sorted(set(rng.sample(CATEGORIES, rng.randint(1, 3))))),
        comment=f"{rng.randint(8, 40)} pages, {rng.randint(2, 12)} figures" if rng.random() < 0.6 else None,
        journal_ref=fields.get("venue") if rng.random() < 0.3 else None,
    )


def make(n: int, out_dir: Path, seed: int = 1, *, arxiv_cache: bool = True) -> None:
    """Write the catalogue of ``n`` records for ``seed`` into ``out_dir`` (replacing it)."""
    rng = random.Random(seed)
    taxonomy = yaml.safe_load((REPO / "taxonomy.yaml").read_text(encoding="utf-8"))
    paper_nodes = _leaves_under(taxonomy, {"methodology", "empirical-studies-surveys"})
    weights = [depth for _, depth in paper_nodes]  # deeper (more specific) nodes get more papers

    if out_dir.exists():
        shutil.rmtree(out_dir)
    (out_dir / "papers").mkdir(parents=True)
    (out_dir / "data").mkdir()
    shutil.copy(REPO / "taxonomy.yaml", out_dir / "taxonomy.yaml")
    shutil.copy(REPO / "data" / "metrics.yaml", out_dir / "data" / "metrics.yaml")
    (out_dir / "README.md").write_text(
        "# Synthetic catalogue\n\nGenerated by benchmarks/make_catalogue.py.\n\n"
        "<!-- longctx:begin totals -->\n<!-- longctx:end totals -->\n\n## Contents\n\n"
        "<!-- longctx:begin toc -->\n<!-- longctx:end toc -->\n\n## Latest\n\n"
        "<!-- longctx:begin latest -->\n<!-- longctx:end latest -->\n",
        encoding="utf-8",
    )

    arxiv_serial: dict[str, int] = {}
    datasets: list[str] = []
    for i in range(n):
        roll = rng.random()
        kind = ("paper" if roll < 0.86 else "survey" if roll < 0.89 else "dataset" if roll < 0.94
                else "model" if roll < 0.98 else "toolkit")
        name = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize() + str(i)
        record_id = f"{name.lower()}-{kind}" if kind != "paper" else name.lower()
        year, month, day = rng.randint(2017, 2025), rng.randint(1, 12), rng.randint(1, 28)
        precision = rng.random()
        date = (f"{year}-{month:02d}-{day:02d}" if precision < 0.7 else f"{year}-{month:02d}" if precision < 0.95
                else str(year))
        fields: dict = {"id": record_id}
        if kind != "paper":
            fields["kind"] = kind

        if kind in ("paper", "survey", "dataset"):
            words = [rng.choice(ADJECTIVES), rng.choice(NOUNS)]
            if rng.random() < 0.6:
                words += ["for", rng.choice(GOALS)]
            title = f"{name}: {' '.join(words)}" + (rng.choice(ODD) if rng.random() < 0.1 else "")
            if kind == "survey":
                title = f"A Survey of {rng.choice(NOUNS)} for {rng.choice(GOALS)} ({name})"
            fields["title"] = title
            if rng.random() < 0.8 and len(date) >= 7:
                key = f"{year % 100:02d}{month:02d}"
                arxiv_serial[key] = arxiv_serial.get(key, rng.randint(1, 900)) + rng.randint(1, 40)
                fields["arxiv"] = f"{key}.{arxiv_serial[key]:05d}"
                fields["links"] = {"paper": f"https://arxiv.org/abs/{fields['arxiv']}"}
            n_authors = min(30, max(1, int(rng.expovariate(1 / 6))))
            authors = []
            people: set[str] = set()
            for _ in range(n_authors):
                person = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
                if person in people:
                    continue
                people.add(person)
                if rng.random() < 0.3:
                    authors.append({"name": person, "affiliation": rng.choice(AFFILIATIONS)})
                else:
                    authors.append(person)
            fields["authors"] = authors
            fields["date"] = date
            if rng.random() < 0.4:
                fields["venue"] = rng.choice(VENUES)
        else:
            fields["title"] = f"{name}-{rng.choice(('7B', '13B', '70B', 'Serve', 'Train'))}"
            if rng.random() < 0.5:
                fields["date"] = date

        if kind == "paper":
            fields["tags"] = sorted({rng.choices(paper_nodes, weights)[0][0] for _ in range(rng.randint(1, 3))})
        elif kind == "survey":
            extra = rng.choice(paper_nodes)[0] if rng.random() < 0.5 else "surveys"
            fields["tags"] = sorted({"surveys", extra})
        else:
            fields["tags"] = [{"dataset": "datasets", "model": "baselines", "toolkit": "toolkits"}[kind]]

        links = dict(fields.get("links", {}))
        for link_kind in rng.sample(LINK_KINDS, k=rng.choice((0, 0, 1, 2))):
            links[link_kind] = f"https://example.org/{record_id}/{link_kind}"
        if kind in ("dataset", "model") and rng.random() < 0.7:
            links["huggingface"] = f"https://huggingface.co/{name.lower()}/{record_id}"
        if links:
            fields["links"] = links
        if rng.random() < 0.55 or kind == "toolkit":
            fields["code"] = [{"url": f"https://github.com/{name.lower()}/{record_id}", "official": True}]
            if rng.random() < 0.15:
                fields["code"].append({"url": f"https://github.com/someone/{record_id}-impl", "official": False})

        sentences = [f"{name} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(EFFECTS)}."]
        if rng.random() < 0.5:
            sentences.append(f"It {rng.choice(VERBS)} {rng.choice(OBJECTS)} as well, {rng.choice(EFFECTS)}.")
        fields["tldr"] = " ".join(sentences)
        if kind == "paper" and rng.random() < 0.2:
            fields["results"] = f"Passkey retrieval at {rng.choice((32, 64, 128, 256))}k; perplexity flat to " \
                                f"{rng.choice((16, 32, 64))}k."
        if kind in ("paper", "survey", "dataset", "model") and rng.random() < 0.25:
            fields["notes"] = _notes(rng, name)
        if kind in ("paper", "model") and datasets and rng.random() < 0.3:
            fields["benchmarks"] = sorted(set(rng.sample(datasets[-200:], k=min(len(datasets), rng.randint(1, 4)))))
        if kind in ("paper", "survey"):
            fields["status"] = rng.choice(("read", "unread"))
            if rng.random() < 0.2:
                fields["context_length"] = rng.choice((8192, 32000, 128000, 1000000))
        fields["added"] = f"{rng.randint(2024, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        if kind in ("paper", "survey") and rng.random() < 0.4:
            last = (fields["authors"][0] if isinstance(fields["authors"][0], str)
                    else fields["authors"][0]["name"]).split()[-1]
            # Citation keys are plain ASCII in real files (Müller -> muller, O'Brien -> obrien).
            first = re.sub(r"[^a-z]", "", unicodedata.normalize("NFKD", last).lower())
            fields["bibtex"] = (
                f"@article{{{first}{year}{name.lower()},\n  title={{{fields['title']}}},\n  author={{"
                + " and ".join(a if isinstance(a, str) else a["name"] for a in fields["authors"])
                + f"}},\n  journal={{arXiv preprint}},\n  year={{{year}}}\n}}"
            )

        if kind == "dataset":
            fields["language"] = rng.choice((["en"], ["zh"], ["en", "zh"], ["py"]))
            tasks = rng.sample(["LM", "MCQA", "ExtQA", "Summ", "Class", "Match", "Math", "Code", "OpenW", "MT"],
                               k=rng.randint(1, 4))
            fields["task_types"] = tasks
            fields["task_count"] = len(tasks) + rng.randint(0, 10)
            low = round(rng.uniform(0, 2), 2)
            fields["length_kwords"] = {"avg": round(low + rng.uniform(1, 20), 1), "min": low,
                                       "max": round(low + rng.uniform(20, 200), 1)}
            fields["quality"] = {"human_labeled": rng.random() < 0.7, "model_assisted": rng.random() < 0.3}
            fields["splits"] = {"test": f"{rng.randint(1, 99)}.{rng.randint(0, 9)}K"}
            fields["format"] = rng.choice(FORMATS)
        elif kind == "model":
            fields["language"] = rng.choice((["en"], ["zh"], ["en", "zh"]))
            fields["open_source"] = rng.random() < 0.7
            fields["base"] = rng.choice(BASES)
            fields["usage"] = rng.choice(("base", "chat", "instruct", "code"))
            fields["max_context"] = rng.choice((16000, 32000, 100000, 128000, 200000, 1000000))
            fields["parameters_b"] = rng.choice((6.7, 7.0, 13.0, 34.0, 70.0))
            fields["memory_gb"] = round(fields["parameters_b"] * 1.9, 1)
            fields["disk_gb"] = round(fields["parameters_b"] * 1.87, 1)
        elif kind == "toolkit":
            fields["toolkit_type"] = rng.choice(("library", "framework", "system"))
            fields["utilities"] = {"Inference": ["paged KV cache", "continuous batching"][: rng.randint(1, 2)],
                                   "Training": ["sequence parallelism"]}
        if kind == "dataset":
            datasets.append(record_id)
        (out_dir / "papers" / f"{record_id}.yaml").write_text(dump_record(fields), encoding="utf-8")
        if "arxiv" in fields and rng.random() < 0.9:
            meta = _arxiv_meta(rng, fields, name)  # drawn even when not written: same records either way
            if arxiv_cache:
                file = cache_file(out_dir, fields["arxiv"])
                file.parent.mkdir(parents=True, exist_ok=True)
                file.write_text(dump_meta(meta), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="number of records")
    parser.add_argument("dir", type=Path, help="output folder (replaced if it exists)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--no-arxiv-cache", action="store_true", help="write no data/arxiv/ metadata")
    args = parser.parse_args()
    make(args.n, args.dir, args.seed, arxiv_cache=not args.no_arxiv_cache)
    print(f"wrote {args.n} records to {args.dir}")


if __name__ == "__main__":
    main()
