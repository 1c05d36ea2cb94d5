"""Citation graphs for network tools, written by networkx (and pydot for DOT).

Nodes are the selected articles (plus seeds without a stored record, ``stored`` false);
edges run citing -> cited. Node attributes: label ("Rosenberg 1987"), title, year (0 when
unknown), journal, doi, stored, generation (-1 when unknown), seeds and path (PMIDs joined
by spaces), retracted (true when the record says the paper is retracted); edge attribute
``sources`` (who told us: elink, the record's reference list, iCite, ... joined by spaces). Text is
one line without control or bidi characters (:func:`~citegraph.exports.fields.flat`), which
also makes it XML-safe.

- ``graphml`` (Gephi, Cytoscape, yEd; ``networkx.write_graphml``)
- ``gexf`` (Gephi; ``networkx.write_gexf``)
- ``pajek`` (Pajek ``.net``: node names are the PMIDs, no attributes)
- ``cytoscape`` (Cytoscape.js JSON, ``networkx.cytoscape_data``)
- ``dot`` (Graphviz, via pydot: ``networkx.nx_pydot.to_pydot``)
"""

from __future__ import annotations

import json
from typing import IO

import networkx as nx

from .fields import flat, xml_safe
from .selection import Selection

__all__ = ["attributed_graph", "write_graphml", "write_gexf", "write_pajek", "write_cytoscape", "write_dot"]


def _label(article) -> str:
    first = article.authors[0].last_name or article.authors[0].collective_name if article.authors else ""
    return " ".join(p for p in (flat(first), str(article.year or "")) if p) or article.pmid


def attributed_graph(selection: Selection) -> nx.DiGraph:
    graph = nx.DiGraph()
    for article in selection.articles:
        prov = selection.provenance_of(article.pmid)
        graph.add_node(article.pmid, label=xml_safe(_label(article)), title=xml_safe(flat(article.title)),
                       year=article.year or 0, journal=xml_safe(flat(article.journal)),
                       doi=xml_safe(flat(article.doi)), stored=True,
                       generation=-1 if prov.generation is None else prov.generation,
                       seeds=" ".join(prov.seeds), path=" ".join(prov.path), retracted=article.is_retracted)
    for pmid in selection.unstored_seeds:
        graph.add_node(pmid, label=pmid, title="", year=0, journal="", doi="", stored=False, generation=0,
                       seeds=pmid, path=pmid, retracted=False)
    for (citing, cited), sources in _sources(selection).items():
        graph.add_edge(citing, cited, sources=" ".join(xml_safe(flat(s)) for s in sources))
    return graph


def _sources(selection: Selection) -> dict[tuple[str, str], list[str]]:
    found: dict[tuple[str, str], list[str]] = {}
    for citing, cited, source in selection.edges:
        found.setdefault((citing, cited), []).append(source)
    return found


def write_graphml(selection: Selection, stream: IO[bytes]) -> int:
    graph = attributed_graph(selection)
    nx.write_graphml(graph, stream, encoding="utf-8", prettyprint=True)
    return graph.number_of_nodes()


def write_gexf(selection: Selection, stream: IO[bytes]) -> int:
    graph = attributed_graph(selection)
    nx.write_gexf(graph, stream, encoding="utf-8", prettyprint=True)
    return graph.number_of_nodes()


def write_pajek(selection: Selection, stream: IO[bytes]) -> int:
    graph = nx.DiGraph()  # bare: networkx's Pajek writer would quote attribute text badly
    graph.add_nodes_from(selection.nodes())
    graph.add_edges_from(selection.distinct_edges())
    nx.write_pajek(graph, stream, encoding="utf-8")
    return graph.number_of_nodes()


def write_cytoscape(selection: Selection, stream: IO[str]) -> int:
    graph = attributed_graph(selection)
    data = nx.cytoscape_data(graph)
    json.dump(data, stream, ensure_ascii=False, indent=1)
    stream.write("\n")
    return graph.number_of_nodes()


def write_dot(selection: Selection, stream: IO[str]) -> int:
    import pydot

    graph = attributed_graph(selection)
    dot = pydot.Dot("citegraph", graph_type="digraph")
    for node, attrs in graph.nodes(data=True):
        dot.add_node(pydot.Node(node, **{k: _dot_value(v) for k, v in attrs.items()}))
    for citing, cited, attrs in graph.edges(data=True):
        dot.add_edge(pydot.Edge(citing, cited, **{k: _dot_value(v) for k, v in attrs.items()}))
    stream.write(dot.to_string())
    return graph.number_of_nodes()


def _dot_value(value) -> str:
    """pydot quotes and escapes ``"``; a backslash must be doubled here, or a title ending
    in one would escape the closing quote (Graphviz reads ``\\\\`` as one backslash)."""
    return str(int(value) if isinstance(value, bool) else value).replace("\\", "\\\\")



