"""import-bib --tag-map: each entry's section (`keywords`) decides its tags (issue 17)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import yaml
from click.testing import CliRunner, Result

from conftest import GOOD_RECORD, REPO, write_catalog
from longctx_catalog.bibtex.tagmap import load_tag_map
from longctx_catalog.cli import cli
from longctx_catalog.validate import load_catalog

REAL_TAXONOMY = (REPO / "taxonomy.yaml").read_text(encoding="utf-8")
DIAG_RE = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<sev>error|warning): (?P<msg>.*) "
                     r"\[(?P<code>LC\d{3}) [a-z-]+\]$")

TAG_MAP = """\
# sections of a made-up list
"2.1 Sparse Attention": [sparse-attention]
"3.1 Eviction / Selection": kv-cache-eviction
"6.2 YaRN / NTK / Position Interpolation": [rope-scaling]
"18.1 Long-Context  LLM Benchmarks": [llm-benchmarks, empirical-studies]
"""

BIB = """\
@misc{new2024sparse,
  title = {{A Made-Up Sparse Attention Paper}},
  author = {Ada Lovelace and Alan Turing},
  year = {2024},
  eprint = {2401.01234},
  archivePrefix = {arXiv},
  keywords = {2.1 Sparse Attention}
}

@misc{new2024sparse-again,
  title = {{A Made-Up Sparse Attention Paper}},
  author = {Ada Lovelace and Alan Turing},
  year = {2024},
  eprint = {2401.01234},
  archivePrefix = {arXiv},
  note = {Code: https://github.com/example/made-up-sparse},
  keywords = {3.1 Eviction / Selection}
}

@misc{peng2023yarn,
  title = {{YaRN: A Different Title Here}},
  author = {Someone Else},
  year = {2023},
  eprint = {2309.00071},
  archivePrefix = {arXiv},
  keywords = {6.2 YaRN / NTK / Position Interpolation}
}

@misc{nobody2025mystery,
  title = {{A Paper From a Section Nobody Mapped}},
  author = {Grace Hopper},
  year = {2025},
  eprint = {2502.04321},
  archivePrefix = {arXiv},
  keywords = {99.9 Brand-New Section}
}

@article{liu2023lost,
  title = {{Lost in the Middle: How Language Models Use Long Contexts}},
  author = {Nelson F. Liu and Kevin Lin},
  year = {2023},
  eprint = {2307.03172},
  archivePrefix = {arXiv},
  keywords = {18.1 Long-Context LLM Benchmarks}
}

@inproceedings{bench2025,
  title = {{Benchmark Without arXiv}},
  author = {Edsger Dijkstra},
  year = {2025},
  booktitle = {Proceedings of the Made-Up Workshop},
  keywords = {18.1 Long-Context LLM  Benchmarks}
}
"""


LOST = """\
id: lost
title: 'Lost in the middle - how language models use long contexts'
tags: [empirical-studies]
tldr: Models use information at the start and end of a long context far better than in the middle.
status: read
added: 2026-11-01
"""


def run(root: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--root", str(root), *args], catch_exceptions=False)


def diagnostics(output: str) -> list[dict[str, str]]:
    return [m.groupdict() for line in output.splitlines() if (m := DIAG_RE.match(line))]


def snapshot(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def setup(tmp_path: Path, tag_map: str = TAG_MAP) -> tuple[Path, Path, Path]:
    root = write_catalog(tmp_path / "cat", {"yarn": GOOD_RECORD, "lost": LOST}, taxonomy=REAL_TAXONOMY)
    bib = tmp_path / "list.bib"
    bib.write_text(BIB, encoding="utf-8")
    mapping = tmp_path / "map.yaml"
    mapping.write_text(tag_map, encoding="utf-8")
    return root, bib, mapping


def test_sections_become_tags_unmapped_is_located_and_rerun_is_a_no_op(tmp_path: Path) -> None:
    root, bib, mapping = setup(tmp_path)
    yarn_before = (root / "papers" / "yarn.yaml").read_text(encoding="utf-8")
    result = run(root, "import-bib", str(bib), "--tag-map", str(mapping))
    assert result.exit_code == 1  # one entry could not be placed

    # unmapped: an error at the entry's keywords field, and the entry is skipped
    lines = BIB.splitlines()
    kw_line = next(i for i, line in enumerate(lines, 1) if "99.9 Brand-New Section" in line)
    errors = [d for d in diagnostics(result.stdout) if d["sev"] == "error"]
    assert [(d["path"], int(d["line"]), d["code"]) for d in errors] == [(str(bib), kw_line, "LC611")]
    assert "'99.9 Brand-New Section'" in errors[0]["msg"] and int(errors[0]["col"]) >= 3
    assert not any("2502.04321" in p.read_text(encoding="utf-8") for p in (root / "papers").glob("*.yaml"))

    catalog, diags = load_catalog(root)
    assert [str(d) for d in diags if d.is_error] == []
    by_arxiv = {r.arxiv: r for r in catalog.records if r.arxiv}
    # duplicate: two entries of one work in two sections -> one record with both sections' tags
    made_up = by_arxiv["2401.01234"]
    assert made_up.tags == ("sparse-attention", "kv-cache-eviction")
    assert [c.url for c in made_up.code] == ["https://github.com/example/made-up-sparse"]
    assert made_up.status == "unread" and made_up.tldr is None
    assert [a.name for a in made_up.authors] == ["Ada Lovelace", "Alan Turing"]
    # a section is compared with its whitespace folded; a list maps to several nodes
    bench = next(r for r in catalog.records if r.title == "Benchmark Without arXiv")
    assert bench.tags == ("llm-benchmarks", "empirical-studies")
    # merge: the existing record wins on every curated field and only gains what it lacked
    yarn = catalog.by_id["yarn"]
    assert yarn.title.startswith("YaRN: Efficient Context Window Extension")
    assert [a.name for a in yarn.authors] == ["Bowen Peng", "Jeffrey Quesnelle"]
    assert yarn.tags == ("rope-scaling",) and yarn.status == "read"
    yarn_after = (root / "papers" / "yarn.yaml").read_text(encoding="utf-8")
    assert yarn_after.startswith(yarn_before.split("added:")[0].split("tags:")[0])
    # the entry read is not stored: citations are generated from the fields (a stored entry would override them)
    assert yarn.bibtex is None and "peng2023yarn" not in yarn_after
    # merge by normalised title: the record gains the arXiv id and authors, keeps its title
    lost = catalog.by_id["lost"]
    assert lost.arxiv == "2307.03172" and lost.title == "Lost in the middle - how language models use long contexts"
    assert [a.name for a in lost.authors] == ["Nelson F. Liu", "Kevin Lin"] and lost.tags == ("empirical-studies",)
    assert len(catalog.records) == 4  # yarn, lost + the made-up paper + the benchmark

    # re-running the import changes nothing
    before = snapshot(root)
    again = run(root, "import-bib", str(bib), "--tag-map", str(mapping))
    assert snapshot(root) == before
    assert "0 new record(s), 0 updated" in again.stderr


def test_tag_and_tag_map_combine_and_an_entry_without_keywords_needs_tag(tmp_path: Path) -> None:
    root, bib, mapping = setup(tmp_path)
    bib.write_text(BIB.replace("  keywords = {2.1 Sparse Attention}\n", ""), encoding="utf-8")
    alone = run(root, "import-bib", str(bib), "--tag-map", str(mapping), "--dry-run")
    assert any(d["code"] == "LC611" and "no `keywords`" in d["msg"] for d in diagnostics(alone.stdout))
    result = run(root, "import-bib", str(bib), "--tag-map", str(mapping), "--tag", "surveys")
    catalog, _ = load_catalog(root)
    made_up = next(r for r in catalog.records if r.arxiv == "2401.01234")
    assert made_up.tags == ("surveys", "kv-cache-eviction")
    assert result.exit_code == 1  # the unmapped section is still an error


def test_a_broken_map_is_located_and_nothing_is_imported(tmp_path: Path) -> None:
    root, bib, mapping = setup(tmp_path, TAG_MAP.replace("kv-cache-eviction", "kv-cache-evicton"))
    before = snapshot(root)
    result = run(root, "import-bib", str(bib), "--tag-map", str(mapping))
    assert result.exit_code == 1 and snapshot(root) == before
    (d,) = diagnostics(result.stdout)
    line = TAG_MAP.splitlines().index('"3.1 Eviction / Selection": kv-cache-eviction') + 1
    assert (d["path"], int(d["line"]), d["code"]) == (str(mapping), line, "LC612")
    assert "did you mean 'kv-cache-eviction'" in d["msg"]
    assert run(root, "import-bib", str(bib)).exit_code == 2  # neither --tag nor --tag-map


def test_the_committed_map_names_only_real_nodes() -> None:
    path = REPO / "data" / "import" / "lcm-tag-map.yaml"
    nodes = [n["id"] for n in _walk(yaml.safe_load(REAL_TAXONOMY))]
    tag_map, problems = load_tag_map(path, "lcm-tag-map.yaml", nodes)
    assert problems == []
    assert len(tag_map.sections) >= 50
    # every node the issue asks for has a home in the map
    used = {t for tags in tag_map.sections.values() for t in tags}
    assert {"kv-cache-eviction", "kv-cache-quantization", "kv-cache-offloading", "kv-cache-sharing",
            "linear-attention", "recurrent-transformers", "state-space-models", "efficient-long-cot",
            "long-video-understanding", "long-horizon-agents", "rag-vs-long-context", "long-form-writing",
            "prefill-acceleration", "decoding-acceleration", "long-context-serving", "llm-benchmarks",
            "multimodal-benchmarks", "agentic-benchmarks", "long-reasoning-generation-benchmarks",
            "technical-reports"} <= used


def _walk(nodes: list[dict[str, object]]) -> list[dict[str, object]]:
    out = []
    for node in nodes:
        out.append(node)
        out.extend(_walk(node.get("children") or []))  # type: ignore[arg-type]
    return out


MULD = """\
id: muld
kind: dataset
title: MuLD
tags: [datasets]
links:
  github: https://github.com/ghomasHudson/muld
added: 2026-11-01
bibtex: |-
  @inproceedings{hudson2022muld,
    title = {{MuLD: The Multitask Long Document Benchmark}},
    year = {2022}
  }
"""


def test_a_record_is_also_known_by_the_title_of_the_entry_it_stores(tmp_path: Path) -> None:
    root = write_catalog(tmp_path / "cat", {"muld": MULD}, taxonomy=REAL_TAXONOMY)
    bib = tmp_path / "list.bib"
    bib.write_text("@inproceedings{muld2022,\n  title = {{MuLD: The Multitask Long Document Benchmark}},\n"
                   "  author = {G. Thomas Hudson and Noura Al Moubayed},\n  year = {2022},\n"
                   "  note = {Code: https://github.com/ghomasHudson/muld},\n"
                   "  keywords = {18.1 Long-Context LLM Benchmarks}\n}\n", encoding="utf-8")
    mapping = tmp_path / "map.yaml"
    mapping.write_text(TAG_MAP, encoding="utf-8")
    result = run(root, "import-bib", str(bib), "--tag-map", str(mapping))
    assert result.exit_code == 0, result.stdout
    assert sorted(p.name for p in (root / "papers").iterdir()) == ["muld.yaml"]
    muld = load_catalog(root)[0].by_id["muld"]
    assert [a.name for a in muld.authors] == ["G. Thomas Hudson", "Noura Al Moubayed"] and muld.title == "MuLD"
    assert muld.code == ()  # the repository it already links is not added again as code
