import pytest

from citegraph.analysis.selection import Filters, PaperMeta, induced_subgraph, neighbourhood, select, selection_mask
from citegraph.errors import InputError

from .helpers import graph

# 1 is the seed; 2 and 3 cite 1; 4 cites 2; 5 cites 4; 1 cites 9 (a reference)
EDGES = [("2", "1"), ("3", "1"), ("4", "2"), ("5", "4"), ("1", "9")]
YEARS = {"1": 1987, "2": 1990, "3": 1995, "4": 2000, "5": 2010, "9": 1980}


def test_neighbourhood_by_direction_and_depth():
    g = graph(EDGES, YEARS)
    assert neighbourhood(g, ["1"]) == {"1": 0, "2": 1, "3": 1, "4": 2, "5": 3}
    assert neighbourhood(g, ["1"], depth=1) == {"1": 0, "2": 1, "3": 1}
    assert neighbourhood(g, ["1"], direction="references") == {"1": 0, "9": 1}
    assert neighbourhood(g, ["4"], depth=1, direction="both") == {"4": 0, "2": 1, "5": 1}


def test_neighbourhood_rejects_unknown_seed_and_direction():
    g = graph(EDGES, YEARS)
    with pytest.raises(InputError, match="77"):
        neighbourhood(g, ["77"])
    with pytest.raises(InputError, match="sideways"):
        neighbourhood(g, ["1"], direction="sideways")


def test_year_filters_keep_the_seed_and_cut_chains():
    g = graph(EDGES, YEARS)
    sub = g.subgraph(selection_mask(g, Filters(seeds=["1"], since=1995)))
    # 2 (1990) is removed, so 4 and 5 stay selected (neighbourhood first) but lose their link to 1
    assert set(sub.nodes) == {"1", "3", "4", "5"}
    assert set(sub.edges) == {("3", "1"), ("5", "4")}
    assert select(g, Filters(seeds=["1"], since=1995)) == ["1", "3", "4", "5"]
    assert select(g, Filters(until=1990)) == ["1", "2", "9"]


def test_type_mesh_text_journal_and_topic_filters():
    g = graph(EDGES, YEARS, titles={"2": "LAK cells", "3": "An erratum", "4": "CAR-T", "5": "NK cells"},
              journals={"4": "Blood"})
    meta = {
        "2": PaperMeta(("Journal Article",), (("D007376", "Interleukin-2"),)),
        "3": PaperMeta(("Published Erratum",)),
        "4": PaperMeta(("Journal Article",), (), abstract="chimeric antigen receptor T cells"),
        "5": PaperMeta(("Comment",), (("D007694", "Killer Cells, Natural"),)),
    }
    only = lambda **kw: set(select(g, Filters(seeds=["1"], **kw), meta=meta,  # noqa: E731
                                   topics_of={"4": ["car-t"]}))
    assert only(exclude_types=("published erratum", "COMMENT")) == {"1", "2", "4"}
    assert only(mesh=("d007376",)) == {"1", "2"}
    assert only(mesh=("Killer Cells, Natural",)) == {"1", "5"}
    assert only(match="chimeric|lak") == {"1", "2", "4"}
    assert only(journal="blo") == {"1", "4"}
    assert only(topics=("CAR-T",)) == {"1", "4"}


def test_bad_filters_are_input_errors():
    with pytest.raises(InputError, match="regular expression"):
        Filters(match="(unclosed")
    with pytest.raises(InputError, match="after"):
        Filters(since=2000, until=1990)


def test_empty_graph_and_whole_graph():
    g = graph([])
    assert select(g) == []
    full = graph(EDGES, YEARS)
    assert full.subgraph(selection_mask(full)) is full  # nothing to filter: the same graph, not a copy


def test_induced_subgraph_keeps_attributes_and_inner_edges_only():
    g = graph(EDGES, YEARS)
    sub = induced_subgraph(g, ["1", "2", "4"])
    assert set(sub.edges) == {("2", "1"), ("4", "2")}
    assert sub.nodes["4"]["year"] == 2000


def test_load_graph_equals_the_oracles_graph(tmp_path):
    from citegraph.analysis.load import load_graph
    from citegraph.models import Article
    from citegraph.store import Store

    from .nx_oracle import build_graph

    with Store(tmp_path / "s.sqlite") as store:
        with store.transaction():
            store.put_articles([Article(pmid=p, title=f"t{p}", year=2000 + int(p), journal="J", raw_xml=b"<x/>")
                                for p in ("1", "2", "3")])
            store.add_citations([("2", "1"), ("3", "1"), ("3", "2"), ("3", "99")], "pubmed:references")
            store.add_citations([("2", "1")], "elink:pubmed_pubmed_citedin")  # the same edge twice
        built, loaded = build_graph(store), load_graph(store)
        assert set(loaded.edges) == set(built.edges) == {("2", "1"), ("3", "1"), ("3", "2")}
        assert {n: dict(loaded.nodes[n]) for n in loaded.nodes} == dict(built.nodes(data=True))
    assert loaded.in_degree("1") == 2 and loaded.number_of_edges() == 3


def test_article_meta_follows_new_refetched_and_deleted_records(tmp_path):
    from citegraph.analysis.load import load_meta
    from citegraph.models import Article, CommentCorrection, MeshHeading
    from citegraph.store import Store

    with Store(tmp_path / "s.sqlite") as store:
        with store.transaction():
            store.put_articles([Article(pmid="1", title="a", date_revised="2020-01-01", raw_xml=b"<x/>",
                                        mesh=[MeshHeading("Interleukin-2", "D007376")]),
                                Article(pmid="2", title="b", raw_xml=b"<x/>",
                                        publication_types=["Retracted Publication"])], now=1.0)
        meta = load_meta(store)
        assert meta["1"].mesh == (("D007376", "Interleukin-2"),) and not meta["1"].retracted
        assert meta["2"].retracted and store.retracted_pmids() == {"2"}
        with store.transaction():  # a newer revision of 1 arrives: now retracted
            store.put_articles([Article(pmid="1", title="a", date_revised="2021-01-01", raw_xml=b"<x/>",
                                        comments_corrections=[CommentCorrection("RetractionIn", "9")])], now=2.0)
            store.delete_articles(["2"], "deleted")
        meta = load_meta(store)
        assert set(meta) == {"1"} and meta["1"].retracted and meta["1"].mesh == ()
        with store.transaction():  # a deletion alone, nothing newer written
            store.put_articles([Article(pmid="3", title="c", raw_xml=b"<x/>")], now=3.0)
        assert set(load_meta(store)) == {"1", "3"}
        with store.transaction():
            store.delete_articles(["1"], "deleted")
        assert set(load_meta(store)) == {"3"}


def test_one_case_rule_spacing_and_casefold():
    # the selection's case rule (citegraph.filters.fold): whitespace runs folded and casefold,
    # where the analysis filters used to strip and lower-case only
    g = graph(EDGES, YEARS, journals={"2": "Zeitschrift der Straße", "3": "New England  Journal"})
    meta = {"3": PaperMeta(("Published Erratum",))}
    only = lambda **kw: set(select(g, Filters(seeds=["1"], **kw), meta=meta))  # noqa: E731
    assert only(exclude_types=("published  erratum",)) == {"1", "2", "4", "5"}
    assert only(journal="STRASSE") == {"1", "2"}
    assert only(journal="england journal") == {"1", "3"}


def test_an_empty_filter_value_is_an_error_not_ignored():
    with pytest.raises(InputError, match="--mesh"):
        Filters(mesh=("",))
    with pytest.raises(InputError, match="--exclude-type"):
        Filters(exclude_types=(" ",))
