"""RIS (Research Information Systems), written and read with ``rispy``.

One ``TY  - JOUR`` record per article: TI title, AU authors ("Family, Given"), PY year, T2
journal, J2 its abbreviation, VL, IS, SP/EP pages, DO DOI, AN PMID, C2 PMCID, AB abstract,
KW MeSH descriptors, LA language, UR PubMed address, DB PubMed and N1 notes: "Retracted
publication (retraction notice: PMID ...)" for a retracted paper, and the provenance
("citegraph: seeds ...; generation ...; path ..."). RIS is line-based, so every value is one
line (:func:`~citegraph.exports.fields.flat`): a line break can never start a forged tag
such as ``ER  -``; text like ``ER  -`` inside a line stays text.
"""

from __future__ import annotations

from typing import IO

import rispy
from rispy.writer import RisWriter

from ..models import Article
from .fields import article_year, author_names, first_last_page, flat, notes, pubmed_url
from .selection import Provenance, Selection

__all__ = ["write_ris", "ris_entry"]


def ris_entry(article: Article, prov: Provenance) -> dict:
    first, last = first_last_page(article.pages)
    entry: dict = {"type_of_reference": "JOUR", "title": flat(article.title)}
    authors = []
    for author in article.authors:
        family, given = (flat(n) for n in author_names(author))
        authors.append(f"{family}, {given}" if given else family)
    if authors:
        entry["authors"] = authors
    optional = {
        "year": article_year(article), "secondary_title": flat(article.journal),
        "alternate_title1": flat(article.journal_abbrev), "volume": flat(article.volume),
        "number": flat(article.issue), "start_page": flat(first), "end_page": flat(last),
        "doi": flat(article.doi), "accession_number": article.pmid, "custom2": flat(article.pmcid),
        "abstract": flat(article.abstract), "language": flat(article.language),
    }
    entry.update({k: v for k, v in optional.items() if v})
    keywords = [flat(m.descriptor) for m in article.mesh if flat(m.descriptor)]
    if keywords:
        entry["keywords"] = keywords
    entry["urls"] = [pubmed_url(article.pmid)]
    entry["name_of_database"] = "PubMed"
    if notes(article, prov):
        entry["notes"] = notes(article, prov)
    return entry


class _Writer(RisWriter):
    """rispy's writer without its "1." counter line before each record (not part of RIS)."""

    def set_header(self, count: int) -> str:
        return ""


def write_ris(selection: Selection, stream: IO[str]) -> int:
    entries = [ris_entry(a, selection.provenance_of(a.pmid)) for a in selection.articles]
    rispy.dump(entries, stream, implementation=_Writer)
    return len(entries)
