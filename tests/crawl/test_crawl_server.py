"""End to end: the real client and reader crawl the project's local E-utilities server.

Expected sets are derived from the corpus itself (an independent lxml pass over the real file,
or the synthetic corpus's own link index), never hard-coded.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree

from citegraph.config import Settings
from citegraph.crawl import CrawlOptions, Crawler
from citegraph.store.migrations import SOURCE_BITS
from citegraph.parse_pool import ParsePool
from citegraph.pubmed import parse_articles
from citegraph.sources.eutils import EutilsClient
from citegraph.store import Store
from citegraph.testing import Corpus, EutilsServer, FaultPlan
from citegraph.testing.process import ServerProcess
from citegraph.testing.virtual_clock import VirtualClock

ROOT = "90000001"


def run_crawl(url: str, folder: Path, seeds: list[str], rate: float = 50, pool: ParsePool | None = None,
              icite_url: str | None = None, clock: VirtualClock | None = None, **options):
    """Crawl with the reader on the crawl's threads, or in ``pool``'s worker processes; with
    ``icite_url``, iCite too (at the same ``rate``); with ``clock``, both clients pace themselves
    (and back off) in its virtual time, on one crawl thread (the clock's one sleeper)."""
    from citegraph.sources.icite import ICiteClient

    settings = Settings(eutils_url=url, data_dir=folder, rate=rate, backoff_base=0.05, backoff_max=0.5,
                        max_attempts=8, **({"icite_url": icite_url, "icite_rate": rate} if icite_url else {}))
    if icite_url:
        options["sources"] = ("pubmed", "icite")
    timing = {"clock": clock, "sleep": clock.sleep} if clock else {}
    with EutilsClient(settings, **timing) as client, Store(settings.store_path) as store, \
            ICiteClient(settings, **timing) as icite:
        crawler = Crawler(client, store, parse=pool.parse if pool else parse_articles,
                          concurrency=1 if clock else settings.concurrency,
                          requests_made=lambda: client.stats["requests"] + icite.stats["requests"],
                          icite=icite if icite_url else None)
        report = crawler.run(seeds, CrawlOptions(**options))
        articles = store.known_pmids(p for p, _ in store.nodes(report.crawl_id))
        edges = set(store._execute("SELECT citing, cited, sources FROM citations").fetchall())
    return report, articles, edges


def citing_in_file(xml: bytes, cited: str) -> set[str]:
    """Records of a PubMed XML file whose reference list names ``cited`` (plain lxml, not our
    reader): every record whose text holds ``cited`` as an element's whole text is read."""
    found: set[str] = set()
    starts = {xml.rfind(b"<PubmedArticle>", 0, m.start())
              for m in re.finditer(rb">\s*" + re.escape(cited.encode()) + rb"\s*<", xml)}
    for start in sorted(starts - {-1}):
        elem = etree.fromstring(xml[start:xml.index(b"</PubmedArticle>", start) + len(b"</PubmedArticle>")])
        pmid = elem.findtext("MedlineCitation/PMID")
        ref_ids = elem.xpath(
            "PubmedData/ReferenceList//Reference/ArticleIdList/ArticleId[@IdType='pubmed']/text()"
            " | MedlineCitation/CommentsCorrectionsList/CommentsCorrections[@RefType='Cites']/PMID/text()"
        )
        if cited in {r.strip() for r in ref_ids}:
            found.add(pmid)
    return found


def test_depth1_cited_by_on_real_corpus_stores_exactly_the_citing_records(real_corpus, update_file_xml, tmp_path):
    # 11846609 is the PMID most often cited by the records of pubmed21n1298 (see SOURCES.md);
    # it is not itself a record of the file
    seed = "11846609"
    expected = citing_in_file(update_file_xml, seed)
    assert len(expected) > 10
    with EutilsServer(real_corpus, rate_limit=2 * FAST_RATE) as server:
        report, articles, edges = run_crawl(server.url, tmp_path, [seed], rate=FAST_RATE, depth=1)
        assert server.stats()["by_status"].get("429", 0) == 0
    assert report.complete
    assert articles == expected
    assert report.missing == [seed]  # reported: the seed itself has no record
    assert {(int(p), int(seed)) for p in expected} <= {(a, b) for a, b, _ in edges}
    assert report.members == len(expected) + 1  # the seed has no record but is a member


# -- synthetic corpus, 10,000 records, depth 3 ---------------------------------------------------
# The clean crawl's server runs in a child process: it counts 429s by its own clock, which a
# client sharing its interpreter lock would make jitter. It allows twice the rate the client keeps
# to, and that rate is fast: pacing at NCBI's 3 requests/s is checked in virtual time (below),
# where it costs no waiting.

#: requests per second the clean and faulty crawls keep to (their server allows twice as many)
FAST_RATE = 100


@pytest.fixture(scope="module")
def synthetic_10k():
    return Corpus.synthetic(10_000, seed=7)


def serve_10k(*extra: str, rate: int = 2 * FAST_RATE) -> ServerProcess:
    return ServerProcess(["--synthetic", "10000", "--seed", "7", "--rate-limit", str(rate), "--prerender", *extra])


@pytest.fixture(scope="module")
def server_10k():
    """The 10k corpus served from a child process, iCite included: for the clean crawl, then
    the iCite one."""
    with serve_10k("--api-rate-limits", f"icite={2 * FAST_RATE}") as server:
        yield server


@pytest.fixture(scope="module")
def parse_pool():
    """Two worker processes that read the records, as `citegraph crawl` has."""
    with ParsePool(2) as pool:
        yield pool


@pytest.fixture(scope="module")
def clean_crawl(server_10k, parse_pool, tmp_path_factory):
    # as `citegraph crawl` runs it: the records read in worker processes
    result = run_crawl(server_10k.url, tmp_path_factory.mktemp("clean"), [ROOT], rate=FAST_RATE, depth=3,
                       pool=parse_pool)
    stats = server_10k.stats()
    assert parse_pool.parsed_in_workers > 5
    return result, stats


def test_clean_crawl_never_exceeds_the_rate_and_batches_well(clean_crawl, synthetic_10k):
    (report, articles, _edges), stats = clean_crawl
    assert stats["by_status"].get("429", 0) == 0
    assert report.complete and report.members > 5_000
    per_paper = report.requests / report.members
    print(f"\n10k synthetic, depth 3: {report.members} papers, {report.requests} requests, "
          f"{per_paper:.4f} requests/paper, {report.elapsed:.1f} s")
    assert per_paper < 0.05
    assert stats["total"] == report.requests
    # generation 1 is exactly the corpus's citers of the root
    assert report.generations[1] == len(set(synthetic_10k.cited_by(ROOT)))


def test_an_icite_crawl_keeps_both_rate_limits_and_finds_the_same_papers(clean_crawl, server_10k, parse_pool,
                                                                         tmp_path):
    """The clean crawl again with iCite, at the same fast rate on both APIs (server and client;
    pacing at 3/s is checked in virtual time below): the same papers (iCite knows every citation
    here, as elink does), each elink edge told by iCite too, no 429 from either API, and at most
    0.01 requests per paper."""
    (clean_report, clean_articles, clean_edges), _ = clean_crawl
    before = server_10k.stats()["by_api"]
    report, articles, edges = run_crawl(server_10k.url, tmp_path, [ROOT], rate=FAST_RATE, depth=3, pool=parse_pool,
                                        icite_url=server_10k.base + "/icite/api/")
    stats = server_10k.stats()  # since the server started: the clean crawl's requests too
    stats["by_api"] = {api: n - before[api] for api, n in stats["by_api"].items()}
    assert stats["429_by_api"] == {"eutils": 0, "icite": 0, "europepmc": 0, "opencitations": 0}
    assert report.complete and articles == clean_articles
    assert report.generations == clean_report.generations
    icite = {(a, b) for a, b, bits in edges if bits & SOURCE_BITS["icite"]}
    assert {(a, b) for a, b, bits in clean_edges if bits & SOURCE_BITS["elink:pubmed_pubmed_citedin"]} <= icite
    print(f"\nwith iCite: {report.requests} requests ({stats['by_api']}), "
          f"{report.requests / report.members:.4f} requests/paper")
    assert report.requests / report.members <= 0.01


def test_a_crawl_keeps_ncbis_3_requests_a_second_on_both_apis_in_virtual_time(tmp_path):
    """E-utilities and iCite at NCBI's 3 requests/s (server and client), in virtual time: the
    clients pace themselves by the clock the server counts its rolling windows in, so a request
    sent early is refused however fast or loaded the machine. No 429 from either API, and the
    crawl took the time its requests need at that rate."""
    corpus = Corpus.synthetic(1500, seed=7)
    clock = VirtualClock()
    with EutilsServer(corpus, rate_limit=3, clock=clock) as server:
        server.apis.rate_limits["icite"] = 3
        server.apis.clock = clock
        report, articles, _ = run_crawl(server.url, tmp_path, [ROOT], rate=3, depth=3,
                                        icite_url=server.apis.urls()["icite_url"], clock=clock)
        stats = server.stats()
    by_api = stats["by_api"]
    assert stats["429_by_api"] == {"eutils": 0, "icite": 0, "europepmc": 0, "opencitations": 0}
    assert by_api["eutils"] > 6 and by_api["icite"] > 3  # more than one window's worth of each
    assert report.complete and len(articles) > 1000
    # each API's requests beyond its first three waited for their window
    assert clock.elapsed >= (max(by_api["eutils"], by_api["icite"]) - 3) / 3


def test_faults_change_nothing_in_the_result(clean_crawl, tmp_path):
    """The same crawl through faults, with the records read on the crawl's threads (the clean
    one reads them in worker processes): the same papers, edges and generations."""
    (clean_report, clean_articles, clean_edges), clean_stats = clean_crawl
    with serve_10k("--faults", "5xx=0.10,reset=0.05,truncate=0.05") as server:  # faults from seed 7
        report, articles, edges = run_crawl(server.url, tmp_path, [ROOT], rate=FAST_RATE, depth=3)
        stats = server.stats()
    server_errors = sum(n for status, n in stats["by_status"].items() if status.startswith("5"))
    print(f"\nwith faults: {stats}, {report.requests} requests")
    # which kinds a request draws depends on the batch it asks for, and so on timing: the server
    # counts what it injected. Every fault costs one more request, resets and truncated bodies
    # (status 200) as much as 5xx answers.
    assert server_errors > 0 and stats["faults"]["5xx"] == server_errors
    assert stats["total"] == clean_stats["total"] + sum(stats["faults"].values())
    assert report.complete
    assert articles == clean_articles
    assert edges == clean_edges
    assert report.generations == clean_report.generations


def test_efetch_short_answers_are_asked_again(synthetic_10k, tmp_path):
    plan = FaultPlan({"short": 0.3}, seed=5)
    with EutilsServer(synthetic_10k, faults=plan) as server:
        report, articles, _ = run_crawl(server.url, tmp_path, [ROOT], depth=1)
    expected = set(synthetic_10k.cited_by(ROOT)) | {ROOT}
    assert articles == expected
    assert report.missing == []


def test_unknown_seed_is_reported_missing(synthetic_10k, tmp_path):
    with EutilsServer(synthetic_10k) as server:
        report, articles, _ = run_crawl(server.url, tmp_path, ["1"], depth=1)
    # NCBI knows nothing of it: no record, no links; the seed stays a member, nothing else
    assert articles == set()
    assert report.complete and report.members == 1
    assert report.missing == ["1"]


# -- answers holding ids that are not PMIDs: the paper fails, the crawl completes ---------------

def _record(pmid: str, cites: tuple[str, ...] = (), shown_pmid: str | None = None) -> bytes:
    refs = "".join(f'<Reference><Citation>ref</Citation><ArticleIdList><ArticleId IdType="pubmed">{c}</ArticleId>'
                   "</ArticleIdList></Reference>" for c in cites)
    return (f'<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM"><PMID Version="1">{shown_pmid or pmid}'
            f'</PMID><Article PubModel="Print"><ArticleTitle>Title {pmid}</ArticleTitle></Article></MedlineCitation>'
            f"<PubmedData><ReferenceList>{refs}</ReferenceList></PubmedData></PubmedArticle>").encode()


def _corpus(records: dict[str, tuple[bytes, tuple[str, ...]]]) -> Corpus:
    """A corpus serving these raw records as they are, under these PMIDs."""
    from citegraph.models import Article, Reference

    corpus = Corpus()
    corpus.add(Article(pmid=p, raw_xml=raw, references=[Reference(pmid=c) for c in cites])
               for p, (raw, cites) in records.items())
    return corpus


@pytest.mark.parametrize("bad", ["abc", "1" * 20, "0", "\u0661\u0662\u0663"])
@pytest.mark.parametrize("workers", [0, 2])
def test_an_efetch_record_with_a_bad_pmid_fails_that_paper_and_the_crawl_completes(tmp_path, bad, workers):
    corpus = _corpus({
        "1": (_record("1", ("2", "3", "4")), ("2", "3", "4")),
        "2": (_record("2", shown_pmid=bad), ()),
        "3": (_record("3", ("5", "abc", "9" * 20)), ("5",)),  # bad reference ids: only they are lost
        "4": (_record("4"), ()),
    })
    pool = ParsePool(workers, min_bytes=0) if workers else None
    with EutilsServer(corpus) as server:
        for _ in range(2):  # and again: the same answer, the same outcome, never a crash
            report, articles, edges = run_crawl(server.url, tmp_path, ["1"], pool=pool, depth=1,
                                                direction="references")
            assert not report.complete
            assert articles == {"1", "3", "4"}
            ((pmid, why),) = report.failed
            assert pmid == "2"
            assert why.startswith("efetch: the answer held records that cannot be stored: record ")
            assert "left out: PMID " in why
            assert (3, 5, ) in {(a, b) for a, b, _ in edges}
    if pool is not None:
        pool.close()


def test_an_elink_answer_with_a_bad_id_fails_that_paper_and_the_crawl_completes(tmp_path, monkeypatch):
    from citegraph.testing import endpoints

    corpus = _corpus({"1": (_record("1"), ()), "4": (_record("4", ("1",)), ("1",)),
                      "5": (_record("5", ("1",)), ("1",))})
    real = endpoints.ENDPOINTS["elink"]

    def bad_id(corpus, query, drop=None):
        reply = real(corpus, query, drop)
        reply.body = reply.body.replace(b"<Id>5</Id>", b"<Id>abc</Id>")
        return reply

    monkeypatch.setitem(endpoints.ENDPOINTS, "elink", bad_id)
    with EutilsServer(corpus) as server:
        for _ in range(2):
            report, articles, edges = run_crawl(server.url, tmp_path, ["1"], depth=1, direction="cited-by")
            assert not report.complete
            assert articles == {"1"}
            ((pmid, why),) = report.failed
            assert pmid == "1" and "'abc' is not a PubMed id" in why


def test_a_record_over_the_answer_size_cap_fails_alone_and_the_crawl_completes(tmp_path, monkeypatch):
    from citegraph.sources import http_client

    big = _record("2").replace(b"Title 2", b"Title " + b"w " * 100_000)  # about 200 KB
    corpus = _corpus({"1": (_record("1", ("2", "3", "4")), ("2", "3", "4")), "2": (big, ()),
                      "3": (_record("3"), ()), "4": (_record("4"), ())})
    monkeypatch.setattr(http_client, "MAX_RESPONSE_BYTES", 100_000)
    with EutilsServer(corpus) as server:
        report, articles, _ = run_crawl(server.url, tmp_path, ["1"], depth=1, direction="references")
        efetch_requests = server.stats()["by_endpoint"]["efetch"]
    assert articles == {"1", "3", "4"}
    ((pmid, why),) = report.failed
    assert pmid == "2" and "larger than 100,000 bytes" in why
    assert efetch_requests <= 6  # the seed, the batch, its halves, the big one alone: never retried
