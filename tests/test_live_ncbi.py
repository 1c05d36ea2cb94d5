"""Smoke test against the real NCBI E-utilities (opt-in: ``pytest --live``; needs the internet).

The rest of the suite runs against the project's local E-utilities server; this checks that
the client, the reader and the crawl still agree with NCBI itself, on the reference case
(PMID 3493432, Rosenberg et al., N Engl J Med 1987: LAK cells plus interleukin-2).
Set NCBI_EMAIL (and NCBI_API_KEY if you have one) as for any crawl.
"""

from __future__ import annotations

import os

import pytest

from citegraph.config import Settings
from citegraph.crawl import CrawlOptions, Crawler
from citegraph.parse_pool import ParsePool
from citegraph.pubmed import parse_articles
from citegraph.sources.eutils import EutilsClient
from citegraph.store import Store

pytestmark = pytest.mark.live

SEED = "3493432"
# read at collection, before the autouse fixture hides the developer's NCBI credentials
_EMAIL = os.environ.get("NCBI_EMAIL") or None
_API_KEY = os.environ.get("NCBI_API_KEY") or None


@pytest.fixture
def live_settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path, email=_EMAIL, api_key=_API_KEY)


def test_the_reference_paper_reads_as_expected(live_settings):
    with EutilsClient(live_settings) as client:
        (article,) = client.efetch([SEED], parse=parse_articles)
    assert article.pmid == SEED
    assert article.year == 1987
    assert "interleukin-2" in article.title.lower()
    assert "N Engl J Med" in (article.journal_abbrev or "")
    assert article.raw_xml.startswith(b"<PubmedArticle")


def test_a_depth_one_crawl_of_the_reference_paper(live_settings):
    with EutilsClient(live_settings) as client, Store(live_settings.store_path) as store, ParsePool() as pool:
        citing = client.elink([SEED], "pubmed_pubmed_citedin")[SEED]
        report = Crawler(client, store, parse=pool.parse, concurrency=live_settings.concurrency,
                         requests_made=lambda: client.stats["requests"]).run([SEED], CrawlOptions(depth=1))
        stored = store.known_pmids(citing)
    assert len(citing) > 100  # a classic: hundreds of citing papers in PubMed Central
    assert report.complete
    # every citing paper NCBI names is stored, unless efetch said it has no record
    assert set(citing) - stored <= set(report.missing)
    assert report.requests <= 2 + 2 * (len(citing) // 200 + 1)
