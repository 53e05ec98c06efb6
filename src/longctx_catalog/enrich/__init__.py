"""Enrichment: metadata fetched from outside (arXiv) and kept beside the curated records.

The pipeline stage between validate and render. Fetched data lives in a committed
cache (``data/arxiv/``), never in the record files people write, and is merged into
the loaded catalogue by :func:`.cache.merge_arxiv_cache` so curated fields always win:

- :mod:`.cache`   read, check, write and merge the per-paper cache files (no network);
- :mod:`.events`  the refresh log ``data/arxiv/events.yaml`` (new versions, venues);
- :mod:`.source`  what a fetcher returns (batches of metadata and named failures);
- :mod:`.arxiv`   the only module that imports ``arxiv``: batched, polite fetching;
- :mod:`.run`     the ``enrich`` procedure: what to ask, what to write, what failed;
- :mod:`.add`     turning fetched metadata into a new record (``longctx add``).

Only :mod:`.arxiv` needs the network; everything else is imported by offline stages.
"""
