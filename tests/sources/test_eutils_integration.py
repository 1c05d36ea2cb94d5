"""EutilsClient against the project's own local E-utilities server (citegraph.testing).

Round trips on a small synthetic corpus, with and without the server's reproducible faults
and its NCBI-style sliding-window rate limit.
"""

from __future__ import annotations

import threading

import pytest
from lxml import etree

from citegraph.config import Settings
from citegraph.sources import CITED_IN, REFERENCES, EutilsClient

testing = pytest.importorskip("citegraph.testing")


@pytest.fixture(scope="module")
def corpus():
    return testing.Corpus.synthetic(300, seed=1)


def settings_for(server, **overrides) -> Settings:
    values = dict(
        eutils_url=server.url, read_timeout=2.0, max_attempts=8, backoff_base=0.001, backoff_max=0.01, rate=500
    )
    values.update(overrides)
    return Settings(**values)


def pmids_of(body: bytes) -> list[str]:
    return [e.text for e in etree.fromstring(body).iter("PMID") if e.getparent().tag == "MedlineCitation"]


def round_trip(client: EutilsClient, corpus) -> None:
    ids = corpus.pmids()[:40]
    assert pmids_of(client.efetch(ids)) == ids
    for linkname, truth in ((CITED_IN, corpus.cited_by), (REFERENCES, corpus.refs)):
        links = client.elink(ids, linkname)
        assert links.errors == {}
        assert {k: sorted(v) for k, v in links.items()} == {i: sorted(truth(i)) for i in ids}
    doi = corpus.doi(ids[3])
    assert client.esearch(f'"{doi}"[doi]') == [ids[3]]
    assert client.resolve_dois([doi, "10.5555/unknown.1"]) == {doi: ids[3]}


def test_round_trip(corpus):
    with testing.EutilsServer(corpus) as server, EutilsClient(settings_for(server)) as client:
        round_trip(client, corpus)
        assert client.stats["retries"] == 0


def test_round_trip_through_faults(corpus):
    # "short" is left out: a Link dropped from a single LinkSet is indistinguishable from a real answer
    plan = testing.FaultPlan(
        {"5xx": 0.08, "reset": 0.08, "truncate": 0.08, "html200": 0.08, "error200": 0.08, "429": 0.05}, seed=5
    )
    with testing.EutilsServer(corpus, faults=plan) as server, EutilsClient(settings_for(server)) as client:
        round_trip(client, corpus)
        assert server.fault_log  # faults did happen...
        assert client.stats["retries"] == len(server.fault_log)  # ...and each one cost exactly one retry


def test_a_dropped_linkset_is_retried_not_taken_for_no_links(corpus):
    with testing.EutilsServer(corpus) as server, EutilsClient(settings_for(server)) as client:
        ids = corpus.pmids()[:5]
        server.force("elink", ["short"])
        links = client.elink(ids, CITED_IN)
        assert set(links) == set(ids)
        assert server.fault_log == [("elink", "short")] and client.stats["retries"] == 1


def test_threads_sharing_a_client_are_never_refused_by_a_sliding_window_limit(corpus):
    with testing.EutilsServer(corpus, rate_limit=10) as server:
        client = EutilsClient(settings_for(server, rate=None, api_key="test-key"))  # 10 req/s with a key
        ids = corpus.pmids()

        def work(k: int) -> None:
            for j in range(4):
                client.elink([ids[k * 4 + j]], CITED_IN)

        threads = [threading.Thread(target=work, args=(k,)) for k in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        client.close()
        assert server.stats()["by_status"] == {"200": 12}
        assert client.stats["by_status"] == {"200": 12}
