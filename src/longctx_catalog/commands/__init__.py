"""One module per CLI verb; each defines a click command named ``command``.

Heavy libraries (mkdocs, arxiv, bibtexparser) are imported inside the command
functions, not at module level, so ``longctx --help`` and a no-op build start fast.
"""

# The order here is the order of `longctx --help`.
COMMAND_MODULES = (
    "validate",
    "check",
    "pr_summary",
    "tags",
    "schema",
    "add",
    "enrich",
    "discover",
    "import_bib",
    "export_bib",
    "new",
    "suggest",
    "links",
    "render",
    "build",
    "serve",
)
