"""The local store: one SQLite file (WAL mode) holding articles, citation edges and crawl state.

Every unit of crawl progress is written inside :meth:`Store.transaction`, so a crash loses at
most the work in flight and never leaves half a batch behind. The graph is always rebuildable
from what is stored here.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
import sqlite3
import time
from collections import Counter
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Callable, Iterable, Iterator, Mapping, Sequence

import orjson

from .crawl_lock import CRAWL_STATES, CrawlLock, effective_state
from .errors import StoreCorruptError, StoreError, StoreReadOnlyError
from .migrations import MIGRATIONS, SOURCE_BITS
from .models import Article
from .record_codec import RecordFormatError, dump_article, load_article, pack_raw, unpack_raw
from .wal_checkpoints import BackgroundCheckpoints

__all__ = ["Store", "CrawlRecord", "PreparedArticles", "prepare_articles", "reference_rows", "source_bit", "DELETED",
           "ICITE_COLUMNS"]

#: the ``missing`` reason of a PMID that NLM deleted (a ``DeleteCitation`` of an update file)
DELETED = "deleted"

_BUSY_TIMEOUT_MS = 60_000
_CHUNK = 500  # ids per "IN (...)" query: well under SQLite's variable limit
_CACHE_KIB = 65_536
#: an edge told by one more source: a new row, or one more bit in its row; a source that
#: already told it changes nothing (no page is written)
#: the columns of ``icite_metrics`` (migration 10), in order
ICITE_COLUMNS = ("pmid", "fetched_at", "citation_count", "rcr", "nih_percentile", "apt", "is_clinical",
                 "cited_by_clin", "human", "animal", "molecular_cellular", "provisional")
_UPSERT_EDGE = ("INSERT INTO citations (citing, cited, sources, seen_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (citing, cited) DO UPDATE SET sources = sources | excluded.sources "
                "WHERE sources & excluded.sources = 0")
_UPSERT_ARTICLE = """INSERT INTO articles
        (pmid, version, title, year, journal, doi, pmcid, date_revised, data, raw_xml, source, fetched_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT(pmid) DO UPDATE SET
        version=excluded.version, title=excluded.title, year=excluded.year,
        journal=excluded.journal, doi=excluded.doi, pmcid=excluded.pmcid,
        date_revised=excluded.date_revised, data=excluded.data, raw_xml=excluded.raw_xml,
        source=excluded.source, fetched_at=excluded.fetched_at
    WHERE excluded.date_revised >= articles.date_revised"""
_FILE_BIT = SOURCE_BITS["file:"]
#: memory map for whole-table scans (SQLite caps it at its own limit, 2 GB by default)
_MMAP_BYTES = 1 << 40


class CrawlRecord(dict):
    """A row of ``crawls`` as a dict with ``seeds`` and ``params`` decoded."""


def _classify(exc: sqlite3.Error, path: Path) -> StoreError:
    text = str(exc).lower()
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return StoreCorruptError(
            f"the store {path} is damaged or not a citegraph database ({exc}); "
            "`citegraph doctor --repair` saves what is readable"
        )
    if "readonly" in text or "read-only" in text or "unable to open" in text or "permission" in text:
        return StoreReadOnlyError(f"cannot write the store {path}: {exc} (is the data folder writable?)")
    if "locked" in text or "busy" in text:
        return StoreError(f"the store {path} is locked by another process for too long: {exc}")
    if "disk" in text and "full" in text:
        return StoreError(f"the disk holding {path} is full: {exc}")
    return StoreError(f"store {path}: {exc}")


class Store:
    """SQLite-backed store. Use as a context manager; one instance per thread."""

    def __init__(self, path: Path | str, *, readonly: bool = False,
                 on_upgrade: Callable[[int, str], None] | None = None) -> None:
        """``on_upgrade(version, name)`` is told before each schema migration of an existing
        store (a new store's are instant), so a caller can say why opening takes a while."""
        self.path = Path(path)
        self.readonly = readonly
        self._on_upgrade = on_upgrade
        #: (data_version, total_changes) after the last sync of article_meta
        self._meta_synced: tuple[int, int] | None = None
        #: the log's checkpoints, while a thread of their own runs them
        self._checkpoints: BackgroundCheckpoints | None = None
        #: inside transaction(): a nested one joins it
        self._transaction_open = False
        try:
            if readonly:
                if not self.path.exists():
                    raise StoreError(f"no store at {self.path}: run `citegraph crawl` or `citegraph import` first")
                uri = f"file:{self.path}?mode=ro"
                self._db = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
            else:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self._db.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
            if not readonly:
                self._db.execute("PRAGMA journal_mode = WAL")
                self._db.execute("PRAGMA synchronous = NORMAL")
            self._db.execute("PRAGMA foreign_keys = ON")
            self._db.execute(f"PRAGMA cache_size = -{_CACHE_KIB}")
            self._migrate()
        except PermissionError as exc:
            raise StoreReadOnlyError(f"cannot create the data folder {self.path.parent}: {exc.strerror}") from None
        except OSError as exc:
            raise StoreError(f"cannot open the store {self.path}: {exc.strerror or exc}") from None
        except sqlite3.Error as exc:
            raise _classify(exc, self.path) from None

    # -- lifecycle -------------------------------------------------------------------------

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One atomic unit: everything inside is committed together or not at all. Inside
        another transaction it joins that one, so a caller can commit several units at once
        (each still all or nothing)."""
        if self._transaction_open:
            yield
            return
        self._transaction_open = True
        try:
            yield from self._transaction()
        finally:
            self._transaction_open = False

    def _transaction(self) -> Iterator[None]:
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise _classify(exc, self.path) from None
        try:
            yield
        except BaseException:
            self._rollback()
            raise
        try:
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback()
            raise _classify(exc, self.path) from None
        if self._checkpoints is not None:
            self._checkpoints.after_commit()

    def _rollback(self) -> None:
        # SQLite has already rolled back by itself after some errors (SQLITE_FULL, IOERR)
        if self._db.in_transaction:
            try:
                self._db.execute("ROLLBACK")
            except sqlite3.Error:
                pass

    def _execute(self, sql: str, params: Sequence = ()) -> sqlite3.Cursor:
        try:
            return self._db.execute(sql, params)
        except sqlite3.Error as exc:
            raise _classify(exc, self.path) from None

    def _executemany(self, sql: str, rows: Iterable[Sequence]) -> None:
        try:
            self._db.executemany(sql, rows)
        except sqlite3.Error as exc:
            raise _classify(exc, self.path) from None

    def background_checkpoints(self) -> AbstractContextManager:
        """A context in which the write-ahead log is checkpointed by a thread of its own
        instead of by the commits (see :mod:`citegraph.wal_checkpoints`): for long runs of
        writes such as a crawl. Nothing to do on a read-only store."""
        if self.readonly:
            return nullcontext()
        return self._checkpointing()

    @contextmanager
    def _checkpointing(self) -> Iterator[BackgroundCheckpoints]:
        with BackgroundCheckpoints(self.path, self._db, _BUSY_TIMEOUT_MS) as checkpoints:
            self._checkpoints = checkpoints  # told of each commit (see transaction)
            try:
                yield checkpoints
            finally:
                self._checkpoints = None

    def _insert_rows(self, sql: str, rows: list[Sequence], per_statement: int) -> None:
        """``sql`` (an INSERT of one ``VALUES (?, ...)`` row) for every row, ``per_statement``
        rows to a statement: SQLite then inserts them in one call, with the interpreter lock
        released throughout (row by row, a crawl's main thread waited for the lock again after
        every row while the crawl's other threads used it)."""
        whole = len(rows) - len(rows) % per_statement
        if whole:
            many = _many_rows(sql, per_statement)
            width = len(rows[0]) * per_statement
            values = list(itertools.chain.from_iterable(rows[:whole]))
            self._executemany(many, (values[i:i + width] for i in range(0, whole * len(rows[0]), width)))
        if whole < len(rows):
            self._executemany(sql, rows[whole:])

    def _migrate(self) -> None:
        if not self.readonly:
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations "
                "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at REAL NOT NULL)"
            )
        applied = {row[0] for row in self._db.execute("SELECT version FROM schema_migrations")}
        known = {version for version, _, _ in MIGRATIONS}
        if applied - known:
            raise StoreError(
                f"the store {self.path} was written by a newer citegraph (schema {max(applied)}); upgrade citegraph"
            )
        pending = [m for m in MIGRATIONS if m[0] not in applied]
        if pending and self.readonly:
            raise StoreError(f"the store {self.path} needs a schema upgrade; open it once without --readonly")
        if pending:
            # a migration that rebuilds a parent table (crawls) must not cascade its DROP to the
            # children (crawl_nodes): SQLite's procedure for table changes, keys off meanwhile
            self._db.execute("PRAGMA foreign_keys = OFF")
        try:
            self._apply(pending, bool(applied))
        finally:
            self._db.execute("PRAGMA foreign_keys = ON")

    def _apply(self, pending: list[tuple[int, str, str]], existing: bool) -> None:
        for version, name, script in pending:
            if existing and self._on_upgrade is not None:
                self._on_upgrade(version, name)
            # executescript commits first, so wrap the script itself in a transaction
            try:
                self._db.executescript(
                    f"BEGIN IMMEDIATE;\n{script}\n"
                    f"INSERT INTO schema_migrations VALUES ({version}, {_sql_quote(name)}, {time.time()});\nCOMMIT;"
                )
            except sqlite3.Error:
                self._rollback()
                # another process opening the same new store may have applied it first
                done = self._db.execute("SELECT 1 FROM schema_migrations WHERE version = ?", (version,)).fetchone()
                if not done:
                    raise

    @property
    def schema_version(self) -> int:
        return self._execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").fetchone()[0]

    # -- articles --------------------------------------------------------------------------

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

    def get_article(self, pmid: str | int) -> Article | None:
        row = self._execute("SELECT pmid, data, raw_xml FROM articles WHERE pmid = ?", (int(pmid),)).fetchone()
        return None if row is None else _article(row)

    def get_articles(self, pmids: Iterable[str | int]) -> dict[str, Article]:
        found: dict[str, Article] = {}
        for chunk in _chunks([int(p) for p in pmids]):
            marks = ",".join("?" * len(chunk))
            for row in self._execute(f"SELECT pmid, data, raw_xml FROM articles WHERE pmid IN ({marks})", chunk):
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
            yield str(pmid), year, title, journal

    def article_meta(self, pmids: Iterable[str | int] | None = None
                     ) -> Iterator[tuple[str, list[str], list[tuple[str, str]], bool]]:
        """(pmid, publication types, [(MeSH UI, descriptor)], retracted) of every article, or of
        ``pmids``, from the ``article_meta`` table (no record decoding)."""
        sql = "SELECT pmid, publication_types, mesh, retracted FROM article_meta"
        if pmids is None:
            batches: Iterable = [self._execute(sql)]
        else:
            batches = (self._execute(f"{sql} WHERE pmid IN ({','.join('?' * len(c))})", c)
                       for c in _chunks([int(p) for p in pmids]))
        loads = json.loads
        for rows in batches:
            for pmid, types, mesh, retracted in rows:
                yield str(pmid), loads(types), [tuple(m) for m in loads(mesh)], bool(retracted)

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
        return {str(p) for (p,) in self._execute("SELECT pmid FROM article_meta WHERE retracted = 1")}

    def abstracts(self, pmids: Iterable[str | int]) -> dict[str, str]:
        """{pmid: abstract} of the stored ``pmids`` (empty abstracts left out)."""
        found: dict[str, str] = {}
        for chunk in _chunks([int(p) for p in pmids]):
            marks = ",".join("?" * len(chunk))
            rows = self._execute(f"SELECT pmid, json_extract(data, '$.abstract') FROM articles WHERE pmid IN ({marks})",
                                 chunk)
            found.update((str(p), a) for p, a in rows if a)
        return found

    def lens_columns(self, pmids: Iterable[str | int] | None = None, *, between: tuple[int, int] | None = None,
                     sync: bool = True) -> tuple[list[int], list[str], list[str | None], list[str], list[float]]:
        """What a topic lens reads, as columns: the PMIDs (numbers), titles, abstracts (or None),
        MeSH as the JSON text of [[UI, descriptor], ...] (from ``article_meta``, brought up to
        date first, unless ``sync`` is false: the caller did it) and fetched_at of every stored
        article, of those with ``between[0] <= pmid < between[1]``, or of ``pmids``, in no
        particular order.

        The abstract comes from the head of the record's JSON, which starts {"pmid", "version",
        "title", "abstract", "authors", ...}: SQLite cuts the text before ``,"authors":`` (',"'
        never occurs inside a JSON string, whose quotes are escaped, so the cut is at a key) and
        only that is decoded, in Python (from UTF-8 bytes, which SQLite cuts and orjson reads
        faster than text), where decoding all of a 100,000-record store in SQLite took twice as
        long. A record whose head is not a whole object holding one abstract is read with
        ``json_extract`` as before. A scan of the table reads it through a memory map (half the
        CPU time of copying each page) and MeSH in a second scan, not a lookup per record."""
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
            rows = [row for chunk in _chunks([int(p) for p in pmids])
                    for row in self._execute(f"{sql} WHERE a.pmid IN ({','.join('?' * len(chunk))})", chunk)]
            numbers, titles, heads, mesh, fetched = map(list, zip(*rows)) if rows else ([], [], [], [], [])
        titles = [t or "" for t in titles]
        abstracts = list(map(_abstract_of_head, heads))
        del heads
        unread = [i for i, a in enumerate(abstracts) if a is False]
        for chunk in _chunks(unread):
            marks = ",".join("?" * len(chunk))
            found = dict(self._execute(
                f"SELECT pmid, json_extract(data, '$.abstract') FROM articles WHERE pmid IN ({marks})",
                [numbers[i] for i in chunk]))
            for i in chunk:
                abstracts[i] = found.get(numbers[i], False)  # False: deleted meanwhile
        if unread and False in abstracts:
            keep = [i for i, a in enumerate(abstracts) if a is not False]
            return tuple([column[i] for i in keep] for column in (numbers, titles, abstracts, mesh, fetched))
        return numbers, titles, abstracts, mesh, fetched

    @contextmanager
    def _mapped(self) -> Iterator[None]:
        """Reads inside go through a memory map of the file (for scans of the whole table)."""
        self._execute(f"PRAGMA mmap_size = {_MMAP_BYTES}")
        try:
            yield
        finally:
            self._execute("PRAGMA mmap_size = 0")

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

    def article_count(self) -> int:
        return self._execute("SELECT COUNT(*) FROM articles").fetchone()[0]

    def article_pmids(self) -> list[int]:
        """The PMIDs of every stored article, in no particular order (read from an index)."""
        return [p for (p,) in self._execute("SELECT pmid FROM articles")]

    def keep_topics(self, lens: str, rows: Iterable[tuple[int, float, str]]) -> None:
        """:meth:`cache_topics` from rows (pmid, fetched_at as :meth:`lens_columns` read it, topic
        keys joined by tabs)."""
        if self.readonly:
            return
        with self.transaction():
            self._executemany("INSERT OR REPLACE INTO topic_cache (lens, pmid, fetched_at, topics) VALUES (?, ?, ?, ?)",
                              ((lens, pmid, fetched_at, topics) for pmid, fetched_at, topics in rows))

    def crawl_times(self, pmids: Iterable[str | int]) -> dict[str, float]:
        """{pmid: fetched_at} of the stored ``pmids``."""
        found: dict[str, float] = {}
        for chunk in _chunks([int(p) for p in pmids]):
            marks = ",".join("?" * len(chunk))
            found.update((str(p), t) for p, t in self._execute(
                f"SELECT pmid, fetched_at FROM articles WHERE pmid IN ({marks})", chunk))
        return found

    def summaries_of(self, pmids: Iterable[str | int]) -> dict[str, tuple[int | None, str, str]]:
        """{pmid: (year, title, journal)} of those of ``pmids`` that are stored (no JSON decoding)."""
        found: dict[str, tuple[int | None, str, str]] = {}
        for chunk in _chunks([int(p) for p in pmids]):
            marks = ",".join("?" * len(chunk))
            rows = self._execute(f"SELECT pmid, year, title, journal FROM articles WHERE pmid IN ({marks})", chunk)
            found.update((str(pmid), (year, title or "", journal or "")) for pmid, year, title, journal in rows)
        return found

    def find_by(self, column: str, values: Iterable[str]) -> dict[str, str]:
        """Stored PMIDs by DOI or PMCID (case-insensitive): {value as stored: pmid}."""
        if column not in ("doi", "pmcid"):
            raise ValueError(column)
        found: dict[str, str] = {}
        for chunk in _chunks([v.lower() for v in values]):
            marks = ",".join("?" * len(chunk))
            rows = self._execute(f"SELECT {column}, pmid FROM articles WHERE lower({column}) IN ({marks})", chunk)
            found.update((value, str(pmid)) for value, pmid in rows)
        return found

    def known_pmids(self, pmids: Iterable[str | int]) -> set[str]:
        """Those of ``pmids`` that have a stored record."""
        return self._present("articles", pmids)

    def delete_articles(self, pmids: Iterable[str | int], reason: str, now: float | None = None) -> int:
        """Remove the records of ``pmids`` and list them missing for ``reason`` (see
        :meth:`mark_missing`); returns how many rows the deletion changed."""
        ids = [int(p) for p in pmids]
        before = self._db.total_changes
        for chunk in _chunks(ids):
            marks = ",".join("?" * len(chunk))
            self._execute(f"DELETE FROM articles WHERE pmid IN ({marks})", chunk)
        removed = self._db.total_changes - before
        self.mark_missing(ids, reason, now)
        return removed

    def revisions(self, pmids: Iterable[str | int]) -> dict[str, tuple[str, int]]:
        """``{pmid: (date_revised, version)}`` of those of ``pmids`` that are stored."""
        found: dict[str, tuple[str, int]] = {}
        for chunk in _chunks([int(p) for p in pmids]):
            marks = ",".join("?" * len(chunk))
            rows = self._execute(f"SELECT pmid, date_revised, version FROM articles WHERE pmid IN ({marks})", chunk)
            found.update((str(p), (d, v)) for p, d, v in rows)
        return found

    # -- citations -------------------------------------------------------------------------

    def delete_citations_from(self, pmids: Iterable[str | int], source_prefix: str) -> int:
        """Forget what the sources named ``source_prefix``... told about the edges ``pmids`` cite
        (an edge no source tells any more goes); returns how many edges lost a source. All file
        imports share one bit, so a prefix naming one file means every file."""
        mask = _source_mask(source_prefix)
        before = self._db.total_changes
        for chunk in _chunks([int(p) for p in pmids]):
            marks = ",".join("?" * len(chunk))
            self._execute(f"UPDATE citations SET sources = sources & ~? WHERE citing IN ({marks}) AND sources & ?",
                          [mask, *chunk, mask])
        removed = self._db.total_changes - before
        for chunk in _chunks([int(p) for p in pmids]):
            marks = ",".join("?" * len(chunk))
            self._execute(f"DELETE FROM citations WHERE citing IN ({marks}) AND sources = 0", chunk)
        return removed

    def add_citations(self, edges: Iterable[tuple[str | int, str | int]], source: str,
                      now: float | None = None) -> int:
        """Store ``(citing, cited)`` edges told by ``source``; returns how many of them this
        source had not told before."""
        now = time.time() if now is None else now
        bit = source_bit(source)
        before = self._db.total_changes
        self._insert_rows(_UPSERT_EDGE, [(int(a), int(b), bit, now) for a, b in edges if int(a) != int(b)], 256)
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
            yield str(citing), str(cited)

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
            citing_text, cited_text = str(citing), str(cited)
            for name in sorted(told):
                yield citing_text, cited_text, name

    def citation_pairs(self) -> list[tuple[int, int]]:
        """Every (citing, cited) edge as integers: the cheapest way to read all edges."""
        return self._execute("SELECT citing, cited FROM citations").fetchall()

    def citation_columns(self) -> tuple[str, str]:
        """Every (citing, cited) edge as two comma-separated texts of the same length (citing
        PMIDs, cited PMIDs): SQLite builds them without a Python object
        per row, so a numeric parser reads millions of edges in well under a second. Stores
        too large for one text (about 100 million edges) are read row by row."""
        try:
            citing, cited = self._db.execute(
                "SELECT group_concat(citing), group_concat(cited) FROM citations").fetchone()
        except sqlite3.Error as exc:
            if "too big" not in str(exc).lower():
                raise _classify(exc, self.path) from None
            rows = self.citation_pairs()
            citing, cited = ",".join(str(r[0]) for r in rows), ",".join(str(r[1]) for r in rows)
        return citing or "", cited or ""

    def article_years(self) -> list[tuple[int, int | None]]:
        """(pmid, year) of every stored article (from the year index: no record is read)."""
        return self._execute("SELECT pmid, year FROM articles").fetchall()

    def citing(self, pmid: str | int) -> list[str]:
        rows = self._execute("SELECT citing FROM citations WHERE cited = ? ORDER BY citing", (int(pmid),))
        return [str(r[0]) for r in rows]

    def cited(self, pmid: str | int) -> list[str]:
        rows = self._execute("SELECT cited FROM citations WHERE citing = ? ORDER BY cited", (int(pmid),))
        return [str(r[0]) for r in rows]

    def cited_by_counts(self, pmids: Iterable[str | int], *, stored_only: bool = False) -> dict[str, int]:
        """{pmid: how many distinct papers cite it} for those of ``pmids`` cited at all;
        with ``stored_only``, only citing papers that have a stored record count."""
        join = " JOIN articles a ON a.pmid = c.citing" if stored_only else ""
        found: dict[str, int] = {}
        for chunk in _chunks([int(p) for p in pmids]):
            marks = ",".join("?" * len(chunk))
            rows = self._execute(f"SELECT c.cited, COUNT(*) FROM citations c{join} "
                                 f"WHERE c.cited IN ({marks}) GROUP BY c.cited", chunk)
            found.update((str(cited), count) for cited, count in rows)
        return found

    def citation_edges(self, pmids: Iterable[str | int], side: str) -> list[tuple[int, int, int]]:
        """``(citing, cited, sources bit mask)`` of the edges whose ``side`` (``"cited"``:
        the papers citing ``pmids``; ``"citing"``: the papers they cite) is one of ``pmids``."""
        if side not in ("citing", "cited"):
            raise ValueError(f"side must be 'citing' or 'cited', not {side!r}")
        rows: list[tuple[int, int, int]] = []
        for chunk in _chunks([int(p) for p in pmids]):
            marks = ",".join("?" * len(chunk))
            rows.extend(self._execute(f"SELECT citing, cited, sources FROM citations WHERE {side} IN ({marks})",
                                      chunk).fetchall())
        return rows

    # -- papers outside PubMed ---------------------------------------------------------------

    def put_external_citations(self, items: Iterable[tuple[Mapping, object, object, int]],
                               now: float | None = None) -> None:
        """Store citations between a PubMed paper and one outside PubMed (a preprint, a DOI
        only): ``(paper, citing id, cited id, source bit)``, ``paper`` the outside one's
        ``{"key", "doi", "title", "year", "source_id"}`` (what the source gave), the ids
        :class:`citegraph.sources.json_answers.ExternalId` values. A paper keeps the first
        title and year a source gave; sources add up per citation as in ``citations``."""
        now = time.time() if now is None else now
        papers, edges = [], []
        for paper, citing, cited, bit in items:
            papers.append((paper["key"], paper.get("doi"), paper.get("title"), paper.get("year"),
                           paper.get("source_id"), now))
            name = lambda ident: str(ident.pmid) if ident.pmid is not None else ident.key  # noqa: E731
            edges.append((name(citing), name(cited), bit, now))
        self._executemany("INSERT INTO external_papers (key, doi, title, year, source_id, seen_at) "
                          "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET "
                          "doi = COALESCE(doi, excluded.doi), title = COALESCE(title, excluded.title), "
                          "year = COALESCE(year, excluded.year)", papers)
        self._executemany("INSERT INTO external_citations (citing, cited, sources, seen_at) VALUES (?, ?, ?, ?) "
                          "ON CONFLICT (citing, cited) DO UPDATE SET sources = sources | excluded.sources", edges)

    def external_edges(self, pmids: Iterable[str | int], side: str) -> list[tuple[int | str, int | str, int]]:
        """As :meth:`citation_edges`, for the citations with a paper outside PubMed (named by
        its key, ``"doi:..."`` or the source's id; a PubMed paper by its PMID, an int). A
        source's paper "outside PubMed" whose DOI is a stored record's (a source that lacks
        the PMID of a PubMed paper) is named by that record's PMID."""
        if side not in ("citing", "cited"):
            raise ValueError(f"side must be 'citing' or 'cited', not {side!r}")
        found = []
        for chunk in _chunks([str(int(p)) for p in pmids]):
            marks = ",".join("?" * len(chunk))
            found.extend(self._execute(
                f"SELECT citing, cited, sources FROM external_citations WHERE {side} IN ({marks})", chunk).fetchall())
        dois = {k[4:] for row in found for k in row[:2] if k.startswith("doi:")}
        pmid_of = {f"doi:{doi.lower()}": int(pmid) for doi, pmid in self.find_by("doi", dois).items()} if dois else {}

        def name(key: str) -> int | str:
            return int(key) if key.isdigit() else pmid_of.get(key, key)

        return [(name(citing), name(cited), bits) for citing, cited, bits in found]

    def external_papers(self, keys: Iterable[str]) -> dict[str, dict]:
        """``{key: {"doi", "title", "year", "source_id"}}`` of the stored papers outside PubMed."""
        found: dict[str, dict] = {}
        for chunk in _chunks(list(keys)):
            marks = ",".join("?" * len(chunk))
            for key, doi, title, year, source_id in self._execute(
                    f"SELECT key, doi, title, year, source_id FROM external_papers WHERE key IN ({marks})", chunk):
                found[key] = {"doi": doi, "title": title, "year": year, "source_id": source_id}
        return found

    # -- iCite metrics -----------------------------------------------------------------------

    def put_icite_metrics(self, papers: Iterable, fetched_at: float | None = None) -> None:
        """Store iCite's numbers of ``papers`` (:class:`citegraph.sources.icite.ICitePaper`),
        fetched at ``fetched_at``, replacing what an earlier fetch stored."""
        fetched_at = time.time() if fetched_at is None else fetched_at
        rows = []
        for paper in papers:
            m = paper.metrics
            clin = None if paper.cited_by_clinical is None else json.dumps(list(paper.cited_by_clinical))
            flag = lambda v: None if v is None else int(v)  # noqa: E731
            rows.append((int(paper.pmid), fetched_at, m.citation_count, m.relative_citation_ratio, m.nih_percentile,
                         m.apt, flag(m.is_clinical), clin, m.human, m.animal, m.molecular_cellular,
                         flag(m.provisional)))
        self._executemany(f"INSERT OR REPLACE INTO icite_metrics ({', '.join(ICITE_COLUMNS)}) "
                          f"VALUES ({', '.join('?' * len(ICITE_COLUMNS))})", rows)

    def icite_metrics(self, pmids: Iterable[str | int] | None = None) -> dict[str, dict]:
        """``{pmid: {column: value}}`` of the stored iCite numbers (:data:`ICITE_COLUMNS`
        but ``pmid``; ``is_clinical``/``provisional`` as booleans, ``cited_by_clin`` as a list
        of PMIDs, None where iCite gave none) for ``pmids``, or for every paper."""
        names = ICITE_COLUMNS[1:]
        select = f"SELECT {', '.join(ICITE_COLUMNS)} FROM icite_metrics"
        if pmids is None:
            found = self._execute(select).fetchall()
        else:
            found = []
            for chunk in _chunks([int(p) for p in pmids]):
                found.extend(self._execute(f"{select} WHERE pmid IN ({','.join('?' * len(chunk))})", chunk).fetchall())
        out: dict[str, dict] = {}
        for row in found:
            values = dict(zip(names, row[1:]))
            for key in ("is_clinical", "provisional"):
                if values[key] is not None:
                    values[key] = bool(values[key])
            if values["cited_by_clin"] is not None:
                values["cited_by_clin"] = json.loads(values["cited_by_clin"])
            out[str(row[0])] = values
        return out

    # -- unknown / deleted ids -------------------------------------------------------------

    def mark_missing(self, pmids: Iterable[str | int], reason: str, now: float | None = None) -> None:
        """List ``pmids`` as having no record, for ``reason``, seen at ``now``.

        A PMID already listed for the same reason keeps its entry and date (listing it again
        changes nothing); one listed as :data:`DELETED` stays so whatever other reason comes
        (only a record, through :meth:`put_articles`, takes a deletion back)."""
        now = time.time() if now is None else now
        self._executemany(
            "INSERT INTO missing (pmid, reason, seen_at) VALUES (?, ?, ?) "
            "ON CONFLICT (pmid) DO UPDATE SET reason = excluded.reason, seen_at = excluded.seen_at "
            "WHERE missing.reason != excluded.reason AND missing.reason != ?",
            ((int(p), reason, now, DELETED) for p in pmids),
        )

    def missing_pmids(self, pmids: Iterable[str | int]) -> set[str]:
        """Those of ``pmids`` listed as having no record (for any reason)."""
        return self._present("missing", pmids)

    def deleted_pmids(self, pmids: Iterable[str | int]) -> set[str]:
        """Those of ``pmids`` listed as deleted by NLM."""
        found: set[str] = set()
        for chunk in _chunks([int(p) for p in pmids]):
            marks = ",".join("?" * len(chunk))
            rows = self._execute(f"SELECT pmid FROM missing WHERE reason = ? AND pmid IN ({marks})", [DELETED, *chunk])
            found.update(str(r[0]) for r in rows)
        return found

    def missing_entry(self, pmid: str | int) -> tuple[str, float] | None:
        """``(reason, seen_at)`` of a PMID listed as having no record, or None."""
        row = self._execute("SELECT reason, seen_at FROM missing WHERE pmid = ?", (int(pmid),)).fetchone()
        return None if row is None else (row[0], row[1])

    def _unlist_missing(self, pmids: Iterable[int]) -> None:
        for chunk in _chunks(list(pmids)):
            marks = ",".join("?" * len(chunk))
            self._execute(f"DELETE FROM missing WHERE pmid IN ({marks})", chunk)

    # -- counts ----------------------------------------------------------------------------

    def citation_count(self) -> int:
        """Citations stored: distinct (citing, cited) pairs, whichever sources reported them."""
        return self._execute("SELECT COUNT(*) FROM citations").fetchone()[0]

    def counts(self) -> dict:
        """What the store holds: ``articles``; ``citations`` (distinct citing -> cited pairs);
        ``links_reported`` (each source's report of a citation counted apart, so a citation
        two sources reported counts twice) and ``links_reported_by_source`` ({source name of
        ``SOURCE_BITS``, ``file:`` for every imported file: count}); ``missing`` (PMIDs known to
        have no record); ``crawls``."""
        one = lambda sql: self._execute(sql).fetchone()[0]  # noqa: E731
        names = sorted(SOURCE_BITS.items(), key=lambda item: item[1])
        by_source = self._execute("SELECT " + ", ".join(f"COALESCE(SUM(sources & {bit} != 0), 0)" for _, bit in names)
                                  + " FROM citations").fetchone()
        return {
            "articles": one("SELECT COUNT(*) FROM articles"),
            "citations": self.citation_count(),
            "links_reported": sum(by_source),
            "links_reported_by_source": {name: n for (name, _), n in zip(names, by_source)},
            "missing": one("SELECT COUNT(*) FROM missing"),
            "crawls": one("SELECT COUNT(*) FROM crawls"),
        }

    # -- crawl state -----------------------------------------------------------------------

    def open_crawl(self, key: str, seeds: Sequence[str], params: dict, *, again: bool = False) -> tuple[int, str]:
        """The latest crawl with this key, or a new one. Returns (id, state): ``new``, or the
        state the crawl was left in (see :data:`citegraph.crawl_lock.CRAWL_STATES`; an
        ``interrupted`` or ``failed`` crawl is resumed, a ``complete`` one reported as it is).
        ``again`` starts a new crawl after a complete one."""
        row = self._execute(
            "SELECT id, status FROM crawls WHERE key = ? ORDER BY id DESC LIMIT 1", (key,)
        ).fetchone()
        if row:
            state = effective_state(self.path, row[0], row[1])
            if not (again and state == "complete"):
                return row[0], state
        with self.transaction():
            cur = self._execute(
                "INSERT INTO crawls (key, seeds, params, status, started_at) VALUES (?, ?, ?, 'running', ?)",
                (key, json.dumps(list(seeds)), json.dumps(params, sort_keys=True), time.time()),
            )
            return cur.lastrowid, "new"

    def get_crawl(self, crawl_id: int) -> CrawlRecord:
        """The crawl's row; its ``status`` is its state now (a ``running`` row that no process
        holds reads ``interrupted``)."""
        cur = self._execute("SELECT * FROM crawls WHERE id = ?", (crawl_id,))
        row = cur.fetchone()
        if row is None:
            raise StoreError(f"no crawl {crawl_id} in {self.path}")
        record = CrawlRecord(zip([d[0] for d in cur.description], row))
        record["seeds"] = json.loads(record["seeds"])
        record["params"] = json.loads(record["params"])
        record["status"] = effective_state(self.path, crawl_id, record["status"])
        return record

    def latest_crawl(self) -> CrawlRecord | None:
        row = self._execute("SELECT id FROM crawls ORDER BY id DESC LIMIT 1").fetchone()
        return None if row is None else self.get_crawl(row[0])

    def crawl_lock(self, crawl_id: int) -> CrawlLock:
        """The lock a process holds while it runs the crawl (``with store.crawl_lock(id):``)."""
        return CrawlLock(self.path, crawl_id)

    def set_crawl_state(self, crawl_id: int, state: str) -> None:
        """Record the crawl's state: ``running`` when a process takes it up (holding its
        lock), then ``complete``, ``failed`` or ``interrupted`` as it ends."""
        if state not in CRAWL_STATES:
            raise ValueError(f"unknown crawl state {state!r}")
        with self.transaction():
            self._execute(
                "UPDATE crawls SET status = ?, finished_at = CASE WHEN ? = 'running' THEN NULL ELSE ? END "
                "WHERE id = ?", (state, state, time.time(), crawl_id))

    def finish_crawl(self, crawl_id: int, requests: int) -> None:
        with self.transaction():
            self._execute(
                "UPDATE crawls SET status = 'complete', finished_at = ?, requests = requests + ? WHERE id = ?",
                (time.time(), requests, crawl_id),
            )

    def add_crawl_requests(self, crawl_id: int, requests: int) -> None:
        self._execute("UPDATE crawls SET requests = requests + ? WHERE id = ?", (requests, crawl_id))

    def add_nodes(self, crawl_id: int, nodes: Iterable[tuple[str | int, int, str]]) -> int:
        """Add ``(pmid, generation, state)`` members; existing members are left as they are."""
        before = self._db.total_changes
        self._executemany(
            "INSERT OR IGNORE INTO crawl_nodes (crawl_id, pmid, generation, state) VALUES (?, ?, ?, ?)",
            ((crawl_id, int(p), g, s) for p, g, s in nodes),
        )
        return self._db.total_changes - before

    def set_node_state(self, crawl_id: int, pmids: Iterable[str | int], state: str,
                       detail: str | None = None) -> None:
        self._executemany(
            "UPDATE crawl_nodes SET state = ?, detail = ? WHERE crawl_id = ? AND pmid = ?",
            ((state, detail, crawl_id, int(p)) for p in pmids),
        )

    def publication_type_counts(self, crawl_id: int) -> Counter:
        """How many of a crawl's papers (members, excluded ones too) have each publication type."""
        self.sync_article_meta()
        counts: Counter = Counter()
        for (types,) in self._execute("SELECT m.publication_types FROM crawl_nodes AS n JOIN article_meta AS m "
                                      "ON m.pmid = n.pmid WHERE n.crawl_id = ?", (crawl_id,)):
            counts.update(json.loads(types))
        return counts

    def exclude_nodes(self, crawl_id: int, reasons: Mapping[str, str]) -> None:
        """Mark members excluded, each with why (``{pmid: "year" | "type:NAME"}``, kept as
        the node's detail)."""
        self._executemany(
            "UPDATE crawl_nodes SET state = 'excluded', detail = ? WHERE crawl_id = ? AND pmid = ?",
            ((why, crawl_id, int(p)) for p, why in reasons.items()),
        )

    def nodes(self, crawl_id: int, state: str | None = None) -> list[tuple[str, int]]:
        """(pmid, generation) of the crawl's members, optionally in one state, by generation."""
        if state is None:
            rows = self._execute(
                "SELECT pmid, generation FROM crawl_nodes WHERE crawl_id = ? ORDER BY generation, pmid", (crawl_id,)
            )
        else:
            rows = self._execute(
                "SELECT pmid, generation FROM crawl_nodes WHERE crawl_id = ? AND state = ? ORDER BY generation, pmid",
                (crawl_id, state),
            )
        return [(str(p), g) for p, g in rows]

    def linked_flags(self, crawl_id: int, state: str = "fetch") -> dict[str, int]:
        """``linked`` of the members in ``state`` whose flag is set (1 linked, -1 link failed)."""
        rows = self._execute(
            "SELECT pmid, linked FROM crawl_nodes WHERE crawl_id = ? AND state = ? AND linked != 0",
            (crawl_id, state),
        )
        return {str(p): flag for p, flag in rows}

    def mark_linked(self, crawl_id: int, pmids: Iterable[str | int], flag: int = 1) -> None:
        """Record a link result: papers still waiting for their record get the flag, papers
        in state 'link' become 'done' (``flag`` 1) — one statement each, whatever the order
        in which efetch and elink finished."""
        ids = [(crawl_id, int(p)) for p in pmids]
        self._executemany(
            "UPDATE crawl_nodes SET linked = ? WHERE crawl_id = ? AND pmid = ? AND state = 'fetch'",
            ((flag, c, p) for c, p in ids),
        )
        if flag == 1:
            self._executemany(
                "UPDATE crawl_nodes SET state = 'done' WHERE crawl_id = ? AND pmid = ? AND state = 'link'", ids
            )
            self.set_linked_at(crawl_id, [p for _, p in ids])

    def set_linked_at(self, crawl_id: int, pmids: Iterable[str | int], when: float | None = None) -> None:
        """Remember when the links of these crawl members were fetched (now by default)."""
        when = time.time() if when is None else when
        self._executemany("UPDATE crawl_nodes SET linked_at = ? WHERE crawl_id = ? AND pmid = ?",
                          ((when, crawl_id, int(p)) for p in pmids))

    def link_ages(self, crawl_id: int) -> list[tuple[str, int, str, float | None]]:
        """(pmid, generation, state, linked_at) of every member of the crawl, by generation."""
        rows = self._execute("SELECT pmid, generation, state, linked_at FROM crawl_nodes WHERE crawl_id = ? "
                             "ORDER BY generation, pmid", (crawl_id,))
        return [(str(p), g, s, t) for p, g, s, t in rows]

    def latest_crawl_of(self, pmid: str | int) -> CrawlRecord | None:
        """The latest crawl that has ``pmid`` among its seeds."""
        row = self._execute("SELECT c.id FROM crawls AS c WHERE EXISTS (SELECT 1 FROM json_each(c.seeds) AS s "
                            "WHERE CAST(s.value AS INTEGER) = ?) ORDER BY c.id DESC LIMIT 1", (int(pmid),)).fetchone()
        return None if row is None else self.get_crawl(row[0])

    def node_states(self, crawl_id: int) -> dict[str, int]:
        rows = self._execute(
            "SELECT state, COUNT(*) FROM crawl_nodes WHERE crawl_id = ? GROUP BY state", (crawl_id,)
        )
        return dict(rows.fetchall())

    def node_details(self, crawl_id: int, state: str) -> list[tuple[str, str]]:
        rows = self._execute(
            "SELECT pmid, COALESCE(detail, '') FROM crawl_nodes WHERE crawl_id = ? AND state = ? ORDER BY pmid",
            (crawl_id, state),
        )
        return [(str(p), d) for p, d in rows]

    def member_count(self, crawl_id: int) -> int:
        return self._execute(
            "SELECT COUNT(*) FROM crawl_nodes WHERE crawl_id = ? AND state NOT IN ('excluded', 'missing')",
            (crawl_id,),
        ).fetchone()[0]

    # -- helpers ---------------------------------------------------------------------------

    # -- PMC full text and citation contexts ----------------------------------------------

    def put_fulltext(self, pmid: str | int, pmcid: str, state: str, *, message: str = "", raw_jats: bytes = b"",
                     contexts: Iterable[Sequence] = (), source: str = "", now: float | None = None) -> int:
        """Record what PMC gave for one paper: ``state`` (``fetched``, ``not_open_access``,
        ``not_available``), the raw JATS (kept compressed) and the paper's citation contexts,
        which replace any it had. ``contexts`` are rows (cited pmid or None, cited doi, ref_id,
        section, section_title, paragraph, sentence, cite_start, cite_end, in_caption,
        in_table) in reading order. Returns the contexts written. Call inside
        :meth:`transaction` so the state and its contexts land together."""
        now = time.time() if now is None else now
        citing = int(pmid)
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

    def fulltext_states(self, pmids: Iterable[str | int] | None = None) -> dict[str, str]:
        """{pmid: full-text state} of those of ``pmids`` (every paper when None) ever asked for."""
        if pmids is None:
            return {str(p): st for p, st in self._execute("SELECT pmid, state FROM fulltext")}
        found: dict[str, str] = {}
        for chunk in _chunks([int(p) for p in pmids]):
            marks = ",".join("?" * len(chunk))
            found.update((str(p), st) for p, st in self._execute(
                f"SELECT pmid, state FROM fulltext WHERE pmid IN ({marks})", chunk))
        return found

    def raw_jats(self, pmid: str | int) -> bytes | None:
        """The JATS XML PMC sent for a fetched paper, or None."""
        row = self._execute("SELECT raw_jats FROM fulltext WHERE pmid = ?", (int(pmid),)).fetchone()
        return unpack_raw(row[0]) if row and row[0] else None

    def pmcids_of(self, pmids: Iterable[str | int]) -> dict[str, str]:
        """{pmid: PMCID} of the stored records among ``pmids`` that have one."""
        found: dict[str, str] = {}
        for chunk in _chunks([int(p) for p in pmids]):
            marks = ",".join("?" * len(chunk))
            found.update((str(p), c) for p, c in self._execute(
                f"SELECT pmid, pmcid FROM articles WHERE pmid IN ({marks}) AND pmcid IS NOT NULL AND pmcid != ''",
                chunk))
        return found

    def contexts_of(self, cited: str | int, citing: str | int | None = None) -> list[dict]:
        """Every stored in-text citation of ``cited`` (by ``citing`` only, when given), by citing
        paper then reading order: dicts with ``citing``, ``cited``, ``section``,
        ``section_title``, ``sentence``, ``cite_start``, ``cite_end``, ``in_caption``, ``in_table``."""
        sql = ("SELECT citing, cited, section, section_title, sentence, cite_start, cite_end, in_caption, in_table "
               "FROM citation_contexts WHERE cited = ?")
        if citing is None:
            rows = self._execute(sql + " ORDER BY citing, seq", (int(cited),))
        else:
            rows = self._execute(sql + " AND citing = ? ORDER BY seq", (int(cited), int(citing)))
        keys = ("citing", "cited", "section", "section_title", "sentence", "cite_start", "cite_end",
                "in_caption", "in_table")
        out = []
        for row in rows:
            item = dict(zip(keys, row))
            item["citing"], item["cited"] = str(item["citing"]), str(item["cited"])
            item["in_caption"], item["in_table"] = bool(item["in_caption"]), bool(item["in_table"])
            out.append(item)
        return out

    def mention_sections(self, cited: Iterable[str | int] | None = None) -> dict[tuple[str, str], Counter]:
        """{(citing, cited): Counter of sections} of the in-text citations stored (of the
        ``cited`` papers only, when given)."""
        sql = "SELECT citing, cited, section, COUNT(*) FROM citation_contexts WHERE cited IS NOT NULL"
        found: dict[tuple[str, str], Counter] = {}
        if cited is None:
            batches: Iterable = [None]
        else:
            batches = _chunks([int(p) for p in cited])
        for chunk in batches:
            if chunk is None:
                rows = self._execute(sql + " GROUP BY citing, cited, section")
            else:
                marks = ",".join("?" * len(chunk))
                rows = self._execute(sql + f" AND cited IN ({marks}) GROUP BY citing, cited, section", chunk)
            for citing, cited_pmid, section, count in rows:
                found.setdefault((str(citing), str(cited_pmid)), Counter())[section] += count
        return found

    def fulltext_counts(self) -> dict[str, int]:
        """Papers asked of PMC by state, and ``contexts`` stored."""
        counts = {"fetched": 0, "not_open_access": 0, "not_available": 0}
        counts.update((state, n) for state, n in self._execute("SELECT state, COUNT(*) FROM fulltext GROUP BY state"))
        counts["contexts"] = self._execute("SELECT COUNT(*) FROM citation_contexts").fetchone()[0]
        return counts

    def _present(self, table: str, pmids: Iterable[str | int]) -> set[str]:
        found: set[str] = set()
        for chunk in _chunks([int(p) for p in pmids]):
            marks = ",".join("?" * len(chunk))
            found.update(str(r[0]) for r in self._execute(f"SELECT pmid FROM {table} WHERE pmid IN ({marks})", chunk))
        return found

    def check(self) -> list[str]:
        """SQLite's integrity check; an empty list means the file is sound."""
        rows = self._execute("PRAGMA integrity_check").fetchall()
        return [] if rows == [("ok",)] else [r[0] for r in rows]


class PreparedArticles(list):
    """Rows for the ``articles`` table, ready to insert (see :func:`prepare_articles`)."""


@functools.lru_cache(maxsize=16)
def _many_rows(sql: str, count: int) -> str:
    """``sql`` with its one ``VALUES (?, ...)`` row repeated ``count`` times."""
    match = re.search(r"VALUES\s*(\([?,\s]*\))", sql)
    if match is None:
        raise ValueError("not an INSERT of one VALUES row")
    return sql[:match.start(1)] + ", ".join([match.group(1)] * count) + sql[match.end(1):]


def prepare_articles(articles: Iterable[Article], source: str, now: float | None = None) -> PreparedArticles:
    """Serialise and compress records for :meth:`Store.put_articles`; touches no database,
    so it can run on a worker thread or process (see :mod:`citegraph.record_codec`)."""
    now = time.time() if now is None else now
    return PreparedArticles(
        (
            int(a.pmid), a.version, a.title, a.year, a.journal, a.doi, a.pmcid, a.date_revised,
            dump_article(a), pack_raw(a.raw_xml), source, now,
        )
        for a in articles
    )


def reference_rows(article: Article, source: str, now: float) -> list[tuple[int, int, int, float]]:
    """The article's reference-list edges as rows for :meth:`Store.add_citation_rows`, in key
    order (the order SQLite's B-tree inserts fastest), without self-citations."""
    citing = int(article.pmid)
    bit = source_bit(source)
    return [(citing, cited, bit, now) for cited in sorted(map(int, article.reference_pmids)) if cited != citing]


def source_bit(source: str) -> int:
    """The bit of ``citations.sources`` that stands for ``source`` (see ``SOURCE_BITS``)."""
    bit = SOURCE_BITS.get(source)
    if bit is None:
        bit = _FILE_BIT if source.startswith("file:") else SOURCE_BITS["other"]
    return bit


def _source_mask(prefix: str) -> int:
    """The bits of the sources whose names start with ``prefix`` (a file's name means the
    file bit: all files share it)."""
    mask = 0
    for name, bit in SOURCE_BITS.items():
        if name.startswith(prefix) or (bit == _FILE_BIT and prefix.startswith("file:")):
            mask |= bit
    return mask


def _article(row: tuple) -> Article:
    """The article of a (pmid, data, raw_xml) row; :class:`StoreCorruptError` naming the record
    when it cannot be decoded."""
    pmid, data, raw = row
    try:
        return load_article(data, raw)
    except RecordFormatError:
        raise StoreCorruptError(f"record {pmid} in the store cannot be read: run `citegraph doctor`") from None


def _abstract_of_head(head: bytes | None) -> str | None | bool:
    """The abstract in the head of a record's JSON (UTF-8, see :meth:`Store.lens_columns`): a
    string or None, or False when the head cannot tell it as ``json_extract`` would."""
    if not head or head.count(b'"abstract":') != 1:
        return False
    try:
        value = orjson.loads(head + b"}").get("abstract", False)
    except (orjson.JSONDecodeError, AttributeError):
        return False
    return value if value is None or isinstance(value, str) else False


def _chunks(items: list, size: int = _CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _sql_quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
