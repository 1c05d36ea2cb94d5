"""Responses of the local server have the shapes of real recorded NCBI responses.

The real files are in ``shared/fixtures/ncbi`` (provenance in its SOURCES.md). Each test sends
a request like the one that produced a file and compares declaration, DOCTYPE, element
structure and whitespace with :mod:`xmlshape` (content and counts are not compared).
"""

from __future__ import annotations

import re

import pytest
from lxml import etree

from citegraph.testing import responses

from xmlshape import assert_same_shape, shape

PMID = "90000001"


def _get(http, server, endpoint: str, params):
    r = http.get(server.url + endpoint + ".fcgi", params=params)
    return r


def test_efetch_envelope_like_pubmed1(ncbi_fixtures, server, http):
    """biopython/pubmed1.xml: efetch db=pubmed id=12091962,9997 retmode=xml."""
    r = _get(http, server, "efetch", {"db": "pubmed", "id": "90000002,90000003", "retmode": "xml"})
    assert r.status_code == 200 and r.headers["Content-Type"] == "text/xml; charset=UTF-8"
    # compare the envelope: the set, its records and the whitespace between them
    assert_same_shape(r.content, (ncbi_fixtures / "biopython/pubmed1.xml").read_bytes(), max_depth=1)


def test_efetch_of_unknown_ids_is_an_empty_set(server, http):
    r = _get(http, server, "efetch", {"db": "pubmed", "id": "99999999"})
    assert r.status_code == 200
    assert r.content.endswith(b"\n<PubmedArticleSet></PubmedArticleSet>\n")


def test_efetch_without_ids_is_the_real_error(server, http):
    # quoted verbatim in client projects' tests; sent with HTTP 400
    r = _get(http, server, "efetch", {"db": "pubmed", "id": ""})
    assert r.status_code == 400
    assert r.content == (
        b'<?xml version="1.0" encoding="UTF-8" ?>\n'
        b'<!DOCTYPE eEfetchResult PUBLIC "-//NLM//DTD efetch 20131226//EN" '
        b'"https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20131226/efetch.dtd">\n'
        b"<eFetchResult>\n\t<ERROR>ID list is empty! Possibly it has no correct IDs.</ERROR>\n</eFetchResult>\n"
    )


def test_elink_with_db_like_elink3(ncbi_fixtures, server, http):
    """biopython/elink3.xml: dbfrom=pubmed db=pubmed id="11812492,11774222" (merged)."""
    r = _get(http, server, "elink", {"dbfrom": "pubmed", "db": "pubmed", "id": "90000002,90000003"})
    real = (ncbi_fixtures / "biopython/elink3.xml").read_bytes()
    assert_same_shape(r.content, real)
    ours, theirs = etree.fromstring(r.content), etree.fromstring(real)
    assert len(ours.findall("LinkSet")) == len(theirs.findall("LinkSet")) == 1
    assert len(ours.findall("LinkSet/IdList/Id")) == len(theirs.findall("LinkSet/IdList/Id")) == 2


def test_elink_neighbor_without_db_like_elink1(ncbi_fixtures, server, http):
    """biopython/elink1.xml: dbfrom=pubmed id=9298984 cmd=neighbor (no db): the spaced style."""
    r = _get(http, server, "elink", {"dbfrom": "pubmed", "id": "90000003", "cmd": "neighbor"})
    assert_same_shape(r.content, (ncbi_fixtures / "biopython/elink1.xml").read_bytes())
    names = [n.text for n in etree.fromstring(r.content).iter("LinkName")]
    assert names == ["pubmed_pubmed_citedin", "pubmed_pubmed_refs"]  # NCBI's order


def test_elink_one_linkset_per_id_like_sample9(ncbi_fixtures, server, http):
    """klortho_elink_json/sample-9.xml: three id= parameters give three LinkSets, in order."""
    ids = ["90000004", "90000002", "90000003"]
    r = _get(http, server, "elink", [("dbfrom", "pubmed"), ("db", "pubmed")] + [("id", i) for i in ids])
    ours = shape(r.content)
    theirs = shape((ncbi_fixtures / "klortho_elink_json/sample-9.xml").read_bytes())
    assert ours.paths == theirs.paths  # same structure (the file was re-indented by its author)
    root = etree.fromstring(r.content)
    assert [ls.findtext("IdList/Id") for ls in root.findall("LinkSet")] == ids
    assert len(etree.fromstring((ncbi_fixtures / "klortho_elink_json/sample-9.xml").read_bytes()).findall("LinkSet")) == 3


def test_elink_no_links_like_medgen_0_entries(ncbi_fixtures, server, http):
    """metapub/medgen_elink_pubmed_0_entries.xml: a LinkSet with an IdList and no LinkSetDb."""
    newest = str(90000000 + 1500)  # nobody cites the newest paper
    r = _get(http, server, "elink", {"dbfrom": "pubmed", "db": "pubmed", "linkname": "pubmed_pubmed_citedin", "id": newest})
    ours = shape(r.content)
    theirs = shape((ncbi_fixtures / "metapub/medgen_elink_pubmed_0_entries.xml").read_bytes())
    assert ours.paths == theirs.paths == {"eLinkResult", "eLinkResult/LinkSet", "eLinkResult/LinkSet/DbFrom",
                                          "eLinkResult/LinkSet/IdList", "eLinkResult/LinkSet/IdList/Id"}


def test_elink_error_is_where_the_dtd_puts_it(ncbi_fixtures, server, http):
    """``<!ELEMENT eLinkResult (LinkSet*, ERROR?)>``: LinkSets for the good ids, then ERROR."""
    r = _get(http, server, "elink", [("dbfrom", "pubmed"), ("db", "pubmed"), ("id", "90000003"), ("id", "abc")])
    root = etree.fromstring(r.content)
    assert [c.tag for c in root] == ["LinkSet", "ERROR"]
    assert "invalid" in root.findtext("ERROR")
    # the same envelope and indentation as the recorded ERROR documents
    only_error = _get(http, server, "elink", {"dbfrom": "pubmed", "id": "abc"})
    body = only_error.content
    assert re.search(rb"<eLinkResult>\n\t<ERROR>[^<]+</ERROR>\n</eLinkResult>\n$", body)
    assert_same_shape(body.replace(b"eLinkResult", b"ePostResult").replace(b"elink 20101123", b"epost 20090526")
                      .replace(b"20101123/elink.dtd", b"20090526/epost.dtd"),
                      (ncbi_fixtures / "biopython/epost2.xml").read_bytes())


def test_esearch_hits_like_esearch2(ncbi_fixtures, server, http):
    """biopython/esearch2.xml: Count, RetMax, RetStart, IdList one Id per line."""
    r = _get(http, server, "esearch", {"db": "pubmed", "term": "90000002[uid] OR 90000003[uid]"})
    assert_same_shape(r.content, (ncbi_fixtures / "biopython/esearch2.xml").read_bytes())


def test_esearch_no_hit_is_esearch8_byte_for_byte(ncbi_fixtures, server, http):
    """biopython/esearch8.xml: term=abcXYZ -> Count 0, PhraseNotFound, "No items found."."""
    r = _get(http, server, "esearch", {"db": "pubmed", "term": "abcXYZ"})
    assert r.content == (ncbi_fixtures / "biopython/esearch8.xml").read_bytes()


def test_esummary_like_esummary1(ncbi_fixtures, server, http):
    """biopython/esummary1.xml: esummary db=pubmed id=11850928,11482001 (version 1 DocSum)."""
    r = _get(http, server, "esummary", {"db": "pubmed", "id": "90000002,90000003"})
    real = (ncbi_fixtures / "biopython/esummary1.xml").read_bytes()
    assert_same_shape(r.content, real)
    ours, theirs = etree.fromstring(r.content), etree.fromstring(real)
    real_names = [i.get("Name") for i in theirs.find("DocSum").findall("Item")]
    our_names = [i.get("Name") for i in ours.find("DocSum").findall("Item")]
    assert [n for n in our_names if n in real_names] == real_names  # same items, same order


def test_esummary_without_id_is_esummary8_byte_for_byte(ncbi_fixtures, server, http):
    r = _get(http, server, "esummary", {"db": "pubmed"})
    assert r.content == (ncbi_fixtures / "biopython/esummary8.xml").read_bytes()


@pytest.mark.parametrize("builder, root", [
    (responses.efetch_error, "eFetchResult"), (responses.elink_error, "eLinkResult"),
    (responses.esearch_error, "eSearchResult"), (responses.esummary_error, "eSummaryResult"),
])
def test_error_documents_have_the_recorded_error_layout(ncbi_fixtures, builder, root):
    """esummary8.xml / epost2.xml: one tab, ERROR, newline, closing tag, newline."""
    body = builder("Something failed")
    assert body.endswith(f"<{root}>\n\t<ERROR>Something failed</ERROR>\n</{root}>\n".encode())
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8" ?>\n<!DOCTYPE ')


def test_rate_limit_headers_and_content_type_like_the_biocommons_cassette(ncbi_fixtures, corpus, http):
    """biocommons_eutils/test_efetch: Content-Type and the X-RateLimit headers NCBI sends."""
    from citegraph.testing import EutilsServer

    cassette = (ncbi_fixtures / "biocommons_eutils/test_efetch").read_text()
    for header in ("Content-Type", "X-RateLimit-Limit", "X-RateLimit-Remaining", "Access-Control-Expose-Headers"):
        assert f"\n      {header}:\n" in cassette
    with EutilsServer(corpus, rate_limit=3) as srv:
        r = http.post(srv.url + "efetch.fcgi", data={"db": "pubmed", "id": PMID, "retmode": "xml"})
    assert r.headers["Content-Type"] == "text/xml; charset=UTF-8"
    assert r.headers["X-RateLimit-Limit"] == "3" and r.headers["X-RateLimit-Remaining"] == "2"
    assert r.headers["Access-Control-Expose-Headers"] == "X-RateLimit-Limit,X-RateLimit-Remaining"
