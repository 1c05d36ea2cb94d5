"""MeSH as columns (MeshIndex) and the lazily decoded metadata the analysis reads (StoredMeta)."""

from citegraph.analysis.load import load_graph, load_meta
from citegraph.analysis.mesh import MeshIndex
from citegraph.analysis.selection import PaperMeta
from citegraph.models import Article, MeshHeading
from citegraph.store import Store

from .helpers import graph

HEADINGS = {
    "1": [MeshHeading("Interleukin-2", "D007376"), MeshHeading("Humans", "D006801")],
    "2": [MeshHeading("Humans", "D006801"), MeshHeading('Names "with" quotes, commas\\ and ü', "D000001")],
    "3": [],
    "4": [MeshHeading("Humans", "D006801")],
}


def _store(path):
    store = Store(path)
    with store.transaction():
        store.put_articles([Article(pmid=p, title=f"t{p}", year=2000, raw_xml=b"<x/>", mesh=m,
                                    publication_types=["Journal Article"]) for p, m in HEADINGS.items()])
        store.add_citations([("2", "1"), ("3", "1"), ("4", "2")], "elink:x")
    return store


def test_the_store_s_columns_are_the_papers_descriptors(tmp_path):
    with _store(tmp_path / "s.sqlite") as store:
        meta = load_meta(store)
        g = load_graph(store)
    columns = meta.mesh_index()  # read after the command's connection closed
    assert columns.descriptors == [("D000001", 'Names "with" quotes, commas\\ and ü'), ("D006801", "Humans"),
                                   ("D007376", "Interleukin-2")]
    rows = sorted(zip(columns.pmids.tolist(), (columns.descriptors[c][0] for c in columns.codes.tolist())))
    assert rows == [(1, "D006801"), (1, "D007376"), (2, "D000001"), (2, "D006801"), (4, "D006801")]
    assert MeshIndex.of(meta) is columns  # read once
    from_papers = MeshIndex.from_meta({p: meta[p] for p in meta})
    assert from_papers.descriptors == columns.descriptors
    assert sorted(zip(from_papers.pmids.tolist(), from_papers.codes.tolist())) == \
        sorted(zip(columns.pmids.tolist(), columns.codes.tolist()))
    node, code = columns.on(g)
    assert [(g.names()[n], columns.descriptors[c][0]) for n, c in zip(node.tolist(), code.tolist())] == \
        [("1", "D006801"), ("1", "D007376"), ("2", "D000001"), ("2", "D006801"), ("4", "D006801")]


def test_stored_meta_decodes_each_paper_as_paper_meta(tmp_path):
    with _store(tmp_path / "s.sqlite") as store:
        meta = load_meta(store, ["1", "3", "9"])
    assert set(meta) == {"1", "3"} and len(meta) == 2 and "9" not in meta
    assert meta["1"] == PaperMeta(("Journal Article",), (("D007376", "Interleukin-2"), ("D006801", "Humans")))
    assert meta.get("9") is None
    assert sorted(meta.mesh_index().pmids.tolist()) == [1, 1]


def test_columns_only_for_papers_of_the_graph_each_pair_once():
    g = graph([("2", "1")])
    columns = MeshIndex.from_meta({"1": PaperMeta(mesh=(("D2", "b"), ("D1", "a"), ("D2", "b"))),
                                   "5": PaperMeta(mesh=(("D3", "c"),)), "x": PaperMeta(mesh=(("D4", "d"),))})
    assert columns.descriptors == [("D1", "a"), ("D2", "b"), ("D3", "c")]
    node, code = columns.on(g)
    assert node.tolist() == [0, 0] and code.tolist() == [0, 1]
    assert [a.tolist() for a in MeshIndex.from_meta({}).on(g)] == [[], []]
