"""The one neighbourhood walk (:mod:`citegraph.analysis.neighbourhood`) against a plain
queue-and-dicts breadth-first search: the same generations, seeds and paths on random graphs,
multiple seeds (one given twice) and every direction."""

from __future__ import annotations

import random
from collections import deque

import pytest

from citegraph.analysis.neighbourhood import Reached, neighbourhood, reach
from citegraph.errors import InputError

from .helpers import graph
from .nx_oracle import csr_of
from .test_csr import random_graph


def oracle_reach(g, seeds, direction, depth) -> dict[str, Reached]:
    """Multi-source BFS over dicts: each node keeps every seed reaching it at its shortest
    distance and the path through its first-found parent (neighbours in ascending PMID)."""
    generation: dict[str, int] = {}
    seed_sets: dict[str, set[str]] = {}
    parent: dict[str, str | None] = {}
    queue: deque[str] = deque()
    for seed in seeds:
        if seed not in generation:
            generation[seed], parent[seed], seed_sets[seed] = 0, None, {seed}
            queue.append(seed)
    while queue:
        node = queue.popleft()
        g_ = generation[node]
        if depth is not None and g_ >= depth:
            continue
        around = set()
        if direction in ("cited-by", "both"):
            around |= set(g.pred[node])
        if direction in ("references", "both"):
            around |= set(g.succ[node])
        for nxt in sorted(around, key=int):
            if nxt not in generation:
                generation[nxt], parent[nxt], seed_sets[nxt] = g_ + 1, node, set(seed_sets[node])
                queue.append(nxt)
            elif generation[nxt] == g_ + 1:
                seed_sets[nxt] |= seed_sets[node]
    result = {}
    for node, g_ in generation.items():
        path = [node]
        while parent[path[-1]] is not None:
            path.append(parent[path[-1]])
        result[node] = Reached(tuple(sorted(seed_sets[node], key=int)), g_, tuple(reversed(path)))
    return result


@pytest.mark.parametrize("case", range(60))
def test_reach_is_the_queue_walk(case):
    rng = random.Random(case)
    g = random_graph(case, back=0.3)
    c = csr_of(g)
    nodes = list(g.nodes)
    seeds = [rng.choice(nodes) for _ in range(rng.randint(1, 4))]
    for direction in ("cited-by", "references", "both"):
        for depth in (None, 0, 1, 2):
            want = oracle_reach(g, seeds, direction, depth)
            assert reach(c, seeds, depth, direction) == want
            assert neighbourhood(c, seeds, depth, direction) == {p: r.generation for p, r in want.items()}


def test_reach_with_many_seeds_uses_several_words_of_marks():
    # 70 seeds all cited... by paper 1000: it is reached from every one at distance 1
    edges = [("1000", str(i)) for i in range(1, 71)]
    c = graph(edges)
    found = reach(c, [str(i) for i in range(70, 0, -1)], 1, "cited-by")
    assert found["1000"].seeds == tuple(str(i) for i in range(1, 71))
    assert found["1000"].path == ("70", "1000")  # the first seed in queue order reaches it first


def test_reach_keeps_a_seed_outside_the_graph_and_neighbourhood_refuses_it():
    c = graph([("2", "1")])
    assert reach(c, ["1", "77"], None, "cited-by")["77"] == Reached(("77",), 0, ("77",))
    with pytest.raises(InputError, match="77"):
        neighbourhood(c, ["77"])
