"""PMC full text: what PMC gave for each paper asked for, and the citation contexts read from it."""

from __future__ import annotations

import time
from collections import Counter
from typing import Iterable, Sequence

from .codec import pack_raw, pmid_from_db, pmid_to_db, unpack_raw
from .connection import Connection

__all__ = ["FullText"]


class FullText(Connection):
    """The ``fulltext`` and ``citation_contexts`` tables."""

    def put_fulltext(self, pmid: str, pmcid: str, state: str, *, message: str = "", raw_jats: bytes = b"",
                     contexts: Iterable[Sequence] = (), source: str = "", now: float | None = None) -> int:
        """Record what PMC gave for one paper: ``state`` (``fetched``, ``not_open_access``,
        ``not_available``), the raw JATS (kept compressed) and the paper's citation contexts,
        which replace any it had. ``contexts`` are rows (cited pmid or None, cited doi, ref_id,
        section, section_title, paragraph, sentence, cite_start, cite_end, in_caption,
        in_table) in reading order. Returns the contexts written. Call inside
        :meth:`transaction` so the state and its contexts land together."""
        now = time.time() if now is None else now
        citing = pmid_to_db(pmid)
        self._execute(
            "INSERT OR REPLACE INTO fulltext (pmid, pmcid, state, message, raw_jats, source, fetched_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (citing, pmcid, state, message, pack_raw(raw_jats) if raw_jats else None, source, now),
        )
        self._execute("DELETE FROM citation_contexts WHERE citing = ?", (citing,))
        rows = [(citing, seq, *row) for seq, row in enumerate(contexts)]
        self._executemany(
            "INSERT INTO citation_contexts (citing, seq, cited, cited_doi, ref_id, section, section_title, paragraph, "
            "sentence, cite_start, cite_end, in_caption, in_table) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        return len(rows)

    def fulltext_states(self, pmids: Iterable[str] | None = None) -> dict[str, str]:
        """{pmid: full-text state} of those of ``pmids`` (every paper when None) ever asked for."""
        if pmids is None:
            rows: Iterable[tuple] = self._execute("SELECT pmid, state FROM fulltext")
        else:
            rows = self._rows_in("SELECT pmid, state FROM fulltext WHERE pmid IN (...)", map(pmid_to_db, pmids))
        return {pmid_from_db(p): state for p, state in rows}

    def raw_jats(self, pmid: str) -> bytes | None:
        """The JATS XML PMC sent for a fetched paper, or None."""
        row = self._execute("SELECT raw_jats FROM fulltext WHERE pmid = ?", (pmid_to_db(pmid),)).fetchone()
        return unpack_raw(row[0]) if row and row[0] else None

    def pmcids_of(self, pmids: Iterable[str]) -> dict[str, str]:
        """{pmid: PMCID} of the stored records among ``pmids`` that have one."""
        rows = self._rows_in("SELECT pmid, pmcid FROM articles WHERE pmid IN (...) AND pmcid IS NOT NULL AND pmcid != ''",
                             map(pmid_to_db, pmids))
        return {pmid_from_db(p): pmcid for p, pmcid in rows}

    def contexts_of(self, cited: str, citing: str | None = None) -> list[dict]:
        """Every stored in-text citation of ``cited`` (by ``citing`` only, when given), by citing
        paper then reading order: dicts with ``citing``, ``cited``, ``section``,
        ``section_title``, ``sentence``, ``cite_start``, ``cite_end``, ``in_caption``, ``in_table``."""
        sql = ("SELECT citing, cited, section, section_title, sentence, cite_start, cite_end, in_caption, in_table "
               "FROM citation_contexts WHERE cited = ?")
        if citing is None:
            rows = self._execute(sql + " ORDER BY citing, seq", (pmid_to_db(cited),))
        else:
            rows = self._execute(sql + " AND citing = ? ORDER BY seq", (pmid_to_db(cited), pmid_to_db(citing)))
        keys = ("citing", "cited", "section", "section_title", "sentence", "cite_start", "cite_end",
                "in_caption", "in_table")
        out = []
        for row in rows:
            item = dict(zip(keys, row))
            item["citing"], item["cited"] = pmid_from_db(item["citing"]), pmid_from_db(item["cited"])
            item["in_caption"], item["in_table"] = bool(item["in_caption"]), bool(item["in_table"])
            out.append(item)
        return out

    def mention_sections(self, cited: Iterable[str] | None = None) -> dict[tuple[str, str], Counter]:
        """{(citing, cited): Counter of sections} of the in-text citations stored (of the
        ``cited`` papers only, when given)."""
        sql = "SELECT citing, cited, section, COUNT(*) FROM citation_contexts WHERE cited IS NOT NULL"
        if cited is None:
            rows: Iterable[tuple] = self._execute(sql + " GROUP BY citing, cited, section")
        else:
            rows = self._rows_in(sql + " AND cited IN (...) GROUP BY citing, cited, section", map(pmid_to_db, cited))
        found: dict[tuple[str, str], Counter] = {}
        for citing, cited_pmid, section, count in rows:
            found.setdefault((pmid_from_db(citing), pmid_from_db(cited_pmid)), Counter())[section] += count
        return found

    def fulltext_counts(self) -> dict[str, int]:
        """Papers asked of PMC by state, and ``contexts`` stored."""
        counts = {"fetched": 0, "not_open_access": 0, "not_available": 0}
        counts.update((state, n) for state, n in self._execute("SELECT state, COUNT(*) FROM fulltext GROUP BY state"))
        counts["contexts"] = self._execute("SELECT COUNT(*) FROM citation_contexts").fetchone()[0]
        return counts

