"""Field helpers shared by the record formats: flat text, names, pages, provenance.

Records keep text exactly as PubMed gives it; line-based formats (RIS, MEDLINE, VOSviewer,
Pajek) cannot hold a line break or a control character inside a value, and XML 1.0 cannot
hold most C0 controls at all. :func:`flat` makes such text one safe line: every C0/C1 control
character (line breaks and tabs included) and the Unicode line/paragraph separators, in runs,
become one space, and the ends are trimmed. Other characters (non-ASCII names,
right-to-left marks) are kept as they are.
"""

from __future__ import annotations

import re

from ..models import Article, Author
from .selection import Provenance

__all__ = ["flat", "xml_safe", "author_names", "first_last_page", "provenance_note", "pubmed_url",
           "CSV_FORMULA_PREFIXES", "neutralise_formula"]

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
# characters XML 1.0 cannot carry, even escaped
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

#: a spreadsheet reads a cell starting with one of these as a formula (or DDE command)
CSV_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def flat(text: str | None) -> str:
    """One line of plain text (see the module docstring)."""
    if not text:
        return ""
    return _CONTROL.sub(" ", text).strip()


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


def article_year(article: Article) -> str:
    return str(article.year) if article.year is not None else ""
