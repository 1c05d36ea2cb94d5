import pytest

from citegraph.analysis.influence import citation_counts, generations, pagerank, rank, relative_pagerank, seed_betweenness
from citegraph.errors import InputError

from .helpers import graph

# S=1 is the seed; 2 and 3 cite 1; 4 cites 2 and 3; 5 cites 4; 6 cites nothing here
DIAMOND = [("2", "1"), ("3", "1"), ("4", "2"), ("4", "3"), ("5", "4")]


def test_generations_and_depth():
    g = graph(DIAMOND)
    assert generations(g, "1") == {"1": 0, "2": 1, "3": 1, "4": 2, "5": 3}
    assert generations(g, "1", depth=2) == {"1": 0, "2": 1, "3": 1, "4": 2}
    assert generations(g, ["2", "3"]) == {"2": 0, "3": 0, "4": 1, "5": 2}


def test_citation_counts():
    g = graph(DIAMOND)
    assert citation_counts(g) == {"1": 2, "2": 1, "3": 1, "4": 1, "5": 0}


def test_pagerank_two_papers_by_hand():
    # 1 cites 2; 2 cites nothing (dangling: spreads its score evenly). With alpha = 0.85:
    # x1 = 0.15/2 + 0.85 * x2/2 ; x2 = 0.15/2 + 0.85 * (x1 + x2/2); x1 + x2 = 1
    # => x1 = 0.075 + 0.425 (1 - x1) => 1.425 x1 = 0.5 => x1 = 0.350877..., x2 = 0.649122...
    g = graph([("1", "2")])
    pr = pagerank(g)
    assert pr["1"] == pytest.approx(0.5 / 1.425, abs=1e-8)
    assert pr["2"] == pytest.approx(1 - 0.5 / 1.425, abs=1e-8)


def test_pagerank_cycle_is_uniform_and_empty_graph():
    pr = pagerank(graph([("1", "2"), ("2", "3"), ("3", "1")]))
    assert all(v == pytest.approx(1 / 3) for v in pr.values())
    assert pagerank(graph([])) == {}
    with pytest.raises(InputError):
        pagerank(graph([("1", "2")]), alpha=1.5)


def test_seed_betweenness_by_hand():
    # shortest chains from 1: to 2 and 3 (1 each), to 4 (two: via 2, via 3), to 5 (two, via 4).
    # 2 lies on half the chains to 4 and half those to 5: 0.5 + 0.5 = 1, over 4 targets = 0.25;
    # 3 likewise; 4 lies on every chain to 5: 1 / 4 = 0.25; 5 lies on none.
    b = seed_betweenness(graph(DIAMOND), "1")
    assert b == pytest.approx({"1": 0.0, "2": 0.25, "3": 0.25, "4": 0.25, "5": 0.0})


def test_seed_betweenness_with_a_cycle_and_a_lonely_seed():
    g = graph(DIAMOND + [("2", "4")])  # 2 and 4 cite each other
    b = seed_betweenness(g, "1")
    # chains: 1<-2, 1<-3, 1<-2<-4 and 1<-3<-4 (4 at distance 2), 1<-..<-4<-5: the cycle edge 4->2
    # never shortens anything, so the values are those of the plain diamond
    assert b == pytest.approx({"1": 0.0, "2": 0.25, "3": 0.25, "4": 0.25, "5": 0.0})
    assert seed_betweenness(graph([], years={"7": 2000}), "7") == {"7": 0.0}


def test_rank_orders_and_reports():
    g = graph(DIAMOND + [("6", "2"), ("7", "2")])
    rows = rank(g, "1", "citations")
    assert [r["pmid"] for r in rows][:2] == ["2", "3"]  # 2 is cited by 4, 6, 7; 3 and 4 once: 3 < 4
    assert rows[0] == {"pmid": "2", "generation": 1, "citations": 3, "score": 3.0}
    assert {r["pmid"] for r in rank(g, "1", "betweenness")} == {"2", "3", "4", "5", "6", "7"}
    assert rank(g, "1", "pagerank", limit=1)[0]["pmid"] == "2"
    with pytest.raises(InputError):
        rank(g, "1", "fame")
    with pytest.raises(InputError):
        rank(g, "404")


def test_relative_pagerank_is_raw_times_papers_so_the_average_is_one():
    g = graph(DIAMOND + [("6", "2"), ("7", "2")])
    raw = pagerank(g)
    relative = {p: relative_pagerank(v, g.number_of_nodes()) for p, v in raw.items()}
    assert sum(relative.values()) / len(relative) == pytest.approx(1.0)
    assert relative_pagerank(0.007879, 2069) == pytest.approx(16.30, abs=0.005)


def test_rank_by_pagerank_gives_raw_and_relative_values():
    g = graph(DIAMOND + [("6", "2"), ("7", "2")])
    raw = pagerank(g)
    for row in rank(g, "1", "pagerank"):
        assert row["pagerank_raw"] == row["score"] == pytest.approx(raw[row["pmid"]])
        assert row["pagerank_relative"] == pytest.approx(raw[row["pmid"]] * g.number_of_nodes())
    assert "pagerank_raw" not in rank(g, "1", "citations")[0]
