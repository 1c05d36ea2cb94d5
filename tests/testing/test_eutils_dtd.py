"""Synthetic records and server responses are valid against NCBI's own DTDs.

The DTDs are the copies Biopython ships (``Bio/Entrez/DTDs``), read from disk. For elink,
the current ``elink.dtd`` has a content model libxml2 rejects as non-deterministic (the real
recorded elink1.xml fails with it too), so ``eLink_090910.dtd`` is used: it declares the same
``<!ELEMENT eLinkResult (LinkSet*, ERROR?)>``.
"""

from __future__ import annotations

import os

import pytest
from lxml import etree

Bio = pytest.importorskip("Bio")
DTDS = os.path.join(os.path.dirname(Bio.__file__), "Entrez", "DTDs")


def _dtd(name: str) -> etree.DTD:
    path = os.path.join(DTDS, name)
    if not os.path.exists(path):
        pytest.skip(f"{name} is not shipped by this Biopython")
    return etree.DTD(path)


def _assert_valid(dtd: etree.DTD, body: bytes) -> None:
    doc = etree.fromstring(body, etree.XMLParser(load_dtd=False, no_network=True, resolve_entities=False))
    assert dtd.validate(doc), dtd.error_log.filter_from_errors()


def test_synthetic_records_validate_against_pubmed_250101(synth):
    _assert_valid(_dtd("pubmed_250101.dtd"), synth.to_bytes())


@pytest.mark.parametrize("dtd, endpoint, params", [
    ("eLink_090910.dtd", "elink", [("dbfrom", "pubmed"), ("db", "pubmed"), ("id", "90000002"),
                                   ("id", "90000003,90000004"), ("id", "abc")]),
    ("eLink_090910.dtd", "elink", [("dbfrom", "pubmed"), ("id", "90000002")]),
    ("eLink_090910.dtd", "elink", [("dbfrom", "pubmed"), ("id", "abc")]),
    ("esearch.dtd", "esearch", {"term": "90000002[uid] OR 10.1/none[doi]"}),
    ("esearch.dtd", "esearch", {"term": "abcXYZ"}),
    ("esearch.dtd", "esearch", {"term": ""}),
    ("esummary-v1.dtd", "esummary", {"id": "90000002,90000003"}),
    ("esummary-v1.dtd", "esummary", {}),
    ("pubmed_250101.dtd", "efetch", {"id": "90000002,90000003"}),
    # (an efetch of unknown ids is an empty PubmedArticleSet, which the DTD itself forbids:
    # NCBI sends it anyway, and so does the server)
])
def test_responses_validate(server, http, dtd, endpoint, params):
    r = http.get(server.url + endpoint + ".fcgi", params=params)
    _assert_valid(_dtd(dtd), r.content)
