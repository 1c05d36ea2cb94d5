import pytest

from citegraph.analysis.related import co_citation, coupling, related
from citegraph.errors import InputError

from .helpers import graph

# 10 and 11 both cite 1 and 2; 10 also cites 3. 1 cites 20 and 21; 12 cites 20 and 21; 13 cites 21.
EDGES = [("10", "1"), ("10", "2"), ("10", "3"), ("11", "1"), ("11", "2"),
         ("1", "20"), ("1", "21"), ("12", "20"), ("12", "21"), ("13", "21")]


def test_co_citation_counts_papers_citing_both():
    assert co_citation(graph(EDGES), "1") == [("2", 2), ("3", 1)]


def test_coupling_counts_shared_references():
    assert coupling(graph(EDGES), "1") == [("12", 2), ("13", 1)]


def test_related_merges_both_with_counts():
    rows = related(graph(EDGES), "1")
    assert rows == [{"pmid": "2", "co_cited": 2, "coupled": 0}, {"pmid": "12", "co_cited": 0, "coupled": 2},
                    {"pmid": "3", "co_cited": 1, "coupled": 0}, {"pmid": "13", "co_cited": 0, "coupled": 1}]
    assert len(related(graph(EDGES), "1", limit=1)) == 1


def test_isolated_paper_and_unknown_paper():
    assert related(graph([], years={"5": 2000}), "5") == []
    with pytest.raises(InputError):
        related(graph([]), "5")
