"""Small programs that run.py times in fresh processes: the floors and in-process stage timings.

    python benchmarks/drivers.py yaml-floor ROOT     # bare yaml.load of every file validate reads
    python benchmarks/drivers.py render-stage ROOT   # time render + write alone, after loading

``yaml-floor`` imports nothing but PyYAML: it is what reading the catalogue would cost
with no checks, no positions and no tool around it, and ``longctx validate``'s wall
time is compared with it. The files are found with plain ``os`` calls and read the
way load.py reads them (bytes, then UTF-8).

``render-stage`` loads the catalogue untimed, then times what `longctx render` adds
on top of loading: rendering every page and writing those that changed (into an empty
docs/ when run.py clears it first). It prints one JSON line.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path


def catalogue_files(root: str) -> list[str]:
    """taxonomy.yaml, every record under papers/, and every YAML file under data/ (metrics, arXiv cache)."""
    files = [os.path.join(root, "taxonomy.yaml")]
    for top in ("papers", "data"):
        found = []
        for folder, dirs, names in os.walk(os.path.join(root, top)):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            found += [os.path.join(folder, n) for n in names if n.endswith((".yaml", ".yml")) and n[0] != "."]
        files += sorted(found)
    return files


def yaml_floor(root: str) -> None:
    import yaml

    files = catalogue_files(root)
    for file in files:
        with open(file, "rb") as handle:
            yaml.load(handle.read().decode("utf-8-sig"), Loader=yaml.CSafeLoader)
    print(json.dumps({"files": len(files)}))


def render_stage(root: str) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from longctx_catalog.outputs import apply, plan
    from longctx_catalog.render import render_catalog
    from longctx_catalog.validate import load_catalog

    catalog, diags = load_catalog(Path(root))
    if any(d.is_error for d in diags):
        raise SystemExit(f"the catalogue has errors: {diags[:3]}")
    wall, cpu = time.perf_counter(), time.process_time()
    rendered = render_catalog(catalog, parallel=True)  # as `longctx render` does
    changes, problems = plan(Path(root), rendered)
    if problems:
        raise SystemExit(f"render problems: {problems[:3]}")
    apply(Path(root), changes)
    print(json.dumps({"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu,
                      "pages": len(rendered.pages), "changed": len(changes.changes)}))


def main(argv: list[str]) -> None:
    commands = {"yaml-floor": yaml_floor, "render-stage": render_stage}
    if len(argv) != 2 or argv[0] not in commands:
        raise SystemExit(__doc__)
    commands[argv[0]](argv[1])


if __name__ == "__main__":
    main(sys.argv[1:])
