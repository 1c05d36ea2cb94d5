"""An answer of the local E-utilities endpoints (see :mod:`citegraph.testing.endpoints`)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Reply", "XML"]

#: the content type of the XML answers
XML = "text/xml; charset=UTF-8"


@dataclass
class Reply:
    status: int
    body: bytes
    content_type: str = XML
    #: records, LinkSets or Ids in the answer (for ``per_record_ms``)
    items: int = 0
    #: True when ``drop`` removed an item (the answer had at least two)
    shortened: bool = False
