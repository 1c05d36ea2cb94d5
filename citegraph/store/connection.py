"""The store's connection: opening the SQLite file (pragmas, read-only mode, schema
migrations), transactions, error classification, background checkpoints and chunked
``IN (...)`` queries. The aggregate parts of :class:`citegraph.store.Store` build on it."""

from __future__ import annotations

import functools
import itertools
import re
import sqlite3
import time
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

from ..errors import StoreCorruptError, StoreError, StoreReadOnlyError
from .checkpoints import BackgroundCheckpoints
from .codec import pmid_from_db, pmid_to_db
from .migrations import MIGRATIONS

__all__ = ["Connection", "IN_CHUNK"]

#: values per run of an ``IN (...)`` query (:meth:`Connection._rows_in`): with the statement's
#: other parameters, well under SQLite's smallest variable limit (999)
IN_CHUNK = 500

_BUSY_TIMEOUT_MS = 60_000
_CACHE_KIB = 65_536
#: memory map for whole-table scans (SQLite caps it at its own limit, 2 GB by default)
_MMAP_BYTES = 1 << 40


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


class Connection:
    """One SQLite connection to a store file. Use as a context manager; one instance per thread."""

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

    def __enter__(self) -> "Connection":
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
        instead of by the commits (see :mod:`.checkpoints`): for long runs of
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
        released throughout."""
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


    def _rows_in(self, sql: str, values: Iterable, *, before: Sequence = (), after: Sequence = ()
                 ) -> Iterator[tuple]:
        """The rows of ``sql``, whose one ``IN (...)`` (written so, three dots) is to hold
        ``values``: run once per chunk of at most :data:`IN_CHUNK` values, so any number of
        values stays under SQLite's variable limit. ``before`` and ``after`` are bound to the
        placeholders before and after the ``IN`` in every run. Rows come chunk by chunk, in
        the order of the chunks; nothing runs until the first row is asked for (a write such
        as a DELETE goes through :meth:`_execute_in`)."""
        head, marker, tail = sql.partition("IN (...)")
        if not marker or "IN (...)" in tail:
            raise ValueError("the statement must hold exactly one 'IN (...)'")
        values = values if isinstance(values, list) else list(values)
        for start in range(0, len(values), IN_CHUNK):
            chunk = values[start:start + IN_CHUNK]
            yield from self._execute(f"{head}IN ({','.join('?' * len(chunk))}){tail}", [*before, *chunk, *after])

    def _execute_in(self, sql: str, values: Iterable, *, before: Sequence = (), after: Sequence = ()) -> None:
        """Run the write ``sql`` for every chunk of ``values``, as :meth:`_rows_in` does."""
        for _ in self._rows_in(sql, values, before=before, after=after):
            pass

    @contextmanager
    def _mapped(self) -> Iterator[None]:
        """Reads inside go through a memory map of the file (for scans of the whole table)."""
        self._execute(f"PRAGMA mmap_size = {_MMAP_BYTES}")
        try:
            yield
        finally:
            self._execute("PRAGMA mmap_size = 0")


    def _present(self, table: str, pmids: Iterable[str]) -> set[str]:
        """Those of ``pmids`` that have a row in ``table`` (keyed by ``pmid``)."""
        return {pmid_from_db(p) for (p,) in self._rows_in(f"SELECT pmid FROM {table} WHERE pmid IN (...)",
                                                             map(pmid_to_db, pmids))}

    def check(self) -> list[str]:
        """SQLite's integrity check; an empty list means the file is sound."""
        rows = self._execute("PRAGMA integrity_check").fetchall()
        return [] if rows == [("ok",)] else [r[0] for r in rows]


@functools.lru_cache(maxsize=16)
def _many_rows(sql: str, count: int) -> str:
    """``sql`` with its one ``VALUES (?, ...)`` row repeated ``count`` times."""
    match = re.search(r"VALUES\s*(\([?,\s]*\))", sql)
    if match is None:
        raise ValueError("not an INSERT of one VALUES row")
    return sql[:match.start(1)] + ", ".join([match.group(1)] * count) + sql[match.end(1):]


def _sql_quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
