"""Reading the lens's inputs from the store and classifying through the topic cache
(citegraph.analysis.load): the batch path gives the answers of classify."""

from __future__ import annotations

import json

import pytest

from citegraph.analysis.lens import classify, load_lens, parse_lens
from citegraph.analysis.lens_batch import mesh_matches
from citegraph.analysis.lens_store import lens_mesh_matches
from citegraph.analysis.load import _classify_cached, load_graph, load_meta
from citegraph.models import Article, MeshHeading
from citegraph.store import Store, _abstract_of_head

ABSTRACTS = {
    "1": 'Quotes "in" it, a fake key ,"authors": and \\ backslashes; interleukin-2 therapy',
    "2": "",
    "3": "Adoptive transfer of tumour-infiltrating lymphocytes, then CAR-T cells; and much later in the text, once more, the CAR-T cells",
    "4": "ünïcödé low-dose İL-2 and NK cells against tumour cells",
}  # the built-in lens asks for therapy context (cytokines given, NK against tumours, CAR twice)
MESH = {
    "1": [MeshHeading("Interleukin-2", ui="D007376")],
    "2": [MeshHeading("Killer Cells, Natural", ui="D007694"), MeshHeading("Humans", ui="D006801"),
          MeshHeading("Cytokine-Induced Killer Cells", ui="D055612")],
    "3": [MeshHeading("Interleukin-2 Receptor", ui="D015375")],  # a name that only starts like a term
    "4": [],
}


def lens_rows(store: Store, pmids=None, *, between=None) -> list[tuple]:
    """Store.lens_columns row by row: (pmid as text, title, abstract, MeSH JSON, fetched_at)."""
    numbers, *columns = store.lens_columns(pmids, between=between)
    return list(zip(map(str, numbers), *columns))


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "s.sqlite") as s:
        with s.transaction():
            s.put_articles([Article(pmid=p, title=f"Paper {p}", year=1990 + int(p), abstract=ABSTRACTS[p],
                                    mesh=MESH[p], raw_xml=b"<x/>") for p in ABSTRACTS])
        yield s


def test_lens_columns_cut_the_abstract_out_of_the_record(store):
    rows = {r[0]: r for r in lens_rows(store)}
    assert {p: r[2] or "" for p, r in rows.items()} == ABSTRACTS
    assert rows["1"][1] == "Paper 1" and '"D007376"' in rows["1"][3] and isinstance(rows["1"][4], float)
    assert [r[0] for r in lens_rows(store, ["3", "9"])] == ["3"]
    assert store.abstracts(["1"]) == {"1": ABSTRACTS["1"]}  # the same as the whole record gives


def test_lens_mesh_finds_whole_uis_and_names_only(store):
    lens = parse_lens('[[topic]]\nkey = "il2"\nmesh = ["D007376", "Interleukin-2"]\n'
                      '[[topic]]\nkey = "nk"\nmesh = ["Killer Cells, Natural"]\n'
                      '[[topic]]\nkey = "none"\nmesh = ["D006801,"]\n')
    rows = sorted(lens_rows(store))
    got = lens_mesh_matches(lens, [r[3] for r in rows])
    # paper 3's "Interleukin-2 Receptor" only starts like a term; "D006801," is no UI
    assert got.tolist() == [[True, False, False, False], [False, True, False, False], [False] * 4]
    decoded = mesh_matches(lens, [[v for pair in json.loads(r[3]) for v in pair] for r in rows])
    assert got.tolist() == decoded.tolist()


def test_lens_columns_fall_back_to_the_whole_record(store):
    # heads that cannot tell the abstract: no "authors" key, a cut inside an object, two abstracts
    records = {"1": '{"pmid":"1","title":"t","abstract":"whole record"}',
               "2": '{"pmid":"2","x":{"a":1,"authors":2},"abstract":"after the cut"}',
               "3": '{"pmid":"3","abstract":"first","abstract":"second","authors":[]}'}
    for pmid, data in records.items():
        store._execute("UPDATE articles SET data = ? WHERE pmid = ?", (data, int(pmid)))
    rows = {r[0]: r[2] for r in lens_rows(store)}
    extracted = {str(p): a for p, a in store._execute("SELECT pmid, json_extract(data, '$.abstract') FROM articles")}
    assert rows == extracted and rows["1"] == "whole record" and rows["2"] == "after the cut"
    assert rows["3"] == "first" and rows["4"] == ABSTRACTS["4"]
    assert _abstract_of_head(b'{"pmid":"5","abstract":null') is None
    assert _abstract_of_head(b'{"pmid":"5","abstract":7') is False  # not text: json_extract decides


def test_classify_cached_matches_classify_then_reads_back(store):
    lens = load_lens()
    graph = load_graph(store)
    graph.add_unstored("99", ["1"])
    meta = load_meta(store, abstracts=True)
    graph.preload(list(graph.nodes))
    expected = classify(lens, graph, meta)
    assert expected == {"1": ["cytokines"], "2": ["nk"], "3": ["til", "car-t"], "4": ["nk", "cytokines"]}
    assert _classify_cached(store, lens, graph, None) == expected
    assert store.read_topic_cache(lens.digest) == {"1": "cytokines", "2": "nk", "3": "til\tcar-t", "4": "nk\tcytokines"}
    store._execute("UPDATE articles SET title = 'changed, but the cache says otherwise' WHERE pmid = 2")
    assert _classify_cached(store, lens, graph, ["2", "3"]) == {"2": ["nk"], "3": ["til", "car-t"]}


def test_lens_columns_between_two_pmids(store):
    assert sorted(r[0] for r in lens_rows(store, between=(2, 4))) == ["2", "3"]
    assert sorted(lens_rows(store, between=(0, 10))) == sorted(lens_rows(store))


def test_article_meta_sync_sees_records_written_by_another_connection(store):
    store.sync_article_meta()
    with Store(store.path) as other:
        with other.transaction():
            other.put_articles([Article(pmid="7", title="Paper 7", mesh=[MeshHeading("Interleukin-2", ui="D007376")],
                                        raw_xml=b"<x/>")])
    assert load_meta(store, ["7"])["7"].mesh == (("D007376", "Interleukin-2"),)
    with store.transaction():
        store.delete_articles(["7"], "deleted")
    assert "7" not in load_meta(store)
