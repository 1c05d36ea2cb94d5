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

__all__ = ["COLUMNS", "rows"]

COLUMNS = ("pmid", "doi", "pmcid", "title", "authors", "year", "journal", "journal_abbrev", "volume", "issue",
           "pages", "publication_types", "mesh", "abstract", "seeds", "generation", "path", "retracted", "sources")


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


def rows(selection: Selection) -> Iterator[list[str]]:
    for article in selection.articles:
        yield row(article, selection.provenance_of(article.pmid))
