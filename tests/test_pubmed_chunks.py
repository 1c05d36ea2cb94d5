"""Cutting a PubMed XML file into pieces of whole records loses and repeats nothing."""

from __future__ import annotations

import gzip
import io

import pytest

from citegraph.errors import ParseError
from citegraph.models import DeletedCitations
from citegraph.pubmed import iter_pieces
from citegraph.pubmed import iter_articles
from citegraph.testing import Corpus


def _records(n: int, seed: int = 3) -> list[bytes]:
    return [raw for _, raw in Corpus.synthetic(n, seed=seed).iter_raw()]


def _read_pieces(data: bytes, target: int) -> list:
    out = []
    for piece in iter_pieces(io.BytesIO(data), target):
        out.extend(iter_articles(piece.data, deletions=True))
    return out


def _keys(items) -> list:
    return [("deleted", tuple(i.pmids)) if isinstance(i, DeletedCitations) else i.pmid for i in items]


@pytest.mark.parametrize("compress", [False, True])
def test_pieces_hold_every_record_once_in_order(compress):
    records = _records(400)
    deletion = b"<DeleteCitation><PMID Version=\"1\">123</PMID><PMID Version=\"1\">456</PMID></DeleteCitation>"
    document = (b'<?xml version="1.0" encoding="utf-8"?>\n<PubmedArticleSet>\n' + b"\n".join(records)
                + b"\n" + deletion + b"\n</PubmedArticleSet>\n")
    assert len(document) > 3 << 20  # several pieces, and longer than the tail searched first
    data = gzip.compress(document) if compress else document
    whole = list(iter_articles(document, deletions=True))
    pieces = _read_pieces(data, 1 << 20)
    assert _keys(pieces) == _keys(whole)
    assert _keys(pieces)[-1] == ("deleted", ("123", "456"))
    assert [p.raw_xml for p in pieces[:-1]] == [w.raw_xml for w in whole[:-1]]


def test_a_record_longer_than_the_tail_window_is_not_split():
    # one record of more than a megabyte (a huge reference list) between ordinary ones: the
    # last end tag lies before the stretch searched first
    records = _records(30)
    big = records[5].replace(b"</ReferenceList>", b"<Reference><Citation>" + b"x" * (3 << 20)
                             + b"</Citation></Reference></ReferenceList>", 1)
    assert big != records[5]
    records[5] = big
    document = b"<PubmedArticleSet>" + b"".join(records) + b"</PubmedArticleSet>"
    pieces = _read_pieces(document, 64 << 10)
    assert _keys(pieces) == _keys(iter_articles(document))


def test_a_cut_file_hands_out_the_whole_records_then_fails():
    records = _records(50)
    document = b"<PubmedArticleSet>" + b"".join(records) + b"</PubmedArticleSet>"
    data = gzip.compress(document)[: -2000]
    got = []
    with pytest.raises(ParseError, match="truncated"):
        for piece in iter_pieces(io.BytesIO(data), 1 << 10):
            got.extend(iter_articles(piece.data))
    assert 0 < len(got) < 50
    assert _keys(got) == _keys(iter_articles(document))[: len(got)]


def test_a_record_of_many_blocks_is_searched_once_not_once_per_block(monkeypatch):
    # a 24 MB text node arrives in 24 blocks of the file; the search for a record end must
    # look at each byte about once (rescanning the buffer on every block is quadratic)
    from citegraph.pubmed import pieces as pubmed_chunks

    examined = []
    last_end, first_end = pubmed_chunks._last_end, pubmed_chunks._first_end

    def counting_last(buf, start, stop):
        examined.append(stop - start)
        return last_end(buf, start, stop)

    def counting_first(buf, start):
        examined.append(len(buf) - start)
        return first_end(buf, start)

    monkeypatch.setattr(pubmed_chunks, "_last_end", counting_last)
    monkeypatch.setattr(pubmed_chunks, "_first_end", counting_first)
    records = _records(20)
    records[5] = records[5].replace(b"</ArticleTitle>", b"x" * (24 << 20) + b"</ArticleTitle>", 1)
    document = b"<PubmedArticleSet>" + b"".join(records) + b"</PubmedArticleSet>"
    pieces = list(iter_pieces(io.BytesIO(document), 1 << 20))
    assert b"".join(p.data.split(b"<PubmedArticleSet>", 1)[1].rsplit(b"</PubmedArticleSet>", 1)[0]
                    for p in pieces) == b"".join(records)
    assert sum(examined) < 3 * len(document), f"{sum(examined) >> 20} MB examined for {len(document) >> 20} MB"


def test_a_record_over_the_size_limit_is_refused_after_the_pieces_before_it(monkeypatch):
    from citegraph.pubmed import pieces as pubmed_chunks

    monkeypatch.setattr(pubmed_chunks, "MAX_RECORD_BYTES", 4 << 20)
    records = _records(20)
    records[15] = records[15].replace(b"</ArticleTitle>", b"x" * (24 << 20) + b"</ArticleTitle>", 1)
    document = b"<PubmedArticleSet>" + b"".join(records) + b"</PubmedArticleSet>"
    got = []
    with pytest.raises(ParseError, match="^a record longer than 4 MB: not read"):
        for piece in iter_pieces(io.BytesIO(document), 64 << 10):
            got.extend(iter_articles(piece.data))
    assert _keys(got) == _keys(iter_articles(b"<PubmedArticleSet>" + b"".join(records[:15]) + b"</PubmedArticleSet>"))
