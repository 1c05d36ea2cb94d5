"""Fault injection: each kind as a plain ``requests`` client sees it, and reproducibility."""

from __future__ import annotations

import http.client

import pytest
import requests
from lxml import etree

from citegraph.testing import EutilsServer, FaultPlan
from citegraph.testing.faults import DEFAULT_KINDS, KINDS

IDS = "90000001,90000002,90000003"


def _efetch(http, server, ids: str = IDS, timeout: float = 5):
    return http.get(server.url + "efetch.fcgi", params={"db": "pubmed", "id": ids}, timeout=timeout)


# --- the plan --------------------------------------------------------------------------------
def test_plan_parsing_and_validation():
    plan = FaultPlan.parse("5xx=0.1, reset=0.05,truncate=0.05", seed=3)
    assert plan.rates == {"5xx": 0.1, "reset": 0.05, "truncate": 0.05} and plan.seed == 3
    uniform = FaultPlan.uniform(0.3)
    assert set(uniform.rates) == set(DEFAULT_KINDS) and abs(uniform.total - 0.3) < 1e-9
    for bad in ("boom=0.1", "5xx", "5xx=lots", "5xx=0.7,reset=0.7", "5xx=-0.1"):
        with pytest.raises(ValueError):
            FaultPlan.parse(bad)


def test_draws_are_a_function_of_seed_request_and_repetition():
    plan = FaultPlan.uniform(0.5, seed=7)
    params = [("db", "pubmed"), ("id", "1")]
    draws = [plan.draw("efetch", params, n) for n in range(200)]
    assert draws == [FaultPlan.uniform(0.5, seed=7).draw("efetch", params, n) for n in range(200)]
    assert draws != [FaultPlan.uniform(0.5, seed=8).draw("efetch", params, n) for n in range(200)]
    # tool, email and api_key do not change the draw; parameter order across names does not either
    noisy = [("tool", "x"), ("id", "1"), ("email", "a@b.c"), ("db", "pubmed"), ("api_key", "k")]
    assert [plan.draw("efetch", noisy, n) for n in range(200)] == draws
    kinds = {d.kind for d in draws if d}
    assert kinds == set(DEFAULT_KINDS) and 0.35 < sum(1 for d in draws if d) / 200 < 0.65


# --- each kind, seen from requests --------------------------------------------------------------
def test_5xx(server, http):
    server.force("efetch", ["5xx"])
    r = _efetch(http, server)
    assert r.status_code in (500, 502, 503) and b"<html>" in r.content


def test_reset_is_a_connection_error_not_a_short_200(server, http):
    server.force("efetch", ["reset"])
    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError)):
        _efetch(http, server)
    assert _efetch(http, server).status_code == 200  # the next request is fine


def test_reset_at_socket_level(server):
    server.force("*", ["reset"])
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    conn.request("GET", "/entrez/eutils/efetch.fcgi?db=pubmed&id=" + IDS)
    resp = conn.getresponse()
    assert resp.status == 200
    with pytest.raises((http.client.IncompleteRead, ConnectionResetError)):
        resp.read()
    conn.close()


def test_truncate_is_a_complete_looking_200_with_broken_xml(server, http):
    full = _efetch(http, server).content
    server.force("efetch", ["truncate"])
    r = _efetch(http, server)
    assert r.status_code == 200 and int(r.headers["Content-Length"]) == len(r.content) < len(full)
    assert full.startswith(r.content)
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(r.content)


def test_html200(server, http):
    server.force("efetch", ["html200", "html200"])
    bodies = [_efetch(http, server) for _ in range(2)]
    for r in bodies:
        assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
        assert r.content.lstrip().lower().startswith((b"<!doctype html", b"<html"))


def test_short_drops_one_record_or_linkset(server, http):
    server.force("efetch", ["short"])
    r = _efetch(http, server)
    pmids = [e.text for e in etree.fromstring(r.content).iter("PMID") if e.getparent().tag == "MedlineCitation"]
    assert len(pmids) == 2 and set(pmids) < set(IDS.split(","))
    server.force("elink", ["short"])
    r = http.get(server.url + "elink.fcgi", params=[("dbfrom", "pubmed"), ("id", "90000002"), ("id", "90000003")])
    assert len(etree.fromstring(r.content).findall("LinkSet")) == 1


def test_error200(server, http):
    for endpoint, params, root in (("efetch", {"db": "pubmed", "id": IDS}, "eFetchResult"),
                                   ("elink", {"dbfrom": "pubmed", "id": "90000002"}, "eLinkResult"),
                                   ("esearch", {"db": "pubmed", "term": "90000002[uid]"}, "eSearchResult")):
        server.force(endpoint, ["error200"])
        r = http.get(server.url + endpoint + ".fcgi", params=params)
        doc = etree.fromstring(r.content)
        assert r.status_code == 200 and doc.tag == root and doc.findtext("ERROR")


def test_spurious_429_and_stall(server, http):
    server.force("esearch", ["429"])
    r = http.get(server.url + "esearch.fcgi", params={"term": "1"})
    assert r.status_code == 429 and r.json()["error"] == "API rate limit exceeded"
    server.stall_seconds = 3
    server.force("esearch", ["stall"])
    with pytest.raises(requests.exceptions.ReadTimeout):
        http.get(server.url + "esearch.fcgi", params={"term": "1"}, timeout=0.3)


def test_force_validates_and_fault_log_records(server, http):
    with pytest.raises(ValueError):
        server.force("efetch", ["meteor"])
    with pytest.raises(ValueError):
        server.force("icite/pubs", ["5xx", "meteor"])  # the citation APIs check kinds by the same rule
    with pytest.raises(ValueError):
        server.force("einfo", ["5xx"])
    server.force("*", ["5xx", "html200"])
    _efetch(http, server)
    http.get(server.url + "esearch.fcgi", params={"term": "1"})
    assert server.fault_log == [("efetch", "5xx"), ("esearch", "html200")]


# --- reproducibility ------------------------------------------------------------------------------
def _observe(corpus, seed: int) -> list[str]:
    """What a client sees for a fixed request sequence, retrying each request three times."""
    seen = []
    with EutilsServer(corpus, faults=FaultPlan.uniform(0.6, seed=seed)) as srv, requests.Session() as s:
        for k in range(15):
            for _attempt in range(3):
                try:
                    r = s.get(srv.url + "efetch.fcgi", params={"db": "pubmed", "id": f"{90000001 + k},{90000002 + k}"}, timeout=5)
                    seen.append(f"{r.status_code}:{len(r.content)}")
                except requests.RequestException as exc:
                    seen.append(type(exc).__name__)
        assert len(srv.fault_log) > 5
    return seen


def test_same_seed_same_fault_sequence(corpus):
    first = _observe(corpus, 42)
    assert first == _observe(corpus, 42)
    assert first != _observe(corpus, 43)


def test_a_retry_gets_a_fresh_draw(corpus, http):
    plan = FaultPlan({"5xx": 0.5}, seed=1)
    with EutilsServer(corpus, faults=plan) as srv:
        codes = [_efetch(http, srv).status_code for _ in range(40)]
    assert 200 in codes and any(c >= 500 for c in codes)


def test_every_kind_is_known():
    assert set(DEFAULT_KINDS) <= set(KINDS) and {"429", "stall"} <= set(KINDS)


def test_fault_log_is_a_list_that_can_also_be_called(server, http):
    server.force("efetch", ["5xx"])
    _efetch(http, server)
    assert server.fault_log == [("efetch", "5xx")] == server.fault_log()
    server.reset_stats()
    assert server.fault_log == []



def test_short_never_empties_an_answer(server, http):
    """With one record asked, "fewer than asked" would read as "no such record": no fault then."""
    server.force("efetch", ["short"])
    r = _efetch(http, server, ids="90000005")
    assert "<PMID" in r.text and server.fault_log == []
    assert server.force("efetch", ["short"]) is None
    _efetch(http, server, ids="90000005,90000006")
    assert server.fault_log == [("efetch", "short")]
