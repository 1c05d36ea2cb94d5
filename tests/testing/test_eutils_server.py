"""The local E-utilities server over HTTP: routes, parameters, answers, statistics, limits."""

from __future__ import annotations

import json
import socket
import time
from collections import Counter

import pytest
import requests
from lxml import etree

from citegraph.testing import Corpus, EutilsServer

CITEDIN = "pubmed_pubmed_citedin"
REFS = "pubmed_pubmed_refs"


def _ids(body: bytes, path: str) -> list[str]:
    return [e.text for e in etree.fromstring(body).findall(path)]


def _pmids_of(efetch_body: bytes) -> list[str]:
    return _ids(efetch_body, "PubmedArticle/MedlineCitation/PMID")


def _linksets(body: bytes) -> list[tuple[list[str], dict[str, list[str]]]]:
    out = []
    for ls in etree.fromstring(body).findall("LinkSet"):
        dbs = {db.findtext("LinkName"): [i.text for i in db.findall("Link/Id")] for db in ls.findall("LinkSetDb")}
        out.append(([i.text for i in ls.findall("IdList/Id")], dbs))
    return out


# --- routes and parameters -----------------------------------------------------------------------
@pytest.mark.parametrize("path", ["efetch.fcgi", "efetch"])
def test_routes_with_and_without_fcgi(server, http, path):
    r = http.get(server.url + path, params={"db": "pubmed", "id": "90000001"})
    assert r.status_code == 200 and _pmids_of(r.content) == ["90000001"]
    assert server.url.startswith("http://127.0.0.1:") and server.url.endswith("/entrez/eutils/")


def test_unknown_path_is_404(server, http):
    assert http.get(server.url + "einfo.fcgi").status_code == 404
    assert http.get(server.url.replace("/entrez/eutils/", "/nothing")).status_code == 404


def test_post_form_keeps_repeated_ids(server, http):
    data = [("dbfrom", "pubmed"), ("db", "pubmed"), ("linkname", CITEDIN),
            ("id", "90000003"), ("id", "90000002"), ("id", "90000004")]
    r = http.post(server.url + "elink.fcgi", data=data)
    assert [ids for ids, _ in _linksets(r.content)] == [["90000003"], ["90000002"], ["90000004"]]


def test_query_string_and_post_body_combine(server, http):
    r = http.post(server.url + "efetch.fcgi?db=pubmed", data={"id": "90000009"})
    assert _pmids_of(r.content) == ["90000009"]


# --- efetch -------------------------------------------------------------------------------------
def test_efetch_order_duplicates_and_unknown_ids(server, http, corpus):
    r = http.get(server.url + "efetch.fcgi",
                 params=[("db", "pubmed"), ("id", "90000007,90000002, 123,90000007"), ("id", "90000003")])
    assert _pmids_of(r.content) == ["90000007", "90000002", "90000003"]
    assert corpus.raw_xml("90000002") in r.content  # served exactly as stored


def test_efetch_many_ids_by_post(server, http):
    ids = [str(90000001 + k) for k in range(400)]
    r = http.post(server.url + "efetch.fcgi", data={"db": "pubmed", "id": ",".join(ids), "retmode": "xml"})
    assert _pmids_of(r.content) == ids


# --- elink --------------------------------------------------------------------------------------
def test_elink_per_id_versus_merged(server, http, corpus):
    a, b = "90000002", "90000003"
    per_id = _linksets(http.get(server.url + "elink.fcgi", params=[
        ("dbfrom", "pubmed"), ("db", "pubmed"), ("linkname", CITEDIN), ("id", a), ("id", b)]).content)
    merged = _linksets(http.get(server.url + "elink.fcgi", params=[
        ("dbfrom", "pubmed"), ("db", "pubmed"), ("linkname", CITEDIN), ("id", f"{a},{b}")]).content)
    assert per_id == [([a], {CITEDIN: corpus.cited_by(a)}), ([b], {CITEDIN: corpus.cited_by(b)})]
    union = sorted(set(corpus.cited_by(a)) | set(corpus.cited_by(b)), key=int, reverse=True)
    assert merged == [([a, b], {CITEDIN: union})]


def test_elink_link_order_is_descending(server, http, corpus):
    ls = _linksets(http.get(server.url + "elink.fcgi", params={"dbfrom": "pubmed", "id": "90000001"}).content)
    (ids, dbs), = ls
    for name in (CITEDIN, REFS):
        if name in dbs:
            assert dbs[name] == sorted(dbs[name], key=int, reverse=True)
    assert dbs[CITEDIN] == corpus.cited_by("90000001") and len(dbs[CITEDIN]) > 50


def test_elink_refs_include_pmids_outside_the_corpus(server, http, corpus):
    ls = _linksets(http.get(server.url + "elink.fcgi", params={
        "dbfrom": "pubmed", "db": "pubmed", "linkname": REFS, "id": "90001000"}).content)
    refs = ls[0][1][REFS]
    assert refs == corpus.refs("90001000")
    assert any(int(p) < 90000001 for p in refs) and any(int(p) >= 90000001 for p in refs)


def test_elink_citedin_of_a_pmid_outside_the_corpus(server, http, corpus):
    outside = next(p for p in corpus.refs("90001000") if int(p) < 90000001)
    ls = _linksets(http.get(server.url + "elink.fcgi", params={
        "dbfrom": "pubmed", "db": "pubmed", "linkname": CITEDIN, "id": outside}).content)
    assert "90001000" in ls[0][1][CITEDIN]


def test_elink_without_ids_or_with_other_dbfrom_is_an_error(server, http):
    for params in ({"dbfrom": "pubmed"}, {"dbfrom": "protein", "id": "1"}, {"dbfrom": "pubmed", "id": "1", "cmd": "llinks"}):
        r = http.get(server.url + "elink.fcgi", params=params)
        assert r.status_code == 200 and etree.fromstring(r.content).find("ERROR") is not None


# --- esearch ------------------------------------------------------------------------------------
@pytest.mark.parametrize("term", [
    "10.5555/synthetic.90000005[doi]",
    '"10.5555/synthetic.90000005"[doi]',
    "10.5555/SYNTHETIC.90000005[DOI]",
    "90000005[uid]",
    "90000005[pmid]",
    "90000005",
])
def test_esearch_one_term(server, http, term):
    r = http.get(server.url + "esearch.fcgi", params={"db": "pubmed", "term": term})
    root = etree.fromstring(r.content)
    assert root.findtext("Count") == "1" and _ids(r.content, "IdList/Id") == ["90000005"]


def test_esearch_or_terms_retmax_retstart(server, http):
    term = " OR ".join(f"10.5555/synthetic.{90000010 + k}[doi]" for k in range(5)) + " OR 10.9999/none[doi]"
    r = http.get(server.url + "esearch.fcgi", params={"db": "pubmed", "term": term, "retmax": 2, "retstart": 1})
    root = etree.fromstring(r.content)
    assert root.findtext("Count") == "5" and root.findtext("RetMax") == "2" and root.findtext("RetStart") == "1"
    assert _ids(r.content, "IdList/Id") == ["90000013", "90000012"]
    assert _ids(r.content, "ErrorList/PhraseNotFound") == ["10.9999/none"]


def test_esearch_no_hit(server, http):
    r = http.get(server.url + "esearch.fcgi", params={"db": "pubmed", "term": "10.1000/missing[doi]"})
    root = etree.fromstring(r.content)
    assert root.findtext("Count") == "0" and root.find("IdList") is not None and not len(root.find("IdList"))
    assert root.findtext("WarningList/OutputMessage") == "No items found."


# --- esummary -----------------------------------------------------------------------------------
def test_esummary_items(server, http, synth):
    r = http.get(server.url + "esummary.fcgi", params={"db": "pubmed", "id": "90000002,90000001,5"})
    docs = etree.fromstring(r.content).findall("DocSum")
    assert [d.findtext("Id") for d in docs] == ["90000002", "90000001"]
    items = {i.get("Name"): i for i in docs[1].findall("Item")}
    assert items["Title"].text.startswith("Lymphokine-activated killer cells")
    assert items["DOI"].text == "10.5555/synthetic.90000001"
    assert "(citegraph test data)" in items["FullJournalName"].text


# --- statistics ---------------------------------------------------------------------------------
def test_stats_json_shape_and_reset(server, http):
    base = server.url.replace("/entrez/eutils/", "")
    http.get(server.url + "efetch.fcgi", params={"db": "pubmed", "id": "90000001"})
    http.get(server.url + "efetch.fcgi", params={"db": "pubmed"})
    http.get(server.url + "elink.fcgi", params={"dbfrom": "pubmed", "id": "90000001"})
    http.get(server.url + "einfo.fcgi")
    stats = http.get(base + "/_stats").json()
    assert stats == {
        "total": 4,
        "by_endpoint": {"efetch": 2, "elink": 1, "esearch": 0, "esummary": 0},
        "by_status": {"200": 2, "400": 1, "404": 1},
        "by_api": {"eutils": 3, "icite": 0, "europepmc": 0, "opencitations": 0},
        "429_by_api": {"eutils": 0, "icite": 0, "europepmc": 0, "opencitations": 0},
        "faults": {},
    }
    assert http.get(base + "/_stats").json() == stats == server.stats()  # /_stats is not counted
    server.reset_stats()
    assert server.stats()["total"] == 0
    server.force("efetch", ["5xx"])
    http.get(server.url + "efetch.fcgi", params={"db": "pubmed", "id": "90000001"})
    assert http.get(base + "/_stats").json()["faults"] == {"5xx": 1} == dict(Counter(k for _, k in server.fault_log))


# --- rate limit ---------------------------------------------------------------------------------
class StoppedClock:
    """The rate limit's clock: it stands still unless a test moves it."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_rate_limit_429_with_ncbi_json_body(corpus, http):
    with EutilsServer(corpus, rate_limit=3, clock=StoppedClock()) as srv:
        codes = [http.get(srv.url + "esearch.fcgi", params={"db": "pubmed", "term": "1"}) for _ in range(5)]
        assert [r.status_code for r in codes] == [200, 200, 200, 429, 429]
        denied = codes[3]
        assert denied.headers["Content-Type"] == "application/json"
        assert "Retry-After" not in denied.headers
        assert denied.headers["X-RateLimit-Remaining"] == "0"
        assert denied.content == b'{"error":"API rate limit exceeded","api-key":"127.0.0.1","count":"4","limit":"3"}'
        assert json.loads(codes[4].content)["count"] == "5"
        assert srv.stats()["by_status"] == {"200": 3, "429": 2}


def test_rate_limit_window_is_rolling_one_second(corpus, http):
    clock = StoppedClock()
    with EutilsServer(corpus, rate_limit=2, clock=clock) as srv:
        url = srv.url + "esearch.fcgi"
        assert [http.get(url, params={"term": "1"}).status_code for _ in range(2)] == [200, 200]
        clock.now += 0.5
        assert http.get(url, params={"term": "1"}).status_code == 429
        clock.now += 0.5  # one second after the first two: they leave the window, the 429 stays
        assert http.get(url, params={"term": "1"}).status_code == 200
        assert http.get(url, params={"term": "1"}).status_code == 429


def test_rate_limit_is_per_api_key_and_key_is_not_logged(corpus, http):
    lines: list[str] = []
    secret = "0123456789abcdef-secret"
    with EutilsServer(corpus, rate_limit=1, retry_after=2, log=lines.append, clock=StoppedClock()) as srv:
        url = srv.url + "esearch.fcgi"
        assert http.get(url, params={"term": "1"}).status_code == 200
        assert http.get(url, params={"term": "1"}).status_code == 429  # same IP
        keyed = http.get(url, params={"term": "1", "api_key": secret})
        assert keyed.status_code == 200  # another client as far as the limit is concerned
        again = http.get(url, params={"term": "1", "api_key": secret})
        assert again.status_code == 429 and again.headers["Retry-After"] == "2"
        assert json.loads(again.content)["api-key"] == secret  # NCBI tells the caller its own key
        stats = json.dumps(srv.stats())
    assert len(lines) == 4 and all(secret not in line for line in lines)
    assert secret not in stats


def test_rate_limit_can_change_while_running(corpus, http):
    clock = StoppedClock()
    with EutilsServer(corpus, clock=clock) as server:
        assert server.rate_limit is None
        url = server.url + "esearch.fcgi"
        assert all(http.get(url, params={"term": "1"}).status_code == 200 for _ in range(5))
        server.rate_limit = 1
        clock.now += 1.0
        assert [http.get(url, params={"term": "1"}).status_code for _ in range(2)] == [200, 429]


# --- latency ------------------------------------------------------------------------------------
def test_latency_per_request_and_per_record(corpus, http):
    ids = ",".join(str(90000001 + k) for k in range(10))
    with EutilsServer(corpus, latency_ms=100, per_record_ms=20) as srv:
        planned = srv.handle("/entrez/eutils/efetch.fcgi", [("db", "pubmed"), ("id", ids)], "127.0.0.1")
        assert planned.delay == pytest.approx(0.1 + 10 * 0.02)
        started = time.perf_counter()
        http.get(srv.url + "efetch.fcgi", params={"db": "pubmed", "id": ids})
        elapsed = time.perf_counter() - started
    assert elapsed >= 0.3  # the answer waited that long (a busy machine only makes it later)


# --- life cycle ---------------------------------------------------------------------------------
def test_stop_closes_port_and_keepalive_connections(corpus):
    srv = EutilsServer(corpus).start()
    session = requests.Session()
    assert session.get(srv.url + "efetch.fcgi", params={"id": "90000001"}).status_code == 200
    port = srv.port
    srv.stop()
    with pytest.raises(requests.ConnectionError):
        session.get(srv.url + "efetch.fcgi", params={"id": "90000001"}, timeout=2)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    session.close()


def test_empty_corpus_serves_nothing():
    with EutilsServer(Corpus()) as srv:
        r = requests.get(srv.url + "efetch.fcgi", params={"db": "pubmed", "id": "1"})
    assert r.status_code == 200 and _pmids_of(r.content) == []
