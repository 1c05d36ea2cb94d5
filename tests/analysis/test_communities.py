from citegraph.analysis.communities import communities
from citegraph.analysis.selection import PaperMeta

from .helpers import graph


def _two_cliques():
    a = ["1", "2", "3", "4", "5"]
    b = ["11", "12", "13", "14", "15"]
    # within a group every paper cites all earlier ones (y cites x)
    edges = [(y, x) for group in (a, b) for i, x in enumerate(group) for y in group[i + 1:]]
    edges.append(("11", "1"))  # one bridge
    years = {n: 1990 + int(n) % 10 for n in a + b}
    meta = {n: PaperMeta(mesh=(("D1", "Alpha"), ("D0", "Humans"))) for n in a}
    meta.update({n: PaperMeta(mesh=(("D2", "Beta"), ("D0", "Humans"))) for n in b})
    return graph(edges, years), meta, a, b


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


def test_same_seed_same_communities():
    g, meta, *_ = _two_cliques()
    assert communities(g, meta, seed=5) == communities(g, meta, seed=5)


def test_empty_and_edgeless_graphs():
    assert communities(graph([])) == []
    assert communities(graph([], years={"1": 2000, "2": 2001})) == []
