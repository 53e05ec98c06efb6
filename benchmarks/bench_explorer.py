"""How fast the explorer answers a keystroke at 5,000 records, in headless Chromium.

    python benchmarks/bench_explorer.py [--records 5000] [--rounds 3] [--full] [--keep DIR]

A synthetic catalogue (make_catalogue.py, seed 1) is generated and its explorer page
built with MkDocs and Material: by default a site holding just that page, its data
and assets (the same page a reader gets, in seconds); with --full, the whole site
with `longctx build`. The page is served on 127.0.0.1 and driven by Playwright in
Debian's Chromium (/usr/bin/chromium).

Measured inside the page with performance.now():

- keystroke: from the keydown of each character typed into (and deleted from) the
  text filter to the first moment after the browser has painted the updated table
  (a requestAnimationFrame, then a zero timeout). Keys are pressed one at a time,
  each after the previous answer; median, p95 and max over every keystroke;
- facet and sort clicks, the same way;
- start: from navigation to the explorer being ready (fetch, parse, first table).

The target (issue 5): about 50 ms per keystroke at 5,000 records.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(HERE))

from make_catalogue import make  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
QUERIES = ["attention", "rope scaling", "zhang", "kv cache", "streaming inference", "2023"]

MEASURE_JS = """
() => {
  const root = document.querySelector('[data-lc-explorer]');
  window.__lat = [];
  window.__t0 = 0;
  const stamp = () => { window.__t0 = performance.now(); };
  document.addEventListener('keydown', stamp, true);
  document.addEventListener('pointerdown', stamp, true);
  root.addEventListener('lc-explorer:update', () => {
    const t0 = window.__t0;
    requestAnimationFrame(() => setTimeout(() => window.__lat.push(performance.now() - t0), 0));
  });
}
"""


def build_mini(catalogue: Path, out: Path) -> Path:
    """A Material site with the explorer page only (plus its data and assets); returns the site folder."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    from longctx_catalog.enrich.events import load_events
    from longctx_catalog.extras import ASSETS, EXPLORER_PAGE, site_extras
    from longctx_catalog.feed import SiteInfo
    from longctx_catalog.templating import package_template_dir
    from longctx_catalog.validate import load_catalog

    catalog, _ = load_catalog(catalogue)
    events, _ = load_events(catalogue)
    files, _ = site_extras(catalog, events, SiteInfo("Benchmark catalogue"))
    docs = out / "docs"
    for rel, text in files.items():
        if rel.endswith(".md") and rel != EXPLORER_PAGE:
            continue
        path = docs / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assets = docs / "assets" / "longctx"
    assets.mkdir(parents=True, exist_ok=True)
    for name in ASSETS:
        shutil.copy(package_template_dir() / "site" / "assets" / name, assets / name)
    (out / "mkdocs.yml").write_text(
        "site_name: Benchmark catalogue\n"
        "theme: {name: material, font: false, features: [navigation.instant]}\n"
        "nav: [{Explorer: explorer.md}]\n"
        # the site's own list and order: explorer.js needs common.js loaded before it
        f"extra_css: [{', '.join(f'assets/longctx/{n}' for n in ASSETS if n.endswith('.css'))}]\n"
        f"extra_javascript: [{', '.join(f'assets/longctx/{n}' for n in ASSETS if n.endswith('.js'))}]\n"
        "markdown_extensions: [attr_list, md_in_html, tables, toc]\n",
        encoding="utf-8",
    )
    build(load_config(str(out / "mkdocs.yml"), site_dir=str(out / "site")))
    return out / "site"


def build_full(catalogue: Path) -> Path:
    result = subprocess.run([sys.executable, "-m", "longctx_catalog", "--root", str(catalogue), "build"],
                            capture_output=True, text=True)
    if result.returncode:
        sys.exit(result.stderr)
    return catalogue / "site"


def serve(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}/"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def measure(url: str, rounds: int) -> dict[str, list[float]]:
    from playwright.sync_api import sync_playwright

    out: dict[str, list[float]] = {"keystroke": [], "click": [], "start": []}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        outside: list[str] = []
        page.on("request", lambda r: None if r.url.startswith(url.split("explorer")[0]) else outside.append(r.url))
        for _ in range(rounds):
            page.goto("about:blank")
            start = time.perf_counter()
            page.goto(url)
            page.wait_for_selector(".lc-x-ready", timeout=60_000)
            out["start"].append((time.perf_counter() - start) * 1000)
            page.evaluate(MEASURE_JS)
            box = page.locator(".lc-x-q")
            box.focus()
            n = 0
            for query in QUERIES:
                for key in [*query, *["Backspace"] * len(query)]:
                    page.keyboard.press(" " if key == " " else key)
                    n += 1
                    page.wait_for_function(f"window.__lat.length >= {n}")
            clicks = [".lc-x-tree li:nth-child(2) input", '[data-facet="code"] .lc-x-chip:nth-child(3)',
                      '[data-facet="year"] .lc-x-chip:nth-child(4)', '[data-sort="title"] button',
                      '[data-sort="date"] button', '[data-facet="kind"] .lc-x-chip:nth-child(1)',
                      ".lc-x-head .lc-x-clear"]
            for selector in clicks:
                page.locator(selector).first.click()
                n += 1
                page.wait_for_function(f"window.__lat.length >= {n}")
            lat = page.evaluate("window.__lat")
            keys = sum(2 * len(q) for q in QUERIES)
            out["keystroke"].extend(lat[:keys])
            out["click"].extend(lat[keys:])
        browser.close()
        if outside:
            sys.exit(f"requests left 127.0.0.1: {outside[:5]}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3, help="page loads, each typing every query (default 3)")
    parser.add_argument("--full", action="store_true", help="build the whole site with `longctx build`")
    parser.add_argument("--keep", type=Path, help="build here and keep it (default: a temporary folder)")
    parser.add_argument("--reuse", action="store_true",
                        help="with --keep: measure the site built there before, with the current scripts and styles")
    args = parser.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-explorer-"))
    try:
        catalogue = work / "catalogue"
        start = time.perf_counter()
        if args.reuse and args.keep:
            site = catalogue / "site" if args.full else work / "mini" / "site"
            from longctx_catalog.extras import ASSETS
            from longctx_catalog.templating import package_template_dir

            for name in ASSETS:
                shutil.copy(package_template_dir() / "site" / "assets" / name, site / "assets" / "longctx" / name)
        else:
            make(args.records, catalogue, seed=1)
            site = build_full(catalogue) if args.full else build_mini(catalogue, work / "mini")
        built = time.perf_counter() - start
        data = (site / "explorer.json").stat().st_size
        bib = (site / "explorer-bib.json").stat().st_size
        server, base = serve(site)
        try:
            results = measure(base + "explorer/", args.rounds)
        finally:
            server.shutdown()
        how = "reused" if args.reuse and args.keep else f"built in {built:.1f} s"
        print(f"{args.records} records; site {how} ({'full' if args.full else 'explorer page only'});"
              f" explorer.json {data / 1024:.0f} KiB, explorer-bib.json {bib / 1024:.0f} KiB")
        for name, values in results.items():
            print(f"{name:10s} n={len(values):4d}  median {statistics.median(values):6.1f} ms  "
                  f"p95 {percentile(values, 95):6.1f} ms  max {max(values):6.1f} ms")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
