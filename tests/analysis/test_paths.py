import pytest

from citegraph.analysis.paths import shortest_chains, why
from citegraph.errors import InputError

from .helpers import graph

# 5 cites 4 and 3; 4 cites 2; 3 cites 2; 2 cites 1; 6 cites 1 (a side branch); 7 is unconnected
EDGES = [("5", "4"), ("5", "3"), ("4", "2"), ("3", "2"), ("2", "1"), ("6", "1")]


def test_all_shortest_chains_in_citation_direction():
    g = graph(EDGES, years={"7": 2000})
    result = shortest_chains(g, "5", "1")
    assert result["direction"] == "cites" and result["length"] == 3
    assert result["paths"] == [["5", "3", "2", "1"], ["5", "4", "2", "1"]]
    assert len(shortest_chains(g, "5", "1", limit=1)["paths"]) == 1


def test_chains_the_other_way_round_start_at_source():
    g = graph(EDGES)
    result = shortest_chains(g, "1", "5")
    assert result["direction"] == "cited-by"
    assert result["paths"] == [["1", "2", "3", "5"], ["1", "2", "4", "5"]]


def test_no_chain_same_paper_and_too_long():
    g = graph(EDGES, years={"7": 2000})
    assert shortest_chains(g, "6", "5")["paths"] == []  # 6 and 5 only share an ancestor
    assert shortest_chains(g, "7", "1")["direction"] is None
    assert shortest_chains(g, "2", "2")["paths"] == [["2"]]
    assert shortest_chains(g, "5", "1", max_length=2)["paths"] == []
    with pytest.raises(InputError):
        shortest_chains(g, "5", "99")


def test_why_lists_chains_from_the_seed():
    g = graph(EDGES)
    result = why(g, "5", "1")
    assert result["generation"] == 3
    assert result["paths"] == [["1", "2", "3", "5"], ["1", "2", "4", "5"]]
    assert why(g, "6", "2")["paths"] == []  # 6 does not descend from 2


def test_empty_graph():
    with pytest.raises(InputError):
        why(graph([]), "1", "2")
