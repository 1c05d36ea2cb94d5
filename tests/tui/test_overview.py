"""The browser's overview (counts, PageRank, topics, descent tree), computed on the array graph,
against the same answers worked out by the networkx oracle (tests/analysis/nx_oracle.py) on
the networkx graph of the same store."""

from __future__ import annotations

import random

import pytest
from analysis.nx_oracle import build_graph, generations, pagerank

from citegraph.analysis.lens import classify, load_lens
from citegraph.analysis.load import load_graph, load_meta
from citegraph.crawl import SOURCE_RECORD
from citegraph.models import Article, MeshHeading, Reference
from citegraph.store import Store
from citegraph.tui.data import compute_overview

PHRASES = ["chimeric antigen receptor T cells", "tumor-infiltrating lymphocytes", "interleukin-2 therapy",
           "natural killer cells", "a cohort study", "PD-1 blockade"]


@pytest.fixture
def tangled_store(tmp_path):
    """300 papers citing at random (cycles, ties between parents, references to unstored
    papers), with titles and MeSH that the default lens sorts into topics."""
    rng = random.Random(5)
    articles = []
    for i in range(1, 301):
        refs = rng.sample(range(1, 301), rng.randint(0, 6)) + ([99_999] if i % 17 == 0 else [])
        mesh = [MeshHeading("Killer Cells, Natural", "D007694")] if i % 23 == 0 else []
        articles.append(Article(pmid=str(i), year=1980 + i % 40, title=f"Paper {i}: {rng.choice(PHRASES)}",
                                mesh=mesh, references=[Reference(pmid=str(r)) for r in refs]))
    path = tmp_path / "tangled.sqlite"
    with Store(path) as store, store.transaction():
        store.put_articles(articles, source="test")
        store.add_citations(((a.pmid, r) for a in articles for r in a.reference_pmids), SOURCE_RECORD)
    return path


def _descent_tree(graph, seed: str) -> dict[str, str]:
    """The descent tree worked out on the networkx graph: each paper's lowest-PMID reference
    one generation nearer the seed."""
    generation = generations(graph, seed)
    return {node: min((p for p in graph.successors(node) if generation.get(p) == g - 1), key=int)
            for node, g in generation.items() if g}


def test_overview_on_arrays_equals_the_networkx_answers(tangled_store):
    with Store(tangled_store) as store:
        graph = build_graph(store)
        expected_topics = classify(load_lens(), load_graph(store), load_meta(store))
    overview = compute_overview(tangled_store, "1")
    assert overview["cited_by"] == {n: d for n, d in graph.in_degree() if d}
    assert overview["cites"] == {n: d for n, d in graph.out_degree() if d}
    assert overview["pagerank"] == pytest.approx(pagerank(graph), abs=1e-12)
    assert overview["topic_names"] == [t.key for t in load_lens().topics]
    assert overview["topics"] == {p: list(k) for p, k in expected_topics.items() if k}
    assert overview["parent"] == _descent_tree(graph, "1")
    assert len(overview["parent"]) > 200 and "99999" not in overview["cited_by"]


def test_descent_tree_takes_the_lowest_pmid_one_generation_nearer(tmp_path):
    # 5 cites 2 and 3 (both generation 1) and 4 (generation 2): its parent is 2; 4 cites 5 back
    edges = [("2", "1"), ("3", "1"), ("4", "3"), ("5", "3"), ("5", "2"), ("5", "4"), ("4", "5")]
    path = tmp_path / "s.sqlite"
    with Store(path) as store, store.transaction():
        store.put_articles([Article(pmid=str(p)) for p in range(1, 6)], source="test")
        store.add_citations(edges, SOURCE_RECORD)
    assert compute_overview(path, "1")["parent"] == {"2": "1", "3": "1", "4": "3", "5": "2"}
    assert compute_overview(path, "42")["parent"] == {}
