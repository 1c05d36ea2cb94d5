"""Field helpers shared by the record formats: flat text, names, pages, provenance.

Records keep text exactly as PubMed gives it. Every export format except JSON Lines (whose
JSON escapes keep the file free of them and which is the lossless machine interface) writes
text through :func:`flat`, the one place that makes stored text safe to write: every C0/C1
control character (line breaks and tabs included; C1 holds the terminal's CSI, OSC and ST)
and the Unicode line/paragraph separators, in runs, become one space; the bidirectional
formatting characters (embeddings and overrides U+202A-U+202E, isolates U+2066-U+2069, the
marks U+200E, U+200F and U+061C), which can make a line read other than it is, are dropped;
the ends are trimmed. Every other character (accents, Greek, CJK, Hebrew, Arabic) is kept.
Line-based formats (RIS, MEDLINE, VOSviewer, Pajek) thus never see a line break inside a
value, a terminal printing any export runs no escape sequence, and XML gets no C0 control.
"""

from __future__ import annotations

import re

from ..models import Article, Author
from .selection import Provenance

__all__ = ["flat", "xml_safe", "author_names", "first_last_page", "provenance_note", "pubmed_url",
           "retraction_note", "sources_note", "CSV_FORMULA_PREFIXES", "neutralise_formula"]

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# characters XML 1.0 cannot carry, even escaped
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

#: a spreadsheet reads a cell starting with one of these as a formula (or DDE command)
CSV_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def flat(text: str | None) -> str:
    """One line of plain text (see the module docstring)."""
    if not text:
        return ""
    return _CONTROL.sub(" ", _BIDI.sub("", text)).strip()


def xml_safe(text: str | None) -> str:
    """Text an XML 1.0 writer can serialise: the characters XML forbids become a space."""
    return _NOT_XML.sub(" ", text or "")


def neutralise_formula(value: str) -> str:
    """A cell a spreadsheet will not evaluate: an apostrophe before a formula prefix."""
    return "'" + value if value.startswith(CSV_FORMULA_PREFIXES) else value


def author_names(author: Author) -> tuple[str, str]:
    """(family, given) of an author; a collective name is all family."""
    if author.collective_name:
        return author.collective_name, ""
    given = author.fore_name or author.initials
    family = author.last_name
    if author.suffix:
        given = f"{given} {author.suffix}".strip()
    return family, given


def first_last_page(pages: str) -> tuple[str, str]:
    """'889-97' -> ('889', '897'): MEDLINE abbreviates the last page; formats want it whole."""
    pages = (pages or "").strip()
    if "-" not in pages:
        return pages, ""
    first, last = (p.strip() for p in pages.split("-", 1))
    if first.isdigit() and last.isdigit() and len(last) < len(first):
        last = first[: len(first) - len(last)] + last
    return first, last


def pubmed_url(pmid: str) -> str:
    return f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/"


def provenance_note(prov: Provenance) -> str:
    """'citegraph: seeds 3493432; generation 2; path 3493432 > 1234 > 5678' (empty if unknown)."""
    if not prov.known:
        return ""
    parts = [f"seeds {' '.join(prov.seeds)}", f"generation {prov.generation}"]
    if prov.path:
        parts.append(f"path {' > '.join(prov.path)}")
    return "citegraph: " + "; ".join(parts)


def retraction_note(article: Article) -> str:
    """'Retracted publication' (and the retraction notices' PMIDs) for a paper whose record says
    it is retracted (:attr:`Article.is_retracted`); empty otherwise."""
    if not article.is_retracted:
        return ""
    notices = [cc.pmid for cc in article.comments_corrections if cc.ref_type == "RetractionIn" and cc.pmid]
    notices = [flat(p) for p in dict.fromkeys(notices) if flat(p)]
    return "Retracted publication" + (f" (retraction notice: PMID {', '.join(notices)})" if notices else "")


def sources_note(prov: Provenance) -> str:
    """'citegraph sources: elink:pubmed_pubmed_citedin icite' (who found the paper, see
    :attr:`Provenance.sources`); empty when none is known."""
    names = [flat(s) for s in prov.sources if flat(s)]
    return "citegraph sources: " + " ".join(names) if names else ""


def notes(article: Article, prov: Provenance) -> list[str]:
    """The free-text notes a record format carries: the retraction first, the sources that
    found the paper, then the provenance."""
    return [n for n in (retraction_note(article), sources_note(prov), provenance_note(prov)) if n]


def article_year(article: Article) -> str:
    return str(article.year) if article.year is not None else ""
