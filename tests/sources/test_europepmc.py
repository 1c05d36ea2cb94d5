"""The Europe PMC reader on a real answer, and EuropePMCClient against the local server.

``shared/fixtures/europepmc/MED_37258680_citations_page1_size2.json`` is a real ``citations``
answer (page 1, two papers per page; see its ``SOURCES.md``). The ``references`` and error
answers below are built in the same shape from the documented field names.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest

from citegraph.config import Settings
from citegraph.errors import InputError, ResponseError
from citegraph.sources.europepmc import CitationList, EuropePMCClient, EuropePMCPaper, parse_citations
from citegraph.sources.json_answers import CitationLink, ExternalId
from citegraph.testing import Corpus, EutilsServer

#: the real answers (../shared, as in tests/conftest.py); tests that read them skip without it
SHARED = Path(os.environ.get("CITEGRAPH_SHARED", Path(__file__).resolve().parents[3] / "shared"))
FIXTURE = SHARED / "fixtures" / "europepmc" / "MED_37258680_citations_page1_size2.json"


def real_answer() -> dict:
    if not FIXTURE.exists():
        pytest.skip("the Europe PMC fixture is not available")
    return json.loads(FIXTURE.read_bytes())


# -- the reader ---------------------------------------------------------------------------


def test_the_real_citations_answer_is_read_field_for_field():
    answer = parse_citations(FIXTURE.read_bytes() if FIXTURE.exists() else pytest.skip("no fixture"))
    of = ExternalId(pmid=37258680, source_id="MED:37258680")
    assert answer.of == of and answer.kind == "citations" and answer.hit_count == 857
    first, second = answer.papers
    assert first == EuropePMCPaper(
        id=ExternalId(pmid=42696754, source_id="MED:42696754"),
        source="MED",
        citation_type="journal article",
        title=("Gene-Chronos: parameter-efficient developmental time inference using a pretrained single-cell "
               "foundation model."),
        authors="Liu Y, Gao H, Tian T.",
        journal="Brief Bioinform",
        year=2026,
        volume="27",
        issue="5",
        pages="bbag469",
        cited_by_count=0,
    )
    assert first.in_pubmed
    assert (second.id.pmid, second.pages, second.cited_by_count) == (41888299, "1666-1670", 1)
    assert answer.links == (CitationLink(citing=first.id, cited=of), CitationLink(citing=second.id, cited=of))


def test_citers_that_are_not_pubmed_records_are_kept_as_external_papers():
    answer = real_answer()
    answer["citationList"]["citation"] += [
        {"id": "PPR584155", "source": "PPR", "citationType": "preprint", "title": "A preprint", "pubYear": "2024"},
        {"id": "IND44000000", "source": "AGR", "title": "An Agricola record"},
        {"source": "MED", "title": "no id: cannot be a node"},
    ]
    papers = parse_citations(json.dumps(answer).encode()).papers
    preprint, agricola = papers[2:]
    assert len(papers) == 4
    assert preprint.id == ExternalId(pmid=None, source_id="PPR:PPR584155") and not preprint.in_pubmed
    assert preprint.year == 2024 and preprint.citation_type == "preprint"
    assert agricola.id.key == "AGR:IND44000000" and agricola.source == "AGR"


def test_a_references_answer_links_the_other_way():
    answer = real_answer()
    items = answer.pop("citationList")["citation"]
    items.append({"id": "PMC1234567", "source": "PMC", "doi": "10.1/x"})
    answer["referenceList"] = {"reference": items}
    refs = parse_citations(json.dumps(answer).encode())
    assert refs.kind == "references"
    assert [link.cited.key for link in refs.links] == ["pmid:42696754", "pmid:41888299", "doi:10.1/x"]
    assert {link.citing for link in refs.links} == {ExternalId(pmid=37258680, source_id="MED:37258680")}


def test_no_citations_is_an_answer():
    empty = parse_citations(b'{"version": "6.9", "hitCount": 0, "request": {"id": "1", "source": "MED"}}')
    assert empty.papers == () and empty.hit_count == 0 and empty.kind is None


@pytest.mark.parametrize("body, transient", [
    (b'{"version": "6.9", "errCode": 500, "errMsg": "Internal error"}', True),
    (b'{"version": "6.9", "errCode": 404, "errMsg": "No such resource"}', False),
    (b'{"version": "6.9", "hitCount": 857, "citationList": {"cit', True),  # truncated
    (b'{"version": "6.9", "hitCount": 3}', True),  # papers announced, no list
    (b'{"version": "6.9", "citationList": {"citation": []}}', True),  # no hitCount
    (b'[]', True),
])
def test_error_answers_with_status_200(body, transient):
    with pytest.raises(ResponseError) as info:
        parse_citations(body)
    assert info.value.transient is transient


# -- the client against the local server ------------------------------------------------------


@pytest.fixture(scope="module")
def corpus():
    return Corpus.synthetic(400, seed=2)


def settings_for(server, **overrides) -> Settings:
    values = dict(read_timeout=5.0, max_attempts=6, backoff_base=0.001, backoff_max=0.01, europepmc_rate=1000.0)
    values.update(server.apis.urls())
    values.update(overrides)
    return Settings(**values)


def much_cited(corpus, divisible_by_5: bool) -> str:
    """The most cited record whose PMID is (or is not) divisible by 5 (the server's preprints)."""
    pmids = [p for p in corpus.pmids() if (int(p) % 5 == 0) == divisible_by_5]
    return max(pmids, key=lambda p: len(corpus.cited_by(p)))


def test_a_long_list_is_read_page_by_page(corpus):
    pmid = much_cited(corpus, divisible_by_5=True)
    citers = [int(p) for p in corpus.cited_by(pmid)]
    assert len(citers) > 20
    with EutilsServer(corpus) as server, EuropePMCClient(settings_for(server), page_size=7) as client:
        answer = client.citations(pmid)
        requests = server.stats()["by_endpoint"]["europepmc/citations"]
    assert answer.hit_count == len(citers) + 1  # the server's preprint too
    assert requests == math.ceil(answer.hit_count / 7)
    assert [p.id.pmid for p in answer.papers[:-1]] == citers
    preprint = answer.papers[-1]
    assert preprint.id.pmid is None and preprint.source == "PPR" and preprint.id.source_id.startswith("PPR:PPR")
    assert all(link.cited == ExternalId(pmid=int(pmid), source_id=f"MED:{pmid}") for link in answer.links)


def test_references_come_from_the_reference_list(corpus):
    pmid = corpus.pmids()[-1]
    with EutilsServer(corpus) as server, EuropePMCClient(settings_for(server)) as client:
        refs = client.references(pmid)
        unknown = client.citations(1)
    assert refs.kind == "references"
    assert [link.cited.pmid for link in refs.links] == [int(p) for p in corpus.refs(pmid)]
    assert unknown == CitationList(of=ExternalId(pmid=1, source_id="MED:1"), kind="citations", hit_count=0)


def test_faults_on_any_page_are_retried_to_the_same_answer(corpus):
    pmid = much_cited(corpus, divisible_by_5=False)
    with EutilsServer(corpus, retry_after=0) as server:
        settings = settings_for(server, max_attempts=7)  # the six faults may all fall on one page
        with EuropePMCClient(settings, page_size=5) as client:
            clean = client.citations(pmid)
        server.force("europepmc/citations", ["5xx", "429", "html200", "truncate", "error200", "reset"])
        with EuropePMCClient(settings, page_size=5) as client:
            assert client.citations(pmid) == clean
            assert client.stats["retries"] == 6
        assert [kind for _, kind in server.fault_log] == ["5xx", "429", "html200", "truncate", "error200", "reset"]


def test_an_error_code_with_200_is_retried_then_raised_clearly(corpus):
    with EutilsServer(corpus) as server:
        server.force("europepmc/citations", ["error200"] * 3)
        with EuropePMCClient(settings_for(server, max_attempts=3)) as client:
            with pytest.raises(ResponseError) as info:
                client.citations(corpus.pmids()[0])
            assert client.stats["requests"] == 3
    message = str(info.value)
    assert message.startswith("europepmc citations: Europe PMC reports error 500: ")
    assert "gave up after 3 attempts" in message and "\n" not in message


def test_an_answer_about_another_paper_is_not_taken(fault_server):
    body = json.dumps({"version": "6.9", "hitCount": 0, "request": {"id": "999", "source": "MED"},
                       "citationList": {"citation": []}}).encode()
    fault_server.play(fault_server.reply(body, content_type="application/json"))
    settings = fault_server.settings(europepmc_url=f"http://127.0.0.1:{fault_server.port}/rest/", max_attempts=2)
    with EuropePMCClient(settings) as client:
        with pytest.raises(ResponseError, match="about MED:999, not MED:5"):
            client.citations(5)
    first = fault_server.seen[0]
    assert (first.method, first.path) == ("GET", "/rest/MED/5/citations")
    assert sorted(first.params) == [("format", "json"), ("page", "1"), ("pageSize", "1000")]


def test_bad_input_is_refused_before_any_request():
    settings = Settings(europepmc_url="http://127.0.0.1:9/")
    with pytest.raises(InputError):
        EuropePMCClient(settings, page_size=1001)
    with EuropePMCClient(settings) as client, pytest.raises(InputError):
        client.references("PMC123")
