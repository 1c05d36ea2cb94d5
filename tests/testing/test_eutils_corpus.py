"""The corpus behind the server: loading, replacing, deleting, and the link indexes."""

from __future__ import annotations

from lxml import etree

from citegraph.models import Article, DeletedCitations, Reference
from citegraph.testing import Corpus, SyntheticCorpus
from citegraph.testing.synthetic import doi_for


def _article(pmid: str, refs: list[str], doi: str | None = None, title: str = "") -> Article:
    raw = f'<PubmedArticle><MedlineCitation><PMID Version="1">{pmid}</PMID>{title}</MedlineCitation></PubmedArticle>'
    return Article(pmid=pmid, doi=doi, references=[Reference(pmid=r) for r in refs], raw_xml=raw.encode())


def _canonical(xml: bytes) -> bytes:
    return etree.tostring(etree.fromstring(xml), method="c14n")


def _assert_inverse(corpus: Corpus) -> None:
    """cited_by is exactly the inverse of refs, both in NCBI's descending order."""
    inverse: dict[str, set[str]] = {}
    for citing in corpus.pmids():
        refs = corpus.refs(citing)
        assert refs == sorted(refs, key=int, reverse=True)
        for cited in refs:
            inverse.setdefault(cited, set()).add(citing)
    for cited, citing in inverse.items():
        listed = corpus.cited_by(cited)
        assert listed == sorted(citing, key=int, reverse=True), cited
    # and nothing is cited-by that no reference list explains
    assert all(not corpus.cited_by(p) for p in corpus.pmids() if p not in inverse)


def test_add_replace_delete():
    c = Corpus()
    c.add([_article("10", ["1", "2"], doi="10.1/A"), _article("11", ["10", "2"])])
    assert len(c) == 2 and "10" in c and 10 in c and "1" not in c
    assert c.cited_by("2") == ["11", "10"] and c.cited_by("10") == ["11"]
    assert c.pmid_for_doi("10.1/a") == "10"  # DOIs compare case-insensitively
    # a later version replaces the record, its links and its DOI
    c.add([_article("10", ["3"], doi="10.1/B", title="<X/>")])
    assert c.refs("10") == ["3"] and c.cited_by("2") == ["11"]
    assert c.pmid_for_doi("10.1/A") is None and c.pmid_for_doi("10.1/B") == "10"
    assert b"<X/>" in c.raw_xml("10")
    # DeleteCitation withdraws it
    c.add([DeletedCitations(["10", "999"])])
    assert "10" not in c and c.raw_xml("10") is None and c.cited_by("3") == []
    assert c.cited_by("10") == ["11"], "a deleted record can still be cited by others"


def test_lookups_reject_malformed_ids():
    c = Corpus()
    c.add([_article("5", ["4"])])
    for bad in ("", "abc", "-5", "0", "5x", str(2**40)):
        assert bad not in c and c.raw_xml(bad) is None and c.refs(bad) == [] and c.cited_by(bad) == []


def test_load_files_in_order(tmp_path):
    first, second = tmp_path / "a.xml.gz", tmp_path / "b.xml"
    SyntheticCorpus(40, 1).write(first)
    # the second file carries a newer version of 90000005 without references, and a deletion
    later = _article("90000005", [], doi=doi_for(90000005)).raw_xml
    second.write_bytes(
        b'<?xml version="1.0"?>\n<PubmedArticleSet>\n' + later
        + b'<DeleteCitation><PMID Version="1">90000007</PMID></DeleteCitation>\n</PubmedArticleSet>\n'
    )
    c = Corpus.load([first, second])
    assert len(c) == 39 and "90000007" not in c
    assert c.refs("90000005") == [] and c.raw_xml("90000005") == later
    assert "90000005" not in c.cited_by("90000001")
    _assert_inverse(c)


def test_synthetic_corpus_indexes(corpus, synth):
    assert len(corpus) == synth.n
    assert corpus.raw_xml("90000001") == synth.record(0)
    assert corpus.pmid_for_doi(doi_for(90000042)) == "90000042"
    assert corpus.refs("90000100") == sorted({str(p) for p in synth.reference_pmids(99)}, key=int, reverse=True)
    _assert_inverse(corpus)


def test_loaded_synthetic_file_equals_in_memory_corpus(tmp_path, synth):
    path = tmp_path / "s.xml"
    small = SyntheticCorpus(200, 4)
    small.write(path)
    loaded, direct = Corpus.load(path), Corpus.synthetic(200, 4)
    assert loaded.pmids() == direct.pmids()
    for pmid in direct.pmids():
        # the parser re-serialises records (character references come back as UTF-8)
        assert _canonical(loaded.raw_xml(pmid)) == _canonical(direct.raw_xml(pmid))
        assert loaded.refs(pmid) == direct.refs(pmid)
        assert loaded.cited_by(pmid) == direct.cited_by(pmid)


def test_real_update_file(real_corpus, capsys):
    """pubmed21n1298.xml.gz: citedin is exactly the inverse of the reference lists."""
    c = real_corpus
    summary = c.summary()
    with capsys.disabled():
        print(f"\n  real corpus: {summary}, loaded in {c.load_seconds:.1f} s")
    assert c.load_seconds < 60
    assert summary["records"] > 20_000 and summary["edges"] > 90_000
    _assert_inverse(c)
    # the most-cited PMID of the file's references is not itself a record here
    top = max(((p, len(c.cited_by(p))) for p in {r for x in c.pmids() for r in c.refs(x)}), key=lambda t: t[1])
    assert top[1] > 10
    assert all(top[0] in c.refs(citing) for citing in c.cited_by(top[0]))


def test_real_corpus_over_http_citedin_is_inverse_of_fetched_reference_lists(real_corpus):
    """End to end on the real file: who elink says cites X really lists X in its record."""
    import requests

    from citegraph.pubmed import parse_articles
    from citegraph.testing import EutilsServer

    c = real_corpus
    cited = max({r for x in c.pmids()[:3000] for r in c.refs(x)}, key=lambda p: len(c.cited_by(p)))
    with EutilsServer(c) as srv, requests.Session() as http:
        link = http.post(srv.url + "elink.fcgi", data={"dbfrom": "pubmed", "db": "pubmed",
                                                       "linkname": "pubmed_pubmed_citedin", "id": cited})
        citing = [e.text for e in etree.fromstring(link.content).iter("Id")][1:]
        assert citing and citing == c.cited_by(cited)
        fetched = http.post(srv.url + "efetch.fcgi", data={"db": "pubmed", "id": ",".join(citing)})
        articles = parse_articles(fetched.content)
        assert [a.pmid for a in articles] == citing
        for art in articles:
            assert cited in art.reference_pmids
            refs = http.get(srv.url + "elink.fcgi", params={"dbfrom": "pubmed", "db": "pubmed",
                                                             "linkname": "pubmed_pubmed_refs", "id": art.pmid})
            listed = [e.text for e in etree.fromstring(refs.content).iter("Id")][1:]
            assert sorted(listed, key=int) == sorted(art.reference_pmids, key=int)
