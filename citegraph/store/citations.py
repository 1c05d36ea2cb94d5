"""Citation edges between PubMed papers, each with the bits of the sources that told it."""

from __future__ import annotations

import sqlite3
import time
from typing import Iterable, Iterator

from .codec import _FILE_BIT, _source_mask, pmid_from_db, pmid_to_db, source_bit
from .connection import Connection, _classify
from .migrations import SOURCE_BITS

__all__ = ["Citations"]

#: an edge told by one more source: a new row, or one more bit in its row; a source that
#: already told it changes nothing (no page is written)
_UPSERT_EDGE = ("INSERT INTO citations (citing, cited, sources, seen_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (citing, cited) DO UPDATE SET sources = sources | excluded.sources "
                "WHERE sources & excluded.sources = 0")


class Citations(Connection):
    """The ``citations`` table."""

    def delete_citations_from(self, pmids: Iterable[str], source_prefix: str) -> int:
        """Forget what the sources named ``source_prefix``... told about the edges ``pmids`` cite
        (an edge no source tells any more goes); returns how many edges lost a source. All file
        imports share one bit, so a prefix naming one file means every file."""
        mask = _source_mask(source_prefix)
        numbers = [pmid_to_db(p) for p in pmids]
        before = self._db.total_changes
        self._execute_in("UPDATE citations SET sources = sources & ~? WHERE citing IN (...) AND sources & ?", numbers,
                         before=[mask], after=[mask])
        removed = self._db.total_changes - before
        self._execute_in("DELETE FROM citations WHERE citing IN (...) AND sources = 0", numbers)
        return removed

    def add_citations(self, edges: Iterable[tuple[str, str]], source: str,
                      now: float | None = None) -> int:
        """Store ``(citing, cited)`` edges told by ``source``; returns how many of them this
        source had not told before."""
        now = time.time() if now is None else now
        bit = source_bit(source)
        before = self._db.total_changes
        pairs = ((pmid_to_db(a), pmid_to_db(b)) for a, b in edges)
        self._insert_rows(_UPSERT_EDGE, [(a, b, bit, now) for a, b in pairs if a != b], 256)
        return self._db.total_changes - before

    def add_citation_rows(self, rows: Iterable[tuple[int, int, int, float]]) -> int:
        """Store ready-made ``(citing, cited, source bit, seen_at)`` rows (integers, no
        self-citations), e.g. from :class:`citegraph.parse_pool.RecordDigest`: the fast
        path of :meth:`add_citations` for the many edges of fetched reference lists."""
        before = self._db.total_changes
        self._insert_rows(_UPSERT_EDGE, rows if isinstance(rows, list) else list(rows), 256)
        return self._db.total_changes - before

    def iter_citations(self) -> Iterator[tuple[str, str]]:
        """Every (citing, cited) edge, whatever its sources."""
        for citing, cited in self._execute("SELECT citing, cited FROM citations"):
            yield pmid_from_db(citing), pmid_from_db(cited)

    def iter_citation_sources(self) -> Iterator[tuple[str, str, str]]:
        """(citing, cited, source) for every source of every edge, in that order: one edge told
        by two sources comes twice. Edges a file import gave are named after the file the citing
        record came from (``file:<name>``), as the import named them.

        Two statements whatever the number of edges: the record sources of the citing papers
        with file-given edges (each article row read once: a row holds the whole record, which
        for a paper with a million references is tens of megabytes), then the edges in order."""
        names = sorted((bit, name) for name, bit in SOURCE_BITS.items())
        record_sources = dict(self._execute(
            "SELECT pmid, source FROM articles WHERE pmid IN "
            f"(SELECT DISTINCT citing FROM citations WHERE sources & {_FILE_BIT})").fetchall())
        rows = self._execute("SELECT citing, cited, sources FROM citations ORDER BY citing, cited")
        for citing, cited, sources in rows:
            told = []
            for bit, name in names:
                if sources & bit:
                    if bit == _FILE_BIT:
                        record_source = record_sources.get(citing)
                        if record_source and record_source.startswith("file:"):
                            name = record_source
                    told.append(name)
            citing_text, cited_text = pmid_from_db(citing), pmid_from_db(cited)
            for name in sorted(told):
                yield citing_text, cited_text, name

    def citation_pairs(self) -> list[tuple[int, int]]:
        """Every (citing, cited) edge as integers: the cheapest way to read all edges."""
        return self._execute("SELECT citing, cited FROM citations").fetchall()

    def citation_columns(self) -> tuple[str, str]:
        """Every (citing, cited) edge as two comma-separated texts of the same length (citing
        PMIDs, cited PMIDs), built by SQLite without a Python object per row. Stores too large
        for one text (about 100 million edges) are read row by row."""
        try:
            citing, cited = self._db.execute(
                "SELECT group_concat(citing), group_concat(cited) FROM citations").fetchone()
        except sqlite3.Error as exc:
            if "too big" not in str(exc).lower():
                raise _classify(exc, self.path) from None
            rows = self.citation_pairs()
            citing, cited = ",".join(pmid_from_db(r[0]) for r in rows), ",".join(pmid_from_db(r[1]) for r in rows)
        return citing or "", cited or ""

    def citing(self, pmid: str) -> list[str]:
        """The papers that cite ``pmid``, by PMID."""
        rows = self._execute("SELECT citing FROM citations WHERE cited = ? ORDER BY citing", (pmid_to_db(pmid),))
        return [pmid_from_db(r[0]) for r in rows]

    def cited(self, pmid: str) -> list[str]:
        """The papers ``pmid`` cites, by PMID."""
        rows = self._execute("SELECT cited FROM citations WHERE citing = ? ORDER BY cited", (pmid_to_db(pmid),))
        return [pmid_from_db(r[0]) for r in rows]

    def cited_by_counts(self, pmids: Iterable[str], *, stored_only: bool = False) -> dict[str, int]:
        """{pmid: how many distinct papers cite it} for those of ``pmids`` cited at all;
        with ``stored_only``, only citing papers that have a stored record count."""
        join = " JOIN articles a ON a.pmid = c.citing" if stored_only else ""
        rows = self._rows_in(f"SELECT c.cited, COUNT(*) FROM citations c{join} WHERE c.cited IN (...) GROUP BY c.cited",
                             map(pmid_to_db, pmids))
        return {pmid_from_db(cited): count for cited, count in rows}

    def citation_edges(self, pmids: Iterable[str], side: str) -> list[tuple[int, int, int]]:
        """``(citing, cited, sources bit mask)`` of the edges whose ``side`` (``"cited"``:
        the papers citing ``pmids``; ``"citing"``: the papers they cite) is one of ``pmids``."""
        if side not in ("citing", "cited"):
            raise ValueError(f"side must be 'citing' or 'cited', not {side!r}")
        return list(self._rows_in(f"SELECT citing, cited, sources FROM citations WHERE {side} IN (...)",
                                  map(pmid_to_db, pmids)))

    def citation_count(self) -> int:
        """Citations stored: distinct (citing, cited) pairs, whichever sources reported them."""
        return self._execute("SELECT COUNT(*) FROM citations").fetchone()[0]

    def _citation_counts(self) -> dict:
        """``citations``, ``links_reported`` and ``links_reported_by_source`` of
        :meth:`citegraph.store.Store.counts`."""
        names = sorted(SOURCE_BITS.items(), key=lambda item: item[1])
        by_source = self._execute("SELECT " + ", ".join(f"COALESCE(SUM(sources & {bit} != 0), 0)" for _, bit in names)
                                  + " FROM citations").fetchone()
        return {
            "citations": self.citation_count(),
            "links_reported": sum(by_source),
            "links_reported_by_source": {name: n for (name, _), n in zip(names, by_source)},
        }
