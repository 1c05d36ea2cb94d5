"""Crawling with several citation sources, and the local server's coverage knobs that make
the sources differ as they do in the real world."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from citegraph.testing import Corpus, EutilsServer
from citegraph.testing.coverage import Coverage

SEED = "11846609"  # cited by 44 records of pubmed21n1298, 12 of them without a PMC id


def pmc_split(corpus: Corpus, cited: str) -> tuple[set[str], set[str]]:
    """(citers with a PMC id, citers without one), read from the corpus's reference lists."""
    citers = {c for c, d in corpus.edges() if d == cited}
    with_pmc = {c for c in citers if corpus.pmcid(c)}
    return with_pmc, citers - with_pmc


def elink_citers(server: EutilsServer, pmid: str) -> set[str]:
    answer = requests.get(server.url + "elink.fcgi", params={"dbfrom": "pubmed", "id": pmid,
                                                             "linkname": "pubmed_pubmed_citedin"}, timeout=10)
    from lxml import etree

    return set(etree.fromstring(answer.content).xpath("//Link/Id/text()"))


def icite_citers(server: EutilsServer, pmid: str) -> set[str]:
    answer = requests.get(server.apis.urls()["icite_url"] + "pubs", params={"pmids": pmid}, timeout=10).json()
    return {str(p) for p in answer["data"][0]["cited_by"]}


# -- server knobs -------------------------------------------------------------------------


def test_citedin_from_pmc_names_only_citers_with_a_pmc_id_and_icite_still_names_all(real_corpus):
    with_pmc, without = pmc_split(real_corpus, SEED)
    assert (len(with_pmc), len(without)) == (32, 12)
    with EutilsServer(real_corpus, coverage=Coverage("pmc")) as server:
        assert elink_citers(server, SEED) == with_pmc
        assert icite_citers(server, SEED) == with_pmc | without
    with EutilsServer(real_corpus) as server:  # the default: every citing record
        assert elink_citers(server, SEED) == with_pmc | without


def test_coverage_drops_the_same_share_of_one_sources_edges_every_time():
    corpus = Corpus.synthetic(2000, seed=3)
    root = max(corpus.pmids(), key=lambda p: len(corpus.cited_by(p)))
    everyone = set(corpus.cited_by(root))
    seen = []
    for _ in range(2):
        with EutilsServer(corpus, coverage=Coverage.from_known("icite=0.5")) as server:
            seen.append((icite_citers(server, root), elink_citers(server, root)))
    (icite, elink), again = seen
    assert again == seen[0]  # seeded: the same edges left out on every run
    assert elink == everyone  # only iCite's edges are dropped
    assert icite < everyone and 0.3 < len(icite) / len(everyone) < 0.7


def test_the_server_command_takes_the_coverage_knobs(tmp_path):
    from citegraph.testing.eutils_server import _parse_args

    args = _parse_args(["--synthetic", "10", "--citedin-from", "pmc", "--coverage", "icite=0.9"])
    assert args.coverage.citedin_from == "pmc" and args.coverage.drop == {"icite": pytest.approx(0.1)}
    with pytest.raises(SystemExit):
        _parse_args(["--synthetic", "10", "--coverage", "scopus=0.9"])


# -- crawling with sources ----------------------------------------------------------------


def crawl_with(server: EutilsServer, folder: Path, seeds: list[str], sources: tuple[str, ...], **options):
    """Crawl through ``server``'s E-utilities and iCite; (report, stored articles of the crawl,
    {(citing, cited): sources bit mask})."""
    from citegraph.config import Settings
    from citegraph.crawl import CrawlOptions, Crawler
    from citegraph.pubmed import parse_articles
    from citegraph.sources.eutils import EutilsClient
    from citegraph.sources.icite import ICiteClient
    from citegraph.store import Store

    settings = Settings(eutils_url=server.url, data_dir=folder, rate=50, backoff_base=0.05, backoff_max=0.5,
                        max_attempts=8, icite_url=server.apis.urls()["icite_url"], icite_rate=50)
    with EutilsClient(settings) as client, ICiteClient(settings) as icite, Store(settings.store_path) as store:
        crawler = Crawler(client, store, parse=parse_articles, icite=icite,
                          requests_made=lambda: client.stats["requests"] + icite.stats["requests"])
        report = crawler.run(seeds, CrawlOptions(sources=sources, **options))
        articles = store.known_pmids(p for p, _ in store.nodes(report.crawl_id))
        edges = {(a, b): bits for a, b, bits in store._execute("SELECT citing, cited, sources FROM citations")}
    return report, articles, edges


@pytest.fixture(scope="module")
def pmc_server(real_corpus):
    with EutilsServer(real_corpus, rate_limit=50, coverage=Coverage("pmc")) as server:
        yield server


def test_pubmed_alone_finds_the_pmc_citers_and_icite_adds_the_others(real_corpus, pmc_server, tmp_path):
    from citegraph.store.migrations import SOURCE_BITS
    from citegraph.store import Store

    with_pmc, without = pmc_split(real_corpus, SEED)
    report, articles, edges = crawl_with(pmc_server, tmp_path / "pubmed", [SEED], ("pubmed",), depth=1)
    assert report.complete and articles == with_pmc
    report, articles, edges = crawl_with(pmc_server, tmp_path / "both", [SEED], ("pubmed", "icite"), depth=1)
    assert report.complete and articles == with_pmc | without
    citedin, icite = SOURCE_BITS["elink:pubmed_pubmed_citedin"], SOURCE_BITS["icite"]
    to_seed = {str(a): bits for (a, b), bits in edges.items() if b == int(SEED)}
    assert {a for a, bits in to_seed.items() if bits & citedin} == with_pmc
    assert {a for a, bits in to_seed.items() if bits & icite} == with_pmc | without
    # the last generation is not linked, but iCite is asked for its metrics
    with Store(tmp_path / "both" / "citegraph.sqlite") as store:
        assert set(store.icite_metrics()) == with_pmc | without | {SEED}


def test_sources_are_part_of_the_crawls_key_only_beyond_pubmed():
    from citegraph.crawl import CrawlOptions

    plain = CrawlOptions(depth=1)
    assert plain.key(["1"]) == CrawlOptions(depth=1, sources=("pubmed",)).key(["1"])
    assert "sources" not in plain._key_params(["1"])  # crawls from before the option keep their key
    assert CrawlOptions(depth=1, sources=("icite", "pubmed")).key(["1"]) != plain.key(["1"])
    assert CrawlOptions(sources="icite,pubmed").sources == ("pubmed", "icite")


@pytest.mark.parametrize("given", ["icite", "pubmed,scopus", ""])
def test_sources_without_pubmed_or_unknown_are_refused(given):
    from citegraph.crawl import CrawlOptions
    from citegraph.errors import InputError

    with pytest.raises(InputError):
        CrawlOptions(sources=given)


def test_a_local_eutils_url_never_sends_the_crawl_to_the_real_icite():
    from citegraph.config import Settings
    from citegraph.crawl import crawl_sources
    from citegraph.errors import InputError

    real = Settings()
    local = Settings(eutils_url="http://127.0.0.1:9/entrez/eutils/")
    local_icite = Settings(eutils_url="http://127.0.0.1:9/entrez/eutils/", icite_url="http://127.0.0.1:9/icite/api/")
    assert crawl_sources(None, real) == ("pubmed", "icite")
    assert crawl_sources(None, local) == ("pubmed",)
    assert crawl_sources(None, local_icite) == ("pubmed", "icite")
    with pytest.raises(InputError):
        crawl_sources("pubmed,icite", local)


def test_refresh_of_an_icite_crawl_asks_icite_again_and_takes_its_new_citers(real_corpus, tmp_path):
    """A crawl made while iCite knew half the citers; refreshed once it knows them all."""
    from citegraph.config import Settings
    from citegraph.pubmed import parse_articles
    from citegraph.refresh import refresh
    from citegraph.sources.eutils import EutilsClient
    from citegraph.sources.icite import ICiteClient
    from citegraph.store import Store

    with_pmc, without = pmc_split(real_corpus, SEED)
    with EutilsServer(real_corpus, coverage=Coverage.from_known("icite=0.5", citedin_from="pmc")) as server:
        report, before, _ = crawl_with(server, tmp_path, [SEED], ("pubmed", "icite"), depth=1)
        assert with_pmc <= before < with_pmc | without
        server.coverage = Coverage("pmc")
        settings = Settings(eutils_url=server.url, data_dir=tmp_path, icite_url=server.apis.urls()["icite_url"],
                            rate=50, icite_rate=50)
        with EutilsClient(settings) as client, ICiteClient(settings) as icite, Store(settings.store_path) as store:
            refreshed = refresh(client, store, SEED, 0, parse=parse_articles, icite=icite, now=1e10)
            with pytest.raises(Exception, match="iCite"):
                refresh(client, store, SEED, 0, parse=parse_articles, now=1e10)
            assert store.icite_metrics([SEED])[SEED]["citation_count"] == len(with_pmc | without)
    assert refreshed.complete
    assert {p.pmid for p in refreshed.new_papers} == (with_pmc | without) - before


# -- the command line: crawl, show, rank ----------------------------------------------------


def cli_run(capsys, *args: str) -> tuple[int, str, str]:
    from citegraph import cli

    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def pmc_cli(pmc_server, monkeypatch):
    """The command line pointed at the PMC-only server, iCite included."""
    monkeypatch.setenv("CITEGRAPH_EUTILS_URL", pmc_server.url)
    monkeypatch.setenv("CITEGRAPH_ICITE_URL", pmc_server.apis.urls()["icite_url"])
    monkeypatch.setenv("CITEGRAPH_RATE", "50")
    return pmc_server


def test_show_names_each_sources_count_and_json_carries_icite(real_corpus, pmc_cli, capsys):
    with_pmc, without = pmc_split(real_corpus, SEED)
    code, out, err = cli_run(capsys, "crawl", SEED, "--depth", "1", "--json")
    assert code == 0, err
    code, out, err = cli_run(capsys, "show", SEED)
    assert code == 0, err
    n = len(with_pmc | without)
    assert f"cited by {n} (iCite) · {len(with_pmc)} (PubMed cited-by) · {n} in this store" in " ".join(out.split())
    code, out, err = cli_run(capsys, "show", SEED, "--json")
    icite = json.loads(out)["icite"]
    assert icite["citation_count"] == n and icite["fetched_at"].endswith("Z")
    assert set(icite) >= {"relative_citation_ratio", "nih_percentile", "apt", "is_clinical", "cited_by_clin",
                          "human", "animal", "molecular_cellular"}


def test_rank_by_icite_numbers(pmc_cli, capsys):
    from citegraph.config import Settings
    from citegraph.store import Store

    assert cli_run(capsys, "crawl", SEED, "--depth", "2", "--json")[0] == 0
    code, out, err = cli_run(capsys, "rank", SEED, "--by", "citations-global", "--json", "--limit", "5")
    assert code == 0, err
    rows = json.loads(out)["rows"]
    with Store(Settings.from_env().store_path) as store:
        stored = store.icite_metrics()
    counts = [stored[r["pmid"]]["citation_count"] if r["pmid"] in stored else None for r in rows]
    assert [r["score"] for r in rows] == counts
    known = [c for c in counts if c is not None]
    assert known == sorted(known, reverse=True) and known
    code, out, err = cli_run(capsys, "rank", SEED, "--by", "rcr")
    assert code == 0, err
    assert "RCR (iCite)" in out


def test_exports_carry_the_sources_that_found_each_paper(real_corpus, pmc_cli, capsys, tmp_path):
    import csv

    import networkx as nx

    with_pmc, without = pmc_split(real_corpus, SEED)
    assert cli_run(capsys, "crawl", SEED, "--depth", "1", "--json")[0] == 0

    def export(fmt: str) -> Path:
        path = tmp_path / f"out.{fmt}"
        code, _, err = cli_run(capsys, "export", "--format", fmt, "--seed", SEED, "-o", str(path))
        assert code == 0, err
        return path

    with export("csv").open(newline="", encoding="utf-8") as stream:
        found = {row["pmid"]: set(row["sources"].split()) for row in csv.DictReader(stream)}
    assert {p for p, s in found.items() if "icite" in s} == with_pmc | without
    assert {p for p, s in found.items() if "elink:pubmed_pubmed_citedin" in s} == with_pmc
    with export("edges").open(newline="", encoding="utf-8") as stream:
        edges = {(r["citing"], r["source"]) for r in csv.DictReader(stream) if r["cited"] == SEED}
    assert {c for c, s in edges if s == "icite"} == with_pmc | without
    graph = nx.read_graphml(export("graphml"))
    assert {c for c, _ in graph.in_edges(SEED) if "icite" in graph.edges[c, SEED]["sources"].split()} == \
        with_pmc | without
    one = sorted(without)[0]
    ris = export("ris").read_text(encoding="utf-8")
    record = next(r for r in ris.split("ER  -") if f"AN  - {one}" in r)
    assert "N1  - citegraph sources: icite pubmed:references" in record
    bib = export("bibtex").read_text(encoding="utf-8")
    entry = bib.split(f"pmid{one},", 1)[1].split("\n}", 1)[0]
    assert "citegraph sources: icite pubmed:references" in " ".join(entry.split())


# -- Europe PMC and OpenCitations: papers outside PubMed ------------------------------------


def test_europepmc_and_opencitations_store_their_edges_and_papers_outside_pubmed(tmp_path, capsys, monkeypatch):
    from citegraph.store.migrations import SOURCE_BITS
    from citegraph.store import Store

    corpus = Corpus.synthetic(400, seed=5)
    root = max((p for p in corpus.pmids() if int(p) % 5 == 0), key=lambda p: len(corpus.cited_by(p)))
    citers = set(corpus.cited_by(root))
    with_pmc = {c for c in citers if corpus.pmcid(c)}  # the only citers PubMed's elink names
    assert with_pmc < citers
    with EutilsServer(corpus, coverage=Coverage("pmc")) as server:
        monkeypatch.setenv("CITEGRAPH_EUTILS_URL", server.url)
        code, _, err = cli_run(capsys, "crawl", root, "--sources", "pubmed,europepmc")
        assert code == 1 and "CITEGRAPH_EUROPEPMC_URL" in err
        for name, url in server.apis.urls().items():
            monkeypatch.setenv(f"CITEGRAPH_{name.upper()}", url)
        code, out, err = cli_run(capsys, "crawl", root, "--sources", "pubmed,europepmc,opencitations", "--json")
        assert code == 0, err
        by_api = server.stats()["by_api"]
    assert by_api["europepmc"] == by_api["opencitations"] == 1 and by_api["icite"] == 0
    with Store(tmp_path / "cache" / "citegraph.sqlite") as store:
        members = {p for p, _ in store.nodes(json.loads(out)["crawl_id"])}
        assert citers <= members  # Europe PMC named every citer, PubMed's elink only those with a PMC id
        bits = {a: b for a, c, b in store.citation_edges([root], "cited")}
        assert {str(a) for a, b in bits.items() if b & SOURCE_BITS["europepmc"]} == citers
        preprint = f"PPR:PPR8{int(root) % 100000:05d}"
        outside = store.external_papers([preprint])
        assert outside[preprint]["title"] and outside[preprint]["year"]
        # OpenCitations names some PubMed papers by DOI only: the store's DOIs give their PMIDs back
        external = store.external_edges([root], "cited")
        assert all(isinstance(a, int) for a, _, b in external if b & SOURCE_BITS["opencitations"])
    code, out, err = cli_run(capsys, "coverage", root, "--json")
    report = json.loads(out)
    assert report["union"]["outside_pubmed"] == 1 and report["union"]["papers"] == len(citers) + 1
    assert report["sources"]["europepmc"]["papers"] == len(citers) + 1
    assert report["sources"]["pubmed"]["papers"] == len(with_pmc)
    code, out, err = cli_run(capsys, "show", root)
    assert code == 0, err
    assert "outside PubMed" in out and preprint in out and "A preprint citing" in out
    shown = json.loads(cli_run(capsys, "show", root, "--json")[1])["cited_by_outside_pubmed"]
    assert [p["key"] for p in shown] == [preprint]


def test_the_server_counts_429s_per_api():
    with EutilsServer(Corpus.synthetic(20, seed=1)) as server:
        server.apis.clock = lambda: 0.0  # every request in the same second
        server.apis.rate_limits["icite"] = 1
        url = server.apis.urls()["icite_url"] + "pubs"
        statuses = [requests.get(url, params={"pmids": "90000001"}, timeout=10).status_code for _ in range(3)]
        assert statuses == [200, 429, 429]
        assert server.stats()["429_by_api"] == {"eutils": 0, "icite": 2, "europepmc": 0, "opencitations": 0}
