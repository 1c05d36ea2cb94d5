"""An article's ids and reference list, and which references each in-text citation names.

:func:`article_ids` and :func:`reference_list` read the article's front matter and back
matter; an id that is not one is "" (never guessed). :func:`citations_in` finds the
bibliographic ``xref`` elements of a part of the article, and :func:`expand_ranges` gives a
range its references: a ``rid`` list ("R3 R4") names one reference per id, and a range, two
citations joined by a dash (``<xref rid="R3">3</xref>–<xref rid="R7">7</xref>``) or one
citation whose text is a range of reference labels ("3–7"), names every reference from the
first to the last in the order of the reference list (at most :data:`MAX_RANGE`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from ..errors import CitegraphError
from ..identifiers import parse_identifier, parse_pmid
from .records import CitedReference
from .text import BLOCKS, plain_text, text_of

__all__ = ["MAX_RANGE", "Citation", "article_ids", "citations_in", "expand_ranges", "pmcid_of", "reference_list"]

_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2212"
_RANGE_GLUE = re.compile(r"^[ \t\r\n]*[\])]?[ \t\r\n]*[" + _DASHES + r"][ \t\r\n]*[\[(]?[ \t\r\n]*$")
_LABEL_RANGE = re.compile(r"^[\[(]?\s*(\w+)\s*[" + _DASHES + r"]\s*(\w+)\s*[\])]?$")
#: references one range may span; a longer "range" is a markup accident
MAX_RANGE = 200


def article_ids(meta) -> tuple[str, str, str]:
    """(pmid, pmcid, doi) of an ``article-meta`` element (None gives three ""), the first of
    each kind; a value that is no such id is ""."""
    pmid = pmcid = doi = ""
    if meta is None:
        return pmid, pmcid, doi
    for node in meta.iterchildren("article-id"):
        kind = node.get("pub-id-type")
        text = plain_text(text_of(node))
        if kind == "pmid" and not pmid:
            pmid = _pmid(text)
        elif kind in ("pmc", "pmcid") and not pmcid:
            pmcid = pmcid_of(text)
        elif kind == "doi" and not doi:
            doi = _doi(text)
    return pmid, pmcid, doi


def reference_list(article) -> tuple[CitedReference, ...]:
    """Every ``ref`` with an ``id`` in the article, in document order, with its label and its
    first PMID and DOI ("" when it has none)."""
    refs = []
    for ref in article.iter("ref"):
        ref_id = ref.get("id")
        if not ref_id:
            continue
        label = ref.find("label")
        pmid = doi = ""
        for node in ref.iter("pub-id", "ext-link"):
            if node.tag == "pub-id":
                kind = node.get("pub-id-type")
            else:
                kind = "pmid" if node.get("ext-link-type") == "pubmed" else None
            if kind == "pmid" and not pmid:
                pmid = _pmid(plain_text(text_of(node)))
            elif kind == "doi" and not doi:
                doi = _doi(plain_text(text_of(node)))
        refs.append(CitedReference(ref_id, plain_text(text_of(label)) if label is not None else "", pmid, doi))
    return tuple(refs)


def _pmid(text: str) -> str:
    try:
        return parse_pmid(text)
    except CitegraphError:
        return ""


def pmcid_of(text: str) -> str:
    """"PMC" and the number of a PMC id ("PMC123" or "123"), or "" when ``text`` is none."""
    digits = text[3:] if text[:3].upper() == "PMC" else text
    return f"PMC{int(digits)}" if digits.isascii() and digits.isdigit() and 0 < len(digits) <= 9 else ""


def _doi(text: str) -> str:
    try:
        ident = parse_identifier(text)
    except CitegraphError:
        return ""
    return ident.value if ident.kind == "doi" else ""


@dataclass(slots=True)
class Citation:
    """One ``xref`` naming references, with the references it stands for."""

    xref: object
    ref_ids: list[str]
    # the citation that ends the range this one opens: its span extends to that one's end
    range_end: object = None


def citations_in(part, by_id: dict) -> Iterator[Citation]:
    """The part's bibliographic ``xref``s in document order: ``ref-type="bibr"``, or no
    ``ref-type`` and every ``rid`` naming a reference."""
    for xref in part.iter("xref"):
        kind = xref.get("ref-type")
        ids = list(dict.fromkeys((xref.get("rid") or "").split()))
        if not ids:
            continue
        if kind == "bibr" or (kind is None and all(i in by_id for i in ids)):
            yield Citation(xref, ids)


def expand_ranges(citations: list[Citation], references, order: dict, by_label: dict) -> None:
    """Give each range opener the references up to the range's end (in reference-list order).

    A range is two single-reference citations joined by nothing but a dash (brackets around
    either allowed), or one single-reference citation whose text is "3–7" where 3 is its
    reference's label and 7 another's.
    """
    following = {id(c.xref): citations[at + 1] for at, c in enumerate(citations[:-1])}
    for citation in citations:
        if len(citation.ref_ids) != 1:
            continue
        first = order.get(citation.ref_ids[0])
        if first is None:
            continue
        nxt = following.get(id(citation.xref))
        partner = _range_partner(citation.xref)
        if nxt is not None and partner is nxt.xref and len(nxt.ref_ids) == 1:
            last = order.get(nxt.ref_ids[0])
            if last is not None and first < last <= first + MAX_RANGE:
                citation.ref_ids += [ref.ref_id for ref in references[first + 1:last]]
                citation.range_end = nxt.xref
            continue
        match = _LABEL_RANGE.match(plain_text(text_of(citation.xref)))
        if match and references[first].label.strip("[]() .") == match.group(1):
            last = by_label.get(match.group(2))
            if last is None:
                last = by_label.get(f"[{match.group(2)}]")
            if last is not None and first < last <= first + MAX_RANGE:
                citation.ref_ids += [ref.ref_id for ref in references[first + 1:last + 1]]


def _range_partner(xref):
    """The ``xref`` a dash after this one leads to, or None.

    The dash is this xref's tail, or the tail of an inline wrapper (``sup``...) holding only
    this xref; the partner is the next sibling, or the only xref of the next wrapper.
    """
    node = xref
    while (node.tail is None or not node.tail.strip()) and node.getnext() is None:
        parent = node.getparent()
        if parent is None or parent.tag in BLOCKS or len(parent) != 1 or (parent.text or "").strip():
            return None
        node = parent
    if not node.tail or not _RANGE_GLUE.match(node.tail):
        return None
    nxt = node.getnext()
    while nxt is not None and nxt.tag != "xref":
        if len(nxt) != 1 or (nxt.text or "").strip() or nxt.tag in BLOCKS:
            return None
        nxt = nxt[0]
    return nxt
