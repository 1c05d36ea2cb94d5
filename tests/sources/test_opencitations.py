"""The OpenCitations reader on a real answer, and OpenCitationsClient against the local server.

``shared/fixtures/opencitations/index_v2_citations_doi_10.1108_jd-12-2013-0166.json`` is the
Index v2 documentation's own example answer (see its ``SOURCES.md``): one citer with a PMID,
one with a DOI only.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from citegraph.config import Settings
from citegraph.errors import HTTPError, InputError, ResponseError
from citegraph.sources.json_answers import ExternalId
from citegraph.sources.opencitations import OpenCitation, OpenCitationsClient, parse_citations, parse_ids
from citegraph.testing import Corpus, EutilsServer

#: the real answers (../shared, as in tests/conftest.py); tests that read them skip without it
SHARED = Path(os.environ.get("CITEGRAPH_SHARED", Path(__file__).resolve().parents[3] / "shared"))
FIXTURE = SHARED / "fixtures" / "opencitations" / "index_v2_citations_doi_10.1108_jd-12-2013-0166.json"
TOKEN = "oc-token-5f1d9a77c3e2"


# -- the reader ---------------------------------------------------------------------------


def test_the_real_answer_is_read_with_and_without_pmids():
    if not FIXTURE.exists():
        pytest.skip("the OpenCitations fixture is not available")
    first, second = parse_citations(FIXTURE.read_bytes())
    cited = ExternalId(pmid=None, doi="10.1108/jd-12-2013-0166", source_id="omid:br/06180334099")
    assert first == OpenCitation(
        citing=ExternalId(pmid=33817056, doi="10.7717/peerj-cs.421", source_id="omid:br/06101801781"),
        cited=cited,
        oci="06101801781-06180334099",
        creation="2021-03-10",
        timespan="P6Y0M1D",
        journal_self_citation=False,
        author_self_citation=False,
    )
    # a citer without a PMID is kept, by its DOI
    assert second.citing == ExternalId(pmid=None, doi="10.3233/ds-190019", source_id="omid:br/06102227626")
    assert second.citing.key == "doi:10.3233/ds-190019" and second.cited == cited
    assert (second.oci, second.creation, second.timespan) == ("06102227626-06180334099", "2019-11-25", "P4Y8M16D")


@pytest.mark.parametrize("text, expected", [
    ("omid:br/1 doi:10.1/AbC pmid:0123", ExternalId(pmid=123, doi="10.1/AbC", source_id="omid:br/1")),
    ("pmid:12 pmid:13", ExternalId(pmid=12)),
    ("doi:10.1/x pmid:abc", ExternalId(doi="10.1/x")),  # a PMID that is not one is dropped, the DOI kept
    ("omid:br/9 pmid:100000000", ExternalId(source_id="omid:br/9")),  # out of the PMID range
    ("issn:1234-5678", None),
    ("", None),
    (None, None),
])
def test_ids_are_read_from_the_space_separated_list(text, expected):
    assert parse_ids(text) == expected


@pytest.mark.parametrize("body", [
    b'[{"oci": "1-2", "citing": "pmid:1", "cited": "pmid:2"',  # truncated
    b'{"error": "Internal Server Error"}',
    b'["pmid:1"]',
    b'',
])
def test_an_answer_that_is_not_a_list_of_citations_is_a_transient_error(body):
    with pytest.raises(ResponseError) as info:
        parse_citations(body)
    assert info.value.transient


def test_rows_naming_no_paper_are_left_out():
    body = b'[{"oci": "a", "citing": "issn:1", "cited": "pmid:2"}, {"citing": "pmid:3", "cited": "doi:10.1/y"}]'
    (row,) = parse_citations(body)
    assert (row.citing.pmid, row.cited.doi, row.oci) == (3, "10.1/y", None)


# -- the client against the local server ------------------------------------------------------


@pytest.fixture(scope="module")
def corpus():
    return Corpus.synthetic(300, seed=4)


def settings_for(server, **overrides) -> Settings:
    values = dict(read_timeout=5.0, max_attempts=7, backoff_base=0.001, backoff_max=0.01,
                  opencitations_rate=1000.0, opencitations_token=TOKEN)
    values.update(server.apis.urls())
    values.update(overrides)
    return Settings(**values)


def mapped_and_cited(corpus) -> str:
    """The most cited record that OpenCitations (the server's) finds by PMID (pmid % 4 != 3)."""
    return max((p for p in corpus.pmids() if int(p) % 4 != 3), key=lambda p: len(corpus.cited_by(p)))


def test_citations_and_references_between_records_with_a_doi(corpus):
    pmid = mapped_and_cited(corpus)
    with EutilsServer(corpus) as server, OpenCitationsClient(settings_for(server)) as client:
        citations = client.citations(pmid)
        references = client.references(pmid)
        hidden = client.citations(next(p for p in corpus.pmids() if int(p) % 4 == 3))
        unknown = client.references(1)
    citers = [int(p) for p in corpus.cited_by(pmid)]
    assert [c.citing.doi for c in citations] == [corpus.doi(p) for p in citers]
    assert [c.citing.pmid for c in citations] == [p if p % 4 != 3 else None for p in citers]
    assert {c.cited.pmid for c in citations} == {int(pmid)}
    assert [c.cited.doi for c in references] == [corpus.doi(p) for p in corpus.refs(pmid) if p in corpus]
    assert hidden == () and unknown == ()


def test_the_token_is_sent_in_the_authorization_header_and_shown_nowhere(fault_server, caplog):
    echo = fault_server.answer(lambda seen: fault_server.reply(
        f"<html><head><title>refused: {seen.headers.get('authorization')}</title></head></html>", 401,
        content_type="text/html"))
    fault_server.play(echo)
    base = f"http://127.0.0.1:{fault_server.port}/index/v2/"
    settings = fault_server.settings(opencitations_url=base, opencitations_token=TOKEN, api_key="NCBIKEY999")
    caplog.set_level(logging.DEBUG)
    with OpenCitationsClient(settings) as client:
        with pytest.raises(HTTPError) as info:
            client.citations("33817056")
        shown = [str(info.value), repr(info.value), repr(client), repr(settings), caplog.text]
    (seen,) = fault_server.seen
    assert seen.headers.get("authorization") == TOKEN
    assert (seen.method, seen.path, seen.params) == ("GET", "/index/v2/citations/pmid:33817056", [])
    assert "refused: ***" in str(info.value)
    for text in shown:
        assert TOKEN not in text and "NCBIKEY999" not in text


def test_the_token_is_masked_in_retried_errors_too(fault_server, caplog):
    fault_server.play(fault_server.answer(lambda seen: fault_server.reply(
        f"<!DOCTYPE html><html><title>busy for {seen.headers.get('authorization')}</title></html>",
        content_type="text/html")))
    settings = fault_server.settings(opencitations_url=f"http://127.0.0.1:{fault_server.port}/",
                                     opencitations_token=TOKEN, max_attempts=2)
    caplog.set_level(logging.DEBUG)
    with OpenCitationsClient(settings) as client, pytest.raises(ResponseError) as info:
        client.references(5)
    assert len(fault_server.seen) == 2
    assert "HTML page instead of JSON" in str(info.value)
    assert TOKEN not in str(info.value) and TOKEN not in caplog.text


def test_no_token_no_header(fault_server):
    fault_server.play(fault_server.reply(b"[]", content_type="application/json"))
    settings = fault_server.settings(opencitations_url=f"http://127.0.0.1:{fault_server.port}/")
    with OpenCitationsClient(settings) as client:
        assert client.citations(7) == ()
    assert "authorization" not in {k.lower() for k in fault_server.seen[0].headers}


def test_faults_are_retried_to_the_same_answer(corpus):
    pmid = mapped_and_cited(corpus)
    with EutilsServer(corpus, retry_after=0) as server:
        with OpenCitationsClient(settings_for(server)) as client:
            clean = client.citations(pmid)
            server.force("opencitations/citations", ["5xx", "429", "html200", "truncate", "reset"])
            assert client.citations(pmid) == clean
            assert client.stats["retries"] == 5
        assert [kind for _, kind in server.fault_log] == ["5xx", "429", "html200", "truncate", "reset"]


def test_non_pmids_are_refused_before_any_request():
    with OpenCitationsClient(Settings(opencitations_url="http://127.0.0.1:9/")) as client:
        with pytest.raises(InputError):
            client.citations("doi:10.1/x")
