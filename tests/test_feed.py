"""The Atom feeds: valid Atom 1.0, newest first, additions and arXiv events, one per top-level branch."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import FIXTURES
from longctx_catalog.enrich.events import load_events
from longctx_catalog.feed import SiteInfo, build_feed, feed_files
from longctx_catalog.validate import load_catalog

A = "{http://www.w3.org/2005/Atom}"
EVENTS = """\
- date: 2026-11-23
  record: yarn
  arxiv: '2309.00071'
  kind: new-version
  old: v2
  new: v3
- date: 2026-11-21
  record: longlora
  arxiv: '2309.12307'
  kind: journal-ref
  new: ICLR 2024 & <oral>
"""


@pytest.fixture
def catalogue(tmp_path: Path) -> Path:
    root = Path(shutil.copytree(FIXTURES / "render-catalogue", tmp_path / "catalogue"))
    (root / "data" / "arxiv").mkdir(parents=True, exist_ok=True)
    (root / "data" / "arxiv" / "events.yaml").write_text(EVENTS, encoding="utf-8")
    return root


def feeds(root: Path, site: SiteInfo | None = None, limit: int = 50) -> dict[str, str]:
    catalog, _ = load_catalog(root)
    events, diags = load_events(root)
    assert diags == []
    return feed_files(catalog, events, site or SiteInfo("Test catalogue"), limit=limit)


def check_atom(text: str) -> ET.Element:
    """What RFC 4287 requires of a feed and its entries, checked on the parsed document."""
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>\n')
    feed = ET.fromstring(text.encode("utf-8"))
    assert feed.tag == f"{A}feed"
    for tag in ("id", "title", "updated"):
        assert len(feed.findall(f"{A}{tag}")) == 1, tag
    assert feed.find(f"{A}author/{A}name").text
    assert feed.find(f"{A}link[@rel='self']") is not None
    ids = set()
    for entry in feed.findall(f"{A}entry"):
        for tag in ("id", "title", "updated"):
            assert len(entry.findall(f"{A}{tag}")) == 1, tag
        assert entry.find(f"{A}link[@rel='alternate']") is not None
        assert entry.find(f"{A}id").text.startswith("tag:")
        ids.add(entry.find(f"{A}id").text)
        updated = entry.find(f"{A}updated").text
        assert len(updated) == 20 and updated.endswith("T00:00:00Z")
    assert len(ids) == len(feed.findall(f"{A}entry"))  # ids are unique
    return feed


def test_main_feed_is_atom_and_carries_the_newest_first(catalogue: Path) -> None:
    feed = check_atom(feeds(catalogue)["feed.xml"])
    entries = feed.findall(f"{A}entry")
    catalog, _ = load_catalog(catalogue)
    assert len(entries) == len([r for r in catalog.records if r.added]) + 2
    updated = [e.find(f"{A}updated").text for e in entries]
    assert updated == sorted(updated, reverse=True)
    assert feed.find(f"{A}updated").text == updated[0] == "2026-11-23T00:00:00Z"
    # the newest entry is yarn's new version; the newest additions come next
    assert entries[0].find(f"{A}title").text.endswith("new arXiv version (v3)")
    newest = max(r.added for r in catalog.records)
    added_first = [r.display_title for r in catalog.records if r.added == newest]
    assert entries[1].find(f"{A}title").text in added_first
    titles = [e.find(f"{A}title").text for e in entries]
    assert "LongLoRA: Efficient Fine-tuning of Long-Context Large Language Models: published in ICLR 2024 & <oral>" \
        in titles


def test_entry_links_content_and_categories(catalogue: Path) -> None:
    feed = check_atom(feeds(catalogue)["feed.xml"])
    yarn = next(e for e in feed.findall(f"{A}entry")
                if e.find(f"{A}title").text == "YaRN: Efficient Context Window Extension of Large Language Models")
    assert yarn.find(f"{A}link[@rel='alternate']").get("href") == "papers/yarn/"
    assert yarn.find(f"{A}id").text == "tag:longctx-catalog.invalid,2026-11-20:papers/yarn/"
    assert [c.get("term") for c in yarn.findall(f"{A}category")] == ["rope-scaling"]
    assert yarn.find(f"{A}summary").text.startswith("Rescales RoPE")
    content = yarn.find(f"{A}content")
    assert content.get("type") == "html" and "<p>Bowen Peng" in content.text


def test_hostile_text_stays_text(catalogue: Path) -> None:
    text = feeds(catalogue)["feed.xml"]
    feed = check_atom(text)
    hostile = next(e for e in feed.findall(f"{A}entry") if e.find(f"{A}link").get("href") == "papers/hostile/")
    assert hostile.find(f"{A}title").text.endswith("<script>alert(1)</script>")  # as text, escaped in the XML
    assert "<script>" not in text
    content = hostile.find(f"{A}content").text  # HTML, escaped again inside the XML
    assert "<p>&lt;img src=x onerror=&quot;alert(1)&quot;&gt;, **Bold** Name</p>" in content
    assert "<img" not in content


def test_branch_feeds_hold_only_their_records(catalogue: Path) -> None:
    files = feeds(catalogue)
    catalog, _ = load_catalog(catalogue)
    assert sorted(files) == ["feed.xml", "feeds/evaluation.xml", "feeds/methodology.xml", "feeds/toolkits.xml"]
    evaluation = check_atom(files["feeds/evaluation.xml"])
    assert evaluation.find(f"{A}title").text == "Test catalogue: what is new in Evaluation"
    hrefs = {e.find(f"{A}link").get("href") for e in evaluation.findall(f"{A}entry")}
    subtree = {n.id for n in catalog.taxonomy["evaluation"].walk()}
    expected = {f"../papers/{r.id}/" for r in catalog.records if subtree.intersection(r.tags)}
    assert hrefs == expected
    assert evaluation.find(f"{A}link[@rel='self']").get("href") == "../feeds/evaluation.xml"


def test_site_url_makes_absolute_links_and_tag_authority(catalogue: Path) -> None:
    site = SiteInfo("Test catalogue", url="https://example.org/longctx/", page="papers/{id}.html")
    feed = check_atom(feeds(catalogue, site)["feeds/methodology.xml"])
    assert feed.find(f"{A}link[@rel='self']").get("href") == "https://example.org/longctx/feeds/methodology.xml"
    assert feed.find(f"{A}id").text.startswith("tag:example.org,")
    entry = feed.find(f"{A}entry")
    assert entry.find(f"{A}link").get("href").startswith("https://example.org/longctx/papers/")
    assert entry.find(f"{A}link").get("href").endswith(".html")
    assert entry.find(f"{A}id").text.startswith("tag:example.org,2026-11-")
    assert ":longctx/papers/" in entry.find(f"{A}id").text


def test_limit_keeps_the_newest(catalogue: Path) -> None:
    def ids(text: str) -> list[str]:
        return [e.find(f"{A}id").text for e in check_atom(text).findall(f"{A}entry")]

    everything = feeds(catalogue)
    limited = feeds(catalogue, limit=3)
    assert len(ids(everything["feed.xml"])) > 3  # else the limit would cut nothing
    # the three kept are the full feed's first three: the newest, in order (not the oldest, not any three)
    assert ids(limited["feed.xml"]) == ids(everything["feed.xml"])[:3]
    updated = [e.find(f"{A}updated").text for e in check_atom(limited["feed.xml"]).findall(f"{A}entry")]
    assert updated[0] == "2026-11-23T00:00:00Z"  # yarn's new version, the newest event
    for path in limited:
        assert ids(limited[path]) == ids(everything[path])[:3], path


def test_feeds_are_deterministic_and_dated_by_the_data(catalogue: Path) -> None:
    first = feeds(catalogue)
    assert first == feeds(catalogue)
    catalog, _ = load_catalog(catalogue)
    text = build_feed(catalog, [], SiteInfo("x"))
    latest = max(r.added for r in catalog.records)
    assert f"<updated>{latest}T00:00:00Z</updated>" in text  # without events, the newest addition's day
