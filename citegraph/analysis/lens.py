"""Topic lenses: a small TOML file mapping topic names to MeSH descriptors and title/abstract
patterns, so a user can see when each line of work appears among a seed's descendants and
through which papers it descends from the seed.

The format (see the default ``citegraph/lenses/cell-therapy.toml``)::

    name = "my-lens"
    [[topic]]
    key = "car-t"                      # short id (defaults to the name)
    name = "CAR-T cells"
    mesh = ["D000076962", "Receptors, Chimeric Antigen"]   # UI or descriptor name
    patterns = ['chimeric antigen receptor']             # regex, case-insensitive
    exact_patterns = ['\\bCAR-T\\b']                     # regex, case-sensitive
    exclude_patterns = ['\\bcar (?:seats?|drivers?)\\b']        # regex, case-insensitive
    exact_exclude_patterns = []                          # regex, case-sensitive

A paper belongs to a topic when any of its MeSH descriptors matches, or any pattern matches
and no exclusion does (the exclusions are optional).

The lens's rules are read by :mod:`.lens_rules`; :func:`classify` tests one paper after
another, :func:`classify_many` (:mod:`.lens_batch`) many at once with the same answers, and
:mod:`.lens_store` classifies the stored records, in two processes when they are many. This
module also summarises the topics among a seed's descendants (:func:`topic_summary`).
"""

from __future__ import annotations

from typing import Iterable, Mapping

import numpy as np

from .csr import CitationGraph, bfs
from .lens_batch import classify_many, topic_masks, topics_by_paper
from .lens_rules import DEFAULT_LENS, Lens, Topic, lens_file, load_lens, parse_lens
from .paths import why
from .selection import PaperMeta

__all__ = ["Topic", "Lens", "DEFAULT_LENS", "parse_lens", "load_lens", "lens_file", "classify", "classify_many", "topic_masks",
           "topics_by_paper", "topic_summary"]

def classify(lens: Lens, graph: CitationGraph, meta: Mapping[str, PaperMeta],
             nodes: Iterable[str] | None = None) -> dict[str, list[str]]:
    """{pmid: [topic keys]} for the papers (default: all of ``graph``) in at least one topic."""
    empty = PaperMeta()
    found: dict[str, list[str]] = {}
    for node in graph.nodes if nodes is None else nodes:
        title = graph.nodes[node].get("title") or ""
        info = meta.get(node, empty)
        lowered = f"{title}\n{info.abstract}".lower() if info.abstract else title.lower()
        keys = [t.key for t in lens.topics if t.matches(title, info, lowered)]
        if keys:
            found[node] = keys
    return found



def topic_summary(graph: CitationGraph, seed: str, lens: Lens, topics_of: Mapping[str, Iterable[str]]) -> list[dict]:
    """Per lens topic, among the seed's descendants: how many papers, first and peak year, the
    earliest and the most cited paper, and the citation chain from the seed to the earliest.

    Rows: ``{"key", "name", "papers", "first_year", "peak_year", "earliest": pmid | None,
    "most_cited": {"pmid", "citations"} | None, "path_to_earliest": [seed, ..., earliest]}``.
    Earliest: lowest year, then lowest generation, then lowest PMID; most cited: in-graph
    citations, then earliest year, then lowest PMID; peak year: most papers, earliest on a tie.
    """
    return _topic_summary(graph, seed, lens, topics_of)


def _indices_in(graph: CitationGraph, pmids: list[str]) -> dict[str, int]:
    """{pmid: node index} of those of ``pmids`` that are in ``graph`` (one search of the sorted
    PMIDs for all of them)."""
    try:
        wanted = np.fromiter(map(int, pmids), dtype=np.int64, count=len(pmids))
    except (TypeError, ValueError, OverflowError):
        tagged = [n for n in pmids if n in graph]
        return dict(zip(tagged, graph.indices(tagged).tolist()))
    if graph.n == 0:
        return {}
    pos = np.minimum(np.searchsorted(graph.ids, wanted), graph.n - 1)
    hit = graph.ids[pos] == wanted
    return {p: i for p, i, ok in zip(pmids, pos.tolist(), hit.tolist()) if ok}


def _topic_summary(graph: CitationGraph, seed: str, lens: Lens, topics_of: Mapping[str, Iterable[str]]
                   ) -> list[dict]:
    """:func:`topic_summary`'s orderings as sorts of index arrays (index order is PMID order;
    undated papers count as year 10,000)."""
    from .selection import require_node

    require_node(graph, seed, "seed")
    dist = bfs([(graph.in_ptr, graph.in_idx)], graph.n, graph.indices([seed]))[0]
    index = _indices_in(graph, list(topics_of))
    in_topic: dict[str, list[int]] = {t.key: [] for t in lens.topics}
    descends = (dist > 0).tolist()  # a list: no numpy scalar per paper
    for n, i in index.items():
        if descends[i]:
            for key in topics_of[n]:
                if key in in_topic:
                    in_topic[key].append(i)
    year = np.where(graph.year > 0, graph.year, 10_000)
    counts = graph.in_degrees()
    rows = []
    for topic in lens.topics:
        m = np.array(sorted(in_topic[topic.key]), dtype=np.int64)
        row = {"key": topic.key, "name": topic.name, "papers": len(m), "first_year": None, "peak_year": None,
               "earliest": None, "most_cited": None, "path_to_earliest": []}
        if len(m):
            earliest = int(m[np.lexsort((m, dist[m], year[m]))[0]])
            top = int(m[np.lexsort((m, year[m], -counts[m]))[0]])
            dated = graph.year[m][graph.year[m] > 0]
            years, per_year = np.unique(dated, return_counts=True)
            (earliest_name, top_name) = graph.names([earliest, top])
            chains = why(graph, earliest_name, seed, limit=1)["paths"]
            row.update(first_year=int(years[0]) if len(years) else None,
                       peak_year=int(years[int(np.argmax(per_year))]) if len(years) else None,
                       earliest=earliest_name, most_cited={"pmid": top_name, "citations": int(counts[top])},
                       path_to_earliest=chains[0] if chains else [])
        rows.append(row)
    return rows
