"""Efetch answers read in worker processes give what reading them on the crawl's thread gives."""

from __future__ import annotations

import io
import os
import signal

import pytest

from citegraph.errors import ParseError
from citegraph.parse_pool import REFERENCE_LIST_SOURCE, ParsePool, digest_articles, digest_efetch, split_records
from citegraph.pubmed import iter_articles, parse_articles
from citegraph.store import source_bit
from citegraph.testing import Corpus


@pytest.fixture(scope="module")
def body() -> bytes:
    corpus = Corpus.synthetic(200, seed=11)
    return b"<PubmedArticleSet>" + b"".join(raw for _, raw in corpus.iter_raw()) + b"</PubmedArticleSet>"


def _comparable(digests):
    # rows and edges carry the time they were made: compare everything else
    return [(d.pmid, d.year, d.reference_pmids, d.row[:-1], [e[:3] for e in d.edge_rows]) for d in digests]


def test_digest_matches_the_articles(body):
    articles = parse_articles(body)
    digests = digest_efetch(body)
    assert [d.pmid for d in digests] == [a.pmid for a in articles]
    for article, digest in zip(articles, digests):
        assert digest.year == article.year
        assert digest.reference_pmids == article.reference_pmids
        expected = sorted((int(article.pmid), int(r), source_bit(REFERENCE_LIST_SOURCE)) for r in article.reference_pmids)
        assert [e[:3] for e in digest.edge_rows] == expected
        assert digest.row[0] == int(article.pmid)
    assert sum(len(d.edge_rows) for d in digests) > 1000  # synthetic records cite a lot


def test_workers_give_the_same_digests(body):
    with ParsePool(2, min_bytes=0) as pool:
        in_workers = pool.parse(body)
        assert pool.parsed_in_workers == 1
    assert _comparable(in_workers) == _comparable(digest_articles(parse_articles(body)))


def test_small_answers_and_zero_processes_stay_on_the_thread(body):
    with ParsePool(2, min_bytes=len(body) + 1) as pool:
        pool.parse(body)
        assert pool.parsed_in_workers == 0
    with ParsePool(0, min_bytes=0) as pool:
        pool.parse(body)
        assert pool.parsed_in_workers == 0


def test_a_parse_error_in_a_worker_reaches_the_caller(body):
    truncated = body[: len(body) // 2]
    with ParsePool(1, min_bytes=0) as pool:
        with pytest.raises(ParseError, match="truncated|malformed"):
            pool.parse(truncated)
        # and the pool still works afterwards
        assert len(pool.parse(body)) == 200


def test_a_killed_worker_falls_back_to_the_thread(body):
    with ParsePool(1, min_bytes=0) as pool:
        pool.parse(body)
        for pid in list(pool._executor._processes):  # a worker killed by the OOM killer, say
            os.kill(pid, signal.SIGKILL)
        again = pool.parse(body)
        assert pool.processes == 0  # the broken pool was dropped, not retried forever
    assert _comparable(again) == _comparable(digest_efetch(body))


def test_an_answer_is_split_between_records_into_documents_of_their_own(body):
    parts = split_records(body, 3)
    assert len(parts) == 3
    assert all(p.startswith(b"<PubmedArticleSet><PubmedArticle>") for p in parts)
    assert all(p.rstrip().endswith(b"</PubmedArticle></PubmedArticleSet>") for p in parts)
    assert max(map(len, parts)) < 0.45 * len(body)  # about equal shares
    pieces = [d.pmid for part in parts for d in digest_efetch(part)]
    assert pieces == [d.pmid for d in digest_efetch(body)]


def test_answers_without_room_for_a_cut_stay_whole(body):
    one = body[: body.index(b"<PubmedArticle>", 100)] + b"</PubmedArticleSet>"
    assert split_records(one, 2) == [one]
    assert split_records(b"<PubmedArticleSet></PubmedArticleSet>", 2) == [b"<PubmedArticleSet></PubmedArticleSet>"]
    truncated = body[: len(body) // 2]
    assert split_records(truncated, 2) == [truncated]  # its error is the answer's, not a part's
    assert split_records(body, 1) == [body]


def test_two_workers_read_one_answer_together(body):
    with ParsePool(2, min_bytes=0) as pool:
        digests = pool.parse(body)
        tasks = pool._executor._queue_count  # work items submitted so far
    assert tasks == 2
    assert _comparable(digests) == _comparable(digest_efetch(body))


def test_a_part_that_does_not_read_is_read_again_as_the_whole_answer(body):
    """A bad record in the middle: the error told is the answer's (its line numbers), so the
    whole answer is read again after its part failed."""
    middle = body.index(b"<ArticleTitle>", len(body) // 2)
    broken = body[:middle] + b"<ArticleTitle>a & b</ArticleTitle>" + body[middle:]
    with ParsePool(2, min_bytes=0) as pool:
        with pytest.raises(ParseError) as failed:
            pool.parse(broken)
        tasks = pool._executor._queue_count
    assert tasks == 3  # two parts, then the whole
    with pytest.raises(ParseError) as whole:
        digest_efetch(broken)
    assert str(failed.value) == str(whole.value)


MARKUP = [b"<!-- <PubmedArticle> -->", b"<?note <PubmedArticle>?>", b"<![CDATA[<PubmedArticle>]]>"]


def _insert_before_a_record(body: bytes, markup: bytes, where: str) -> bytes:
    at = body.index(b"<PubmedArticle>", 0 if where == "first" else len(body) // 2)
    if markup.startswith(b"<![CDATA["):  # text is allowed only inside an element
        markup = b"<x>" + markup + b"</x>"
    return body[:at] + markup + body[at:]


def _each_cut_is_one_record(articles) -> bool:
    return all(a.raw_xml.startswith(b"<PubmedArticle>") and a.raw_xml.count(b"<PubmedArticle>") == 1
               for a in articles)


@pytest.mark.parametrize("where", ["first", "middle"])
@pytest.mark.parametrize("markup", MARKUP)
def test_answers_with_comments_or_instructions_are_neither_cut_nor_sliced(body, markup, where):
    """A record's tag inside a comment must not be taken for a record: not for a cut, and not
    for the start of a record's stored XML."""
    tricky = _insert_before_a_record(body, markup, where)
    assert split_records(tricky, 2) == [tricky]
    articles = parse_articles(tricky)
    assert len(articles) == 200
    assert _each_cut_is_one_record(articles)


def test_a_truncated_answer_still_fails_as_a_whole_with_two_workers(body):
    with ParsePool(2, min_bytes=0) as pool:
        with pytest.raises(ParseError, match="truncated|malformed"):
            pool.parse(body[: len(body) // 2])


@pytest.mark.parametrize("where", ["first", "middle"])
@pytest.mark.parametrize("markup", MARKUP)
def test_the_streaming_reader_does_not_cut_a_record_from_a_comment_either(body, markup, where):
    articles = [a for a in iter_articles(io.BytesIO(_insert_before_a_record(body, markup, where)))]
    assert len(articles) == 200
    assert _each_cut_is_one_record(articles)


def test_harmless_instructions_inside_records_keep_their_bytes_exact(body):
    """Records from PMC carry <?pmcsd ?> in their PubmedData (433 of the 20,788 in the real
    update file): their bytes are still cut from the input exactly as received."""
    pmc = body.replace(b"</PubmedData>", b"<?pmcsd ?></PubmedData>")
    assert pmc.count(b"<?pmcsd ?>") == 200
    for articles in (parse_articles(pmc), list(iter_articles(io.BytesIO(pmc)))):
        assert all(b"<?pmcsd ?>" in a.raw_xml and pmc.count(a.raw_xml) == 1 for a in articles)
    assert len(split_records(pmc, 2)) == 2


def test_records_that_cannot_be_stored_are_named_alike_by_the_workers_and_the_thread(body):
    # two records with PMIDs that are no PubMed ids, one in each part of the answer
    raws = body.split(b"<PubmedArticle>")
    for n in (5, 150):
        raws[n] = raws[n].replace(b'<PMID Version="1">', b'<PMID Version="1">x', 1)
    bad = b"<PubmedArticle>".join(raws)
    alone = digest_efetch(bad)
    assert [s.position for s in alone.skipped] == [5, 150]
    assert all(s.reason.endswith("is not a PubMed id") for s in alone.skipped)
    with ParsePool(2, min_bytes=0) as pool:
        together = pool.parse(bad)
        assert pool._executor._queue_count == 2  # read in two parts
    assert _comparable(together) == _comparable(alone) and len(together) == 198
    assert together.skipped == alone.skipped
