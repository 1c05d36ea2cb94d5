"""The stored form of an article: JSON equal to Article.to_dict, raw XML compressed losslessly,
and rows written by older versions (zlib) still readable."""

from __future__ import annotations

import json
import zlib

import pytest

from citegraph.models import Article, Author, CommentCorrection, MeshHeading, Reference
from citegraph.pubmed import iter_articles, parse_articles
from citegraph.store.record_codec import RawFormatError, RecordFormatError, dump_article, load_article, pack_raw, unpack_raw
from citegraph.testing import Corpus


def _hand_built() -> Article:
    return Article(
        pmid="42", version=2, title='Caf\u00e9 "LAK" cells <i>in vivo</i>\n', abstract="A\u2009B \U0001f600",
        authors=[Author("Rosenberg", "Steven A", "SA", orcid="0000-0002-1825-0097", affiliations=["NCI"]),
                 Author(collective_name="ATLAS Collaboration", equal_contrib=True)],
        year=1987, doi="10.1/x", mesh=[MeshHeading("Interleukin-2", "D007376", True, ["therapeutic use"])],
        references=[Reference("Cit. 1", "7", None, "10.2/y"), Reference("free text only")],
        comments_corrections=[CommentCorrection("RetractionIn", "99", "N Engl J Med. 1990")],
        history={"received": "1987-01-02"}, grants=[{"id": "CA1", "acronym": "", "agency": "NCI", "country": ""}],
        elocation_ids={"doi": "10.1/x"}, raw_xml=b"<PubmedArticle>...</PubmedArticle>",
    )


def _check_round_trip(article: Article) -> None:
    text = dump_article(article)
    assert isinstance(text, str)
    # the same JSON object as the reference serialisation, and no raw XML inside it
    assert json.loads(text) == json.loads(json.dumps(article.to_dict()))
    assert "raw_xml" not in json.loads(text)
    blob = pack_raw(article.raw_xml)
    assert unpack_raw(blob) == article.raw_xml
    back = load_article(text, blob)
    assert back == article


def test_hand_built_article_round_trips():
    _check_round_trip(_hand_built())


def test_synthetic_records_round_trip():
    corpus = Corpus.synthetic(300, seed=5)
    body = b"<PubmedArticleSet>" + b"".join(raw for _, raw in corpus.iter_raw()) + b"</PubmedArticleSet>"
    articles = parse_articles(body)
    assert len(articles) == 300
    for article in articles:
        _check_round_trip(article)


def test_real_efetch_records_round_trip(ncbi_fixtures):
    count = 0
    # every recorded efetch answer that is a plain XML file (book articles and MathML included)
    for path in sorted(ncbi_fixtures.rglob("*.xml")):
        head = path.read_bytes()[:4000]
        if b"<PubmedArticleSet" not in head and b"<PubmedBookArticleSet" not in head:
            continue
        for article in iter_articles(path):
            _check_round_trip(article)
            count += 1
    assert count >= 18


def test_compressed_raw_is_smaller_and_zstandard():
    xml = b"<PubmedArticle>" + b"<Author><LastName>Rosenberg</LastName></Author>" * 200 + b"</PubmedArticle>"
    blob = pack_raw(xml)
    assert blob[:4] == b"\x28\xb5\x2f\xfd"
    assert len(blob) < len(xml) / 4


def test_rows_of_older_stores_read_on():
    article = _hand_built()
    old_blob = zlib.compress(article.raw_xml, 1)  # what the store wrote before zstandard
    old_json = json.dumps(article.to_dict(), ensure_ascii=False, separators=(",", ":"))
    assert load_article(old_json, old_blob) == article


@pytest.mark.parametrize("blob", [b"\x28\xb5\x2f\xfd" + b"garbage", b"not compressed at all", b"\x78\x9c\x00"])
def test_damaged_blob_is_a_clear_error(blob):
    with pytest.raises(RawFormatError, match="cannot be decompressed"):
        unpack_raw(blob)


@pytest.mark.parametrize("data", ['{"pmid": "9', "[1, 2]", '{"pmid": "1", "authors": 5}', "not json"])
def test_an_undecodable_record_raises_the_codecs_own_error(data):
    with pytest.raises(RecordFormatError):
        load_article(data)
    with pytest.raises(RecordFormatError):  # damaged raw XML as well (RawFormatError is one)
        load_article('{"pmid": "1"}', b"\x00 not compressed")
