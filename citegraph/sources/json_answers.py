"""What the readers of the JSON citation sources (iCite, Europe PMC, OpenCitations) share.

No I/O here: bytes in, plain values out.

- :func:`read_json`: an answer's bytes as Python values; bytes that are not complete JSON
  (cut short, not UTF-8, not JSON at all) raise a transient
  :class:`~citegraph.errors.ResponseError`, so the client asks again.
- :func:`pmid_of`: a PMID sent by a service (a JSON number or a string of digits) through
  the project's one PMID rule, as an ``int``, or None; :func:`clean_pmids` for the PMIDs a
  caller asks about.
- :class:`ExternalId` and :class:`CitationLink`: a paper as a source names it (PMID, DOI, the
  source's own id) and one citing -> cited pair.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterable

from ..errors import InputError, ResponseError
from ..identifiers import parse_pmid

__all__ = ["read_json", "pmid_of", "clean_pmids", "ExternalId", "CitationLink"]


def read_json(body: bytes, endpoint: str) -> Any:
    """``body`` decoded as JSON; a transient :class:`ResponseError` naming ``endpoint`` if it
    is not a complete JSON document."""
    try:
        return json.loads(body)
    except json.JSONDecodeError as exc:
        raise ResponseError(f"{endpoint}: truncated or malformed JSON (at byte {exc.pos} of {len(body)})",
                            transient=True) from None
    except (ValueError, RecursionError):  # not UTF-8/16/32, or nested beyond reason
        raise ResponseError(f"{endpoint}: the answer is not readable JSON", transient=True) from None


def pmid_of(value: object) -> int | None:
    """``value`` as a PMID when it is one by :func:`citegraph.identifiers.parse_pmid`'s rule
    (a whole number in 1..99,999,999, given as a JSON number or a string of ASCII digits);
    None for anything else (null, booleans, fractions, text, out of range)."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        return None
    text = str(value)
    if not text.strip().isdigit():  # parse_pmid also takes a "pmid:" prefix; an answer's value may not
        return None
    try:
        return int(parse_pmid(text))
    except InputError:
        return None


def clean_pmids(pmids: Iterable[int | str] | int | str, what: str) -> list[int]:
    """Distinct PMIDs as ints, in order (one PMID alone is a list of one); anything that is
    not a PMID raises :class:`~citegraph.errors.InputError` naming ``what`` asked."""
    if isinstance(pmids, (str, int)):
        pmids = [pmids]
    ids: dict[int, None] = {}
    bad = []
    for value in pmids:
        pmid = pmid_of(value.strip() if isinstance(value, str) else value)
        if pmid is None:
            bad.append(value)
        else:
            ids[pmid] = None
    if bad:
        raise InputError(f"{what}: not PubMed ids: {', '.join(repr(b)[:40] for b in bad[:5])}")
    return list(ids)


@dataclass(frozen=True)
class ExternalId:
    """A paper as a citation source names it: its PMID and DOI when the source gives them, and
    the source's own id (``"PPR:PPR123456"`` for a Europe PMC preprint, ``"MED:12345"`` for a
    Europe PMC PubMed record, ``"omid:br/06101801781"`` for OpenCitations).

    A paper without a PMID is still a paper (a preprint, a book, a record PubMed lacks): it is
    kept, named by its DOI or the source's id (:attr:`key`).
    """

    pmid: int | None = None
    doi: str | None = None
    source_id: str | None = None

    @property
    def key(self) -> str:
        """One name for the paper: ``"pmid:N"``, else ``"doi:<DOI in lower case>"``, else the
        source's own id (``""`` when there is none of them)."""
        if self.pmid is not None:
            return f"pmid:{self.pmid}"
        if self.doi:
            return f"doi:{self.doi.lower()}"
        return self.source_id or ""


@dataclass(frozen=True)
class CitationLink:
    """``citing`` cites ``cited``."""

    citing: ExternalId
    cited: ExternalId
