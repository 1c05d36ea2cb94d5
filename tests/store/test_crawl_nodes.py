"""The crawl-node state machine (citegraph/store/crawls.py): each crawl step's outcome is
one store call, and the store settles a paper linked while its record was on its way."""

from __future__ import annotations

import pytest

from citegraph.models import Article
from citegraph.parse_pool import digest_articles
from citegraph.store import PreparedArticles, Store


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "store.sqlite") as s:
        yield s


def fetched(*pmids: str):
    digests = digest_articles([Article(pmid=p, title=f"paper {p}", year=2000, raw_xml=b"<PubmedArticle/>")
                               for p in pmids])
    return PreparedArticles(d.row for d in digests), [row for d in digests for row in d.edge_rows]


def states(store, crawl_id) -> dict[str, tuple[str, str]]:
    rows = store._execute("SELECT pmid, state, COALESCE(detail, '') FROM crawl_nodes WHERE crawl_id = ?",
                          (crawl_id,)).fetchall()
    return {str(p): (s, d) for p, s, d in rows}


def test_a_paper_linked_before_its_record_arrives_is_done_when_it_does(store):
    crawl_id, _ = store.open_crawl("k", ["1"], {})
    store.record_discovered(crawl_id, [("1", 0, "link", None), ("2", 1, "fetch", None), ("3", 1, "fetch", None),
                                       ("4", 1, "fetch", None)])
    # 2 is linked and 3's link fails while their records are on their way; 4 is not linked yet
    store.record_linked(crawl_id, ["1", "2"], seen_at=5.0, failed={"3": "elink error: busy"},
                        new_nodes=[("5", 2, "fetch", None)])
    nodes = store.crawl_nodes(crawl_id)
    assert nodes.linked == {"2"} and nodes.link_failed == {"3"} and nodes.to_fetch == ["2", "3", "4", "5"]
    assert states(store, crawl_id)["1"] == ("done", "")
    records, edges = fetched("2", "3", "4")
    store.record_fetched(crawl_id, records=records, edges=edges, absent=["5"],
                         states={"2": ("link", None), "3": ("link", None), "4": ("link", None),
                                 "5": ("missing", None)})
    assert states(store, crawl_id) == {"1": ("done", ""), "2": ("done", ""), "3": ("failed", "link|elink error: busy"),
                                       "4": ("link", ""), "5": ("missing", "")}
    assert store.known_pmids(["2", "3", "4"]) == {"2", "3", "4"} and store.missing_pmids(["5"]) == {"5"}
    assert {p: t for p, _, _, t in store.link_ages(crawl_id) if t} == {"1": 5.0, "2": 5.0}


def test_failed_papers_go_back_to_the_stage_that_failed(store):
    crawl_id, _ = store.open_crawl("k", ["1"], {})
    store.record_discovered(crawl_id, [("1", 0, "link", None), ("2", 1, "fetch", None), ("3", 1, "fetch", None),
                                       ("6", 1, "fetch", None)])
    store.record_failed(crawl_id, "link", {"1": "HTTP 503", "3": "HTTP 503"})  # 3 waits for its record
    store.record_linked(crawl_id, ["6"], seen_at=1.0)
    store.record_failed(crawl_id, "fetch", {"2": "HTTP 500", "3": "HTTP 500", "6": "HTTP 500"})
    assert store.crawl_outcome(crawl_id).failed == [("1", "link|HTTP 503"), ("2", "fetch|HTTP 500"),
                                                    ("3", "fetch|HTTP 500"), ("6", "fetch|HTTP 500")]
    refetch, relink, linked = store.retry_failed_nodes(crawl_id)
    assert (refetch, relink, linked) == (["2", "3", "6"], ["1"], {"6"})
    nodes = store.crawl_nodes(crawl_id)
    # 3's failed link is forgotten with its fetch failure: it is linked again
    assert nodes.to_fetch == ["2", "3", "6"] and nodes.to_link == ["1"] and nodes.link_failed == set()
    assert nodes.linked == {"6"}
    with pytest.raises(ValueError):
        store.record_failed(crawl_id, "parse", {"2": "?"})


def test_crawl_outcome_counts_members_and_generations(store):
    crawl_id, _ = store.open_crawl("k", ["1"], {})
    store.record_discovered(crawl_id, [("1", 0, "done", None), ("2", 1, "done", None), ("3", 1, "excluded", "year"),
                                       ("4", 1, "missing", None), ("5", 2, "done", None)])
    outcome = store.crawl_outcome(crawl_id)
    assert outcome.members == 3 and outcome.generations == {0: 1, 1: 1, 2: 1}
    assert outcome.excluded == [("3", "year")] and outcome.missing == ["4"] and outcome.failed == []
