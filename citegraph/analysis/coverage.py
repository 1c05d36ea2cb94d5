"""Which citation source found which papers: the coverage report of ``citegraph coverage``.

:func:`coverage` walks the stored citations from a seed, breadth-first, as a crawl does
(``depth`` generations, ``direction`` cited-by, references or both), and attributes every
citation it follows to the sources that told it (the bits of ``citations.sources``, see
``citegraph.store.migrations.SOURCE_BITS``):

- ``pubmed``: in the cited-by direction, PubMed's cited-by list (elink
  ``pubmed_pubmed_citedin``); in the references direction, elink ``pubmed_pubmed_refs``, the
  reference lists of PubMed records, and imported PubMed files.
- ``icite``, ``europepmc``, ``opencitations``: what that service reported.

A citation known in the cited-by direction only from the citing paper's own reference list
(a record fetched because some source named it as a citing paper) is no source's finding
there and is not followed: it would make PubMed appear to find every citing paper another
source found.

Papers outside PubMed (a preprint, a DOI-only record that Europe PMC or OpenCitations named)
count as papers like any other; they are leaves (never followed further), and
``union.outside_pubmed`` says how many of the papers they are.

No I/O: the edges come from ``edges(pmids, side)``, which returns ``(citing, cited, bits)``
rows (:meth:`citegraph.store.Store.citation_edges`, and :meth:`~citegraph.store.Store.external_edges`
whose papers outside PubMed are str keys).
"""

from __future__ import annotations

from itertools import combinations
from typing import Callable, Iterable, Sequence

from ..store.migrations import SOURCE_BITS

__all__ = ["coverage", "COVERAGE_SOURCES"]

#: source -> (bits telling a citing paper (cited-by direction), bits telling a cited paper)
COVERAGE_SOURCES: dict[str, tuple[int, int]] = {
    "pubmed": (SOURCE_BITS["elink:pubmed_pubmed_citedin"],
               SOURCE_BITS["elink:pubmed_pubmed_refs"] | SOURCE_BITS["pubmed:references"] | SOURCE_BITS["file:"]),
    "icite": (SOURCE_BITS["icite"], SOURCE_BITS["icite"]),
    "europepmc": (SOURCE_BITS["europepmc"], SOURCE_BITS["europepmc"]),
    "opencitations": (SOURCE_BITS["opencitations"], SOURCE_BITS["opencitations"]),
}

Edges = Callable[[Iterable[int], str], Sequence[tuple[int, int, int]]]


def coverage(seed: str | int, edges: Edges, *, depth: int = 1, direction: str = "cited-by") -> dict:
    """The coverage report of ``seed`` (see the module docstring)::

        {"seed", "depth", "direction",
         "sources": {name: {"citations", "papers", "only"}},   # pubmed always, others if they told any
         "union": {"citations", "papers", "outside_pubmed"},
         "overlap": {"pubmed+icite": papers found by both, ...},
         "by_generation": [{"generation": 1, "pubmed": N, "icite": N, ..., "union": N}, ...]}

    ``citations``: the citations followed that the source told; ``papers``: the papers
    (generation 1 and beyond) it named; ``only``: those no other source named.
    """
    if direction not in ("cited-by", "references", "both"):
        raise ValueError(f"direction must be cited-by, references or both, not {direction!r}")
    root = int(seed)
    generation: dict[int, int] = {root: 0}
    told: dict[tuple[int, int], set[str]] = {}  # citation -> sources
    found: dict[str, set[int]] = {name: set() for name in COVERAGE_SOURCES}
    frontier = [root]
    for g in range(depth):
        if not frontier:
            break
        reached: list[int] = []
        walks = []
        if direction in ("cited-by", "both"):
            walks.append(("cited", 0))  # rows whose cited paper is in the frontier: the citing one is new
        if direction in ("references", "both"):
            walks.append(("citing", 1))
        for side, which in walks:
            for citing, cited, bits in edges(frontier, side):
                names = {name for name, masks in COVERAGE_SOURCES.items() if bits & masks[which]}
                if not names:
                    continue
                other = citing if side == "cited" else cited
                told.setdefault((citing, cited), set()).update(names)
                if other not in generation:
                    generation[other] = g + 1
                    if isinstance(other, int):  # a paper outside PubMed (a str key) is a leaf
                        reached.append(other)
                if other != root:
                    for name in names:
                        found[name].add(other)
        frontier = reached
    papers = {p for p, g in generation.items() if g > 0}
    for name in found:
        found[name] &= papers
    shown = [name for name in COVERAGE_SOURCES if name == "pubmed" or found[name]]
    sources = {}
    for name in shown:
        others = set().union(*(found[o] for o in shown if o != name))
        sources[name] = {"citations": sum(1 for names in told.values() if name in names),
                         "papers": len(found[name]), "only": len(found[name] - others)}
    overlap = {f"{a}+{b}": len(found[a] & found[b]) for a, b in combinations(shown, 2)}
    by_generation = []
    for g in range(1, max(generation.values(), default=0) + 1):
        row: dict[str, int] = {"generation": g}
        members = {p for p in papers if generation[p] == g}
        for name in shown:
            row[name] = len(found[name] & members)
        row["union"] = len(members)
        by_generation.append(row)
    outside = sum(1 for p in papers if not isinstance(p, int))
    return {"seed": str(seed), "depth": depth, "direction": direction, "sources": sources,
            "union": {"citations": len(told), "papers": len(papers), "outside_pubmed": outside}, "overlap": overlap,
            "by_generation": by_generation}
