"""The local store: one SQLite file (WAL mode) holding articles, citation edges and crawl state.

Every unit of crawl progress is written inside :meth:`Store.transaction`, so a crash loses at
most the work in flight and never leaves half a batch behind. The graph is always rebuildable
from what is stored here.

:class:`Store` is composed of one part per aggregate (articles, citations, external sources,
crawls, topic cache, full text, snapshots of derived arrays), all sharing one connection (:mod:`.connection`).
"""

from __future__ import annotations

from .articles import DELETED, Articles
from .citations import Citations
from .codec import PreparedArticles, _abstract_of_head, prepare_articles, reference_rows, source_bit  # noqa: F401
from .crawls import CrawlRecord, Crawls
from .external import ICITE_COLUMNS, External
from .fulltext import FullText
from .migrations import SOURCE_BITS
from .snapshots import Snapshots
from .topics import TopicCache

__all__ = ["Store", "CrawlRecord", "PreparedArticles", "prepare_articles", "reference_rows", "source_bit", "DELETED",
           "ICITE_COLUMNS", "SOURCE_BITS"]


class Store(Articles, Citations, External, Crawls, TopicCache, FullText, Snapshots):
    """SQLite-backed store. Use as a context manager; one instance per thread."""

    def __enter__(self) -> "Store":
        return self

    def counts(self) -> dict:
        """What the store holds: ``articles``; ``citations`` (distinct citing -> cited pairs);
        ``links_reported`` (each source's report of a citation counted apart, so a citation
        two sources reported counts twice) and ``links_reported_by_source`` ({source name of
        ``SOURCE_BITS``, ``file:`` for every imported file: count}); ``missing`` (PMIDs known to
        have no record); ``crawls``."""
        return {"articles": self.article_count(), **self._citation_counts(),
                "missing": self._execute("SELECT COUNT(*) FROM missing").fetchone()[0],
                "crawls": self._execute("SELECT COUNT(*) FROM crawls").fetchone()[0]}
