"""`longctx build`: which changes rebuild the site (the input fingerprint), --force and --timings.

One catalogue is built once for the module; each test changes one input, builds, checks
the change reached the site, and leaves the catalogue up to date for the next. The
fingerprint's promise is two-sided: an input that changed rebuilds, and nothing changed
means nothing done (each test ends by checking the latter).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, build_site_catalogue, site_env


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_site_catalogue(tmp_path_factory.mktemp("inputs") / "catalogue")


def build(root: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "longctx_catalog", "--root", str(root), "build", *args],
                          capture_output=True, text=True, env={**site_env(), **env}, timeout=300)


def rebuilt(root: Path, *args: str, **env: str) -> str:
    """Build, and require that it really built (not "up to date"); its stderr."""
    result = build(root, *args, **env)
    assert result.returncode == 0, result.stderr
    assert "up to date" not in result.stderr and "built site/ from" in result.stderr, result.stderr
    return result.stderr


def up_to_date(root: Path, **env: str) -> None:
    index = root / "site" / "index.html"
    before = index.stat().st_mtime_ns
    result = build(root, **env)
    assert result.returncode == 0 and "site is up to date" in result.stderr, result.stderr
    assert index.stat().st_mtime_ns == before


def site_page(root: Path, path: str) -> str:
    return (root / "site" / path).read_text(encoding="utf-8")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_force_rebuilds_when_nothing_changed(root: Path) -> None:
    up_to_date(root)
    stderr = rebuilt(root, "--force")
    assert "  " not in stderr.split("built site/")[1].strip()  # no timings unless asked
    up_to_date(root)


def test_timings_lists_each_step(root: Path) -> None:
    stderr = rebuilt(root, "--force", "--timings")
    steps = re.findall(r"^ +(\d+\.\d\d) s  \( *\d+\.\d\d s CPU here\)  (.+)$", stderr, flags=re.M)
    assert [name for _, name in steps] == ["load and validate", "render and stage the site",
                                           "wait for docs/ (child)", "MkDocs", "write docs/ and the stamp"]
    total = float(re.search(r"from \d+ records \(\d+ pages\) in (\d+\.\d) s", stderr).group(1))
    assert sum(float(t) for t, _ in steps) <= total + 0.1


@pytest.mark.parametrize(
    ("path", "old", "new", "page"),
    [
        # enriched arXiv metadata: the record page quotes the abstract
        ("data/arxiv/2309.00071.yaml", "We pretend to stretch", "We claim to stretch", "papers/yarn/index.html"),
        # a hand-written page under docs/
        ("docs/guide/notes.md", "Notes for curators", "Notes for the curators", "guide/notes/index.html"),
        # the contributing guide, shown as the about page
        ("CONTRIBUTING.md", "Suggest a paper with", "Propose a paper with", "about/contributing/index.html"),
    ],
    ids=["data", "docs", "contributing"],
)
def test_an_edited_input_rebuilds(root: Path, path: str, old: str, new: str, page: str) -> None:
    assert new not in site_page(root, page)
    edit(root / path, old, new)
    rebuilt(root)
    assert new in site_page(root, page)
    up_to_date(root)


def test_a_catalogue_theme_override_rebuilds(root: Path) -> None:
    # templates/site/overrides/ in the catalogue, over the package's theme overrides
    override = root / "templates" / "site" / "overrides" / "main.html"
    override.parent.mkdir(parents=True)
    text = (REPO / "templates" / "site" / "overrides" / "main.html").read_text(encoding="utf-8")
    head = "{% block extrahead %}\n  {{ super() }}"
    override.write_text(text.replace(head, head + '\n  <meta name="lc-theme" content="one">'), encoding="utf-8")
    rebuilt(root)
    assert '<meta name="lc-theme" content="one">' in site_page(root, "index.html")
    up_to_date(root)
    edit(override, 'content="one"', 'content="two"')
    rebuilt(root)
    assert '<meta name="lc-theme" content="two">' in site_page(root, "papers/yarn/index.html")
    up_to_date(root)


def test_the_site_configs_own_custom_dir_rebuilds(root: Path) -> None:
    # theme.custom_dir named by mkdocs.yml, outside the folders the fingerprint always reads
    theme = root / "my-theme"
    (theme / "partials").mkdir(parents=True)
    copyright_ = theme / "partials" / "copyright.html"
    copyright_.write_text('<div class="lc-ours">Ours, version one</div>\n', encoding="utf-8")
    config = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    config = config.replace("  name: material\n", "  name: material\n  custom_dir: my-theme\n", 1)
    (root / "mkdocs.yml").write_text(config, encoding="utf-8")
    rebuilt(root)
    assert "Ours, version one" in site_page(root, "index.html")
    up_to_date(root)
    copyright_.write_text('<div class="lc-ours">Ours, version two</div>\n', encoding="utf-8")
    rebuilt(root)
    assert "Ours, version two" in site_page(root, "index.html")
    up_to_date(root)


def test_a_deleted_site_index_rebuilds(root: Path) -> None:
    (root / "site" / "index.html").unlink()
    rebuilt(root)
    assert (root / "site" / "index.html").is_file()
    up_to_date(root)


def test_another_source_date_epoch_rebuilds(root: Path) -> None:
    up_to_date(root)
    epoch = "1700000000"
    rebuilt(root, SOURCE_DATE_EPOCH=epoch)
    up_to_date(root, SOURCE_DATE_EPOCH=epoch)
    assert os.environ.get("SOURCE_DATE_EPOCH") != epoch
    rebuilt(root)  # and back: the unset variable is an input too
    up_to_date(root)
