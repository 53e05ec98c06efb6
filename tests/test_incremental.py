"""Incremental builds (issue 20): after any edits, site/ is byte for byte what a cold build makes.

`longctx build` takes unchanged pages from its page cache (.longctx-cache/site/pages.sqlite);
`longctx build --force` starts that cache empty. A property test drives random edit
sequences (records edited, retitled, retagged, added, deleted; the taxonomy, a template,
the theme overrides, mkdocs.yml and a hand-written doc changed) through incremental builds
and compares every file of site/ with a cold build of the same inputs in another folder.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import REPO, make_site_catalogue, run_longctx, site_env

CACHE = ".longctx-cache/site/pages.sqlite"
PAPERS = ("yarn", "longlora", "position-interpolation")  # papers no other file refers to by id
LEAVES = ("rope-scaling", "rope-truncation", "sliding-window-attention", "sparse-attention", "local-attention")
ANCHOR_DOC = "docs/guide/anchors.md"


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _assert_same_sites(built: Path, cold: Path) -> None:
    a, b = _tree(built), _tree(cold)
    assert sorted(a) == sorted(b), (sorted(set(a) ^ set(b)))[:10]
    differ = [name for name in a if a[name] != b[name]]
    assert not differ, f"files differ from a cold build: {differ[:10]}"


_COLD: dict[str, Path] = {}  # digest of a catalogue's inputs -> a cold build of them, made earlier in this session


def _inputs_digest(root: Path) -> str:
    found = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if rel.parts[0] in (".longctx-cache", "site") or not path.is_file():
            continue
        found.update(f"{rel.as_posix()}\0{len(path.read_bytes())}\0".encode())
        found.update(path.read_bytes())
    return found.hexdigest()


def _cold_copy(root: Path, target: Path) -> Path:
    """The same inputs in a fresh folder, built from scratch (once per distinct set of inputs:
    a cold build is deterministic, which tests/test_site.py checks, so a second one of the same
    inputs would only repeat the first)."""
    key = _inputs_digest(root)
    if key in _COLD and (_COLD[key] / "site").is_dir():
        return _COLD[key]
    # A folder of its own per set of inputs: hypothesis runs every example in the same tmp_path,
    # and a later example must not overwrite a build an earlier key still points to.
    target = target.with_name(f"{target.name}-{key[:16]}")
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(root, target, ignore=lambda folder, names: [".longctx-cache", "site"] if Path(folder) == root
                    else [])
    result = run_longctx(target, "build", "--force")
    assert result.returncode == 0, result.stderr
    _COLD[key] = target
    return target


def _build(root: Path) -> str:
    result = run_longctx(root, "build", "--timings")
    assert result.returncode == 0, result.stderr
    return result.stderr


def _replace(path: Path, pattern: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    changed, count = re.subn(pattern, new, text, count=1, flags=re.M)
    assert count, (path, pattern)
    path.write_text(changed, encoding="utf-8")


# ---------------------------------------------------------------------------------
# The edits


def _paper(root: Path, n: int) -> Path:
    """One of PAPERS still there (delete_record may have removed one; never more)."""
    there = [root / "papers" / f"{name}.yaml" for name in PAPERS if (root / "papers" / f"{name}.yaml").is_file()]
    return there[n % len(there)]


def edit_tldr(root: Path, n: int) -> None:
    _replace(_paper(root, n), r"^tldr: .*$", f"tldr: A summary rewritten for the {n}th time.")


def retitle(root: Path, n: int) -> None:
    _replace(_paper(root, n), r"^title: .*$", f"title: 'A Retitled Work, Take {n}'")


def retag(root: Path, n: int) -> None:
    _replace(_paper(root, n), r"^tags: .*$", f"tags: [{LEAVES[n % len(LEAVES)]}]")


def add_record(root: Path, n: int) -> None:
    (root / "papers" / f"added-{n}.yaml").write_text(
        f"id: added-{n}\ntitle: An Added Work Number {n}\nauthors: [Ada Example]\ndate: 2024-0{1 + n % 9}\n"
        f"tags: [{LEAVES[n % len(LEAVES)]}]\ntldr: Added by the test as work number {n}.\n"
        f"added: 2026-11-{22 if n % 2 else 1 + n % 9:02d}\n",  # odd n: the newest, which moves the build date
        encoding="utf-8")


def delete_record(root: Path, n: int) -> None:
    added = sorted((root / "papers").glob("added-*.yaml"))
    if added:
        added[n % len(added)].unlink()
    else:
        (root / "papers" / "position-interpolation.yaml").unlink(missing_ok=True)


def edit_taxonomy(root: Path, n: int) -> None:
    if n % 2:
        _replace(root / "taxonomy.yaml", r"^(\s+title: )Scaling Strategies.*$", rf"\1Scaling Strategies {n}")
    else:
        _replace(root / "taxonomy.yaml", r"^(\s+)- id: rope-rearrangement\n",
                 rf"\1- id: extra-node-{n}\n\1  title: Extra Node {n}\n\1- id: rope-rearrangement\n")


def edit_template(root: Path, n: int) -> None:
    target = root / "templates" / "record.md.j2"
    text = (REPO / "templates" / "record.md.j2").read_text(encoding="utf-8")
    target.parent.mkdir(exist_ok=True)
    target.write_text(text.replace("read by a curator", f"read by curator {n}"), encoding="utf-8")


def edit_theme(root: Path, n: int) -> None:
    target = root / "templates" / "site" / "overrides" / "main.html"
    text = (REPO / "templates" / "site" / "overrides" / "main.html").read_text(encoding="utf-8")
    target.parent.mkdir(parents=True, exist_ok=True)
    date = "{{ build_date_utc }}" if n % 2 else ""  # odd n: every page shows the build date (the newest `added`)
    head = "{% block extrahead %}\n  {{ super() }}\n"
    assert head in text
    target.write_text(text.replace(head, f'{head}  <meta name="variant" content="{n} {date}">\n'), encoding="utf-8")


def edit_config(root: Path, n: int) -> None:
    text = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    (root / "mkdocs.yml").write_text(text.replace("site_name: Long-context LLM catalogue",
                                                  f"site_name: Catalogue variant {n}"), encoding="utf-8")


def edit_doc(root: Path, n: int) -> None:
    path = root / "docs" / "guide" / "notes.md"
    path.write_text(path.read_text(encoding="utf-8") + f"\n## Added section {n}\n\nSee [YaRN](../papers/yarn.md).\n",
                    encoding="utf-8")


EDITS = [edit_tldr, retitle, retag, add_record, delete_record, edit_taxonomy, edit_template, edit_theme,
         edit_config, edit_doc]


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site tests' catalogue, built once: each example starts from a copy, cache included."""
    root = make_site_catalogue(tmp_path_factory.mktemp("incremental") / "catalogue")
    _build(root)
    assert (root / CACHE).is_file()
    return root


def _start(base: Path, tmp: Path) -> Path:
    root = tmp / "work"
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(base, root)
    return root


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.tuples(st.sampled_from(EDITS), st.integers(0, 20)), min_size=1, max_size=3))
def test_any_edit_sequence_gives_the_cold_build(base: Path, tmp_path: Path, edits) -> None:  # type: ignore[no-untyped-def]
    root = _start(base, tmp_path)
    for edit, n in edits:
        edit(root, n)
        _build(root)
        _assert_same_sites(root / "site", _cold_copy(root, tmp_path / "cold") / "site")


@pytest.mark.parametrize("edit", EDITS, ids=lambda e: e.__name__)
def test_each_kind_of_edit_gives_the_cold_build(base: Path, tmp_path: Path, edit) -> None:  # type: ignore[no-untyped-def]
    root = _start(base, tmp_path)
    edit(root, 7)
    _build(root)
    _assert_same_sites(root / "site", _cold_copy(root, tmp_path / "cold") / "site")


def _counts(stderr: str) -> tuple[int, int]:
    match = re.search(r"page cache: (\d+) results reused, (\d+) made", stderr)
    assert match, stderr
    return int(match.group(1)), int(match.group(2))


def test_an_edited_record_rebuilds_only_the_pages_showing_it(base: Path, tmp_path: Path) -> None:
    root = _start(base, tmp_path)
    pages = sum(1 for _ in (root / ".longctx-cache" / "site" / "docs").rglob("*.md"))
    edit_tldr(root, 1)  # longlora: its page, the sections listing it, the views
    reused, made = _counts(_build(root))
    assert made <= 3 * 12, made  # render, search entries and themed HTML of at most a dozen pages
    assert reused >= 3 * (pages - 12), (reused, pages)
    assert "new way" not in (root / "site" / "papers" / "longlora" / "index.html").read_text(encoding="utf-8")
    assert "rewritten for the 1th time" in (root / "site" / "papers" / "longlora" / "index.html").read_text(
        encoding="utf-8")


def _kept(stderr: str) -> int:
    match = re.search(r"(\d+) page files kept unread", stderr)
    assert match, stderr
    return int(match.group(1))


def test_unchanged_page_files_are_kept_unread_but_never_a_changed_one(base: Path, tmp_path: Path) -> None:
    """A patched build leaves a page file it made before untouched and unread (the last build noted
    which key made it, and the file's identity); a file changed since, however, is put right."""
    root = _start(base, tmp_path)
    edit_tldr(root, 1)
    assert _kept(_build(root)) == 0  # a copied site: no file is the one the note names
    pages = sum(1 for _ in (root / ".longctx-cache" / "site" / "docs").rglob("*.md"))
    yarn = root / "site" / "papers" / "yarn" / "index.html"
    good = yarn.read_bytes()
    yarn.write_bytes(good.replace(b"<title>", b"<TITLE>", 1))  # edited in place: same size, same inode
    edit_tldr(root, 2)
    kept = _kept(_build(root))
    assert pages - 12 <= kept < pages, (kept, pages)
    _assert_same_sites(root / "site", _cold_copy(root, tmp_path / "cold") / "site")
    assert yarn.read_bytes() == good

    (root / ".longctx-cache" / "site" / "site-files.pickle").write_bytes(b"not a pickle" * 10)
    edit_tldr(root, 4)
    assert _kept(_build(root)) == 0
    _assert_same_sites(root / "site", _cold_copy(root, tmp_path / "cold") / "site")


def _shared(stderr: str) -> int:
    match = re.search(r"(\d+) pages' results made by children", stderr)
    assert match, stderr
    return int(match.group(1))


def _build_with_jobs(root: Path, jobs: int, *args: str) -> str:
    result = subprocess.run([sys.executable, "-m", "longctx_catalog", "--root", str(root), "build", "--timings", *args],
                            capture_output=True, text=True, env={**site_env(), "LONGCTX_JOBS": str(jobs)}, timeout=600)
    assert result.returncode == 0, result.stderr
    return result.stderr


def test_work_shared_out_to_children_gives_the_site_one_process_makes(tmp_path: Path) -> None:
    """With many pages to make (170 here), forked children make a share of the results: in a cold build, and
    when a renamed taxonomy node changes every record page (the pages staged since the last
    build). The site is the one a single process makes from scratch."""
    root = tmp_path / "many"
    made = subprocess.run([sys.executable, str(REPO / "benchmarks" / "make_catalogue.py"), "30", str(root)],
                          capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    assert _shared(_build_with_jobs(root, 2)) > 0  # cold
    taxonomy = root / "taxonomy.yaml"
    text = taxonomy.read_text(encoding="utf-8")
    first = text.index("\n  title: ") + len("\n  title: ")
    taxonomy.write_text(text[:first] + "Renamed " + text[first:], encoding="utf-8")
    shared = _shared(_build_with_jobs(root, 2))
    pages = sum(1 for _ in (root / ".longctx-cache" / "site" / "docs").rglob("*.md"))
    # Half the themed pages (every one changed), and half the markdown of the pages staged anew (more
    # than 64, the least worth forking for: every record page shows the node's title).
    assert pages // 2 + 64 // 2 <= shared < pages, (shared, pages)

    alone = tmp_path / "alone"
    shutil.copytree(root, alone, ignore=lambda folder, names: [".longctx-cache", "site"] if Path(folder) == root
                    else [])
    assert _shared(_build_with_jobs(alone, 1, "--force")) == 0
    _assert_same_sites(root / "site", alone / "site")


def test_force_starts_from_an_empty_cache(base: Path, tmp_path: Path) -> None:
    root = _start(base, tmp_path)
    result = run_longctx(root, "build", "--force", "--timings")
    assert result.returncode == 0, result.stderr
    reused, made = _counts(result.stderr)
    assert reused == 0 and made > 0


@pytest.mark.parametrize("damage", ["garbage", "truncated", "flipped value", "other version"])
def test_a_damaged_cache_is_detected_and_the_site_is_still_right(base: Path, tmp_path: Path, damage: str) -> None:
    root = _start(base, tmp_path)
    cache = root / CACHE
    if damage == "garbage":
        cache.write_bytes(b"this is not a database" * 100)
    elif damage == "truncated":
        data = cache.read_bytes()
        cache.write_bytes(data[: len(data) // 3])
    elif damage == "flipped value":
        db = sqlite3.connect(cache)
        # the themed HTML of every page loses a character: a hit would show it
        db.execute("UPDATE entries SET value = substr(value, 1, length(value) - 2) || x'00' || "
                   "substr(value, length(value)) WHERE kind = 'page'")
        db.commit()
        db.close()
    else:
        db = sqlite3.connect(cache)
        db.execute("UPDATE meta SET value = 'longctx 0.0.1' WHERE name = 'versions'")
        db.commit()
        db.close()
    edit_tldr(root, 2)
    _build(root)
    _assert_same_sites(root / "site", _cold_copy(root, tmp_path / "cold") / "site")


def test_one_damaged_entry_costs_only_itself(base: Path, tmp_path: Path) -> None:
    root = _start(base, tmp_path)
    pages = sum(1 for _ in (root / ".longctx-cache" / "site" / "docs").rglob("*.md"))
    db = sqlite3.connect(root / CACHE)
    # One themed page's value damaged into text that is not UTF-8: it alone must miss.
    db.execute("UPDATE entries SET value = CAST(x'ff00' || value AS TEXT) WHERE kind = 'page' AND "
               "key = (SELECT key FROM entries WHERE kind = 'page' ORDER BY key LIMIT 1)")
    db.commit()
    db.close()
    edit_tldr(root, 3)
    reused, made = _counts(_build(root))
    assert made <= 3 * 12 + 1, made  # the edit's pages, and the damaged one
    assert reused >= 3 * (pages - 13), (reused, pages)
    _assert_same_sites(root / "site", _cold_copy(root, tmp_path / "cold") / "site")


def test_a_theme_showing_the_build_date_is_rethemed_when_the_newest_record_changes(base: Path, tmp_path: Path) -> None:
    """The build date is the newest `added` date: moving it re-themes every page of a theme that shows it."""
    root = _start(base, tmp_path)
    edit_theme(root, 1)
    _build(root)
    newest = [p for p in (root / "papers").glob("*.yaml") if "\nadded: 2026-11-22" in p.read_text(encoding="utf-8")]
    assert newest
    for path in newest:
        _replace(path, r"^added: 2026-11-22$", "added: 2026-11-03")
    _build(root)
    _assert_same_sites(root / "site", _cold_copy(root, tmp_path / "cold") / "site")


def test_a_deleted_link_target_breaks_an_unchanged_page(base: Path, tmp_path: Path) -> None:
    """Links of a page taken from the cache are resolved again: a gone target is still an error."""
    root = _start(base, tmp_path)
    edit_doc(root, 1)  # notes.md now links to papers/yarn.md
    _build(root)
    (root / "papers" / "yarn.yaml").unlink()
    (root / "data" / "arxiv" / "2309.00071.yaml").unlink(missing_ok=True)
    result = run_longctx(root, "build")
    assert result.returncode == 1, result.stderr
    assert "docs/guide/notes.md:" in result.stderr and "papers/yarn.md" in result.stderr, result.stderr


def test_a_lost_anchor_breaks_an_unchanged_page(base: Path, tmp_path: Path) -> None:
    """Anchors are checked on every build: a record moved away breaks a cached page's link to it."""
    root = _start(base, tmp_path)
    (root / ANCHOR_DOC).write_text("# Anchors\n\nSee [YaRN](../methodology/extended-rope/rope-scaling.md#yarn).\n",
                                   encoding="utf-8")
    _build(root)
    _replace(root / "papers" / "yarn.yaml", r"^tags: .*$", "tags: [sparse-attention]")
    result = run_longctx(root, "build")
    assert result.returncode == 1, result.stderr
    assert "docs/guide/anchors.md:" in result.stderr and "#yarn" in result.stderr, result.stderr


def test_page_cache_entries_read_back_only_as_written(tmp_path: Path) -> None:
    """The cache file itself: values round-trip; a changed byte, another version or garbage read as misses."""
    from longctx_catalog.sitecache import PageCache

    path = tmp_path / "pages.sqlite"
    with PageCache(path, versions="v1") as cache:
        cache.put("page", b"k1", "<html>one</html>")
        cache.put("page", b"k2", ["two"])
        cache.commit()
    with PageCache(path, versions="v1") as cache:
        assert cache.get("page", b"k1") == "<html>one</html>"
        assert cache.get("page", b"missing") is None
        cache.commit()  # k2 was not used by this "build": dropped
    with PageCache(path, versions="v1") as cache:
        assert cache.get("page", b"k2") is None and cache.get("page", b"k1") == "<html>one</html>"
    db = sqlite3.connect(path)
    db.execute("UPDATE entries SET value = substr(value, 1, 30) || x'41' || substr(value, 32)")
    db.commit()
    db.close()
    with PageCache(path, versions="v1") as cache:
        assert cache.get("page", b"k1") is None  # the checksum no longer matches
        cache.put("page", b"k1", "again")
        cache.commit()
    with PageCache(path, versions="v2") as cache:
        assert cache.get("page", b"k1") is None  # written by another version: emptied
    path.write_bytes(b"garbage" * 1000)
    with PageCache(path, versions="v2") as cache:
        assert cache.get("page", b"k1") is None
        cache.put("page", b"k1", "fresh")
        cache.commit()
    with PageCache(path, versions="v2") as cache:
        assert cache.get("page", b"k1") == "fresh"


# ---------------------------------------------------------------------------------
# Patch mode: a build writes only the files that changed into site/


def _marks(site: Path) -> dict[str, tuple[int, int]]:
    """Each file of ``site`` by relative path, with its inode and modification time."""
    return {p.relative_to(site).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in site.rglob("*") if p.is_file()}


def test_an_edit_rewrites_only_the_files_it_changed(base: Path, tmp_path: Path) -> None:
    root = _start(base, tmp_path)
    before = _marks(root / "site")
    edit_tldr(root, 0)  # yarn: its page, the sections and views listing it, the search index
    _build(root)
    after = _marks(root / "site")
    assert sorted(after) == sorted(before)
    rewritten = {name for name in after if after[name] != before[name]}
    assert {"papers/yarn/index.html", "search/search_index.json"} <= rewritten
    assert "papers/longlora/index.html" not in rewritten and "sitemap.xml" not in rewritten
    assert not any(name.startswith("assets/") for name in rewritten)
    assert len(rewritten) <= 20, sorted(rewritten)
    _assert_same_sites(root / "site", _cold_copy(root, tmp_path / "cold") / "site")


def test_whatever_else_site_holds_is_put_right(base: Path, tmp_path: Path) -> None:
    """Stray files, folders, links, a hand-edited page, a folder where a file goes and a file
    where a folder goes: the next build leaves site/ exactly the cold build, and nothing a link
    pointed to is touched."""
    root = _start(base, tmp_path)
    site = root / "site"
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "404.html").write_bytes((site / "404.html").read_bytes())
    (site / "stray.html").write_text("left by hand", encoding="utf-8")
    (site / ".hidden").write_text("hidden", encoding="utf-8")
    (site / "old-section" / "deep").mkdir(parents=True)
    (site / "old-section" / "deep" / "index.html").write_text("an old page", encoding="utf-8")
    (site / "papers-link").symlink_to(root / "papers")  # removed; the papers it points to stay
    (site / "404.html").unlink()
    (site / "404.html").symlink_to(outside / "404.html")  # the right bytes, but a link out of the site
    (site / "papers" / "longlora" / "index.html").write_text("hand-edited", encoding="utf-8")
    (site / "sitemap.xml").unlink()
    (site / "sitemap.xml").mkdir()
    (site / "sitemap.xml" / "inside").write_text("a folder in the way", encoding="utf-8")
    shutil.rmtree(site / "papers" / "yarn")
    (site / "papers" / "yarn").write_text("a file in the way", encoding="utf-8")
    papers = sorted(p.name for p in (root / "papers").iterdir())
    assets = {name: mark for name, mark in _marks(site).items() if name.startswith("assets/")}

    result = run_longctx(root, "build", "--force")
    assert result.returncode == 0, result.stderr
    _assert_same_sites(site, _cold_copy(root, tmp_path / "cold") / "site")
    assert not [p for p in site.rglob("*") if p.is_symlink()]
    assert not (site / ".hidden").exists()
    assert sorted(p.name for p in (root / "papers").iterdir()) == papers
    assert (outside / "404.html").read_bytes() == (site / "404.html").read_bytes()
    assert not [p.name for p in root.iterdir() if p.name.startswith(".site")]
    assert {name: _marks(site)[name] for name in assets} == assets  # patched in place, not a new site
