"""What a metadata source hands back, independent of how it fetches (see :mod:`.arxiv`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

from ..model import ArxivMeta


@dataclass(frozen=True)
class Failure:
    """An id we could not get metadata for, and why.

    ``kind`` is ``unknown`` (arXiv has no such paper), ``rejected`` (not an id arXiv
    accepts) or ``fetch`` (no usable answer: network, server or feed trouble).
    """

    arxiv_id: str
    kind: str
    reason: str


@dataclass
class Batch:
    """The outcome for some of the ids asked: metadata found, and the ids that failed."""

    asked: list[str]
    found: dict[str, ArxivMeta] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)


class Source(Protocol):
    def fetch(self, ids: Iterable[str]) -> Iterator[Batch]:
        """Metadata for ``ids``, batch by batch; every id ends up in ``found`` or ``failures`` once."""
        ...
