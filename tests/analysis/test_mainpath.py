"""Main path analysis on a network worked out by hand.

Papers (PMID: year): 1 (1990, the seed), 2 and 3 cite 1; 4 cites 2; 5 cites 2 and 3; 6 cites 4
and 5. Knowledge flows from cited to citing, so the flow edges are
    1->2, 1->3, 2->4, 2->5, 3->5, 4->6, 5->6        (source: 1, sink: 6)
Paths from the source: N-(1)=1, N-(2)=1, N-(3)=1, N-(4)=1, N-(5)=N-(2)+N-(3)=2, N-(6)=1+2=3.
Paths to the sink:     N+(6)=1, N+(4)=1, N+(5)=1, N+(2)=N+(4)+N+(5)=2, N+(3)=1, N+(1)=2+1=3.
SPC(u->v) = N-(u) * N+(v):
    1->2: 1*2 = 2    1->3: 1*1 = 1    2->4: 1*1 = 1    2->5: 1*1 = 1
    3->5: 1*1 = 1    4->6: 1*1 = 1    5->6: 2*1 = 2
Total source-to-sink paths: 3 (1-2-4-6, 1-2-5-6, 1-3-5-6).
Global main path (largest SPC total): 1-2-4-6 = 2+1+1 = 4; 1-2-5-6 = 2+1+2 = 5; 1-3-5-6 = 1+1+2 = 4
    -> 1, 2, 5, 6.
Local (forward, highest SPC at each step): 1->2 (2 beats 1); at 2, 2->4 and 2->5 tie at 1 and
    the lower PMID wins: 4; then 4->6 -> 1, 2, 4, 6.
Key routes, links by SPC descending (ties by PMID): (1,2)=2, (5,6)=2, (1,3)=1, ...
    route 1 through 1->2: backward [1]; forward from 2 by largest total: via 4 = 1+1 = 2, via
      5 = 1+2 = 3 -> 2, 5, 6  => 1, 2, 5, 6
    route 2 through 5->6: backward from 5: via 2 = (best into 2 = 2) + 1 = 3, via 3 = 1 + 1 = 2
      -> 1, 2, 5; forward [6] => 1, 2, 5, 6
    route 3 through 1->3: backward [1]; forward 3, 5, 6 => 1, 3, 5, 6
"""

import networkx as nx
import pytest

from citegraph.analysis.mainpath import main_paths
from citegraph.errors import InputError

from .helpers import graph, nx_graph
from .nx_oracle_mainpath import flow_dag, search_path_counts, search_path_shares

EDGES = [("2", "1"), ("3", "1"), ("4", "2"), ("5", "2"), ("5", "3"), ("6", "4"), ("6", "5")]
YEARS = {"1": 1990, "2": 1991, "3": 1992, "4": 1993, "5": 1994, "6": 1995}
SPC = {("1", "2"): 2, ("1", "3"): 1, ("2", "4"): 1, ("2", "5"): 1, ("3", "5"): 1, ("4", "6"): 1, ("5", "6"): 2}


def test_search_path_counts_by_hand():
    flow, dropped = flow_dag(nx_graph(EDGES, YEARS))
    spc, total, _ = search_path_counts(flow)
    assert dropped == []
    assert spc == SPC
    assert total == 3
    routes = main_paths(graph(EDGES, YEARS), "1", key_routes=len(SPC))["key_routes"]
    assert {(r["link"]["cited"], r["link"]["citing"]): r["link"]["spc"] for r in routes} == SPC


def test_global_and_local_main_paths():
    g = graph(EDGES, YEARS)
    result = main_paths(g, "1")
    assert result["main_path"] == ["1", "2", "5", "6"]
    assert [link["spc"] for link in result["main_path_links"]] == [2, 1, 2]
    assert result["total_paths"] == 3 and result["paper_count"] == 6 and result["citation_count"] == result["link_count"] == 7
    assert main_paths(g, "1", search="local")["main_path"] == ["1", "2", "4", "6"]
    # without a seed the sources are found from the graph: the same single source here
    assert main_paths(g)["main_path"] == ["1", "2", "5", "6"]


def test_key_routes_by_hand():
    result = main_paths(graph(EDGES, YEARS), "1", key_routes=3)
    routes = [(r["link"]["cited"], r["link"]["citing"], r["link"]["spc"], r["path"]) for r in result["key_routes"]]
    assert routes == [("1", "2", 2, ["1", "2", "5", "6"]), ("5", "6", 2, ["1", "2", "5", "6"]),
                      ("1", "3", 1, ["1", "3", "5", "6"])]
    union = {(link["cited"], link["citing"]) for link in result["key_route_links"]}
    assert union == {("1", "2"), ("2", "5"), ("5", "6"), ("1", "3"), ("3", "5")}


def test_a_citation_cycle_is_broken_and_reported():
    # 2 (1991) also cites 5 (1994): 2 and 5 now cite each other. The search starts in the
    # cycle at the oldest paper, 2, goes 2 -> 5 in the flow, and 5 -> 2 (2 citing 5) closes the
    # cycle: that link is dropped, leaving the hand-worked network above.
    g = graph(EDGES + [("2", "5")], YEARS)
    assert not nx.is_directed_acyclic_graph(nx_graph(EDGES + [("2", "5")], YEARS))
    result = main_paths(g, "1", key_routes=1)
    assert result["dropped_cycle_links"] == [["2", "5"]]
    assert result["main_path"] == ["1", "2", "5", "6"]
    assert result["total_paths"] == 3


def test_empty_graph_lonely_seed_and_bad_arguments():
    empty = main_paths(graph([]))
    assert empty["main_path"] == [] and empty["total_paths"] == 0
    lonely = main_paths(graph([], years={"7": 2000}), "7")
    assert lonely["main_path"] == ["7"]
    with pytest.raises(InputError):
        main_paths(graph(EDGES, YEARS), "1", key_routes=-1)
    with pytest.raises(InputError):
        main_paths(graph(EDGES, YEARS), "1", search="sideways")
    with pytest.raises(InputError):
        main_paths(graph(EDGES, YEARS), "42")


def test_log_space_shares_agree_with_exact_counts(monkeypatch):
    from citegraph.analysis import mainpath, mainpath_spc

    flow, _ = flow_dag(nx_graph(EDGES, YEARS))
    shares, log_total, _ = search_path_shares(flow)
    assert shares == pytest.approx({e: c / 3 for e, c in SPC.items()})
    assert log_total == pytest.approx(__import__("math").log(3))
    # force the large-network mode: same answer, counts reported as unknown
    # a bit budget below any count: the logarithms decide (3 paths need 2 bits)
    monkeypatch.setattr(mainpath, "MAX_BITS", -1)
    monkeypatch.setattr(mainpath_spc, "MAX_BITS", -1)
    result = main_paths(graph(EDGES, YEARS), "1", key_routes=1)
    assert result["main_path"] == ["1", "2", "5", "6"] and result["total_paths"] is None
    assert result["main_path_links"][0]["spc"] is None
    assert result["main_path_links"][0]["share"] == pytest.approx(2 / 3)
    assert result["log10_total_paths"] == pytest.approx(__import__("math").log10(3))
