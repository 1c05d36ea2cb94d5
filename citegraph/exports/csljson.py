"""CSL-JSON: the citation data format of citeproc, Zotero, Pandoc and Mendeley.

A JSON array of ``article-journal`` items: id (the PMID), PMID, PMCID, DOI, URL, title,
author (family/given, or literal for a group), container-title, container-title-short,
volume, issue, page, issued (date-parts), abstract, keyword (MeSH, comma-separated),
language, note (the retraction and the provenance in words) and ``custom.citegraph``
(``seeds``, ``generation``, ``path``, ``retracted``). Text is one line without control or bidi
characters (:func:`~citegraph.exports.fields.flat`): the file holds them raw
(``ensure_ascii=False``).
"""

from __future__ import annotations

import json
from typing import IO

from ..models import Article
from .fields import author_names, flat, notes, pubmed_url
from .selection import Provenance, Selection

__all__ = ["csl_item", "write_csljson"]


def csl_item(article: Article, prov: Provenance) -> dict:
    item: dict = {"id": article.pmid, "type": "article-journal", "PMID": article.pmid, "title": flat(article.title)}
    authors = []
    for author in article.authors:
        family, given = (flat(n) for n in author_names(author))
        if author.collective_name:
            authors.append({"literal": family})
        else:
            authors.append({"family": family, "given": given} if given else {"family": family})
    if authors:
        item["author"] = authors
    optional = {
        "PMCID": article.pmcid, "DOI": article.doi, "container-title": article.journal,
        "container-title-short": article.journal_abbrev, "volume": article.volume, "issue": article.issue,
        "page": article.pages, "abstract": article.abstract, "language": article.language,
        "keyword": ", ".join(m.descriptor for m in article.mesh),
    }
    item.update({k: flat(v) for k, v in optional.items() if flat(v)})
    if article.year is not None:
        item["issued"] = {"date-parts": [[article.year]]}
    item["URL"] = pubmed_url(article.pmid)
    note = "; ".join(notes(article, prov))
    if note:
        item["note"] = note
    if prov.known or article.is_retracted:
        item["custom"] = {"citegraph": {"seeds": list(prov.seeds), "generation": prov.generation,
                                        "path": list(prov.path), "retracted": article.is_retracted}}
    return item


def write_csljson(selection: Selection, stream: IO[str]) -> int:
    items = [csl_item(a, selection.provenance_of(a.pmid)) for a in selection.articles]
    json.dump(items, stream, ensure_ascii=False, indent=1)
    stream.write("\n")
    return len(items)
