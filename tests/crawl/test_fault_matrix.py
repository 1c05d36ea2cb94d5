"""The fault matrix: one behaviour per test, crawling the local E-utilities server.

Each fault is forced through the server's knobs (``force``, ``stall_seconds``,
``retry_after``), so nothing waits for real time beyond a fraction of a second. A crawl that
survives a fault must end with exactly the articles and edges of a clean crawl.
Client-level details (backoff arithmetic, Retry-After parsing, slow drip, 400 wrapping a 502,
connection refused) are in tests/sources/.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from citegraph.config import Settings
from citegraph.crawl import CrawlOptions, Crawler
from citegraph.errors import NetworkError
from citegraph.store.migrations import MIGRATIONS
from citegraph.pubmed import iter_articles, parse_articles
from citegraph.sources.eutils import EutilsClient
from citegraph.store import Store
from citegraph.testing import Corpus, EutilsServer
from citegraph.testing import virtual_clock as testing_clock

REPO = Path(__file__).resolve().parents[2]
ROOT = "90000001"


def fast_settings(url: str, folder: Path, **overrides) -> Settings:
    values = dict(eutils_url=url, data_dir=folder, rate=1000, backoff_base=0.01, backoff_max=0.05,
                  max_attempts=6, read_timeout=5.0, connect_timeout=2.0)
    values.update(overrides)
    return Settings(**values)


class VirtualClock(testing_clock.VirtualClock):
    """The virtual clock, watching a limiter: ``events`` lists, in order, each ``("go", at)``
    (a request let go by the limiter) and each ``("pause", at, seconds)``, listed once the
    limiter holds callers off (``at`` is read before, so it is no later than the pause's own
    start)."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[tuple] = []

    def watch(self, limiter) -> None:
        pause = limiter.pause

        def recorded_pause(seconds: float) -> None:
            at = self.now()
            pause(seconds)
            self.events.append(("pause", at, seconds))  # listed once in force

        limiter.pause = recorded_pause
        limiter._on_departure = lambda at: self.events.append(("go", at))


def crawl(url: str, folder: Path, seeds=(ROOT,), depth: int = 2, icite_url: str | None = None,
          apis: dict | None = None, source: str | None = None, clock: VirtualClock | None = None, **overrides):
    """A crawl through ``url``; with ``icite_url``, sources pubmed and iCite (the stats are
    then iCite's, and the result holds the stored iCite metrics too); with ``apis`` (the
    server's ``apis.urls()``) and ``source`` (europepmc or opencitations), sources pubmed and
    that one (the stats are its, the edges include those with papers outside PubMed); with
    ``clock``, the E-utilities client waits on that clock (and it watches the client's limiter)."""
    from citegraph.sources.europepmc import EuropePMCClient
    from citegraph.sources.icite import ICiteClient
    from citegraph.sources.opencitations import OpenCitationsClient

    urls = dict(apis or {})
    if icite_url:
        urls["icite_url"], source = icite_url, "icite"
    rates = {"icite_rate": 1000, "europepmc_rate": 1000, "opencitations_rate": 1000}
    settings = fast_settings(url, folder, **urls, **rates, **overrides)
    sources = ("pubmed", source) if source else ("pubmed",)
    timing = {} if clock is None else {"clock": clock.now, "sleep": clock.sleep}
    with EutilsClient(settings, **timing) as client, Store(settings.store_path) as store, \
            ICiteClient(settings) as icite, EuropePMCClient(settings) as europepmc, \
            OpenCitationsClient(settings) as opencitations:
        if clock is not None:
            clock.watch(client.limiter)
        clients = {"icite": icite, "europepmc": europepmc, "opencitations": opencitations}

        def requests_made() -> int:
            return client.stats["requests"] + sum(c.stats["requests"] for c in clients.values())

        crawler = Crawler(client, store, parse=parse_articles, concurrency=4, requests_made=requests_made,
                          **{name: c for name, c in clients.items() if name in sources})
        report = crawler.run(list(seeds), CrawlOptions(depth=depth, fetch_batch=100, link_batch=50, sources=sources))
        articles = store.known_pmids(p for p, _ in store.nodes(report.crawl_id))
        edges = set(store._execute("SELECT citing, cited, sources FROM citations").fetchall())
        if source == "icite":
            metrics = {p: {k: v for k, v in m.items() if k != "fetched_at"} for p, m in store.icite_metrics().items()}
            articles = (articles, metrics)
        elif source:
            edges |= set(store._execute("SELECT citing, cited, sources FROM external_citations").fetchall())
            articles = (articles, set(store._execute("SELECT key, doi, title, year FROM external_papers").fetchall()))
    return report, articles, edges, clients[source].stats if source else client.stats


@pytest.fixture(scope="module")
def corpus():
    return Corpus.synthetic(800, seed=21)


@pytest.fixture(scope="module")
def reference(corpus, tmp_path_factory):
    with EutilsServer(corpus) as server:
        report, articles, edges, _ = crawl(server.url, tmp_path_factory.mktemp("reference"))
    assert report.complete and len(articles) > 100
    return articles, edges


# -- server faults that a retry cures ---------------------------------------------------------

CURABLE = [(endpoint, kind) for endpoint in ("efetch", "elink")
           for kind in ("5xx", "reset", "truncate", "html200", "short", "error200", "429")
           # a Link silently missing inside an elink LinkSet cannot be told from the response
           # itself (a whole missing LinkSet can, and is retried: see tests/sources)
           if (endpoint, kind) != ("elink", "short")]


@pytest.mark.parametrize("endpoint,kind", CURABLE)
def test_forced_fault_changes_nothing(endpoint, kind, corpus, reference, tmp_path):
    with EutilsServer(corpus) as server:
        server.force(endpoint, [kind] * 3)
        report, articles, edges, stats = crawl(server.url, tmp_path)
        log = server.fault_log
    assert [k for _, k in log].count(kind) == 3, log
    assert report.complete
    assert (articles, edges) == reference


def test_429_with_retry_after_is_waited_out(corpus, reference, tmp_path):
    clock = VirtualClock()
    with EutilsServer(corpus, retry_after=0.3) as server:
        server.force("elink", ["429"])
        # backoff_max above the 0.3 s asked for: the client waits rather than gives up
        report, articles, edges, stats = crawl(server.url, tmp_path, clock=clock, backoff_max=1.0)
    assert stats["by_status"].get("429") == 1
    assert stats["retries"] >= 1 and report.complete
    pauses = [(at, seconds) for kind, at, *seconds in clock.events if kind == "pause"]
    assert [seconds for _, (seconds,) in pauses] == [0.3]  # the server's wait, not the backoff's
    ((paused_at, _),) = pauses
    after = [at for kind, at, *_ in clock.events[clock.events.index(("pause", paused_at, 0.3)) + 1:] if kind == "go"]
    assert after and min(after) >= paused_at + 0.3  # no request of the client went before it was over
    assert (articles, edges) == reference


def test_stalled_response_is_cut_by_the_read_timeout_and_retried(corpus, reference, tmp_path):
    with EutilsServer(corpus, stall_seconds=3.0) as server:
        server.force("efetch", ["stall"])
        report, articles, edges, stats = crawl(server.url, tmp_path, read_timeout=0.3)
    assert stats["retries"] >= 1
    assert (articles, edges) == reference


def test_persistent_503_marks_papers_failed_and_a_rerun_completes(corpus, reference, tmp_path):
    with EutilsServer(corpus) as server:
        server.force("efetch", ["5xx"] * 200)
        report, articles, _, _ = crawl(server.url, tmp_path, max_attempts=2)
        assert not report.complete and report.status == "failed"
        failed = {p for p, _ in report.failed}
        assert ROOT in failed and all("HTTP 50" in why for _, why in report.failed)
        # failed is not empty: the papers are not stored as having no record
        with Store(tmp_path / "citegraph.sqlite") as store:
            assert not store.missing_pmids(failed)
    with EutilsServer(corpus) as server:  # a new server: the forced faults are gone
        report, articles, edges, _ = crawl(server.url, tmp_path)
    assert report.complete and report.start == "resumed" and report.status == "complete"
    assert (articles, edges) == reference


# -- the same faults on efetch db=pmc (PMC full text, citegraph/fulltext.py) -------------------

def full_text(url: str, folder: Path, **overrides):
    """A clean crawl, then the full-text fetch under whatever the server is told to do next;
    returns (fulltext report, every stored state and context row, client stats)."""
    settings = fast_settings(url, folder, **overrides)
    with EutilsClient(settings) as client, Store(settings.store_path) as store:
        report = store.latest_crawl()
        if report is None:
            crawled = Crawler(client, store, parse=parse_articles, concurrency=4).run(
                [ROOT], CrawlOptions(depth=1, fetch_batch=100, link_batch=50))
            assert crawled.complete
            report = store.latest_crawl()
        return _fetch_texts(store, client, report["id"])


def _fetch_texts(store, client, crawl_id):
    from citegraph.fulltext import fetch_fulltext

    got = fetch_fulltext(store, client, [p for p, _ in store.nodes(crawl_id)], first_batch=10)
    rows = (set(store._execute("SELECT pmid, pmcid, state, message FROM fulltext").fetchall()),
            store._execute("SELECT * FROM citation_contexts ORDER BY citing, seq").fetchall())
    return got, rows, client.stats


@pytest.fixture(scope="module")
def reference_texts(corpus, tmp_path_factory):
    with EutilsServer(corpus) as server:
        got, rows, _ = full_text(server.url, tmp_path_factory.mktemp("texts"))
    assert got.complete and got.asked["fetched"] > 10 and got.asked["not_open_access"] > 0 and len(rows[1]) > 100
    return rows


@pytest.mark.parametrize("kind", ["5xx", "reset", "truncate", "html200", "short", "error200", "429"])
def test_forced_fault_on_full_text_changes_nothing(kind, corpus, reference_texts, tmp_path):
    with EutilsServer(corpus) as server:
        full_text(server.url, tmp_path)  # crawl and fetch once...
        with Store(tmp_path / "citegraph.sqlite") as store:  # ...then forget the texts, keep the crawl
            with store.transaction():
                store._execute("DELETE FROM fulltext")
                store._execute("DELETE FROM citation_contexts")
        server.reset_stats()
        server.force("efetch", [kind] * 3)
        got, rows, stats = full_text(server.url, tmp_path)
        log = server.fault_log
    assert [k for _, k in log].count(kind) == 3, log
    assert got.complete and stats["retries"] >= 3
    assert rows == reference_texts


def test_stalled_full_text_answer_is_cut_by_the_read_timeout_and_retried(corpus, reference_texts, tmp_path):
    with EutilsServer(corpus, stall_seconds=3.0) as server:
        full_text(server.url, tmp_path)
        with Store(tmp_path / "citegraph.sqlite") as store:
            with store.transaction():
                store._execute("DELETE FROM fulltext")
                store._execute("DELETE FROM citation_contexts")
        server.force("efetch", ["stall"])
        got, rows, stats = full_text(server.url, tmp_path, read_timeout=0.3)
    assert got.complete and stats["retries"] >= 1
    assert rows == reference_texts


def test_persistent_503_on_full_text_fails_the_batches_and_a_rerun_completes(corpus, reference_texts, tmp_path):
    with EutilsServer(corpus) as server:
        full_text(server.url, tmp_path)
        with Store(tmp_path / "citegraph.sqlite") as store:
            with store.transaction():
                store._execute("DELETE FROM fulltext")
                store._execute("DELETE FROM citation_contexts")
        server.force("efetch", ["5xx"] * 500)
        got, rows, _ = full_text(server.url, tmp_path, max_attempts=2)
        assert not got.complete and all("HTTP 50" in why or "not asked" in why for _, why in got.failed)
        assert rows == (set(), [])  # nothing is recorded for a paper whose request failed
    with EutilsServer(corpus) as server:
        got, rows, _ = full_text(server.url, tmp_path)
        asked_again = server.stats()["by_endpoint"]["efetch"]
        assert got.complete and rows == reference_texts
        again, rows_again, _ = full_text(server.url, tmp_path)
        assert again.requests == 0 and server.stats()["by_endpoint"]["efetch"] == asked_again
        assert rows_again == reference_texts


# -- the same for iCite (crawls with --sources pubmed,icite) ------------------------------------


@pytest.fixture(scope="module")
def icite_reference(corpus, tmp_path_factory):
    with EutilsServer(corpus) as server:
        report, articles, edges, _ = crawl(server.url, tmp_path_factory.mktemp("icite"),
                                           icite_url=server.apis.urls()["icite_url"])
    assert report.complete and len(articles[0]) > 100 and articles[1]
    return articles, edges


#: "short" and "error200" are no iCite faults (see citegraph.testing.citation_apis)
ICITE_CURABLE = ["5xx", "reset", "truncate", "html200", "429"]


@pytest.mark.parametrize("kind", ICITE_CURABLE)
def test_forced_icite_fault_changes_nothing(kind, corpus, icite_reference, tmp_path):
    with EutilsServer(corpus) as server:
        server.force("icite/pubs", [kind] * 3)
        report, articles, edges, stats = crawl(server.url, tmp_path, icite_url=server.apis.urls()["icite_url"])
        log = server.fault_log
    assert [k for _, k in log].count(kind) == 3, log
    assert report.complete
    assert (articles, edges) == icite_reference


def test_icite_429_with_retry_after_is_waited_out_and_a_stall_cut(corpus, icite_reference, tmp_path, monkeypatch):
    from citegraph.sources.ratelimit import RateLimiter

    pauses: list[float] = []
    pause = RateLimiter.pause

    def recorded(limiter, seconds: float) -> None:
        pauses.append(seconds)
        pause(limiter, seconds)

    monkeypatch.setattr(RateLimiter, "pause", recorded)
    with EutilsServer(corpus, retry_after=0.3, stall_seconds=3.0) as server:
        server.force("icite/pubs", ["429", "stall"])
        report, articles, edges, stats = crawl(server.url, tmp_path, icite_url=server.apis.urls()["icite_url"],
                                               read_timeout=0.5, backoff_max=1.0)
    assert stats["by_status"].get("429") == 1 and stats["by_status"].get("network", 0) >= 1  # the stall, cut
    assert pauses == [pytest.approx(0.3)]  # the client held off for the server's Retry-After, no less
    assert (articles, edges) == icite_reference


def test_persistent_icite_503_fails_the_papers_and_a_rerun_completes(corpus, icite_reference, tmp_path):
    with EutilsServer(corpus) as server:
        server.force("icite/pubs", ["5xx"] * 200)
        report, _, _, _ = crawl(server.url, tmp_path, icite_url=server.apis.urls()["icite_url"], max_attempts=2)
        assert not report.complete and report.status == "failed"
        assert ROOT in {p for p, _ in report.failed}
    with EutilsServer(corpus) as server:
        report, articles, edges, _ = crawl(server.url, tmp_path, icite_url=server.apis.urls()["icite_url"])
    assert report.complete and report.start == "resumed"
    assert (articles, edges) == icite_reference


# -- the same for Europe PMC and OpenCitations (asked paper by paper) ---------------------------


@pytest.fixture(scope="module")
def per_paper_references(corpus, tmp_path_factory):
    found = {}
    with EutilsServer(corpus) as server:
        for source in ("europepmc", "opencitations"):
            report, articles, edges, _ = crawl(server.url, tmp_path_factory.mktemp(source),
                                               apis=server.apis.urls(), source=source)
            assert report.complete and articles[1]  # papers outside PubMed among them
            found[source] = (articles, edges)
    return found


#: Europe PMC also answers errors with HTTP 200 ({"errCode": ...}); neither has "short"
PER_PAPER_CURABLE = [(source, kind) for source in ("europepmc", "opencitations")
                     for kind in ("5xx", "reset", "truncate", "html200", "429", "stall")
                     + (("error200",) if source == "europepmc" else ())]


@pytest.mark.parametrize("source,kind", PER_PAPER_CURABLE)
def test_forced_per_paper_source_fault_changes_nothing(source, kind, corpus, per_paper_references, tmp_path):
    with EutilsServer(corpus, retry_after=0.05, stall_seconds=3.0) as server:
        server.force(f"{source}/citations", [kind] * 2)
        report, articles, edges, stats = crawl(server.url, tmp_path, apis=server.apis.urls(),
                                               source=source, read_timeout=0.5)
        log = server.fault_log
    assert [k for _, k in log].count(kind) == 2, log
    assert report.complete
    assert (articles, edges) == per_paper_references[source]


def test_dns_failure_is_a_clear_network_error(tmp_path):
    clock = VirtualClock()
    with pytest.raises(NetworkError) as caught:
        crawl("http://no-such-host.invalid/entrez/eutils/", tmp_path, clock=clock, max_attempts=1)
    assert "no-such-host.invalid" in str(caught.value)
    assert [kind for kind, *_ in clock.events] == ["go"]  # one attempt, no pause
    assert clock.now() < 1.0  # and no backoff: nothing but the pacing of one request was waited


# -- data shapes --------------------------------------------------------------------------------

def record(pmid: str, cites: list[str], extra: str = "") -> str:
    refs = "".join(
        f"<Reference><Citation>ref {c}</Citation><ArticleIdList><ArticleId IdType=\"pubmed\">{c}</ArticleId>"
        f"</ArticleIdList></Reference>" for c in cites
    )
    return (
        f'<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM"><PMID Version="1">{pmid}</PMID>'
        f"<Article><Journal><JournalIssue><PubDate><Year>2001</Year></PubDate></JournalIssue>"
        f"<Title>J</Title></Journal><ArticleTitle>Paper {pmid}</ArticleTitle>{extra}</Article>"
        f"</MedlineCitation><PubmedData><ReferenceList>{refs}</ReferenceList></PubmedData></PubmedArticle>"
    )


def test_cycles_self_citations_duplicates_and_unknown_elements(tmp_path):
    # 11 -> 12 -> 13 -> 11 is a cycle; 11 cites itself and cites 12 twice; 13 carries an
    # element from a future DTD; the envelope names a DTD version that does not exist yet
    xml = (
        '<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2030//EN"'
        ' "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_300101.dtd">\n<PubmedArticleSet>'
        + record("11", ["12", "11", "12"]) + record("12", ["13"])
        + record("13", ["11"], extra="<FutureElement kind=\"new\"><Nested>x</Nested></FutureElement>")
        + "</PubmedArticleSet>"
    ).encode()
    corpus = Corpus()
    corpus.add(iter_articles(xml))
    with EutilsServer(corpus) as server:
        report, articles, edges, _ = crawl(server.url, tmp_path, seeds=("11", "11"), depth=10)
    assert report.complete
    assert articles == {"11", "12", "13"}
    pairs = {(a, b) for a, b, _ in edges}
    assert pairs == {(11, 12), (12, 13), (13, 11)}  # no self-citation, no duplicate
    assert report.generations == {0: 1, 1: 1, 2: 1}  # 13 cites 11 (gen 1), 12 cites 13 (gen 2)


def test_paper_nobody_cites_is_an_empty_linkset_not_an_error(corpus, tmp_path):
    newest = max(corpus.pmids(), key=int)
    assert not corpus.cited_by(newest)
    with EutilsServer(corpus) as server:
        report, articles, _, _ = crawl(server.url, tmp_path, seeds=(newest,), depth=3)
    assert report.complete and articles == {newest} and report.members == 1


# -- storage --------------------------------------------------------------------------------------

def _cli(args: list[str], env: dict, timeout: float = 120, preexec=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "cli.py", *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=timeout, preexec_fn=preexec)


def test_disk_full_is_a_clear_error_and_the_store_stays_sound(corpus, tmp_path):
    import resource

    def limit_file_size():  # a store file that cannot grow past 300 KiB: "disk full"
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (300 * 1024, 300 * 1024))

    with EutilsServer(corpus) as server:
        env = {**os.environ, "CITEGRAPH_EUTILS_URL": server.url, "CITEGRAPH_RATE": "100",
               "CITEGRAPH_CACHE": str(tmp_path)}
        done = _cli(["crawl", ROOT, "--depth", "2"], env, preexec=limit_file_size)
        assert done.returncode == 1, done.stderr
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and "full" in lines[0] and "Traceback" not in done.stderr
        with sqlite3.connect(tmp_path / "citegraph.sqlite") as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        again = _cli(["crawl", ROOT, "--depth", "2", "--json"], env)  # room again: it resumes
        assert again.returncode == 0, again.stderr


def test_two_processes_share_one_store(corpus, tmp_path):
    others = sorted(corpus.pmids(), key=int)[1:3]
    with EutilsServer(corpus) as server:
        env = {**os.environ, "CITEGRAPH_EUTILS_URL": server.url, "CITEGRAPH_RATE": "100",
               "CITEGRAPH_CACHE": str(tmp_path)}
        procs = [subprocess.Popen([sys.executable, "cli.py", "-q", "crawl", seed, "--depth", "2"], cwd=REPO,
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                 for seed in (ROOT, *others)]
        results = [(p.wait(timeout=180), p.stderr.read()) for p in procs]
        for p in procs:
            p.stderr.close()
    assert [code for code, _ in results] == [0, 0, 0], results
    with Store(tmp_path / "citegraph.sqlite") as store:
        crawls = store._execute("SELECT status FROM crawls").fetchall()
        assert [status for (status,) in crawls] == ["complete"] * 3
        assert store.check() == []


def test_store_from_an_older_schema_is_migrated(tmp_path):
    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)
    db.executescript(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at REAL NOT NULL);"
        + MIGRATIONS[0][2]
        + "INSERT INTO schema_migrations VALUES (1, 'initial', 0);"
        "INSERT INTO crawls (key, seeds, params, status, started_at) VALUES ('k', '[\"1\"]', '{}', 'running', 0);"
        "INSERT INTO crawl_nodes (crawl_id, pmid, generation, state) VALUES (1, 1, 0, 'fetch');"
    )
    db.close()
    with Store(path) as store:
        assert store.schema_version == MIGRATIONS[-1][0]
        assert store.nodes(1, "fetch") == [("1", 0)]
        assert store.linked_flags(1) == {}
