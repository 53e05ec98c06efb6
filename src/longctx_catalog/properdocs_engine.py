"""Build the staged site with ProperDocs, the drop-in fork of MkDocs 1.6: the only module that runs it.

ProperDocs reads the same derived ``mkdocs.yml`` and runs Material and its plugins
unchanged (it finds themes and plugins under MkDocs' entry points too). Its package
is ``properdocs``, so it installs beside MkDocs; but once loaded it answers every
``import mkdocs.*`` itself, so it runs as a child process (``python -m properdocs``),
never inside ours. Its log lines are MkDocs' own words, read back into located
diagnostics with the same rules as :mod:`longctx_catalog.site`.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import shutil
import sys
from pathlib import Path

from .diagnostics import Diagnostic
from .engines import child_env, finish, fresh_folder, run
from .site import Built, Locator, ProgressFactory, SiteError, _diagnostics
from .staging import Stage

# "WARNING -  Doc file 'a.md' contains a link ..." (continuation lines are indented)
_LINE = re.compile(r"^(WARNING|ERROR)\s+-\s+(.*)$")
_STRICT_ABORT = re.compile(r"^Aborted with \d+ warnings? in strict mode!?$")


def _log_records(output: str) -> tuple[list[logging.LogRecord], list[str]]:
    """ProperDocs' warnings and errors as log records, and its other lines (for an unexplained failure)."""
    records: list[logging.LogRecord] = []
    other: list[str] = []
    for line in output.splitlines():
        match = _LINE.match(line)
        if match:
            level = logging.WARNING if match.group(1) == "WARNING" else logging.ERROR
            records.append(logging.makeLogRecord({"msg": match.group(2).strip(), "levelno": level,
                                                  "levelname": match.group(1)}))
        elif records and line.startswith((" ", "\t")) and line.strip():
            records[-1].msg += " " + line.strip()
        elif line.strip() and not line.startswith("INFO") and not _STRICT_ABORT.match(line.strip()):
            other.append(line.strip())
    return records, other


def _renamed(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    return [dataclasses.replace(d, message=d.message.replace("MkDocs: ", "ProperDocs: ", 1))
            for d in diagnostics]


def build_site(
    stage: Stage,
    site_dir: Path,
    locate: Locator,
    *,
    strict: bool = True,
    epoch: int | None = None,
    progress: ProgressFactory | None = None,
    replace: bool = True,
) -> Built:
    """Build the staged site into ``site_dir`` with ProperDocs; as :func:`longctx_catalog.site.build_site`.

    With ``replace=False`` the built folder is left for the caller (``Built.fresh``).
    """
    site_dir = site_dir.resolve()
    fresh = fresh_folder(site_dir)
    pages = sum(1 for _ in stage.docs.rglob("*.md"))
    command = [sys.executable, "-m", "properdocs", "build", "--config-file", str(stage.config_file),
               "--site-dir", str(fresh)]
    if strict:
        command.append("--strict")
    try:
        code, output, seconds = run(command, cwd=stage.dir, env=child_env(epoch), watch=fresh, pages=pages,
                                    progress=progress)
        records, other = _log_records(output)
        problems = _renamed(_diagnostics(records, locate))
        if code != 0 or (problems and strict):
            if not problems:
                said = " / ".join(other[-3:]) or f"exit status {code}"
                problems = [Diagnostic.make(locate.config_location(), "LC801", f"ProperDocs failed: {said}")]
            raise SiteError(problems)
        return finish(Built(seconds, problems), fresh, site_dir, replace)
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise
