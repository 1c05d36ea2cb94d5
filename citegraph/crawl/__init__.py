"""The crawl: breadth-first, generation by generation, from seed PMIDs through E-utilities.

Per generation the frontier is linked in batches (elink, one LinkSet per id) and the records
of newly seen PMIDs are fetched in batches (efetch). Batches run concurrently on a thread pool
while the client's rate limiter paces the requests; results are committed from the calling
thread only, each batch in the same transaction as the frontier change it causes (batches that
arrive together share one). A crash therefore loses at most the batches in flight, and running
the same crawl again resumes from the ``crawl_nodes`` table without refetching anything already
stored.

Sources (``CrawlOptions.sources``, :data:`SOURCES`): ``pubmed`` (elink and the records'
reference lists; every crawl has it, the records come from PubMed); ``icite`` (the NIH Open
Citation Collection: one request for up to :data:`ICITE_BATCH` papers, answering their citing
papers, references and metrics); ``europepmc`` and ``opencitations`` (one request per paper and
direction). With iCite a link batch holds up to that many papers: elink is asked in batches of
``link_batch``, iCite once, the per-paper sources paper by paper, and the batch fails or
succeeds as a whole. With iCite the papers of the last generation, which are not linked, go
through the same stage for their iCite metrics alone. What each source reports is stored as
that source's edge (its bit in ``citations.sources``); a paper only one source reports joins
the crawl all the same; a paper outside PubMed (a preprint, a DOI only) is stored as an
external paper with what the source gave (:meth:`Store.put_external_citations`), never
followed. iCite's metrics are stored with the time they were fetched
(:meth:`Store.put_icite_metrics`).

Modules: :mod:`.options` (what a crawl asks for), :mod:`.protocols` (the clients it asks),
:mod:`.step` (one link or fetch step: ask, turn into rows, write), :mod:`.run` (the scheduler
and the crawl-node bookkeeping), :mod:`.report` (progress and the final report),
:mod:`.crawler` (the entry point).
"""

from ..links import DIRECTIONS, LINKNAMES, SOURCE_CITEDIN, SOURCE_REFS
from .crawler import Crawler
from .options import ICITE_BATCH, PER_PAPER_SOURCES, SOURCES, CrawlOptions, crawl_sources, parse_sources
from .protocols import Clients, EutilsLike, ICiteLike, PerPaperLike
from .report import CrawlProgress, CrawlReport
from .step import SOURCE_ICITE, SOURCE_RECORD

__all__ = ["CrawlOptions", "CrawlProgress", "CrawlReport", "Crawler", "DIRECTIONS", "LINKNAMES", "SOURCES",
           "ICITE_BATCH", "SOURCE_ICITE", "SOURCE_RECORD", "SOURCE_CITEDIN", "SOURCE_REFS", "PER_PAPER_SOURCES",
           "parse_sources", "crawl_sources", "Clients", "EutilsLike", "ICiteLike", "PerPaperLike"]
