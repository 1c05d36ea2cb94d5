"""The local server's iCite, Europe PMC and OpenCitations answers: shapes, coverage, faults.

The shapes are compared with the real answers in ``shared/fixtures/{icite,europepmc,
opencitations}`` (key sets and value types, recursively); coverage with the corpus's
reference lists.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from citegraph.pubmed import parse_record
from citegraph.testing import Corpus, EutilsServer, FaultPlan
from citegraph.testing.citation_apis import route

#: the real answers (../shared, as in tests/conftest.py); tests that read them skip without it
SHARED = Path(os.environ.get("CITEGRAPH_SHARED", Path(__file__).resolve().parents[3] / "shared"))
FIXTURES = SHARED / "fixtures"


def real(name: str):
    path = FIXTURES / name
    if not path.exists():
        pytest.skip(f"fixture {name} not available")
    return json.loads(path.read_bytes())


def assert_same_shape(served, recorded, where="answer", nulls=False):
    """``served`` has ``recorded``'s keys and value types, all the way down. Objects keyed by
    PMIDs (``citedByPmidsByYear``) compare by value type; an empty list matches any list;
    with ``nulls``, a null matches any type."""
    if nulls and served is None:
        return
    if isinstance(recorded, dict):
        assert isinstance(served, dict), where
        if recorded and all(k.isdigit() for k in recorded):
            assert all(k.isdigit() for k in served), where
            for value in served.values():
                assert_same_shape(value, next(iter(recorded.values())), f"{where}.<pmid>", nulls)
            return
        assert set(served) == set(recorded), f"{where}: {sorted(set(served) ^ set(recorded))}"
        for key in recorded:
            assert_same_shape(served[key], recorded[key], f"{where}.{key}", nulls)
    elif isinstance(recorded, list):
        assert isinstance(served, list), where
        if recorded:
            for item in served:
                assert_same_shape(item, recorded[0], f"{where}[]", nulls)
    else:
        assert type(served) is type(recorded), f"{where}: {type(served).__name__} != {type(recorded).__name__}"


def get(server, path: str, **params):
    out = server.handle(path, list(params.items()), "127.0.0.1")
    return out.status, json.loads(out.body) if out.body[:1] in (b"{", b"[") else out.body


def clinically_cited(corpus) -> str:
    """A record with a clinical citer, a DOI, references and citers (every list non-empty)."""
    from citegraph.testing.citation_answers import CorpusFacts

    facts = CorpusFacts(corpus)
    for pmid in corpus.pmids():
        citers = facts.cited_by(int(pmid))
        if citers and corpus.refs(pmid) and any(facts.record(c).clinical for c in citers[:20]):
            return pmid
    raise AssertionError("no record with a clinical citer")


# -- shapes -------------------------------------------------------------------------------


def test_routes():
    assert route("/icite/api/pubs") == ("icite/pubs", [])
    assert route("/icite/api/pubs/123") == ("icite/pubs", [("pmids", "123")])
    assert route("/europepmc/webservices/rest/MED/5/references") == (
        "europepmc/references", [("source", "MED"), ("id", "5"), ("list", "references")])
    assert route("/opencitations/index/v2/citations/pmid:5") == (
        "opencitations/citations", [("id", "pmid:5"), ("list", "citations")])
    assert route("/icite/api/other") is None and route("/entrez/eutils/efetch.fcgi") is None


def test_an_icite_record_has_the_shape_of_the_real_answer(server, corpus, http):
    pmid = clinically_cited(corpus)
    answer = http.get(server.apis.urls()["icite_url"] + f"pubs/{pmid}").json()
    (recorded,) = real("icite/pubs_32162448.json")["data"]
    (served,) = answer["data"]
    assert list(answer) == ["data"]
    assert_same_shape(served, recorded)
    assert served["_id"] == pmid and served["pmid"] == int(pmid)
    assert served["cited_by"] == [int(p) for p in corpus.cited_by(pmid)]
    assert served["references"] == [int(p) for p in corpus.refs(pmid)]
    assert served["cited_by_clin"] and set(served["cited_by_clin"]) <= set(served["cited_by"])
    assert served["citation_count"] == len(served["cited_by"]) == len(served["citedByPmidsByYear"])


def test_an_icite_pmid_only_cited_has_the_same_keys_and_nulls_for_what_it_cannot_know(server, corpus):
    pmid = next(r for p in corpus.pmids() for r in corpus.refs(p) if r not in corpus)
    status, answer = get(server, "/icite/api/pubs", pmids=pmid)
    (recorded,) = real("icite/pubs_32162448.json")["data"]
    (served,) = answer["data"]
    assert status == 200
    assert_same_shape(served, recorded, nulls=True)
    assert served["cited_by"] == [int(p) for p in corpus.cited_by(pmid)] != []
    assert served["citation_count"] == len(served["cited_by"])
    for unknown in ("title", "authors", "year", "journal", "doi", "references", "relative_citation_ratio"):
        assert served[unknown] is None, unknown


def test_icite_fl_gives_the_asked_fields_only_and_leaves_unknown_pmids_out(server, corpus):
    recorded = real("icite/pubs_fl_subset.json")
    fields = recorded["meta"]["fl"]
    first, second = corpus.pmids()[:2]
    status, answer = get(server, "/icite/api/pubs", pmids=f"{second},1,{first},{second}", fl=fields)
    assert status == 200
    assert [p["pmid"] for p in answer["data"]] == [int(second), int(first)]
    for served in answer["data"]:
        assert set(served) == set(recorded["data"][0]) == set(fields.split(","))
    status, _ = get(server, "/icite/api/pubs", pmids=",".join(str(i) for i in range(1, 1002)))
    assert status == 400  # more than 1,000 PMIDs, as iCite refuses


def test_a_europepmc_answer_has_the_shape_of_the_real_one(server, corpus):
    pmid = max(corpus.pmids(), key=lambda p: len(corpus.cited_by(p)) if int(p) % 5 else 0)
    recorded = real("europepmc/MED_37258680_citations_page1_size2.json")
    status, served = get(server, f"/europepmc/webservices/rest/MED/{pmid}/citations", format="json", page="1",
                         pageSize="2")
    assert status == 200
    assert list(served) == list(recorded)
    assert_same_shape(served, recorded)
    assert served["hitCount"] == len(corpus.cited_by(pmid))
    assert [c["id"] for c in served["citationList"]["citation"]] == corpus.cited_by(pmid)[:2]
    _, page3 = get(server, f"/europepmc/webservices/rest/MED/{pmid}/citations", page="3", pageSize="2")
    assert page3["request"]["offSet"] == 4 and page3["hitCount"] == served["hitCount"]
    assert [c["id"] for c in page3["citationList"]["citation"]] == corpus.cited_by(pmid)[4:6]


def test_an_opencitations_row_has_the_shape_of_the_real_one(server, corpus):
    pmid = max((p for p in corpus.pmids() if int(p) % 4 != 3), key=lambda p: len(corpus.cited_by(p)))
    recorded = real("opencitations/index_v2_citations_doi_10.1108_jd-12-2013-0166.json")
    status, served = get(server, f"/opencitations/index/v2/citations/pmid:{pmid}")
    assert status == 200 and served
    assert_same_shape(served, recorded)
    ids = re.compile(r"omid:br/\d+ doi:10\.\S+( pmid:[1-9]\d*)?")
    for row in served:
        assert ids.fullmatch(row["citing"]) and ids.fullmatch(row["cited"])
        assert row["cited"].endswith(f"pmid:{pmid}")
    assert any("pmid:" not in row["citing"] for row in served)  # OpenCitations lacks some PMIDs


# -- coverage -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def doi_gaps():
    """A synthetic corpus whose most cited record has some citers without a DOI."""
    corpus = Corpus.synthetic(200, seed=5)
    cited = max((p for p in corpus.pmids() if int(p) % 4 != 3), key=lambda p: len(corpus.cited_by(p)))
    stripped = corpus.cited_by(cited)[::3]
    for pmid in stripped:
        raw = re.sub(rb"<(ELocationID|ArticleId) E?I[dD]Type=\"doi\"[^>]*>[^<]*</\1>", b"", corpus.raw_xml(pmid))
        article = parse_record(raw)
        assert article.doi is None
        corpus.add([article])
    return corpus, cited, set(stripped)


def test_icite_and_europepmc_take_every_reference_list_opencitations_only_records_with_a_doi(doi_gaps):
    corpus, cited, without_doi = doi_gaps
    with EutilsServer(corpus) as server:
        _, icite = get(server, "/icite/api/pubs", pmids=cited)
        _, epmc = get(server, f"/europepmc/webservices/rest/MED/{cited}/citations", pageSize="1000")
        _, oc = get(server, f"/opencitations/index/v2/citations/pmid:{cited}")
        _, oc_refs = get(server, f"/opencitations/index/v2/references/pmid:{sorted(without_doi)[0]}")
    every = [int(p) for p in corpus.cited_by(cited)]
    assert icite["data"][0]["cited_by"] == every
    assert [int(c["id"]) for c in epmc["citationList"]["citation"] if c["source"] == "MED"] == every
    with_doi = [p for p in every if str(p) not in without_doi]
    assert [row["citing"].split()[1] for row in oc] == [f"doi:{corpus.doi(p)}" for p in with_doi]
    assert len(with_doi) < len(every) and oc_refs == []


def test_europepmc_lists_a_preprint_among_the_citers_of_pmids_divisible_by_5(server, corpus):
    pmid = next(p for p in corpus.pmids() if int(p) % 5 == 0 and corpus.cited_by(p))
    _, answer = get(server, f"/europepmc/webservices/rest/MED/{pmid}/citations", pageSize="1000")
    citers = answer["citationList"]["citation"]
    assert answer["hitCount"] == len(citers) == len(corpus.cited_by(pmid)) + 1
    assert citers[-1]["source"] == "PPR" and citers[-1]["id"].startswith("PPR")


def test_the_real_update_file_most_cited_paper(real_corpus):
    with EutilsServer(real_corpus) as server:
        _, icite = get(server, "/icite/api/pubs", pmids="11846609")
        _, epmc = get(server, "/europepmc/webservices/rest/MED/11846609/citations", pageSize="1000")
        _, oc = get(server, "/opencitations/index/v2/citations/pmid:11846609")
    citers = real_corpus.cited_by("11846609")
    assert len(citers) == 44  # every citing record, not only the 32 with a PMC id
    assert icite["data"][0]["cited_by"] == [int(p) for p in citers]
    assert epmc["hitCount"] == 44
    assert oc == []  # not a record of the file: its DOI is unknown, so OpenCitations has no link to it
    # a record of the file with a DOI: OpenCitations links it to its citers that have one
    record = max((p for p in real_corpus.pmids() if real_corpus.doi(p) and int(p) % 4 != 3),
                 key=lambda p: len(real_corpus.cited_by(p)))
    with EutilsServer(real_corpus) as server:
        _, oc = get(server, f"/opencitations/index/v2/citations/pmid:{record}")
    citers = real_corpus.cited_by(record)
    assert citers and len(oc) == sum(1 for p in citers if real_corpus.doi(p))


# -- statistics, rate limits, faults ------------------------------------------------------


def test_stats_count_by_api_and_endpoint(server, corpus, http):
    urls = server.apis.urls()
    pmid = corpus.pmids()[0]
    http.get(urls["icite_url"] + "pubs", params={"pmids": pmid})
    http.get(urls["europepmc_url"] + f"MED/{pmid}/references", params={"format": "json"})
    http.get(urls["opencitations_url"] + f"citations/pmid:{pmid}")
    http.get(urls["opencitations_url"] + f"references/pmid:{pmid}")
    http.get(server.url + "efetch.fcgi", params={"db": "pubmed", "id": pmid})
    stats = http.get(server.url.replace("/entrez/eutils/", "/_stats")).json()
    assert stats["by_api"] == {"eutils": 1, "icite": 1, "europepmc": 1, "opencitations": 2}
    assert {k: v for k, v in stats["by_endpoint"].items() if "/" in k} == {
        "icite/pubs": 1, "europepmc/references": 1, "opencitations/citations": 1, "opencitations/references": 1}
    assert stats["total"] == 5 and stats["by_status"] == {"200": 5}


def test_each_api_has_its_own_rate_limit(corpus):
    now = [100.0]
    with EutilsServer(corpus, retry_after=3) as server:
        server.apis.clock = lambda: now[0]
        server.apis.rate_limits["icite"] = 2
        pmid = corpus.pmids()[0]
        statuses = [server.handle("/icite/api/pubs", [("pmids", pmid)], "10.0.0.1").status for _ in range(3)]
        denied = server.handle("/icite/api/pubs", [("pmids", pmid)], "10.0.0.1")
        other_client = server.handle("/icite/api/pubs", [("pmids", pmid)], "10.0.0.2").status
        europepmc = server.handle(f"/europepmc/webservices/rest/MED/{pmid}/citations", [], "10.0.0.1").status
        now[0] += 1.0
        later = server.handle("/icite/api/pubs", [("pmids", pmid)], "10.0.0.1").status
    assert statuses == [200, 200, 429]
    assert denied.headers["Retry-After"] == "3" and denied.headers["X-RateLimit-Remaining"] == "0"
    assert (other_client, europepmc, later) == (200, 200, 200)


def test_forced_faults_in_the_apis_terms(server, corpus):
    pmid = corpus.pmids()[0]
    path = f"/europepmc/webservices/rest/MED/{pmid}/citations"
    clean = server.handle(path, [], "127.0.0.1").body
    server.force("europepmc/citations", ["truncate", "error200", "html200", "5xx"])
    cut, error, html, failed = (server.handle(path, [], "127.0.0.1") for _ in range(4))
    assert cut.status == 200 and clean.startswith(cut.body) and len(cut.body) < len(clean)
    assert error.status == 200 and set(json.loads(error.body)) == {"version", "errCode", "errMsg"}
    assert html.status == 200 and html.body.lstrip().lower().startswith((b"<!doctype html", b"<html"))
    assert failed.status in (500, 502, 503)
    # iCite has no documented error-with-200 answer, and a left-out paper could not be told
    # from an unknown one: those faults are no faults there
    icite = server.handle("/icite/api/pubs", [("pmids", pmid)], "127.0.0.1").body
    server.force("icite/pubs", ["error200", "short"])
    assert [server.handle("/icite/api/pubs", [("pmids", pmid)], "127.0.0.1").body for _ in range(2)] == [icite] * 2
    assert server.fault_log == [("europepmc/citations", k) for k in ("truncate", "error200", "html200", "5xx")]
    with pytest.raises(ValueError):
        server.force("icite/pubs", ["gremlins"])
    with pytest.raises(ValueError):
        server.apis.force("icite/other", ["5xx"])


def test_drawn_faults_are_the_same_on_every_run(corpus):
    plan = FaultPlan({"5xx": 0.3, "truncate": 0.2, "html200": 0.2}, seed=9)
    logs = []
    for _ in range(2):
        with EutilsServer(corpus, faults=plan) as server:
            for pmid in corpus.pmids()[:30]:
                server.handle("/icite/api/pubs", [("pmids", pmid)], "127.0.0.1")
                server.handle(f"/opencitations/index/v2/citations/pmid:{pmid}", [], "127.0.0.1")
            logs.append(server.fault_log)
    assert logs[0] == logs[1] and len(logs[0]) > 10
    assert {name for name, _ in logs[0]} == {"icite/pubs", "opencitations/citations"}
