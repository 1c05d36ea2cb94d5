"""PMC full text in the store (citegraph/fulltext.py, Store's full-text functions, the
migration): states, contexts, raw JATS, `.nxml` import, and the fetch against the local server.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from citegraph import cli
from citegraph.config import Settings
from citegraph.errors import ParseError
from citegraph.fulltext import (FETCHED, NOT_AVAILABLE, NOT_OPEN_ACCESS_STATE, fetch_fulltext, import_nxml,
                                split_answer)
from citegraph.pmc import read_article
from citegraph.sources.eutils import EutilsClient
from citegraph.store import Store

REAL = {  # file: (PMID, PMC id)
    "1471-2180-11-174.nxml": ("21810267", "PMC3166277"),
    "1472-6831-8-11.nxml": ("18405359", "PMC2329613"),
    "6605965a.nxml": ("21045829", "PMC2994229"),
    "pntd.0002065.nxml": ("23469300", "PMC3585041"),
    "pone.0000217.nxml": ("17299597", "PMC1790863"),
}


@pytest.fixture
def pmc_folder(ncbi_fixtures) -> Path:
    folder = ncbi_fixtures.parent / "pmc"
    if not folder.is_dir():
        pytest.skip(f"real PMC articles not found at {folder}")
    return folder


ARTICLE = """<article xmlns:xlink="http://www.w3.org/1999/xlink"><front><article-meta>
<article-id pub-id-type="pmid">{pmid}</article-id><article-id pub-id-type="pmc">{pmc}</article-id>
</article-meta></front>{body}<back><ref-list>
<ref id="R1"><label>1</label><mixed-citation><pub-id pub-id-type="pmid">111</pub-id></mixed-citation></ref>
<ref id="R2"><label>2</label><mixed-citation><pub-id pub-id-type="doi">10.1234/two</pub-id></mixed-citation></ref>
<ref id="R3"><label>3</label><mixed-citation><pub-id pub-id-type="pmid">{pmid}</pub-id></mixed-citation></ref>
</ref-list></back></article>"""
BODY = """<body><sec><title>Methods</title><p>We used the assay <xref ref-type="bibr" rid="R1">1</xref>.
Our own <xref ref-type="bibr" rid="R3">3</xref>.</p></sec>
<sec><title>Discussion</title><p>It agrees with <xref ref-type="bibr" rid="R1 R2">1,2</xref>.</p></sec></body>"""


def article_xml(pmid: str = "500", pmc: str = "9500", body: str = BODY) -> str:
    return ARTICLE.format(pmid=pmid, pmc=pmc, body=body)


def test_store_keeps_state_contexts_and_raw_jats(tmp_path):
    path = tmp_path / "a.nxml"
    path.write_text(article_xml())
    with Store(tmp_path / "s.db") as store:
        report = import_nxml(store, [path])
        assert report.articles[FETCHED] == 1 and report.contexts == 3  # the self-mention is left out
        assert store.fulltext_states(["500", "501"]) == {"500": FETCHED}
        assert store.raw_jats("500").startswith(b"<article")
        mentions = store.mention_sections()
        assert mentions == {("500", "111"): {"methods": 1, "discussion": 1}}
        got = store.contexts_of("111")
        assert [c["section"] for c in got] == ["methods", "discussion"]
        first = got[0]
        assert first["sentence"][first["cite_start"]:first["cite_end"]] == "1"
        # the DOI-only reference counts as the stored paper with that DOI once there is one
        raw = store._execute("SELECT cited, cited_doi FROM citation_contexts WHERE cited_doi != ''").fetchall()
        assert raw == [(None, "10.1234/two")]
        # importing again replaces, never duplicates
        import_nxml(store, [path])
        assert store.fulltext_counts() == {"fetched": 1, "not_open_access": 0, "not_available": 0, "contexts": 3}


def test_front_matter_only_is_not_open_access_and_has_no_raw(tmp_path):
    path = tmp_path / "front.nxml"
    path.write_text(article_xml(body=""))
    with Store(tmp_path / "s.db") as store:
        report = import_nxml(store, [path])
        assert report.articles[NOT_OPEN_ACCESS_STATE] == 1 and report.contexts == 0
        assert store.fulltext_states() == {"500": NOT_OPEN_ACCESS_STATE}
        assert store.raw_jats("500") is None


def test_bad_nxml_is_a_parse_error_naming_the_file_and_earlier_files_stay(tmp_path):
    good, bad = tmp_path / "good.nxml", tmp_path / "bad.nxml"
    good.write_text(article_xml())
    bad.write_text(article_xml("501", "9501")[:300])
    with Store(tmp_path / "s.db") as store:
        with pytest.raises(ParseError, match="bad.nxml"):
            import_nxml(store, [good, bad])
        assert store.fulltext_states() == {"500": FETCHED}


def test_split_answer_maps_ids_and_notices_a_missing_one():
    body = ("<pmc-articleset>" + article_xml("500", "9500") + article_xml("501", "9501", body="")
            + '<Reply Id="9502" error="The following PMCID is not available: 9502"/></pmc-articleset>').encode()
    got = split_answer(body, ["9500", "9501", "9502"])
    assert [(n, a.state) for n, a, _ in got] == [("9500", "full_text"), ("9501", "not_open_access"), ("9502", "error")]
    assert read_article(got[0][2]).contexts == got[0][1].contexts  # each article's own bytes
    from citegraph.errors import ResponseError

    with pytest.raises(ResponseError) as caught:
        split_answer(body, ["9500", "9501", "9502", "9503"])
    assert caught.value.transient


def test_import_command_reads_real_nxml(pmc_folder, capsys):
    files = [str(pmc_folder / name) for name in REAL]
    code = cli.main(["import", *files, "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    data = json.loads(out)
    assert data["full_text"]["fetched"] == 5 and data["full_text"]["contexts"] > 300
    assert data["records"] == 0
    code = cli.main(["import", files[0]])
    out, _ = capsys.readouterr()
    assert code == 0 and "1 PMC full-text file(s): 1 articles with full text" in out


def test_import_command_bad_jats_is_one_line_error(tmp_path, capsys):
    bad = tmp_path / "x.nxml"
    bad.write_bytes(b"<article><front>")
    code = cli.main(["import", str(bad)])
    _, err = capsys.readouterr()
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 1 and len(lines) == 1 and lines[0].startswith("citegraph: error: ") and "x.nxml" in lines[0]


# -- fetching from the local server ------------------------------------------------------------

ROOT = "90000001"


@pytest.fixture(scope="module")
def corpus():
    from citegraph.testing import Corpus

    return Corpus.synthetic(400, seed=5)


@pytest.fixture
def server(serve_eutils, corpus):
    """The module's ``corpus`` served to the CLI (tests/conftest.py's ``serve_eutils``)."""
    return serve_eutils(corpus)


def _efetches(server) -> int:
    return server.stats()["by_endpoint"]["efetch"]


def test_crawl_full_text_stores_contexts_and_a_rerun_asks_nothing(server, corpus, capsys):
    code = cli.main(["crawl", ROOT, "--depth", "1", "--full-text", "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    full = json.loads(out)["full_text"]
    with_pmc = [p for p in [ROOT, *corpus.cited_by(ROOT)] if corpus._pmcid_of.get(int(p))]
    assert full["fetched"] + full["not_open_access"] == len(with_pmc) and full["not_open_access"] > 0
    assert full["contexts"] > 0 and full["failed"] == 0
    assert full["without_pmcid"] == len(corpus.cited_by(ROOT)) + 1 - len(with_pmc)
    before = _efetches(server)
    code = cli.main(["fulltext", ROOT, "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    again = json.loads(out)
    assert again["requests"] == 0 and again["already"] == len(with_pmc) and _efetches(server) == before


def test_fetch_in_batches_sized_by_the_answers(server, corpus, tmp_path):
    from citegraph.crawl import CrawlOptions, Crawler
    from citegraph.pubmed import parse_articles

    settings = Settings(eutils_url=server.url, data_dir=tmp_path, rate=100)
    with EutilsClient(settings) as client, Store(settings.store_path) as store:
        report = Crawler(client, store, parse=parse_articles).run([ROOT], CrawlOptions(depth=1))
        members = [p for p, _ in store.nodes(report.crawl_id)]
        got = fetch_fulltext(store, client, members, first_batch=3)
        asked = got.asked["fetched"] + got.asked["not_open_access"]
        assert got.requests >= 2 and asked > 3  # a first small batch, then larger ones
        assert got.complete and sum(store.fulltext_counts()[s] for s in ("fetched", "not_open_access")) == asked
        unknown = fetch_fulltext(store, client, ["99999999"])
        assert unknown.without_pmcid == 1 and unknown.requests == 0


def test_an_article_larger_than_the_client_reads_is_not_available(server, corpus, tmp_path):
    from citegraph.crawl import CrawlOptions, Crawler
    from citegraph.pubmed import parse_articles

    settings = Settings(eutils_url=server.url, data_dir=tmp_path, rate=100)
    with EutilsClient(settings) as client, Store(settings.store_path) as store:
        report = Crawler(client, store, parse=parse_articles).run([ROOT], CrawlOptions(depth=1))
        members = [p for p, _ in store.nodes(report.crawl_id)]
    # front matter alone fits in 3,000 bytes, no synthetic full text does: each is asked for alone, then left out
    with EutilsClient(settings, max_response_bytes=3000) as client, Store(settings.store_path) as store:
        got = fetch_fulltext(store, client, members)
        assert got.complete and got.asked["fetched"] == 0
        assert got.asked["not_open_access"] > 0 and got.asked["not_available"] > 0
        rows = store._execute("SELECT state, message FROM fulltext WHERE state = 'not_available'").fetchall()
        assert all("larger than the client reads" in message for _, message in rows)
