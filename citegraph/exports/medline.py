"""MEDLINE / PubMed ``.nbib``: the tagged layout PubMed's "Send to: Citation manager" writes.

Each record is a block of ``TAG - value`` lines (tag left-aligned in four columns), records
separated by a blank line; long values wrap onto continuation lines indented by six spaces,
broken only at single spaces so that a reader joining them with one space (``Bio.Medline``,
EndNote, Zotero) gets the value back. Tags: PMID, OWN, DP, TI, PG, LID (DOI), AB, FAU/AU,
LA, PT, TA, JT, VI, IP, MH, PMC, RIN (retraction in: the notice's PMID, as PubMed writes it),
AID (DOI), SO, and GN (general note) holding the provenance.
Values are single lines (:func:`~citegraph.exports.fields.flat`).
"""

from __future__ import annotations

from typing import IO, Iterator

from ..models import Article
from .fields import author_names, flat, provenance_note
from .selection import Provenance, Selection

__all__ = ["medline_lines", "write_medline"]

_WIDTH = 88


def _wrap(tag: str, value: str) -> Iterator[str]:
    head = f"{tag:<4}- "
    value = flat(value)
    lines: list[str] = []
    while len(value) > _WIDTH - 6:
        cut = value.rfind(" ", 0, _WIDTH - 6)
        # break only at one space between two non-spaces: joining with " " restores it
        while cut > 0 and (value[cut - 1] == " " or value[cut + 1] == " "):
            cut = value.rfind(" ", 0, cut - 1) if cut > 1 else -1
        if cut <= 0:
            break
        lines.append(value[:cut])
        value = value[cut + 1:]
    lines.append(value)
    yield head + lines[0]
    for line in lines[1:]:
        yield "      " + line


def medline_lines(article: Article, prov: Provenance) -> Iterator[str]:
    yield from _wrap("PMID", article.pmid)
    yield from _wrap("OWN", "NLM")
    if article.pub_date or article.year is not None:
        yield from _wrap("DP", article.pub_date or str(article.year))
    if flat(article.title):
        yield from _wrap("TI", article.title)
    if flat(article.pages):
        yield from _wrap("PG", article.pages)
    if flat(article.doi):
        yield from _wrap("LID", f"{flat(article.doi)} [doi]")
    if flat(article.abstract):
        yield from _wrap("AB", article.abstract)
    for author in article.authors:
        family, given = (flat(n) for n in author_names(author))
        if author.collective_name:
            yield from _wrap("CN", family)
            continue
        yield from _wrap("FAU", f"{family}, {given}" if given else family)
        short = " ".join(p for p in (family, flat(author.initials)) if p)
        yield from _wrap("AU", f"{short} {flat(author.suffix)}".strip())
    if flat(article.language):
        yield from _wrap("LA", article.language)
    for kind in article.publication_types:
        if flat(kind):
            yield from _wrap("PT", kind)
    if flat(article.journal_abbrev):
        yield from _wrap("TA", article.journal_abbrev)
    if flat(article.journal):
        yield from _wrap("JT", article.journal)
    if flat(article.volume):
        yield from _wrap("VI", article.volume)
    if flat(article.issue):
        yield from _wrap("IP", article.issue)
    for heading in article.mesh:
        name = flat(heading.descriptor)
        if not name:
            continue
        name = ("*" if heading.major else "") + name
        yield from _wrap("MH", "/".join([name, *(flat(q) for q in heading.qualifiers)]))
    if flat(article.pmcid):
        yield from _wrap("PMC", article.pmcid)
    for cc in article.comments_corrections:
        if cc.ref_type == "RetractionIn":
            yield from _wrap("RIN", " ".join(p for p in (flat(cc.source), f"PMID: {flat(cc.pmid)}" if flat(cc.pmid)
                                                         else "") if p) or "Retracted publication")
    if flat(article.doi):
        yield from _wrap("AID", f"{flat(article.doi)} [doi]")
    source = flat(article.journal_abbrev)
    if article.pub_date or article.year is not None:
        source += f". {flat(article.pub_date) or article.year}"
    if flat(article.volume):
        source += f";{flat(article.volume)}" + (f"({flat(article.issue)})" if flat(article.issue) else "")
    if flat(article.pages):
        source += f":{flat(article.pages)}"
    yield from _wrap("SO", source + ".")
    note = provenance_note(prov)
    if note:
        yield from _wrap("GN", note)


def write_medline(selection: Selection, stream: IO[str]) -> int:
    for index, article in enumerate(selection.articles):
        if index:
            stream.write("\n")
        for line in medline_lines(article, selection.provenance_of(article.pmid)):
            stream.write(line + "\n")
    return len(selection.articles)
