"""The topic cache: each paper's topics under one lens (by the lens's digest), valid while the
paper's record is unchanged."""

from __future__ import annotations

from typing import Iterable, Mapping

from .connection import Connection

__all__ = ["TopicCache"]


class TopicCache(Connection):
    """The ``topic_cache`` table."""

    def cached_topics(self, lens: str) -> dict[str, str]:
        """{pmid: topic keys joined by tabs, '' for none} of the papers classified by the lens
        with digest ``lens`` whose record has not changed since (see ``topic_cache``)."""
        return dict(self._execute(
            "SELECT CAST(t.pmid AS TEXT), t.topics FROM topic_cache AS t JOIN articles AS a ON a.pmid = t.pmid "
            "WHERE t.lens = ? AND t.fetched_at = a.fetched_at", (lens,)))

    def cache_topics(self, lens: str, topics: Iterable[tuple[str, list[str]]],
                     fetched_at: Mapping[str, float] | None = None) -> None:
        """Keep the classification of stored papers by the lens with digest ``lens``;
        ``fetched_at`` ({pmid: the record's fetched_at}, as :meth:`lens_columns` read it) saves
        looking each record up (a paper missing from it is not kept)."""
        if self.readonly:
            return
        with self.transaction():
            if fetched_at is not None:
                self._executemany(
                    "INSERT OR REPLACE INTO topic_cache (lens, pmid, fetched_at, topics) VALUES (?, ?, ?, ?)",
                    ((lens, int(p), fetched_at[p], "\t".join(keys)) for p, keys in topics if p in fetched_at))
                return
            self._executemany(
                "INSERT OR REPLACE INTO topic_cache (lens, pmid, fetched_at, topics) "
                "SELECT ?, pmid, fetched_at, ? FROM articles WHERE pmid = ?",
                ((lens, "\t".join(keys), int(p)) for p, keys in topics))

    def topic_cache_size(self, lens: str) -> int:
        """How many papers the topic cache holds for the lens with digest ``lens`` (changed
        records included: a cheap count)."""
        return self._execute("SELECT COUNT(*) FROM topic_cache WHERE lens = ?", (lens,)).fetchone()[0]

    def keep_topics(self, lens: str, rows: Iterable[tuple[int, float, str]]) -> None:
        """:meth:`cache_topics` from rows (pmid, fetched_at as :meth:`lens_columns` read it, topic
        keys joined by tabs)."""
        if self.readonly:
            return
        with self.transaction():
            self._executemany("INSERT OR REPLACE INTO topic_cache (lens, pmid, fetched_at, topics) VALUES (?, ?, ?, ?)",
                              ((lens, pmid, fetched_at, topics) for pmid, fetched_at, topics in rows))

