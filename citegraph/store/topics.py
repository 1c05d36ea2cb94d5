"""The topic cache: each paper's topics under one lens (named by the lens's digest), valid while
the paper's record is unchanged (its ``fetched_at`` the same as when it was classified)."""

from __future__ import annotations

from typing import Iterable

from .codec import pmid_to_db
from .connection import Connection

__all__ = ["TopicCache"]


class TopicCache(Connection):
    """The ``topic_cache`` table."""

    def read_topic_cache(self, lens: str) -> dict[str, str]:
        """{pmid: topic keys joined by tabs, '' for none} of the papers classified by the lens
        with digest ``lens`` whose record has not changed since."""
        return dict(self._execute(
            "SELECT CAST(t.pmid AS TEXT), t.topics FROM topic_cache AS t JOIN articles AS a ON a.pmid = t.pmid "
            "WHERE t.lens = ? AND t.fetched_at = a.fetched_at", (lens,)))

    def write_topic_cache(self, lens: str, rows: Iterable[tuple[str | int, float, str]]) -> None:
        """Keep the classification of stored papers by the lens with digest ``lens``, from rows
        (pmid, the record's fetched_at, topic keys joined by tabs), the pmid and fetched_at as
        :meth:`lens_columns` read them (a PMID as a number is taken too), replacing what the
        cache held for those papers. Nothing on a read-only store."""
        if self.readonly:
            return
        with self.transaction():
            self._executemany("INSERT OR REPLACE INTO topic_cache (lens, pmid, fetched_at, topics) VALUES (?, ?, ?, ?)",
                              ((lens, pmid_to_db(pmid), fetched_at, topics) for pmid, fetched_at, topics in rows))

    def count_topic_cache(self, lens: str) -> int:
        """How many papers the topic cache holds for the lens with digest ``lens``, entries of
        records changed since included (a cheap count)."""
        return self._execute("SELECT COUNT(*) FROM topic_cache WHERE lens = ?", (lens,)).fetchone()[0]
