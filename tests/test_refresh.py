"""`citegraph crawl --refresh`: a crawl of a synthetic corpus served locally, then new citing
records appear in the corpus; the refresh must report exactly the new papers citing members it
re-links, and leave members linked more recently than --max-age alone (server request counts)."""

from __future__ import annotations

import json
import sqlite3
import time

import pytest

from citegraph import cli
from citegraph.config import Settings
from citegraph.errors import InputError
from citegraph.pubmed import parse_articles
from citegraph.refresh import parse_duration, refresh
from citegraph.sources.eutils import EutilsClient
from citegraph.store import Store
from citegraph.testing import Corpus
from cli_run import run

ROOT = "90000001"
DAY = 86400.0


def record(pmid: int, year: int, title: str, cites: list[str], types: tuple[str, ...] = ()) -> bytes:
    # PublicationType UIs left out: the crawl goes by the names
    type_list = "".join(f"<PublicationType>{t}</PublicationType>" for t in types)
    type_list = f"<Language>eng</Language><PublicationTypeList>{type_list}</PublicationTypeList>" if types else ""
    refs = "".join(f'<Reference><Citation>ref</Citation><ArticleIdList><ArticleId IdType="pubmed">{c}</ArticleId>'
                   f"</ArticleIdList></Reference>" for c in cites)
    return (f'<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM"><PMID Version="1">{pmid}</PMID>'
            f"<DateRevised><Year>{year}</Year><Month>01</Month><Day>02</Day></DateRevised>"
            f'<Article PubModel="Print"><Journal><JournalIssue CitedMedium="Print"><PubDate><Year>{year}</Year>'
            f"</PubDate></JournalIssue><Title>Watch Journal</Title></Journal><ArticleTitle>{title}</ArticleTitle>"
            f"{type_list}</Article></MedlineCitation><PubmedData><ReferenceList>{refs}</ReferenceList></PubmedData>"
            f"</PubmedArticle>").encode()


def add_records(corpus: Corpus, *records: bytes) -> None:
    corpus.add(parse_articles(b"<PubmedArticleSet>" + b"".join(records) + b"</PubmedArticleSet>"))


@pytest.fixture
def corpus():
    return Corpus.synthetic(300, seed=11)


@pytest.fixture
def server(serve_eutils, corpus):
    """The module's ``corpus`` served to the CLI (tests/conftest.py's ``serve_eutils``)."""
    return serve_eutils(corpus)


def age_links(store_path, pmids, days: float) -> None:
    """Pretend these members were linked ``days`` earlier than they were."""
    db = sqlite3.connect(store_path)
    with db:
        db.executemany("UPDATE crawl_nodes SET linked_at = linked_at - ? WHERE pmid = ?",
                       [(days * DAY, int(p)) for p in pmids])
    db.close()


def test_parse_duration():
    assert parse_duration("30m") == 1800 and parse_duration("12h") == 43200
    assert parse_duration("7d") == 7 * DAY and parse_duration("2w") == 14 * DAY and parse_duration("90s") == 90
    for bad in ("", "7", "d7", "7 days", "-1d"):
        with pytest.raises(InputError):
            parse_duration(bad)


def test_refresh_reports_exactly_the_new_citing_papers(server, corpus, capsys, tmp_path):
    code, out, err = run(capsys, "crawl", ROOT, "--depth", "2", "--json")
    assert code == 0, err
    gen1 = sorted(corpus.cited_by(ROOT), key=int)
    g1a, g1b = gen1[0], gen1[1]
    gen2 = sorted((set(corpus.cited_by(g1a)) - set(gen1) - {ROOT}), key=int)
    assert gen1 and gen2, "the corpus needs a second generation for this test"
    outside = next(p for p in corpus.pmids() if p not in set(gen1) | set(gen2) | {ROOT}
                   and not set(corpus.refs(p)) & ({ROOT} | set(gen1)))
    store_path = tmp_path / "cache" / "citegraph.sqlite"

    # just crawled: every member is fresh, nothing is asked
    server.reset_stats()
    code, out, err = run(capsys, "crawl", "--refresh", ROOT, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["relinked"] == 0 and data["new_papers"] == [] and data["requests"] == 0
    assert data["fresh"] == 1 + len(gen1)  # the seed and generation 1: the members the crawl links
    assert server.stats()["by_endpoint"]["elink"] == 0

    add_records(
        corpus,
        record(99000001, 2031, "Cites the seed.", [ROOT]),
        record(99000002, 2031, "Cites an old first-generation paper.", [g1a]),
        record(99000003, 2031, "Cites a recently linked first-generation paper.", [g1b]),
        record(99000004, 2031, "Cites a second-generation paper (not linked at depth 2).", [gen2[0]]),
        record(99000005, 2031, "Cites the seed and the old first-generation paper.", [ROOT, g1a]),
        record(99000006, 2031, "Cites a paper outside the crawl.", [outside]),
    )
    # links younger than --max-age: still nothing asked, nothing found
    code, out, _ = run(capsys, "crawl", "--refresh", ROOT, "--max-age", "7d", "--json")
    assert json.loads(out)["new_papers"] == [] and server.stats()["by_endpoint"]["elink"] == 0

    age_links(store_path, [ROOT, g1a], days=8)
    code, out, err = run(capsys, "crawl", "--refresh", ROOT, "--max-age", "7d", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert [(p["pmid"], p["cites"], p["generation"], p["year"]) for p in data["new_papers"]] == [
        ("99000001", [ROOT], 1, 2031),
        ("99000002", [g1a], 2, 2031),
        ("99000005", [ROOT, g1a], 1, 2031),
    ]
    assert data["new_papers"][0]["title"] == "Cites the seed."
    assert data["relinked"] == 2 + 2  # the two aged members, then the two new first-generation papers
    assert data["fresh"] == len(gen1) + 1 - 2
    assert data["fetched"] == 3 and data["complete"]
    with Store(store_path) as store:
        assert set(store.citing(ROOT)) >= {"99000001", "99000005"}
        assert "99000002" in store.citing(g1a)
        assert "99000003" not in store.citing(g1b)  # g1b was fresh: not asked
        assert store.get_article("99000004") is None

    # the new papers are members now: the same refresh finds nothing more
    server.reset_stats()
    code, out, _ = run(capsys, "crawl", "--refresh", ROOT, "--json")
    assert json.loads(out)["new_papers"] == [] and server.stats()["by_endpoint"]["elink"] == 0

    # human output: a table on stdout, the summary on stderr
    age_links(store_path, [g1b], days=30)
    code, out, err = run(capsys, "crawl", "--refresh", ROOT)
    assert code == 0, err
    assert "99000003" in out and "recently linked first-generation" in out and g1b in out
    assert "re-linked 1 of the crawl's papers" in err


def test_only_stale_members_are_linked_one_request_per_batch(server, corpus, tmp_path):
    """With one id per elink batch, the server's elink count is the number of members asked."""
    code = cli.main(["crawl", ROOT, "--depth", "2", "--json"])
    assert code == 0
    gen1 = sorted(corpus.cited_by(ROOT), key=int)
    store_path = tmp_path / "cache" / "citegraph.sqlite"
    stale = gen1[:3]
    age_links(store_path, stale, days=2)
    server.reset_stats()
    settings = Settings(data_dir=tmp_path / "cache", eutils_url=server.url, rate=50)
    before = time.time()
    with Store(store_path) as store, EutilsClient(settings) as client:
        report = refresh(client, store, ROOT, parse_duration("1d"), parse=parse_articles, link_batch=1)
    assert report.relinked == 3 and report.new_papers == []
    assert server.stats()["by_endpoint"]["elink"] == 3
    assert server.stats()["by_endpoint"]["efetch"] == 0
    with Store(store_path) as store:
        ages = {p: t for p, _, _, t in store.link_ages(report.crawl_id)}
    assert all(ages[p] >= before for p in stale)  # linked by this refresh, not two days ago


def test_refresh_leaves_out_the_types_the_crawl_excludes(server, corpus, capsys, tmp_path):
    code, out, err = run(capsys, "crawl", ROOT, "--depth", "1", "--exclude-type", "review", "--json")
    assert code == 0, err
    add_records(corpus,
                record(99000011, 2031, "A review citing the seed.", [ROOT], ("Journal Article", "Review")),
                record(99000012, 2031, "An article citing the seed.", [ROOT], ("Journal Article",)))
    age_links(tmp_path / "cache" / "citegraph.sqlite", [ROOT], days=8)
    code, out, err = run(capsys, "crawl", "--refresh", ROOT, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert [p["pmid"] for p in data["new_papers"]] == ["99000012"]
    assert data["excluded"] == ["99000011"]
    with Store(tmp_path / "cache" / "citegraph.sqlite") as store:
        crawl_id = store.latest_crawl_of(ROOT)["id"]
        assert ("99000011", "type:review") in store.node_details(crawl_id, "excluded")
        assert store.get_article("99000011") is not None  # stored all the same: its record was needed


def test_refresh_needs_a_crawl(server, capsys):
    code, out, err = run(capsys, "crawl", ROOT, "--depth", "1", "--json")
    code, out, err = run(capsys, "crawl", "--refresh", "90000002", "--json")
    assert code == 1 and "no crawl from 90000002" in err
    code, out, err = run(capsys, "crawl", "--refresh", ROOT, "--max-age", "soon")
    assert code == 1 and "not a duration" in err
    code, out, err = run(capsys, "crawl", ROOT, "--refresh", ROOT)
    assert code == 2


class ShortClient:
    """E-utilities from a dict (cited -> citing); efetch answers of more than one record leave
    the last one out while ``short`` is set, as NCBI's answers sometimes do."""

    def __init__(self, cited_by: dict[str, list[str]]):
        self.cited_by = cited_by
        self.short = False
        self.efetches: list[tuple[str, ...]] = []

    def efetch(self, pmids, *, parse):
        from citegraph.models import Article

        self.efetches.append(tuple(pmids))
        answer = [Article(pmid=p, title=f"paper {p}", year=2020, raw_xml=b"<PubmedArticle/>") for p in pmids]
        return answer[:-1] if self.short and len(answer) > 1 else answer

    def elink(self, pmids, linkname):
        return {p: list(self.cited_by.get(p, [])) for p in pmids}


def test_refresh_asks_again_for_records_an_answer_left_out(tmp_path):
    """The refresh fetches with the crawl's fetch step: a record missing from an efetch
    answer is asked for again, not taken for a paper without a record."""
    from citegraph.crawl import CrawlOptions, Crawler

    client = ShortClient({"1": ["2"]})
    with Store(tmp_path / "store.sqlite") as store:
        Crawler(client, store, parse=parse_articles).run(["1"], CrawlOptions(depth=1))
        client.cited_by["1"] += ["8", "9"]
        client.short = True
        report = refresh(client, store, "1", 0.0, parse=parse_articles, now=time.time() + DAY)
        assert [p.pmid for p in report.new_papers] == ["8", "9"] and report.missing == []
        assert client.efetches[-2:] == [("8", "9"), ("9",)]
        assert store.missing_pmids(["8", "9"]) == set()


def test_refresh_crawl_opens_no_icite_client_for_a_local_eutils(tmp_path, monkeypatch):
    """The refresh as the command runs it: with a local E-utilities and no iCite URL no iCite
    client is made; with an iCite URL one is made, counted, and closed."""
    from citegraph.crawl import CrawlOptions, Crawler
    from citegraph.refresh import refresh_crawl
    from citegraph.sources import icite as icite_module

    made = []

    class CountedICite:
        def __init__(self, settings):
            self.stats = {"requests": 0}
            self.closed = False
            made.append(self)

        def pubs(self, pmids):
            self.stats["requests"] += 1
            return {}

        def close(self):
            self.closed = True

    monkeypatch.setattr(icite_module, "ICiteClient", CountedICite)
    client = ShortClient({"1": ["2"]})
    with Store(tmp_path / "store.sqlite") as store:
        Crawler(client, store, parse=parse_articles).run(["1"], CrawlOptions(depth=1))
        client.cited_by["1"] += ["8"]
        local = Settings(data_dir=tmp_path, eutils_url="http://127.0.0.1:9/eutils/")
        report = refresh_crawl(local, store, "1", 0.0, client, now=time.time() + DAY)
        assert [p.pmid for p in report.new_papers] == ["8"] and made == []
        with_icite = Settings(data_dir=tmp_path, eutils_url="http://127.0.0.1:9/eutils/",
                              icite_url="http://127.0.0.1:9/icite/api/")
        report = refresh_crawl(with_icite, store, "1", 0.0, client, now=time.time() + 2 * DAY)
        assert len(made) == 1 and made[0].closed and report.new_papers == []
