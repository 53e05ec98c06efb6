"""The explorer, statistics, feeds and downloads as parts of `longctx build`: settings, errors, files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, REPO, run_longctx
from longctx_catalog.siteconfig import read_site_config, site_info

MKDOCS = (REPO / "mkdocs.yml").read_text(encoding="utf-8")


@pytest.fixture
def catalogue(tmp_path: Path) -> Path:
    return Path(shutil.copytree(FIXTURES / "render-catalogue", tmp_path / "catalogue"))


def test_site_info_follows_the_site_config(catalogue: Path) -> None:
    (catalogue / "mkdocs.yml").write_text(
        MKDOCS + "\nsite_url: https://example.org/cat\nuse_directory_urls: false\n"
        "repo_url: https://github.com/someone/cat\n", encoding="utf-8")
    config, diags = read_site_config(catalogue)
    assert config is not None and diags == []
    info = site_info(config)
    assert info.url == "https://example.org/cat/"
    assert info.page == "papers/{id}.html"
    assert info.repo_url == "https://github.com/someone/cat"
    assert info.name == "Long-context LLM catalogue"
    assert info.tag_prefix == ("example.org", "cat/")


def test_site_info_without_urls(catalogue: Path) -> None:
    config, _ = read_site_config(catalogue)  # the package default config
    assert config is not None
    info = site_info(config)
    assert info.url is None and info.page == "papers/{id}/"
    assert info.tag_prefix == ("longctx-catalog.invalid", "")


def test_build_writes_every_extra_file(catalogue: Path) -> None:
    result = run_longctx(catalogue, "build")
    assert result.returncode == 0, result.stderr
    site = catalogue / "site"
    for rel in ("explorer/index.html", "statistics/index.html", "explorer.json", "explorer-bib.json", "feed.xml",
                "feeds/methodology.xml", "catalogue.bib", "bib/evaluation.bib", "catalogue.json",
                "catalogue.schema.json", "assets/longctx/explorer.js", "assets/longctx/explorer.css"):
        assert (site / rel).is_file(), rel
    assert json.loads((site / "explorer.json").read_text(encoding="utf-8"))["page"] == "papers/{id}/"
    # the explorer and the statistics are listed under Browse; their script is on every page
    home = (site / "index.html").read_text(encoding="utf-8")
    assert 'href="explorer/"' in home and 'href="statistics/"' in home
    assert 'src="assets/longctx/explorer.js"' in home
    assert 'type="application/atom+xml"' in home and 'href="feed.xml"' in home
    # nothing of it lands in the committed docs/
    assert not (catalogue / "docs" / "explorer.md").exists()
    assert not (catalogue / "docs" / "catalogue.bib").exists()


def test_a_damaged_event_log_stops_the_build_with_a_located_error(catalogue: Path) -> None:
    events = catalogue / "data" / "arxiv" / "events.yaml"
    events.parent.mkdir(parents=True, exist_ok=True)
    events.write_text("- date: 2026-11-23\n  record: yarn\n  arxiv: '2309.00071'\n  kind: retracted\n",
                      encoding="utf-8")
    result = run_longctx(catalogue, "build")
    assert result.returncode == 1
    assert "data/arxiv/events.yaml:4:" in result.stderr and "LC502" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (catalogue / "site").exists()


@pytest.mark.parametrize("reserved", ["explorer", "statistics", "feeds", "bib"])
def test_top_level_ids_of_the_extras_are_reserved(catalogue: Path, reserved: str) -> None:
    taxonomy = catalogue / "taxonomy.yaml"
    taxonomy.write_text(taxonomy.read_text(encoding="utf-8") + f"- id: {reserved}\n  title: Clash\n",
                        encoding="utf-8")
    result = run_longctx(catalogue, "build")
    assert result.returncode == 1
    assert "LC703" in result.stderr and f"'{reserved}' is reserved" in result.stderr
