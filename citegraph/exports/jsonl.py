"""JSON Lines: one object per stored article — a stable machine interface.

Keys (always present, in this order): ``pmid, title, abstract, year, journal, doi, pmcid,
authors, mesh, publication_types, references, retracted``. ``authors`` is a list of objects
(``last_name, fore_name, initials, suffix, collective_name, orcid, affiliations``), ``mesh`` a
list of ``{descriptor, ui, major, qualifiers}``, ``references`` the cited PMIDs as strings,
``retracted`` true when the record says the paper is retracted (publication type "Retracted
Publication" or a RetractionIn notice).
JSON escaping keeps every control character inert.
"""

from __future__ import annotations

import json
from typing import IO, Callable, Iterable

from ..models import Article

__all__ = ["article_record", "write_jsonl", "KEYS"]

KEYS = ("pmid", "title", "abstract", "year", "journal", "doi", "pmcid", "authors", "mesh",
        "publication_types", "references", "retracted")


def article_record(article: Article) -> dict:
    return {
        "pmid": article.pmid,
        "title": article.title,
        "abstract": article.abstract,
        "year": article.year,
        "journal": article.journal,
        "doi": article.doi,
        "pmcid": article.pmcid,
        "authors": [
            {
                "last_name": a.last_name, "fore_name": a.fore_name, "initials": a.initials,
                "suffix": a.suffix, "collective_name": a.collective_name, "orcid": a.orcid,
                "affiliations": list(a.affiliations),
            }
            for a in article.authors
        ],
        "mesh": [
            {"descriptor": m.descriptor, "ui": m.ui, "major": m.major, "qualifiers": list(m.qualifiers)}
            for m in article.mesh
        ],
        "publication_types": list(article.publication_types),
        "references": article.reference_pmids,
        "retracted": article.is_retracted,
    }


def write_jsonl(articles: Iterable[Article], stream: IO[str], *,
                contexts: Callable[[str], list[dict]] | None = None) -> int:
    """Write one line per article; returns the count. With ``contexts`` (pmid -> its citing
    sentences), each record gets a ``contexts`` list."""
    count = 0
    for article in articles:
        record = article_record(article)
        if contexts is not None:
            record["contexts"] = contexts(article.pmid)
        # ensure_ascii keeps U+2028/2029 and friends from splitting lines in naive readers
        stream.write(json.dumps(record, ensure_ascii=True, separators=(",", ":")))
        stream.write("\n")
        count += 1
    return count
