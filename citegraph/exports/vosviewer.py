"""VOSviewer map and network files (tab-separated text, as VOSviewer's manual describes).

The map file has a header ``id label description url weight<Citations> score<Year>
score<Generation>`` and one row per node: id a running number, label "Rosenberg 1987",
description HTML (VOSviewer shows it as such: title, journal, PMID and, for a retracted
paper, "Retracted publication"; HTML-escaped), url the PubMed page, weights the
in-selection citation count, scores the year and the generation. The network file has one
row ``id1 id2 strength`` per citing -> cited pair, no header. Text goes through
:func:`~citegraph.exports.fields.flat` (no tab, line break, control or bidi character).
"""

from __future__ import annotations

import html
from typing import IO

from .fields import flat, pubmed_url, retraction_note
from .graphs import _label
from .selection import Selection

__all__ = ["write_vosviewer", "MAP_COLUMNS"]

MAP_COLUMNS = ("id", "label", "description", "url", "weight<Citations>", "score<Year>", "score<Generation>")


def write_vosviewer(selection: Selection, map_stream: IO[str], network_stream: IO[str]) -> int:
    edges = selection.distinct_edges()
    cited_count: dict[str, int] = {}
    for _citing, cited in edges:
        cited_count[cited] = cited_count.get(cited, 0) + 1
    ids: dict[str, int] = {}
    map_stream.write("\t".join(MAP_COLUMNS) + "\n")
    for article in selection.articles:
        ids[article.pmid] = len(ids) + 1
        prov = selection.provenance_of(article.pmid)
        description = "<br>".join(html.escape(flat(p)) for p in (article.title, article.journal, f"PMID {article.pmid}",
                                                                  retraction_note(article)) if flat(p))
        cells = [str(ids[article.pmid]), flat(_label(article)), description, pubmed_url(article.pmid),
                 str(cited_count.get(article.pmid, 0)), str(article.year or ""),
                 "" if prov.generation is None else str(prov.generation)]
        map_stream.write("\t".join(cells) + "\n")
    for pmid in selection.unstored_seeds:
        ids[pmid] = len(ids) + 1
        cells = [str(ids[pmid]), pmid, html.escape(f"PMID {pmid} (no stored record)"), pubmed_url(pmid),
                 str(cited_count.get(pmid, 0)), "", "0"]
        map_stream.write("\t".join(cells) + "\n")
    for citing, cited in edges:
        network_stream.write(f"{ids[citing]}\t{ids[cited]}\t1\n")
    return len(ids)
