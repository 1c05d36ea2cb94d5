import pytest

from citegraph.analysis.communities import _undirected, communities
from citegraph.analysis.csr import CitationGraph
from citegraph.analysis.selection import PaperMeta

from .helpers import graph, nx_graph
from .nx_oracle import undirected


def _cliques(*groups, bridges=()):
    # within a group every paper cites all earlier ones (y cites x)
    edges = [(y, x) for group in groups for i, x in enumerate(group) for y in group[i + 1:]]
    edges.extend(bridges)
    years = {n: 1990 + int(n) % 10 for group in groups for n in group}
    return graph(edges, years)


def _two_cliques():
    a = ["1", "2", "3", "4", "5"]
    b = ["11", "12", "13", "14", "15"]
    meta = {n: PaperMeta(mesh=(("D1", "Alpha"), ("D0", "Humans"))) for n in a}
    meta.update({n: PaperMeta(mesh=(("D2", "Beta"), ("D0", "Humans"))) for n in b})
    return _cliques(a, b, bridges=[("11", "1")]), meta, a, b


def test_two_cliques_become_two_labelled_communities():
    g, meta, a, b = _two_cliques()
    found = communities(g, meta, seed=1)
    assert sorted(tuple(c["members"]) for c in found) == sorted([tuple(a), tuple(b)])
    labels = {c["members"][0]: [lab["descriptor"] for lab in c["labels"]] for c in found}
    # Humans is on every paper: no information, no label
    assert labels == {"1": ["Alpha"], "11": ["Beta"]}
    first = next(c for c in found if c["members"][0] == "1")
    # 1 is cited by 2..5 and by 11: the most cited member
    assert first["top"][0] == {"pmid": "1", "citations": 5}
    assert first["years"] == [1991, 1995]


@pytest.mark.parametrize("seed", [0, 1, 7, 42])
def test_three_cliques_in_a_ring_come_out_whatever_the_seed(seed):
    # three groups of six, each joined to the next by one citation: three communities, largest
    # (all six) first in PMID order of their first member
    groups = [[str(base + i) for i in range(6)] for base in (10, 20, 30)]
    g = _cliques(*groups, bridges=[("20", "15"), ("30", "25"), ("10", "35")])
    found = communities(g, seed=seed)
    assert [c["members"] for c in found] == groups
    assert [c["id"] for c in found] == [1, 2, 3]
    assert all(c["labels"] == [] for c in found)  # no MeSH, no label


def test_higher_resolution_splits_a_clique_pair_no_further_than_its_papers():
    g, meta, a, b = _two_cliques()
    coarse = communities(g, meta, resolution=0.01)
    assert [c["size"] for c in coarse] == [10]  # low resolution: one community of everything
    fine = communities(g, meta, resolution=1.0)
    assert sorted(c["size"] for c in fine) == [5, 5]


@pytest.mark.parametrize("edges", [[("1", "2"), ("2", "1"), ("2", "3")],
                                   [("3", "1"), ("1", "3"), ("2", "1"), ("4", "2"), ("2", "4"), ("4", "3")]])
def test_citations_both_ways_are_one_undirected_edge_as_networkx_keeps_them(edges):
    nodes, low, high = _undirected(graph(edges))
    want_nodes, want_edges = undirected(nx_graph(edges))
    assert nodes == want_nodes and sorted(zip(low.tolist(), high.tolist())) == want_edges
    if len(edges) == 3:
        assert want_edges == [(0, 1), (1, 2)]


def test_same_seed_same_communities():
    g, meta, *_ = _two_cliques()
    assert communities(g, meta, seed=5) == communities(g, meta, seed=5)


def test_the_seed_does_not_touch_the_process_random_generator():
    import random

    random.seed(123)
    expected = random.random()
    random.seed(123)
    g, meta, *_ = _two_cliques()
    communities(g, meta, seed=9)
    assert random.random() == expected


def test_empty_and_edgeless_graphs():
    assert communities(graph([])) == []
    assert communities(graph([], years={"1": 2000, "2": 2001})) == []
    assert communities(CitationGraph.from_edges([], [], [])) == []


# -- properties of the partition, checked with networkx as the oracle ------------------------

import math  # noqa: E402
import random  # noqa: E402
from collections import Counter  # noqa: E402

import networkx as nx  # noqa: E402

from citegraph.analysis.mesh import MeshIndex  # noqa: E402


def _citations(und: nx.Graph) -> list[tuple[str, str]]:
    """An undirected graph on 0..n-1 as citations between PMIDs 1..n (the later paper cites
    the earlier one)."""
    return [(str(max(a, b) + 1), str(min(a, b) + 1)) for a, b in und.edges]


def _as_pmids(und: nx.Graph) -> nx.Graph:
    return nx.relabel_nodes(und, {n: str(n + 1) for n in und})


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_planted_communities_are_found(seed):
    # four groups of twenty: dense inside, a few citations between them
    und = nx.planted_partition_graph(4, 20, 0.5, 0.02, seed=seed)
    found = communities(graph(_citations(und)), seed=seed, min_size=1)
    planted = [[str(block * 20 + i + 1) for i in range(20)] for block in range(4)]
    assert sorted(c["members"] for c in found) == sorted(planted)


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_modularity_is_as_good_as_networkx_louvain(seed):
    # a graph without planted structure: whatever is found is only as good as its modularity
    und = nx.gnm_random_graph(300, 900, seed=seed)
    found = communities(graph(_citations(und)), seed=seed, min_size=1)
    ours = [set(c["members"]) for c in found]
    reference = _as_pmids(und)
    covered = set().union(*ours)
    ours += [{n} for n in reference if n not in covered]  # papers without a citation: alone
    theirs = nx.community.louvain_communities(reference, seed=seed)
    assert nx.community.modularity(reference, ours) >= nx.community.modularity(reference, theirs) - 0.01


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_every_community_is_connected(seed):
    und = nx.gnm_random_graph(400, 1000, seed=seed)
    reference = _as_pmids(und)
    for c in communities(graph(_citations(und)), seed=seed):
        assert nx.is_connected(reference.subgraph(c["members"]))


def _plain_labels(group: list[str], meta: dict, total: int, overall: Counter, most: int = 3) -> list[dict]:
    """The distinctiveness labels of one community, paper by paper."""
    local: Counter = Counter()
    for node in group:
        local.update({ui for ui, _ in meta[node].mesh})
    scored = []
    for ui, k in local.items():
        if k < 2:
            continue
        p_local, p_all = k / len(group), overall[ui] / total
        scored.append((p_local * math.log(p_local / p_all), k, ui))
    scored.sort(key=lambda s: (-s[0], -s[1], s[2]))
    return [{"ui": ui, "descriptor": f"name of {ui}", "papers": k} for score, k, ui in scored[:most] if score > 0]


@pytest.mark.parametrize("seed", [0, 1])
def test_labels_are_the_plain_distinctiveness_scores(seed):
    rng = random.Random(seed)
    und = nx.planted_partition_graph(5, 30, 0.3, 0.01, seed=seed)
    pool = [f"D{i:06d}" for i in range(15)]
    meta = {}
    for n in range(150):
        # each group leans to three descriptors of its own, and every paper has a few at random
        own = pool[(n // 30) * 3:(n // 30) * 3 + 3]
        # and one of many rare ones: some on one paper of a group only, some tied
        picks = rng.sample(own, 2) + rng.sample(pool, 3) + [f"D9{rng.randrange(60):05d}"]
        meta[str(n + 1)] = PaperMeta(mesh=tuple((ui, f"name of {ui}") for ui in picks))
    g = graph(_citations(und))
    overall: Counter = Counter()
    for node in g.nodes:
        overall.update({ui for ui, _ in meta[node].mesh})
    found = communities(g, meta, seed=seed, labels=20)  # every descriptor that scores: the whole order
    assert len(found) >= 3
    for c in found:
        assert c["labels"] == _plain_labels(c["members"], meta, g.number_of_nodes(), overall, most=20)
    # the same answer from the MeSH columns
    assert communities(g, MeshIndex.from_meta(meta), seed=seed, labels=20) == found
