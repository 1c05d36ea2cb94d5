"""The iCite reader on real answers, and ICiteClient against the local server and a scripted one.

The real answers are in ``shared/fixtures/icite`` (see its ``SOURCES.md``):
``pubs_32162448.json`` (current shape), ``pubs_23456789_27599104_older_shape.json`` (authors as
one string, "Yes"/"No") and ``pubs_fl_subset.json`` (an ``fl=`` subset with nulls).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from citegraph.config import Settings
from citegraph.errors import InputError, ResponseError
from citegraph.sources.icite import MAX_PMIDS, ICiteClient, ICiteMetrics, ICitePaper, parse_pubs
from citegraph.testing import Corpus, EutilsServer

#: the real answers (../shared, as in tests/conftest.py); tests that read them skip without it
SHARED = Path(os.environ.get("CITEGRAPH_SHARED", Path(__file__).resolve().parents[3] / "shared"))
FIXTURES = SHARED / "fixtures" / "icite"


def fixture(name: str) -> bytes:
    path = FIXTURES / name
    if not path.exists():
        pytest.skip(f"fixture {name} not available")
    return path.read_bytes()


# -- the reader on real answers ---------------------------------------------------------------


def test_current_shape_is_read_field_for_field():
    (paper,) = parse_pubs(fixture("pubs_32162448.json"))
    assert paper.pmid == 32162448
    assert paper.doi == "10.1111/pan.13853"
    assert paper.title == ("Ultrasonographic evaluation of gastric emptying after ingesting carbohydrate-rich "
                           "drink in young children: A randomized crossover study.")
    assert paper.year == 2020
    assert paper.journal == "Paediatr Anaesth"
    assert paper.authors == ("Yan-Ling Zhang", "Hui Li", "Hua Zeng", "Qiao Li", "Li-Ping Qiu", "Ru-Ping Dai")
    assert paper.cited_by == (32997821, 35874585, 40535648, 36891367, 39773771, 40104681, 37601499, 38993713,
                              38615661, 34857683, 36629465, 39949966, 34403386, 37477770, 39651668, 35166373,
                              38350987)
    assert len(paper.references) == 31
    assert paper.references[:3] == (30500064, 27595380, 25940831) and paper.references[-1] == 29077812
    assert paper.cited_by_clinical == (32997821, 38615661, 35166373)
    assert len(paper.cited_by_years) == 17
    assert paper.cited_by_years[:2] == ((32997821, 2020), (35874585, 2022))
    assert paper.cited_by_years[-1] == (38350987, 2024)
    assert paper.last_modified is None
    assert paper.metrics == ICiteMetrics(
        relative_citation_ratio=2.18475199552701, nih_percentile=77.1, citation_count=17,
        citations_per_year=3.4, expected_citations_per_year=1.55624071151373,
        field_citation_rate=2.70128652829193, apt=0.75, human=1.0, animal=0.0, molecular_cellular=0.0,
        x_coord=0.0, y_coord=1.0, is_research_article=True, is_clinical=True, provisional=False,
        cited_by_clinical_article=True,
    )


def test_older_shape_authors_as_a_string_and_yes_no_flags():
    first, second = parse_pubs(fixture("pubs_23456789_27599104_older_shape.json"))
    assert first == ICitePaper(
        pmid=23456789,
        doi="10.1002/cncr.27976",
        title=("Hospital volume is associated with survival but not multimodality therapy in Medicare patients "
               "with advanced head and neck cancer."),
        year=2013,
        journal="Cancer",
        authors=("Arun Sharma", "Stephen M Schwartz", "Eduardo Méndez"),
        cited_by=(),  # empty in that answer: "says none", not "did not say"
        references=(),
        cited_by_clinical=(25488965, 29180076),
        cited_by_years=None,
        metrics=ICiteMetrics(
            relative_citation_ratio=1.78, nih_percentile=71.0, citation_count=46,
            citations_per_year=4.181818181818182, expected_citations_per_year=2.3475706996041663,
            field_citation_rate=5.383290487847182, apt=0.75, human=1.0, animal=0.0, molecular_cellular=0.0,
            x_coord=0.0, y_coord=1.0, is_research_article=True, is_clinical=False, provisional=False,
            cited_by_clinical_article=None,
        ),
        last_modified="02/25/2024, 09:52:59",
    )
    assert second.pmid == 27599104
    assert second.authors == ("B Ian Hutchins", "Xin Yuan", "James M Anderson", "George M Santangelo")
    assert second.metrics.nih_percentile == 97.9 and second.metrics.citation_count == 222
    assert second.cited_by_clinical == (37552823, 33539992)


def test_fl_subset_reads_what_was_asked_and_nothing_else():
    papers = parse_pubs(fixture("pubs_fl_subset.json"))
    assert [p.pmid for p in papers] == [22882545, 31461780, 20050301]  # iCite's order, not the asked one
    assert [p.year for p in papers] == [2013, 2020, 2009]
    assert papers[0].title == "Killer whale ecotypes: is there a global model?"
    assert [p.metrics.relative_citation_ratio for p in papers] == [1.46, 0.16, 1.78]
    assert {p.metrics.apt for p in papers} == {0.05}
    for paper in papers:
        assert paper.cited_by_clinical is None  # null in the answer
        assert paper.cited_by is None and paper.references is None  # not asked for
        assert paper.authors is None and paper.doi is None and paper.journal is None
        assert paper.metrics.citation_count is None and paper.metrics.is_clinical is None


def test_a_bad_value_loses_only_that_value():
    body = json.dumps({"data": [
        {"pmid": "not a pmid", "_id": "also not", "title": "dropped: no PMID"},
        {"_id": "123", "year": "n/a", "title": 7, "cited_by": [5, "6", "x", 0, 123456789, True, None, 7.5],
         "authors": [{"firstName": "", "lastName": "", "fullName": "Consortium X"}, 3, "Jane Roe"],
         "is_clinical": "maybe", "human": "1", "relative_citation_ratio": True, "citation_count": 4.0},
    ]}).encode()
    (paper,) = parse_pubs(body)
    assert paper.pmid == 123
    assert paper.year is None and paper.title is None
    assert paper.cited_by == (5, 6)
    assert paper.authors == ("Consortium X", "Jane Roe")
    assert paper.metrics.is_clinical is None and paper.metrics.human is None
    assert paper.metrics.relative_citation_ratio is None and paper.metrics.citation_count == 4


@pytest.mark.parametrize("body", [
    b'{"data": [{"pmid": 1, "title": "cut',  # truncated
    b'[{"pmid": 1}]',  # not an object
    b'{"meta": {}}',  # no data list
    b'{"error": "Internal error"}',
    b'{"data": [1, 2]}',  # entries that are not objects
    b'\xff\xfe\x00garbage',
])
def test_an_answer_that_is_not_an_icite_answer_is_a_transient_error(body):
    with pytest.raises(ResponseError) as info:
        parse_pubs(body)
    assert info.value.transient


def test_an_empty_data_list_is_an_answer():
    assert parse_pubs(b'{"data": []}') == []


# -- the client against the local server ------------------------------------------------------


@pytest.fixture(scope="module")
def corpus():
    return Corpus.synthetic(2500, seed=3)


@pytest.fixture
def server(corpus):
    with EutilsServer(corpus) as srv:
        yield srv


def settings_for(server, **overrides) -> Settings:
    values = dict(read_timeout=60.0, max_attempts=6, backoff_base=0.001, backoff_max=0.01, icite_rate=1000.0)
    values.update(server.apis.urls())
    values.update(overrides)
    return Settings(**values)


def cited_only(corpus, n: int) -> list[int]:
    """PMIDs some record cites that are not records themselves."""
    found = sorted({int(r) for p in corpus.pmids()[:200] for r in corpus.refs(p) if r not in corpus})
    return found[:n]


def test_any_number_of_pmids_goes_1000_a_request(server, corpus):
    pmids = corpus.pmids()  # 2,500 records
    with ICiteClient(settings_for(server)) as client:
        papers = client.pubs(pmids)
    assert list(papers) == [int(p) for p in pmids]
    assert server.stats()["by_endpoint"]["icite/pubs"] == 3  # 1000 + 1000 + 500 (the server refuses > 1000)
    assert MAX_PMIDS == 1000
    for pmid in pmids[:50]:
        paper = papers[int(pmid)]
        assert paper.cited_by == tuple(int(p) for p in corpus.cited_by(pmid))
        assert paper.references == tuple(int(p) for p in corpus.refs(pmid))
        assert paper.metrics.citation_count == len(corpus.cited_by(pmid))
        assert paper.doi == corpus.doi(pmid) and paper.title and paper.year


def test_a_cited_only_pmid_has_its_citers_and_nulls_and_unknown_pmids_are_left_out(server, corpus):
    only = cited_only(corpus, 2)
    record = int(corpus.pmids()[0])
    with ICiteClient(settings_for(server)) as client:
        papers = client.pubs([*only, record, 1, 99_999_998])
    assert list(papers) == [*only, record]  # 1 and 99,999,998 are not known to the corpus
    paper = papers[only[0]]
    assert paper.cited_by == tuple(int(p) for p in corpus.cited_by(only[0])) != ()
    assert paper.references is None and paper.title is None and paper.year is None and paper.authors is None
    assert paper.metrics.citation_count == len(paper.cited_by)
    assert paper.metrics.relative_citation_ratio is None


def test_fields_are_asked_with_fl(server, corpus):
    pmid = int(corpus.pmids()[7])
    with ICiteClient(settings_for(server)) as client:
        paper = client.pubs([pmid], fields=["year", "cited_by"])[pmid]
    assert paper.year is not None and paper.cited_by is not None
    assert paper.title is None and paper.references is None


def test_non_pmids_are_refused_before_any_request(server):
    with ICiteClient(settings_for(server)) as client:
        with pytest.raises(InputError):
            client.pubs(["123", "abc"])
        with pytest.raises(InputError):
            client.pubs([0])
        assert client.pubs([]) == {}
    assert server.stats()["by_api"]["icite"] == 0


class FakeTime:
    """A clock that moves only when slept on; records every sleep."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += max(0.0, seconds)


def test_faults_are_retried_to_the_same_answer(corpus):
    pmids = corpus.pmids()[:300]
    with EutilsServer(corpus, retry_after=2) as server:
        settings = settings_for(server, backoff_max=5.0)
        with ICiteClient(settings) as client:
            clean = client.pubs(pmids)
        server.force("icite/pubs", ["5xx", "429", "html200", "truncate", "reset"])
        server.reset_stats()
        fake = FakeTime()
        with ICiteClient(settings, clock=fake.clock, sleep=fake.sleep) as client:
            again = client.pubs(pmids)
            assert client.stats["retries"] == 5 and client.stats["failures"] == 0
        assert again == clean
        assert [kind for _, kind in server.fault_log] == ["5xx", "429", "html200", "truncate", "reset"]
        assert 2.0 in fake.slept  # the 429's Retry-After was waited for, on the shared limiter


def test_when_retries_run_out_the_error_is_one_clear_line(corpus):
    with EutilsServer(corpus) as server:
        server.force("icite/pubs", ["html200"] * 3)
        with ICiteClient(settings_for(server, max_attempts=3)) as client:
            with pytest.raises(ResponseError) as info:
                client.pubs([corpus.pmids()[0]])
    message = str(info.value)
    assert "icite pubs" in message and "HTML page instead of JSON" in message and "\n" not in message


def test_requests_go_by_get_without_ncbi_parameters(fault_server):
    fault_server.play(fault_server.reply(b'{"data": []}', content_type="application/json"))
    settings = fault_server.settings(icite_url=f"http://127.0.0.1:{fault_server.port}/api/",
                                     api_key="NCBIKEY0123456789", email="me@example.org")
    with ICiteClient(settings) as client:
        assert client.pubs([3, 1, 2, 3]) == {}
        assert client.pubs(range(1, 1002)) == {}
    few, full, rest = fault_server.seen
    assert (few.method, few.path, few.params) == ("GET", "/api/pubs", [("pmids", "3,1,2")])
    assert [(s.method, len(s.get("pmids").split(","))) for s in (full, rest)] == [("GET", 1000), ("GET", 1)]
    assert all(len(s.params) == 1 for s in fault_server.seen)  # no tool, email or api_key


def test_settings_read_the_sources_urls_and_token_from_the_environment():
    from citegraph.config import EUROPEPMC_URL, ICITE_URL, OPENCITATIONS_URL
    from citegraph.errors import ConfigError

    assert (Settings().icite_url, Settings().europepmc_url, Settings().opencitations_url) == (
        ICITE_URL, EUROPEPMC_URL, OPENCITATIONS_URL)
    settings = Settings.from_env({
        "CITEGRAPH_ICITE_URL": "http://127.0.0.1:1/icite/api",
        "CITEGRAPH_EUROPEPMC_URL": "http://127.0.0.1:1/europepmc/webservices/rest/",
        "CITEGRAPH_OPENCITATIONS_URL": "https://oc.example/index/v2",
        "OPENCITATIONS_TOKEN": "tok-123456",
    })
    assert settings.icite_url == "http://127.0.0.1:1/icite/api/"  # a trailing slash added
    assert settings.europepmc_url == "http://127.0.0.1:1/europepmc/webservices/rest/"
    assert settings.opencitations_url == "https://oc.example/index/v2/"
    assert settings.opencitations_token == "tok-123456" and "tok-123456" not in repr(settings)
    with pytest.raises(ConfigError):
        Settings(icite_url="icite.od.nih.gov/api/")
    with pytest.raises(ConfigError):
        Settings(europepmc_rate=0)


def test_settings_read_each_sources_rate_from_the_environment():
    from citegraph.errors import ConfigError

    settings = Settings.from_env({"CITEGRAPH_ICITE_RATE": "20", "CITEGRAPH_EUROPEPMC_RATE": "0.5",
                                  "CITEGRAPH_OPENCITATIONS_RATE": "7", "CITEGRAPH_RATE": "9"})
    assert (settings.icite_rate, settings.europepmc_rate, settings.opencitations_rate) == (20.0, 0.5, 7.0)
    assert settings.effective_rate == 9.0  # E-utilities' own rate stays apart
    assert Settings.from_env({}).icite_rate == Settings().icite_rate
    for name in ("CITEGRAPH_ICITE_RATE", "CITEGRAPH_RATE"):
        with pytest.raises(ConfigError, match=name):
            Settings.from_env({name: "fast"})
        with pytest.raises(ConfigError):
            Settings.from_env({name: "0"})
