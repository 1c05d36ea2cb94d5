"""Article records: put, get and iterate, their metadata, abstracts and the columns a topic
lens reads, and the PMIDs listed as having no record (unknown, or deleted by NLM)."""

from __future__ import annotations

import json
import time
from typing import Iterable, Iterator

from ..models import Article
from .codec import PreparedArticles, _abstract_of_head, _article, pmid_from_db, pmid_to_db, prepare_articles
from .connection import Connection

__all__ = ["Articles", "DELETED"]

#: the ``missing`` reason of a PMID that NLM deleted (a ``DeleteCitation`` of an update file)
DELETED = "deleted"

_UPSERT_ARTICLE = """INSERT INTO articles
        (pmid, version, title, year, journal, doi, pmcid, date_revised, data, raw_xml, source, fetched_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT(pmid) DO UPDATE SET
        version=excluded.version, title=excluded.title, year=excluded.year,
        journal=excluded.journal, doi=excluded.doi, pmcid=excluded.pmcid,
        date_revised=excluded.date_revised, data=excluded.data, raw_xml=excluded.raw_xml,
        source=excluded.source, fetched_at=excluded.fetched_at
    WHERE excluded.date_revised >= articles.date_revised"""


class Articles(Connection):
    """The ``articles``, ``article_meta`` and ``missing`` tables."""

    def put_articles(self, articles: Iterable[Article] | "PreparedArticles", source: str = "",
                     now: float | None = None) -> int:
        """Insert or update records; a record never replaces a newer revision of itself.

        A PMID given a record here is no longer listed missing, not even as deleted by NLM: a
        PMID is either stored or listed, never both. Whoever calls this with a record of a
        deleted PMID decides that the record stands (E-utilities answering with it does);
        the file importer leaves such records out instead (see :mod:`citegraph.importer`).

        ``articles`` may be :func:`prepare_articles` output, made on another thread (the
        serialising and compressing is most of the cost). Returns how many rows were written.
        Call inside :meth:`transaction` to group with other writes.
        """
        rows = articles if isinstance(articles, PreparedArticles) else prepare_articles(articles, source, now)
        rows = list(rows)
        before = self._db.total_changes
        self._insert_rows(_UPSERT_ARTICLE, rows, 64)
        written = self._db.total_changes - before
        self._unlist_missing(row[0] for row in rows)
        return written

    def get_article(self, pmid: str) -> Article | None:
        row = self._execute("SELECT pmid, data, raw_xml FROM articles WHERE pmid = ?", (pmid_to_db(pmid),)).fetchone()
        return None if row is None else _article(row)

    def get_articles(self, pmids: Iterable[str]) -> dict[str, Article]:
        """{pmid: article} of those of ``pmids`` that are stored."""
        found: dict[str, Article] = {}
        for row in self._rows_in("SELECT pmid, data, raw_xml FROM articles WHERE pmid IN (...)", map(pmid_to_db, pmids)):
            article = _article(row)
            found[article.pmid] = article
        return found

    def iter_articles(self, *, with_raw: bool = False) -> Iterator[Article]:
        column = "raw_xml" if with_raw else "NULL"
        for row in self._execute(f"SELECT pmid, data, {column} FROM articles ORDER BY pmid"):
            yield _article(row)

    def article_summaries(self) -> Iterator[tuple[str, int | None, str, str]]:
        """(pmid, year, title, journal) of every article, cheaply (no JSON decoding)."""
        for pmid, year, title, journal in self._execute("SELECT pmid, year, title, journal FROM articles"):
            yield pmid_from_db(pmid), year, title, journal

    def article_meta(self, pmids: Iterable[str] | None = None
                     ) -> Iterator[tuple[str, list[str], list[tuple[str, str]], bool]]:
        """(pmid, publication types, [(MeSH UI, descriptor)], retracted) of every article, or of
        ``pmids``, from the ``article_meta`` table (no record decoding)."""
        sql = "SELECT pmid, publication_types, mesh, retracted FROM article_meta"
        if pmids is None:
            rows: Iterable[tuple] = self._execute(sql)
        else:
            rows = self._rows_in(f"{sql} WHERE pmid IN (...)", map(pmid_to_db, pmids))
        loads = json.loads
        for pmid, types, mesh, retracted in rows:
            yield pmid_from_db(pmid), loads(types), [tuple(m) for m in loads(mesh)], bool(retracted)

    def sync_article_meta(self) -> None:
        """Bring ``article_meta`` up to date with the stored records (cheap when it is: a
        pragma, or two aggregates); the analysis commands call it before reading the table."""
        from .migrations import ARTICLE_META_SYNC

        if self.readonly:
            return
        # nothing written since the last sync, by this connection or another: still in step
        state = (self._execute("PRAGMA data_version").fetchone()[0], self._db.total_changes)
        if state == self._meta_synced:
            return
        # in step as well when it holds as many papers as there are and none was written since
        # its newest (fetched_at only grows): two aggregates instead of a scan for deleted papers
        stored = self._execute("SELECT COUNT(*), MAX(fetched_at) FROM articles").fetchone()
        if stored == self._execute("SELECT COUNT(*), MAX(fetched_at) FROM article_meta").fetchone():
            self._meta_synced = state
            return
        with self.transaction():
            for statement in ARTICLE_META_SYNC.strip().split(";\n"):
                if statement.strip():
                    self._execute(statement)
        self._meta_synced = (state[0], self._db.total_changes)

    def retracted_pmids(self) -> set[str]:
        """PMIDs of the stored articles that are retracted (see ``article_meta``)."""
        return {pmid_from_db(p) for (p,) in self._execute("SELECT pmid FROM article_meta WHERE retracted = 1")}

    def abstracts(self, pmids: Iterable[str]) -> dict[str, str]:
        """{pmid: abstract} of the stored ``pmids`` (empty abstracts left out)."""
        rows = self._rows_in("SELECT pmid, json_extract(data, '$.abstract') FROM articles WHERE pmid IN (...)",
                             map(pmid_to_db, pmids))
        return {pmid_from_db(p): a for p, a in rows if a}

    def lens_columns(self, pmids: Iterable[str] | None = None, *, between: tuple[int, int] | None = None,
                     sync: bool = True) -> tuple[list[int], list[str], list[str | None], list[str], list[float]]:
        """What a topic lens reads, as columns: the PMIDs (numbers), titles, abstracts (or None),
        MeSH as the JSON text of [[UI, descriptor], ...] (from ``article_meta``, brought up to
        date first, unless ``sync`` is false: the caller did it) and fetched_at of every stored
        article, of those with ``between[0] <= pmid < between[1]``, or of ``pmids``, in no
        particular order.

        The abstract comes from the head of the record's JSON, which starts {"pmid", "version",
        "title", "abstract", "authors", ...}: SQLite cuts the UTF-8 bytes before ``,"authors":``
        (',"' never occurs inside a JSON string, whose quotes are escaped, so the cut is at a
        key) and only that is decoded, in Python. A record whose head is not a whole object
        holding one abstract is read with ``json_extract``. A scan of the whole table reads it
        through a memory map and MeSH in a second scan, not a lookup per record."""
        if sync:
            self.sync_article_meta()
        # the cut in bytes: cheaper than counting characters, and the same cut in UTF-8
        columns = ("a.pmid, a.title, substr(CAST(a.data AS BLOB), 1, "
                   "instr(CAST(a.data AS BLOB), CAST(',\"authors\":' AS BLOB)) - 1), {mesh}, a.fetched_at "
                   "FROM articles AS a")
        if pmids is None:
            where, params = ("WHERE a.pmid >= ? AND a.pmid < ?", tuple(between)) if between else ("", ())
            mesh_of = dict(self._execute(f"SELECT a.pmid, a.mesh FROM article_meta AS a {where}", params))
            with self._mapped():
                rows = self._execute(f"SELECT {columns.format(mesh='NULL')} {where}", params).fetchall()
            numbers, titles, heads, _, fetched = map(list, zip(*rows)) if rows else ([], [], [], [], [])
            del rows
            get = mesh_of.get
            mesh = [get(p) for p in numbers]
            mesh = [m if m is not None else "[]" for m in mesh]
        else:
            sql = ("SELECT " + columns.format(mesh="COALESCE(m.mesh, '[]')")
                   + " LEFT JOIN article_meta AS m ON m.pmid = a.pmid")
            rows = list(self._rows_in(f"{sql} WHERE a.pmid IN (...)", map(pmid_to_db, pmids)))
            numbers, titles, heads, mesh, fetched = map(list, zip(*rows)) if rows else ([], [], [], [], [])
        titles = [t or "" for t in titles]
        abstracts = list(map(_abstract_of_head, heads))
        del heads
        unread = [i for i, a in enumerate(abstracts) if a is False]
        if unread:
            found = dict(self._rows_in("SELECT pmid, json_extract(data, '$.abstract') FROM articles WHERE pmid IN (...)",
                                       [numbers[i] for i in unread]))
            for i in unread:
                abstracts[i] = found.get(numbers[i], False)  # False: deleted meanwhile
        if unread and False in abstracts:
            keep = [i for i, a in enumerate(abstracts) if a is not False]
            return tuple([column[i] for i in keep] for column in (numbers, titles, abstracts, mesh, fetched))
        return numbers, titles, abstracts, mesh, fetched


    def article_count(self) -> int:
        return self._execute("SELECT COUNT(*) FROM articles").fetchone()[0]

    def article_pmids(self) -> list[int]:
        """The PMIDs of every stored article, in no particular order (read from an index)."""
        return [p for (p,) in self._execute("SELECT pmid FROM articles")]

    def crawl_times(self, pmids: Iterable[str]) -> dict[str, float]:
        """{pmid: fetched_at} of the stored ``pmids``."""
        rows = self._rows_in("SELECT pmid, fetched_at FROM articles WHERE pmid IN (...)", map(pmid_to_db, pmids))
        return {pmid_from_db(p): t for p, t in rows}

    def summaries_of(self, pmids: Iterable[str]) -> dict[str, tuple[int | None, str, str]]:
        """{pmid: (year, title, journal)} of those of ``pmids`` that are stored (no JSON decoding)."""
        rows = self._rows_in("SELECT pmid, year, title, journal FROM articles WHERE pmid IN (...)",
                             map(pmid_to_db, pmids))
        return {pmid_from_db(pmid): (year, title or "", journal or "") for pmid, year, title, journal in rows}

    def find_by(self, column: str, values: Iterable[str]) -> dict[str, str]:
        """Stored PMIDs by DOI or PMCID (case-insensitive): {value as stored: pmid}."""
        if column not in ("doi", "pmcid"):
            raise ValueError(column)
        rows = self._rows_in(f"SELECT {column}, pmid FROM articles WHERE lower({column}) IN (...)",
                             [v.lower() for v in values])
        return {value: pmid_from_db(pmid) for value, pmid in rows}

    def known_pmids(self, pmids: Iterable[str]) -> set[str]:
        """Those of ``pmids`` that have a stored record."""
        return self._present("articles", pmids)

    def delete_articles(self, pmids: Iterable[str], reason: str, now: float | None = None) -> int:
        """Remove the records of ``pmids`` and list them missing for ``reason`` (see
        :meth:`mark_missing`); returns how many rows the deletion changed."""
        ids = [pmid_to_db(p) for p in pmids]
        before = self._db.total_changes
        self._execute_in("DELETE FROM articles WHERE pmid IN (...)", ids)
        removed = self._db.total_changes - before
        self.mark_missing(ids, reason, now)
        return removed

    def revisions(self, pmids: Iterable[str]) -> dict[str, tuple[str, int]]:
        """``{pmid: (date_revised, version)}`` of those of ``pmids`` that are stored."""
        rows = self._rows_in("SELECT pmid, date_revised, version FROM articles WHERE pmid IN (...)",
                             map(pmid_to_db, pmids))
        return {pmid_from_db(p): (d, v) for p, d, v in rows}

    def article_years(self) -> list[tuple[int, int | None]]:
        """(pmid, year) of every stored article (from the year index: no record is read)."""
        return self._execute("SELECT pmid, year FROM articles").fetchall()

    def mark_missing(self, pmids: Iterable[str], reason: str, now: float | None = None) -> None:
        """List ``pmids`` as having no record, for ``reason``, seen at ``now``.

        A PMID already listed for the same reason keeps its entry and date (listing it again
        changes nothing); one listed as :data:`DELETED` stays so whatever other reason comes
        (only a record, through :meth:`put_articles`, takes a deletion back)."""
        now = time.time() if now is None else now
        self._executemany(
            "INSERT INTO missing (pmid, reason, seen_at) VALUES (?, ?, ?) "
            "ON CONFLICT (pmid) DO UPDATE SET reason = excluded.reason, seen_at = excluded.seen_at "
            "WHERE missing.reason != excluded.reason AND missing.reason != ?",
            ((pmid_to_db(p), reason, now, DELETED) for p in pmids),
        )

    def missing_pmids(self, pmids: Iterable[str]) -> set[str]:
        """Those of ``pmids`` listed as having no record (for any reason)."""
        return self._present("missing", pmids)

    def deleted_pmids(self, pmids: Iterable[str]) -> set[str]:
        """Those of ``pmids`` listed as deleted by NLM."""
        rows = self._rows_in("SELECT pmid FROM missing WHERE reason = ? AND pmid IN (...)", map(pmid_to_db, pmids),
                             before=[DELETED])
        return {pmid_from_db(p) for (p,) in rows}

    def missing_entry(self, pmid: str) -> tuple[str, float] | None:
        """``(reason, seen_at)`` of a PMID listed as having no record, or None."""
        row = self._execute("SELECT reason, seen_at FROM missing WHERE pmid = ?", (pmid_to_db(pmid),)).fetchone()
        return None if row is None else (row[0], row[1])

    def _unlist_missing(self, numbers: Iterable[int]) -> None:
        """Take PMIDs (as stored: integers) off the ``missing`` list."""
        self._execute_in("DELETE FROM missing WHERE pmid IN (...)", numbers)

