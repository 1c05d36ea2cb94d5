"""The CSR CitationGraph and the vectorised analysis on it give the answers of the networkx
reference implementations (:mod:`.nx_oracle`): by hand on small graphs, and against the
oracle (and networkx's own shortest paths) on random graphs with cycles."""

from __future__ import annotations

import math
import random

import networkx as nx
import numpy as np
import pytest

from citegraph.analysis import influence, mainpath, paths, related, retraction, selection, timeline
from citegraph.analysis.csr import CitationGraph
from citegraph.analysis.load import load_graph
from citegraph.models import Article
from citegraph.store import Store

from . import nx_oracle as oracle
from .helpers import nx_graph
from .nx_oracle import build_graph, csr_of
from .nx_oracle_mainpath import main_paths as oracle_main_paths

DIAMOND = [("2", "1"), ("3", "1"), ("4", "2"), ("4", "3"), ("5", "4")]


def random_graph(seed: int, n_max: int = 30, back: float = 0.1) -> nx.DiGraph:
    """Mostly newer-cites-older papers, with some citations the other way (cycles)."""
    rng = random.Random(seed)
    n = rng.randint(2, n_max)
    g = nx.DiGraph()
    g.add_nodes_from((str(i), {"year": 1980 + rng.randint(0, 10), "title": f"paper {i}"}) for i in range(1, n + 1))
    for _ in range(rng.randint(0, 4 * n)):
        a, b = rng.randint(1, n), rng.randint(1, n)
        if a != b and (a > b or rng.random() < back):
            g.add_edge(str(a), str(b))
    return g


def test_by_hand_on_the_diamond():
    c = csr_of(nx_graph(DIAMOND))
    assert c.number_of_nodes() == 5 and c.number_of_edges() == 5 and "4" in c and "9" not in c
    assert sorted(c.pred["1"]) == ["2", "3"] and c.succ["4"] == ["2", "3"]
    assert influence.generations(c, "1") == {"1": 0, "2": 1, "3": 1, "4": 2, "5": 3}
    assert influence.generations(c, "1", depth=2) == {"1": 0, "2": 1, "3": 1, "4": 2}
    assert influence.citation_counts(c) == {"1": 2, "2": 1, "3": 1, "4": 1, "5": 0}
    assert influence.seed_betweenness(c, "1") == pytest.approx({"1": 0.0, "2": 0.25, "3": 0.25, "4": 0.25, "5": 0.0})
    assert paths.why(c, "5", "1")["paths"] == [["1", "2", "4", "5"], ["1", "3", "4", "5"]]
    assert related.co_citation(c, "2") == [("3", 1)]  # 4 cites both 2 and 3


def test_pagerank_two_papers_by_hand():
    pr = influence.pagerank(csr_of(nx_graph([("1", "2")])))
    assert pr["1"] == pytest.approx(0.5 / 1.425, abs=1e-8)
    assert pr["2"] == pytest.approx(1 - 0.5 / 1.425, abs=1e-8)


def test_empty_and_lonely():
    c = csr_of(nx_graph([], years={"7": 2000}))
    assert influence.seed_betweenness(c, "7") == {"7": 0.0}
    assert influence.generations(c, "7") == {"7": 0}
    assert mainpath.main_paths(c, "7")["main_path"] == ["7"]
    assert influence.pagerank(CitationGraph.from_edges([], [], [])) == {}


@pytest.mark.parametrize("seed", range(60))
def test_same_answers_as_the_oracle(seed):
    g = random_graph(seed)
    c = csr_of(g)
    rng = random.Random(seed)
    p = str(rng.randint(1, g.number_of_nodes()))
    assert influence.generations(c, p) == oracle.generations(g, p)
    assert influence.generations(c, p, depth=2) == oracle.generations(g, p, depth=2)
    assert influence.citation_counts(c) == oracle.citation_counts(g)
    for got, want in ((influence.pagerank(c), oracle.pagerank(g)),
                      (influence.seed_betweenness(c, p), oracle.seed_betweenness(g, p))):
        assert got.keys() == want.keys() and all(math.isclose(got[k], want[k], abs_tol=1e-12) for k in want)
    assert influence.rank(c, p, "citations", None) == oracle.rank(g, p, "citations", None)
    got_rows = {r["pmid"]: r for r in influence.rank(c, p, "betweenness", None)}
    want_rows = {r["pmid"]: r for r in oracle.rank(g, p, "betweenness", None)}
    assert got_rows.keys() == want_rows.keys()
    assert all(math.isclose(got_rows[k]["score"], want_rows[k]["score"], abs_tol=1e-12) for k in want_rows)
    for csr_row, nx_row in zip(influence.rank(c, p, "pagerank", None), oracle.rank(g, p, "pagerank", None)):
        assert math.isclose(csr_row["pagerank_relative"], nx_row["pagerank_relative"], abs_tol=1e-9)
        assert math.isclose(csr_row["pagerank_relative"], csr_row["pagerank_raw"] * c.n)
    descendants = [n for n in oracle.generations(g, p) if n != p]
    for depth in (1, 2, 30):
        assert influence.descent(c, p, depth) == oracle.descent(g, p, depth)
        assert {n: d for n, d in influence.generations(c, p, depth).items() if n != p} == \
            oracle.citing_generations(g, p, depth)
    assert influence.most_cited(c, descendants, 4) == oracle.top_cited(g, descendants, 4)
    assert related.related(c, p, None) == oracle.related(g, p, None)
    bad = {str(rng.randint(1, g.number_of_nodes())) for _ in range(3)}
    assert retraction.through_retracted(c, p, bad) == oracle.through_retracted(g, p, bad)
    assert timeline.timeline(c, p, "generation") == oracle.timeline(g, p, "generation")
    for direction in selection.DIRECTIONS:
        assert selection.neighbourhood(c, [p], 2, direction) == oracle.neighbourhood(g, [p], 2, direction)
        chosen = selection.Filters(seeds=[p], depth=3, direction=direction, since=1984)
        got = c.subgraph(selection.selection_mask(c, chosen))
        want = oracle.select(g, chosen)
        assert sorted(got.nodes, key=int) == sorted(want.nodes, key=int) and sorted(got.edges) == sorted(want.edges)
    for key_routes, search in ((3, "global"), (2, "local")):
        for s in (None, p):
            assert mainpath.main_paths(c, s, key_routes, search) == oracle_main_paths(g, s, key_routes, search)


@pytest.mark.parametrize("seed", range(40))
def test_chains_are_networkx_shortest_paths_in_pmid_order(seed):
    g = random_graph(seed, back=0.3)
    c = csr_of(g)
    rng = random.Random(seed)
    for _ in range(4):
        a, b = str(rng.randint(1, g.number_of_nodes())), str(rng.randint(1, g.number_of_nodes()))
        if a == b:
            continue
        limit = rng.choice([1, 2, 50])
        try:
            every = sorted(nx.all_shortest_paths(g, b, a), key=lambda x: [int(y) for y in x[::-1]])
        except nx.NetworkXNoPath:
            every = []
        want = [x[::-1] for x in every[:limit]]
        assert paths.why(c, b, a, limit)["paths"] == want
        assert oracle.why(g, b, a, limit)["paths"] == want
        assert paths.shortest_chains(c, a, b, limit) == oracle.shortest_chains(g, a, b, limit)


def layered(depth: int, width: int, seed: int) -> nx.DiGraph:
    rng = random.Random(seed)
    g = nx.DiGraph()
    g.add_node("1", year=1980)
    layers, nid = [[1]], 1
    for d in range(1, depth):
        layer = []
        for _ in range(rng.randint(1, width)):
            nid += 1
            g.add_node(str(nid), year=1980 + d)
            parents = [p for p in layers[-1] if rng.random() < 0.8] or [rng.choice(layers[-1])]
            g.add_edges_from((str(nid), str(p)) for p in parents)
            layer.append(nid)
        layers.append(layer)
    return g


def test_main_path_with_exact_big_counts_is_the_same():
    g = layered(120, 5, 0)  # about 2^149 paths: exact integers past a float's 53 bits
    got, want = mainpath.main_paths(csr_of(g), "1", 3), oracle_main_paths(g, "1", 3)
    assert want["total_paths"].bit_length() > 100
    assert got == want


def test_main_path_with_counts_past_the_bit_budget_agrees_to_rounding():
    g = layered(300, 6, 1)  # counts kept as logarithms
    got, want = mainpath.main_paths(csr_of(g), "1", 3), oracle_main_paths(g, "1", 3)
    assert want["total_paths"] is None and got["total_paths"] is None
    assert got["log10_total_paths"] == pytest.approx(want["log10_total_paths"], rel=1e-12)

    def total(result):
        return sum(link["share"] for link in result["main_path_links"])

    # where two routes tie to the last digits either may win: the totals are what must agree
    assert total(got) == pytest.approx(total(want), rel=1e-9)
    assert got["main_path"][0] == "1" and len(got["main_path"]) == len(want["main_path"])


def article(pmid: str, year: int | None) -> Article:
    return Article(pmid=pmid, title=f"title {pmid}", year=year, journal="J Test", raw_xml=b"<PubmedArticle/>")


def test_load_graph_matches_the_oracles_graph(tmp_path):
    with Store(tmp_path / "s.sqlite") as store:
        with store.transaction():
            store.put_articles([article("1", 1990), article("2", 1991), article("3", 1992), article("4", None)])
            store.add_citations([("2", "1"), ("3", "1"), ("3", "2"), ("3", "77"), ("88", "1")], "elink:x")
            store.add_citations([("3", "1")], "pubmed:references")  # the same edge from a second source
        for unstored in (False, True):
            want = build_graph(store, include_unstored=unstored)
            got = load_graph(store, include_unstored=unstored)
            assert sorted(got.nodes, key=int) == sorted(want.nodes, key=int)
            assert sorted(got.edges) == sorted(want.edges)
            for n in want.nodes:
                assert dict(got.nodes[n]) == dict(want.nodes[n])
        csr = load_graph(store)
        csr.add_unstored("99", ["2", "3"])
        assert csr.pred["99"] == ["2", "3"] and dict(csr.nodes["99"]) == {"stored": False}
        sub = selection.induced_subgraph(csr, ["1", "2", "99"])
        assert sorted(sub.edges) == [("2", "1"), ("2", "99")] and sub.nodes["2"]["title"] == "title 2"


def test_lens_classification_is_cached_until_a_record_changes(tmp_path, monkeypatch):
    from citegraph.analysis import lens_store
    from citegraph.analysis.load import prepare

    with Store(tmp_path / "s.sqlite") as store:
        with store.transaction():
            store.put_articles([article("1", 1990), article("2", 1991), article("3", 1992)])
            store.add_citations([("2", "1"), ("3", "2")], "elink:x")
        first = prepare(store, seeds=["1"], use_lens=True).topics_of
        calls = []
        real = lens_store.classify_store
        monkeypatch.setattr(lens_store, "classify_store", lambda store, lens, pmids, **kw: calls.append(list(pmids))
                            or real(store, lens, pmids, **kw))
        assert prepare(store, seeds=["1"], use_lens=True).topics_of == first
        assert calls == []  # every paper came from the cache
        changed = Article(pmid="2", title="Chimeric antigen receptor T cells", year=1991, journal="J Test",
                          date_revised="2030-01-01", raw_xml=b"<PubmedArticle/>")
        with store.transaction():
            store.put_articles([changed], now=2e9)
        again = prepare(store, seeds=["1"], use_lens=True).topics_of
        assert calls == [["2"]]  # only the changed record is classified again
        assert "car-t" in again["2"] and "2" not in first


LENS = """
name = "t"
[[topic]]
key = "a"
name = "Topic A"
patterns = ["alpha"]
[[topic]]
key = "b"
name = "Topic B"
patterns = ["beta"]
[[topic]]
key = "c"
name = "Topic C"
patterns = ["gamma"]
"""


@pytest.mark.parametrize("seed", range(30))
def test_topic_summary_and_topic_timeline_as_networkx(seed):
    from citegraph.analysis.lens import parse_lens, topic_summary

    g = random_graph(seed, back=0.2)
    rng = random.Random(seed)
    for n in g.nodes:
        if rng.random() < 0.2:
            g.nodes[n]["year"] = None
    c = csr_of(g)
    topics_of = {n: rng.sample(["a", "b", "c"], rng.randint(1, 2)) for n in g.nodes if rng.random() < 0.6}
    lens = parse_lens(LENS)
    assert topic_summary(c, "1", lens, topics_of) == oracle.topic_summary(g, "1", lens, topics_of)
    keys = [t.key for t in lens.topics]
    assert timeline.timeline(c, "1", "topic", topics_of, keys) == oracle.timeline(g, "1", "topic", topics_of, keys)
    assert timeline.timeline(c, "1", "topic", topics_of) == oracle.timeline(g, "1", "topic", topics_of)


def test_from_edges_keeps_unstored_papers_on_request_even_with_none_stored():
    g = CitationGraph.from_edges([5, 5, 6, 1, 5], [6, 7, 5, 5, 5], [5, 9], [1990, 2000], include_unstored=True)
    assert g.names() == ["1", "5", "6", "7", "9"] and g.stored.tolist() == [False, True, False, False, True]
    assert g.edges == [("1", "5"), ("5", "6"), ("5", "7"), ("6", "5")]  # the self-citation left out
    assert g.year.tolist() == [0, 1990, 0, 0, 2000]
    only = CitationGraph.from_edges([5, 5, 6], [6, 7, 5], [], include_unstored=True)
    assert only.names() == ["5", "6", "7"] and not only.stored.any() and len(only.edges) == 3
    assert CitationGraph.from_edges([5, 5, 6], [6, 7, 5], []).n == 0


@pytest.mark.parametrize("include_unstored", [False, True])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_from_edges_is_the_same_graph_in_any_edge_order(seed, include_unstored):
    # the store reads edges by (cited, citing); any other order, duplicates and self-citations
    # give the same arrays
    rng = random.Random(seed)
    nodes = np.array(rng.sample(range(1, 60), 40), dtype=np.int64)
    pairs = sorted({(rng.randrange(1, 70), rng.randrange(1, 70)) for _ in range(300)})
    by_cited = sorted(pairs, key=lambda e: (e[1], e[0]))
    shuffled = pairs * 2
    rng.shuffle(shuffled)
    graphs = [CitationGraph.from_edges(np.array([c for c, _ in edges], dtype=np.int64),
                                       np.array([d for _, d in edges], dtype=np.int64), nodes,
                                       include_unstored=include_unstored)
              for edges in (by_cited, pairs, shuffled)]
    first = graphs[0]
    want = oracle.csr_of(_nx_of(pairs, nodes.tolist(), include_unstored))
    for g in graphs:
        for name in ("ids", "stored", "src", "dst", "in_perm", "in_idx", "in_ptr", "out_ptr"):
            assert getattr(g, name).tolist() == getattr(first, name).tolist(), name
        assert sorted(g.edges) == sorted(want.edges)
        assert [g.pred[n] for n in g.nodes] == [want.pred[n] for n in want.nodes]
        assert [g.succ[n] for n in g.nodes] == [want.succ[n] for n in want.nodes]


def _nx_of(pairs, nodes, include_unstored):
    g = nx.DiGraph()
    g.add_nodes_from(str(n) for n in nodes)
    for a, b in pairs:
        if a != b and (include_unstored or (a in nodes and b in nodes)):
            g.add_edge(str(a), str(b))
    return g
