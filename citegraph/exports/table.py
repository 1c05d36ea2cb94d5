"""The columns shared by the spreadsheet formats (csv, xlsx): one row per article.

Every text cell is one line through :func:`~citegraph.exports.fields.flat` (no control or
bidi character). ``retracted`` is ``yes`` for a paper whose record says it is retracted
(publication type "Retracted Publication" or a RetractionIn notice), ``no`` otherwise.
``sources``: the sources that found the paper (:attr:`Provenance.sources`), space-separated.
"""

from __future__ import annotations

from typing import Iterator

from ..models import Article
from .fields import article_year, flat
from .selection import Provenance, Selection

__all__ = ["COLUMNS", "CONTEXT_COLUMNS", "CONTEXT_SHEET_COLUMNS", "columns", "rows", "context_rows"]

COLUMNS = ("pmid", "doi", "pmcid", "title", "authors", "year", "journal", "journal_abbrev", "volume", "issue",
           "pages", "publication_types", "mesh", "abstract", "seeds", "generation", "path", "retracted", "sources")
#: added with ``--contexts``: in-text citations of the paper in stored full text, and their
#: sentences as "[citing PMID, section] sentence" joined with " | "
CONTEXT_COLUMNS = ("mentions", "contexts")
#: one row per citing sentence (xlsx sheet "contexts")
CONTEXT_SHEET_COLUMNS = ("citing", "cited", "year", "section", "sentence", "in_caption")


def row(article: Article, prov: Provenance) -> list[str]:
    """Cells as text; lists joined with '; ' (authors as 'Rosenberg SA'), path with ' > '."""
    cells = [
        article.pmid, article.doi or "", article.pmcid or "", article.title,
        "; ".join(flat(a.display_name) for a in article.authors), article_year(article), article.journal,
        article.journal_abbrev, article.volume, article.issue, article.pages,
        "; ".join(flat(t) for t in article.publication_types), "; ".join(flat(m.descriptor) for m in article.mesh),
        article.abstract, " ".join(prov.seeds), "" if prov.generation is None else str(prov.generation),
        " > ".join(prov.path), "yes" if article.is_retracted else "no", " ".join(prov.sources),
    ]
    return [flat(c) for c in cells]


def columns(selection: Selection) -> tuple[str, ...]:
    """The header: :data:`COLUMNS`, then :data:`CONTEXT_COLUMNS` when the selection has contexts."""
    return COLUMNS + (CONTEXT_COLUMNS if selection.contexts is not None else ())


def rows(selection: Selection) -> Iterator[list[str]]:
    with_contexts = selection.contexts is not None
    for article in selection.articles:
        cells = row(article, selection.provenance_of(article.pmid))
        if with_contexts:
            items = selection.contexts_of(article.pmid)
            cells += [str(len(items)),
                      " | ".join(flat(f"[{c['citing']}, {c['section']}] {c['sentence']}") for c in items)]
        yield cells


def context_rows(selection: Selection) -> Iterator[list[str]]:
    """One row of :data:`CONTEXT_SHEET_COLUMNS` per citing sentence of a selected paper."""
    for article in selection.articles:
        for c in selection.contexts_of(article.pmid):
            yield [flat(str(c["citing"])), flat(str(c["cited"])), "" if c["year"] is None else str(c["year"]),
                   flat(c["section"]), flat(c["sentence"]), "yes" if c["in_caption"] else "no"]
