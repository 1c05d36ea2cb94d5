"""Efetch answers read in worker processes give what reading them on the crawl's thread gives."""

from __future__ import annotations

import os
import signal

import pytest

from citegraph.errors import ParseError
from citegraph.parse_pool import REFERENCE_LIST_SOURCE, ParsePool, digest_articles, digest_efetch
from citegraph.pubmed_xml import parse_articles
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
