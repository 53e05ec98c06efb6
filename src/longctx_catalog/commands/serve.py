from __future__ import annotations

import functools
from pathlib import Path

import click

from ._common import DataProblem, EnvironmentProblem, State, pass_state


def _address(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit():
        raise click.BadParameter(f"{value!r} is not HOST:PORT, e.g. 127.0.0.1:8000")
    return host.strip("[]") or "127.0.0.1", int(port)


@click.command("serve")
@click.option("-a", "--dev-addr", "address", default="127.0.0.1:8000", show_default=True, metavar="HOST:PORT",
              help="Where to serve the preview.")
@click.option("--open", "open_browser", is_flag=True, help="Open the preview in the default browser.")
@pass_state
def command(state: State, address: str, open_browser: bool) -> None:
    """Preview the site with live reload while you edit.

    Builds the site as `longctx build` does (but into a temporary folder, leaving
    site/ and docs/ alone) and serves it; any change to papers/, taxonomy.yaml,
    data/, templates/, docs/, mkdocs.yml or CONTRIBUTING.md rebuilds it and reloads
    the open pages. A record with errors is reported here and the last good build
    stays on screen; broken links are reported as warnings.

    \b
    Examples:
      longctx serve                     # http://127.0.0.1:8000/
      longctx serve -a 0.0.0.0:8080 --open
    """
    from ._site import need_mkdocs

    host, port = _address(address)
    root = state.root
    need_mkdocs()
    from ..parallel import ForkHelper
    from ..site import SiteError, serve_site
    from ..templating import package_template_dir

    # Each rebuild in a fresh fork of a single-threaded helper, so it renders and builds on
    # every core as `longctx build` does (forking here, beside the server's threads, is unsafe).
    helper = ForkHelper(preload=_PRELOAD)

    def rebuild(target: Path) -> bool:
        return helper.run(functools.partial(_rebuild, root, target))

    watch = [root / name for name in ("papers", "taxonomy.yaml", "data", "templates", "docs", "mkdocs.yml",
                                      "CONTRIBUTING.md")]
    watch.append(package_template_dir())
    try:
        with helper:
            serve_site(rebuild, watch, host=host, port=port, open_browser=open_browser,
                       log=lambda text: click.echo(text, err=True))
    except SiteError:
        raise DataProblem("the site could not be built; fix the problems above and run `longctx serve` again") \
            from None
    except OSError as err:
        raise EnvironmentProblem(f"cannot serve on {host}:{port}: {err.strerror or err}") from None


# What a rebuild imports: the helper imports it once, and every rebuild starts with it.
_PRELOAD = ("longctx_catalog.commands.serve", "longctx_catalog.validate", "longctx_catalog.render",
            "longctx_catalog.staging", "longctx_catalog.site", "longctx_catalog.pagereuse", "mkdocs.commands.build",
            "material.plugins.search.plugin")


def _rebuild(root: Path, target: Path) -> bool:
    """Load, stage and build the site into ``target`` (patching what it holds); False on problems, said."""
    from ..parsecache import cached_parsing
    from ..site import Locator, SiteError, build_site, date_epoch
    from ..sitecache import cache_file
    from ..validate import load_catalog
    from ._site import print_problems, stage_site

    with cached_parsing(root):  # unchanged files are not parsed again
        catalog, diagnostics = load_catalog(root)
    errors = [d for d in diagnostics if d.is_error]
    if errors:
        print_problems(errors)
        click.secho(f"{len(errors)} error(s) in the catalogue; not rebuilt", fg="red", err=True)
        return False
    try:
        prepared = stage_site(catalog, quiet=True, parallel=True)
    except DataProblem as err:
        click.secho(err.format_message(), fg="red", err=True)
        return False
    added = max((r.added for r in catalog.records if r.added), default=None)
    locate = Locator(root, prepared.stage, prepared.sources, prepared.config.path)
    try:
        built = build_site(prepared.stage, target, locate, strict=False, epoch=date_epoch(added),
                           cache=cache_file(prepared.stage.dir), patch=True)
    except SiteError as err:
        print_problems(err.diagnostics)
        return False
    print_problems(built.warnings)
    click.echo(f"built {len(catalog.records)} records", err=True)
    return True
