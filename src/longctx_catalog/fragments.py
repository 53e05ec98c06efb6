"""``{% per_record record %}...{% end_per_record %}``: a page's part about one record, kept between builds.

The pages that list every record in full (the timeline's years, the technique table) are
rendered again on every build, though an edit changes one record's row. A template marks
such a row with this tag; while a :class:`.rendermemo.RenderMemo` is active (site builds),
the row's text is taken from the last build when its key is the same: the record (its
``repr``), the page being rendered, where the tag stands (template and line), and what
every fragment may read besides — every template's text, the environment's globals, the
code, and the taxonomy (ids, titles, ancestry and page of every node).

**The contract**: a fragment's body reads only the record, ``page`` (links), the taxonomy
(titles, ``node_url``), ``views.route``/``views.pages`` and the globals. Anything else
(``loop.index``, another record, a count of records) would be kept stale: leave such a
part outside the tag. Without a memo the tag only renders its body.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.parser import Parser

from .markdown import Md

if TYPE_CHECKING:
    from .rendermemo import RenderMemo

_active: RenderMemo | None = None


@contextlib.contextmanager
def kept_in(memo: RenderMemo | None) -> Iterator[None]:
    """Within, fragments are taken from and kept in ``memo`` (None: always rendered)."""
    global _active
    previous, _active = _active, memo
    try:
        yield
    finally:
        _active = previous


class PerRecord(Extension):
    """The ``per_record`` tag (see the module docstring)."""

    tags = frozenset({"per_record"})

    def parse(self, parser: Parser) -> nodes.Node:
        lineno = next(parser.stream).lineno
        record = parser.parse_expression()
        body = parser.parse_statements(("name:end_per_record",), drop_needle=True)
        call = self.call_method("_fragment", [nodes.ContextReference(), record, nodes.Const(parser.name or ""),
                                              nodes.Const(lineno)])
        return nodes.CallBlock(call, [], [], body).set_lineno(lineno)

    def _fragment(self, context: Any, record: Any, template: str, lineno: int, caller: Callable[[], str]) -> Md:
        memo = _active
        if memo is None:
            return Md(caller())
        return Md(memo.fragment((template, str(lineno), str(context.get("page", ""))), record, caller))
