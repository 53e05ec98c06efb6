"""BibTeX in and out: import a .bib into records, export records as a .bib.

The package is split by reason to change:

- :mod:`.latex` — LaTeX <-> plain text for the fields we show (fast, table-driven);
- :mod:`.parse` — .bib text -> located entries; the only module importing bibtexparser;
- :mod:`.entry` — one record -> one entry (:func:`entry_for`, used by render);
- :mod:`.export` — many records -> one .bib file with unique keys;
- :mod:`.convert` — one entry -> record fields (names, dates, arXiv ids, venues, links);
- :mod:`.importer` — planning an import against a catalogue (matching, merging, ids).

Importing this package is cheap: bibtexparser is loaded only when a .bib is parsed.
"""

from .entry import citation_key, entry_for

__all__ = ["citation_key", "entry_for"]
