"""What reading a PubMed document gives besides articles: the records left out
(:class:`SkippedRecord`), their places in the whole document (:class:`Placement`), a list of
records that carries them (:class:`Records`), and how a place is said in messages."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from lxml import etree

from ..identifiers import pmid_or_none
from ..models import DeletedCitations
from .text import not_a_pmid

__all__ = ["ROOT_TAGS", "Placement", "Records", "SkippedRecord", "deleted_citations", "said_of_the_whole",
           "serialize", "where"]

#: the root elements of a PubMed document
ROOT_TAGS = frozenset({"PubmedArticleSet", "PubmedBookArticleSet"})


@dataclass(frozen=True, slots=True)
class SkippedRecord:
    """A record of well-formed XML that cannot be stored (no PMID, or one that is not a PubMed
    id), or a ``DeleteCitation`` PMID that is not one: left out, the rest is read on.

    ``position`` counts the document's article records (``PubmedArticle`` and
    ``PubmedBookArticle``) from 1; it is 0 for a ``DeleteCitation`` entry. ``after`` is the
    PMID of the last record read before it ("" when there is none).
    """

    position: int
    after: str
    reason: str

    def __str__(self) -> str:
        what = f"record {self.position}" if self.position else "a DeleteCitation entry"
        return f"{what} ({where(self.after)}) left out: {self.reason}"


class Placement:
    """Places what a part of a document (a piece of a file, a part of an answer) says in the
    whole: give it the parts in order (:meth:`place`)."""

    def __init__(self) -> None:
        self.position = 0  # article records in the parts so far
        self.after = ""  # the PMID of the last record read in them

    def place(self, skipped: Iterable[SkippedRecord], records: int, last_pmid: str) -> list[SkippedRecord]:
        """The next part's skipped records, their positions and ``after`` as in the whole;
        ``records`` and ``last_pmid``: the records read in that part and the last one's PMID."""
        placed = [SkippedRecord(s.position and s.position + self.position, s.after or self.after, s.reason)
                  for s in skipped]
        self.position += records + sum(1 for s in placed if s.position)
        self.after = last_pmid or self.after
        return placed


class Records(list):
    """A list of records, with ``skipped``: the :class:`SkippedRecord` of each one left out."""

    def __init__(self, items: Iterable = (), skipped: Iterable[SkippedRecord] = ()) -> None:
        super().__init__(items)
        self.skipped: list[SkippedRecord] = list(skipped)

    @classmethod
    def joined(cls, parts: Iterable[list]) -> "Records":
        """The records (or anything with a ``pmid``) of consecutive parts of one document as
        those of the whole: the positions of skipped records count from its start."""
        whole = cls()
        placement = Placement()
        for part in parts:
            whole.extend(part)
            last = getattr(part[-1], "pmid", "") if part else ""
            whole.skipped.extend(placement.place(getattr(part, "skipped", ()), len(part), last))
        return whole


def deleted_citations(elem, last_pmid: str) -> list[DeletedCitations | SkippedRecord]:
    """A ``DeleteCitation`` element's PMIDs, and a :class:`SkippedRecord` for each that is none;
    ``last_pmid``: the PMID of the last record read before it."""
    pmids: list[str] = []
    bad: list[SkippedRecord] = []
    for node in elem.iterchildren("PMID"):
        if not node.text:
            continue
        pmid = pmid_or_none(node.text)
        if pmid is None:
            bad.append(SkippedRecord(0, last_pmid, not_a_pmid(node.text)))
        else:
            pmids.append(pmid)
    return ([DeletedCitations(pmids)] if pmids or not bad else []) + bad


def serialize(elem) -> bytes:
    """A record element as UTF-8 XML on its own (its tail left out)."""
    return etree.tostring(elem, encoding="utf-8", with_tail=False)


def where(last_pmid: str) -> str:
    """The place after the record with PMID ``last_pmid`` ("" : before the first record)."""
    return f"after PMID {last_pmid}" if last_pmid else "before the first record"


def said_of_the_whole(message: str, after: str) -> str:
    """A :class:`~citegraph.errors.ParseError` message of the PubMed reader about a piece of a
    document (a run of its records, see :mod:`citegraph.pubmed.pieces`) in which no record was
    read, said of the whole document: ``after`` is the PMID of the last record before the
    piece ("" if none)."""
    return message.replace(where(""), where(after), 1) if after else message
