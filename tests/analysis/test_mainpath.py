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


# -- weighting by mentions ----------------------------------------------------------------------
# Full text is stored for 4 and 6 only: 4 mentions 2 five times, 6 mentions 4 three times and 5
# once. Factors (1 + mentions) of the links with text: 2->4: 6, 4->6: 4, 5->6: 2; their median, 4,
# is the neutral factor of the other links (their citing papers 2, 3 and 5 have no text).
# Weighted SPC: 1->2: 2*4 = 8, 1->3: 4, 2->4: 1*6 = 6, 2->5: 4, 3->5: 4, 4->6: 1*4 = 4, 5->6: 2*2 = 4.
# Path totals: 1-2-4-6 = 8+6+4 = 18, 1-2-5-6 = 8+4+4 = 16, 1-3-5-6 = 12 -> 1, 2, 4, 6, the route
# along the heavily mentioned links (unweighted: 1, 2, 5, 6).
MENTIONS = {("4", "2"): 5, ("6", "4"): 3, ("6", "5"): 1}
WITH_TEXT = {"4", "6"}


def _unweighted_part(result: dict) -> dict:
    """A result without the keys weighting adds."""
    def strip(link):
        return {k: v for k, v in link.items() if k != "mentions"}
    out = {k: v for k, v in result.items() if k not in ("weight", "full_text")}
    out["main_path_links"] = [strip(link) for link in result["main_path_links"]]
    out["key_route_links"] = [strip(link) for link in result["key_route_links"]]
    out["key_routes"] = [{**r, "link": strip(r["link"])} for r in result["key_routes"]]
    return out


def test_mentions_change_the_main_path_to_the_heavily_mentioned_links():
    g = graph(EDGES, YEARS)
    result = main_paths(g, "1", mentions=MENTIONS, with_text=WITH_TEXT)
    assert result["weight"] == "mentions"
    assert result["main_path"] == ["1", "2", "4", "6"]
    # SPC stays the count; each link says its mentions (None: the citing paper has no text)
    assert [(link["spc"], link["mentions"]) for link in result["main_path_links"]] == [(2, None), (1, 5), (1, 3)]
    assert result["full_text"] == {"papers": 6, "with_text": 2, "links": 7, "links_with_text": 3,
                                   "neutral_factor": 4.0}
    assert main_paths(g, "1")["main_path"] == ["1", "2", "5", "6"] and main_paths(g, "1")["weight"] == "none"
    # local search: at 2, 2->4 (6) beats 2->5 (4) -> the same path; key routes ranked by weighted SPC
    local = main_paths(g, "1", key_routes=1, search="local", mentions=MENTIONS, with_text=WITH_TEXT)
    assert local["main_path"] == ["1", "2", "4", "6"]
    assert [(r["link"]["cited"], r["link"]["citing"]) for r in local["key_routes"]] == [("1", "2")]


def test_links_without_full_text_are_not_penalised():
    # only 4 has text and mentions 2 once: its factor 2 is the median, so every link weighs 2
    # and the path is the unweighted one (weight 1 for links without text would favour 2->4)
    g = graph(EDGES, YEARS)
    result = main_paths(g, "1", mentions={("4", "2"): 1}, with_text={"4"})
    assert result["full_text"]["neutral_factor"] == 2.0
    assert result["main_path"] == ["1", "2", "5", "6"]


@pytest.mark.parametrize("key_routes,search", [(0, "global"), (3, "global"), (2, "local")])
def test_without_contexts_mentions_give_the_unweighted_result(key_routes, search):
    g = graph(EDGES + [("2", "5")], YEARS)
    plain = main_paths(g, "1", key_routes, search)
    weighted = main_paths(g, "1", key_routes, search, mentions={}, with_text=())
    assert weighted["full_text"] == {"papers": 6, "with_text": 0, "links": 7, "links_with_text": 0,
                                     "neutral_factor": 1.0}
    assert all(link["mentions"] is None for link in weighted["main_path_links"])
    assert _unweighted_part(weighted) == _unweighted_part(plain)


@pytest.mark.parametrize("seed", range(30))
def test_weighted_choice_agrees_with_the_oracle(seed):
    import random

    from .nx_oracle import csr_of
    from .nx_oracle_mainpath import main_paths as oracle_main_paths
    from .test_csr import random_graph

    g = random_graph(seed, back=0.2)
    rng = random.Random(seed)
    with_text = {p for p in g.nodes if rng.random() < 0.5}
    mentions = {(a, b): rng.randint(0, 6) for a, b in g.edges if rng.random() < 0.8}
    c = csr_of(g)
    p = str(rng.randint(1, g.number_of_nodes()))
    for key_routes, search in ((3, "global"), (2, "local")):
        for s in (None, p):
            want = oracle_main_paths(g, s, key_routes, search, mentions=mentions, with_text=with_text)
            assert main_paths(c, s, key_routes, search, mentions=mentions, with_text=with_text) == want


def test_weighted_choice_with_exact_big_counts_agrees_with_the_oracle():
    import random

    from .nx_oracle import csr_of
    from .nx_oracle_mainpath import main_paths as oracle_main_paths
    from .test_csr import layered

    g = layered(120, 5, 0)  # exact integers past a float's 53 bits: shares times factors decide
    rng = random.Random(0)
    with_text = {p for p in g.nodes if rng.random() < 0.3}
    mentions = {(a, b): rng.randint(0, 9) for a, b in g.edges}
    got = main_paths(csr_of(g), "1", 3, mentions=mentions, with_text=with_text)
    want = oracle_main_paths(g, "1", 3, mentions=mentions, with_text=with_text)
    assert want["total_paths"].bit_length() > 100 and got == want
    assert got["main_path"] != main_paths(csr_of(g), "1", 3)["main_path"]
