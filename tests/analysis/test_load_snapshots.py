"""The graph and the MeSH index read back from the store's snapshots are the ones built from
the tables, and a write is seen at once (citegraph.analysis.load, citegraph.analysis.mesh)."""

from __future__ import annotations

import numpy as np
import pytest

from citegraph.analysis.csr import CitationGraph
from citegraph.analysis.load import _graph_from_tables, load_graph
from citegraph.analysis.mesh import MeshIndex, _mesh_of, mesh_index
from citegraph.models import Article, MeshHeading
from citegraph.store import Store

EDGES = [("2", "1"), ("3", "1"), ("3", "2"), ("4", "3"), ("4", "1"), ("5", "4"), ("5", "77"), ("88", "2")]


def article(pmid: str, *mesh: tuple[str, str]) -> Article:
    return Article(pmid=pmid, title=f"Paper {pmid}", year=1980 + int(pmid), raw_xml=b"<x/>",
                   mesh=[MeshHeading(name, ui=ui) for ui, name in mesh])


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "s.sqlite") as s:
        with s.transaction():
            s.put_articles([article("1", ("D007376", "Interleukin-2")),
                            article("2", ("D007376", "Interleukin-2"), ("D006801", "Humans")),
                            article("3"), article("4", ("D006801", "Humans")), article("5")], source="efetch")
            s.add_citations(EDGES, "elink")
        yield s


ARRAYS = ("ids", "year", "stored", "src", "dst", "in_perm", "out_ptr", "in_idx", "in_ptr")


def same_graph(a: CitationGraph, b: CitationGraph) -> bool:
    return all(np.array_equal(getattr(a, name), getattr(b, name)) and getattr(a, name).dtype == getattr(b, name).dtype
               for name in ARRAYS)


def edges(graph: CitationGraph) -> set[tuple[str, str]]:
    return set(graph.edges)


@pytest.mark.parametrize("unstored", [False, True])
def test_the_graph_read_back_is_the_graph_built(store, unstored):
    built = _graph_from_tables(store, unstored, None)
    first = load_graph(store, include_unstored=unstored)  # builds it and keeps it
    assert store.read_snapshot("graph+unstored" if unstored else "graph") is not None
    again = load_graph(store, include_unstored=unstored)  # reads it back
    assert same_graph(first, built) and same_graph(again, built)
    assert ("5", "77") in edges(again) if unstored else ("5", "77") not in edges(again)
    assert again.nodes["3"]["title"] == "Paper 3" and again.nodes["3"]["year"] == 1983


def test_a_graph_read_back_can_be_changed_like_a_built_one(store):
    load_graph(store)
    graph = load_graph(store)
    graph.add_unstored("99", ["1", "2"])
    graph.year[0] = 1
    assert set(graph.pred["99"]) == {"1", "2"}


def test_a_write_is_seen_by_the_next_load(store):
    load_graph(store)
    with store.transaction():
        store.add_citations([("5", "1")], "icite")
        store.put_articles([article("6")], source="efetch")
    graph = load_graph(store)
    assert ("5", "1") in edges(graph) and "6" in graph
    assert same_graph(graph, _graph_from_tables(store, False, None))


def test_a_snapshot_that_is_not_a_graph_is_built_again(store):
    token = store.snapshot_token()
    assert store.keep_snapshot("graph", token, {"ids": b"\x01\x02\x03", "src": b"\x00" * 8})
    graph = load_graph(store)
    assert same_graph(graph, _graph_from_tables(store, False, None))


def test_parts_of_a_small_graph_keep_edge_ends_in_32_bits(store):
    parts = _graph_from_tables(store, False, None).parts()
    assert parts["index"] == b"<i4" and len(parts["dst"]) == 4 * 6 and "src" not in parts


def broken(parts: dict, name: str, value) -> dict:
    return {**parts, name: value}


@pytest.mark.parametrize("change", [
    lambda p: {},
    lambda p: {k: v for k, v in p.items() if k != "in_perm"},
    lambda p: broken(p, "index", b"<f8"),
    lambda p: broken(p, "index", b"\xff"),
    lambda p: broken(p, "stored", p["stored"] + b"\x01"),  # lengths differ
    lambda p: broken(p, "ids", p["ids"][:-3]),  # not a whole number of items
    lambda p: broken(p, "out_ptr", np.zeros(6, dtype=np.int64).tobytes()),  # rows hold fewer edges than there are
    lambda p: broken(p, "out_ptr", np.array([0, 3, 2, 6, 6, 6], dtype=np.int64).tobytes()),  # a row ends before it starts
    lambda p: broken(p, "dst", np.full(6, 99, dtype=np.int32).tobytes()),  # an edge to a paper not in the graph
    lambda p: broken(p, "in_perm", np.full(6, -1, dtype=np.int32).tobytes()),
    lambda p: broken(p, "ids", np.array([1, 3, 2, 4, 5], dtype=np.int64).tobytes()),
    lambda p: broken(p, "dst", np.frombuffer(p["dst"], dtype=np.int32)[::-1].tobytes()),
    lambda p: broken(p, "in_perm", np.zeros(6, dtype=np.int32).tobytes()),  # not a permutation
    lambda p: broken(p, "in_perm", np.arange(6, dtype=np.int32).tobytes()),  # a permutation in the wrong order
], ids=["empty", "part-missing", "float-ends", "bad-index-name", "lengths-differ", "cut-array", "too-few-edges",
        "rows-backwards", "edge-outside", "negative-edge-id", "pmids-unsorted", "edges-unsorted",
        "in-perm-repeats", "in-perm-order"])
def test_from_parts_refuses_what_is_not_a_graph(store, change):
    parts = _graph_from_tables(store, False, None).parts()
    CitationGraph.from_parts(parts)  # the parts as made are a graph
    with pytest.raises(ValueError):
        CitationGraph.from_parts(change(parts))


def columns(index: MeshIndex) -> tuple:
    return index.pmids.tolist(), index.codes.tolist(), index.descriptors


def test_the_mesh_index_read_back_is_the_one_read(store):
    first = mesh_index(store)
    assert store.read_snapshot("mesh") is not None
    again = mesh_index(store)
    assert columns(again) == columns(first) == columns(_mesh_of(store, None))
    assert again.descriptors == [("D006801", "Humans"), ("D007376", "Interleukin-2")]


def test_a_changed_record_changes_the_mesh_index(store):
    mesh_index(store)
    with store.transaction():
        store.put_articles([article("3", ("D015375", "Interleukin-2 Receptor"))], source="efetch")
    index = mesh_index(store)
    assert ("D015375", "Interleukin-2 Receptor") in index.descriptors
    assert columns(index) == columns(_mesh_of(store, None))


def test_mesh_of_some_papers_is_read_not_kept(store):
    index = mesh_index(store, ["2"])
    assert sorted(index.pmids.tolist()) == [2, 2] and store.read_snapshot("mesh") is None


def test_mesh_from_parts_refuses_codes_without_descriptors():
    parts = MeshIndex.from_pairs([1, 2], [("D1", "a"), ("D2", "b")]).parts()
    parts["descriptors"] = b"[]"
    with pytest.raises(ValueError):
        MeshIndex.from_parts(parts)


def test_a_full_disk_keeps_no_snapshot_and_the_graph_still_loads(store):
    with store.transaction():  # papers without a record: a graph of over 3,000 nodes: more than a page
        store.add_citations([("5", str(p)) for p in range(1000, 4000)], "elink")
    pages = store._execute("PRAGMA page_count").fetchone()[0]
    store._execute(f"PRAGMA max_page_count = {pages}")  # the file may not grow
    graph = load_graph(store, include_unstored=True)
    assert graph.number_of_nodes() == 5 + 2 + 3000  # 77 and 88 of EDGES have no record either
    assert same_graph(graph, _graph_from_tables(store, True, None))
    assert store.read_snapshot("graph+unstored") is None
    store._execute("PRAGMA max_page_count = 1073741823")
    load_graph(store, include_unstored=True)
    assert store.read_snapshot("graph+unstored") is not None
