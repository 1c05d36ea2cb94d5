"""Check a store and repair what can be repaired (``citegraph doctor``).

What is checked: that the file is a SQLite database at all, SQLite's own integrity check, the
schema version (one newer than this citegraph knows is a problem: nothing else opens such a
store), that every table of that schema is there, that every stored record can be decoded,
and that each crawl's status agrees with its members' states. Crawls are reported in the
four states of :data:`citegraph.store.crawl_lock.CRAWL_STATES`. Repair salvages every readable row of
a damaged file, or of one missing a table, into a fresh store (the damaged file is kept beside
it), with the marks of the file's SQLite header (``application_id`` and ``user_version``, such
as the demo store's mark), drops undecodable records so the next crawl fetches them again, and
reopens complete crawls that still have work left (as interrupted). A crawl lock file nobody holds (a killed
crawl leaves one) is no problem and not reported; repair removes such files
(:func:`citegraph.store.crawl_lock.remove_stale_locks`).
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

from .crawl_lock import effective_state, remove_stale_locks
from ..errors import StoreError
from . import Store
from .migrations import MIGRATIONS, source_bit_sql
from .record_codec import RecordFormatError, load_article

__all__ = ["Diagnosis", "LATEST_SCHEMA", "diagnose", "repair"]

#: the newest schema version this citegraph knows
LATEST_SCHEMA = max(version for version, _, _ in MIGRATIONS)
_TABLES = ("schema_migrations", "articles", "citations", "missing", "crawls", "crawl_nodes")
#: what a repair copies into the fresh store: the tables above and the full text read so far
#: (the topic cache and the article metadata are derived from the records and built again)
_SALVAGED = (*_TABLES[1:], "fulltext", "citation_contexts")


@dataclass
class Diagnosis:
    path: str
    exists: bool = True
    readable: bool = True
    integrity: list[str] = field(default_factory=list)
    schema_version: int | None = None
    #: tables the store's schema version has that the file lacks
    missing_tables: list[str] = field(default_factory=list)
    undecodable: list[str] = field(default_factory=list)
    inconsistent_crawls: list[int] = field(default_factory=list)
    running_crawls: list[int] = field(default_factory=list)
    interrupted_crawls: list[int] = field(default_factory=list)
    failed_crawls: list[int] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    actions: list[str] = field(default_factory=list)

    @property
    def newer_schema(self) -> bool:
        """Written by a newer citegraph: only that one may judge or change it."""
        return self.schema_version is not None and self.schema_version > LATEST_SCHEMA

    @property
    def problems(self) -> list[str]:
        found = []
        if not self.exists:
            found.append("no store file")
        elif not self.readable:
            found.append("the file is not a readable SQLite database")
        if self.newer_schema:
            found.append(f"the store's schema version {self.schema_version} is newer than this citegraph understands "
                         f"(up to {LATEST_SCHEMA}): upgrade citegraph; --repair leaves such a store alone")
        if self.missing_tables:
            names = self.missing_tables
            which = f"table {names[0]} is" if len(names) == 1 else f"tables {', '.join(names)} are"
            found.append(f"{which} missing: `citegraph doctor --repair` rebuilds the store with every table and "
                         "copies the rows of the others (the file is kept beside)")
        found.extend(f"integrity: {line}" for line in self.integrity[:20])
        if self.undecodable:
            found.append(f"{len(self.undecodable)} stored records cannot be decoded")
        if self.inconsistent_crawls:
            found.append(f"crawls marked complete with work left: {self.inconsistent_crawls}")
        return found

    @property
    def healthy(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict:
        return {
            "path": self.path, "healthy": self.healthy, "problems": self.problems,
            "schema_version": self.schema_version, "counts": self.counts,
            "missing_tables": self.missing_tables, "running_crawls": self.running_crawls,
            "interrupted_crawls": self.interrupted_crawls, "failed_crawls": self.failed_crawls,
            "actions": self.actions,
        }


def diagnose(path: Path | str) -> Diagnosis:
    """Look at the store at ``path`` without changing it."""
    path = Path(path)
    result = Diagnosis(path=str(path))
    if not path.exists():
        result.exists = False
        return result
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result.integrity = [r[0] for r in db.execute("PRAGMA integrity_check").fetchall() if r[0] != "ok"]
            present = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "schema_migrations" in present:
                result.schema_version = db.execute("SELECT MAX(version) FROM schema_migrations").fetchone()[0]
            if result.newer_schema:
                return result  # its tables are not ours to judge
            result.missing_tables = [t for t in _tables_of(result.schema_version) if t not in present]
            for table in _TABLES:
                if table in result.missing_tables:
                    continue
                try:
                    result.counts[table] = db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                except sqlite3.Error:
                    result.integrity.append(f"table {table} cannot be read")
            if "articles" in present:
                result.undecodable = _undecodable(db)
            if {"crawls", "crawl_nodes"} <= present:
                result.inconsistent_crawls = [row[0] for row in db.execute(
                    "SELECT DISTINCT c.id FROM crawls c JOIN crawl_nodes n ON n.crawl_id = c.id "
                    "WHERE c.status IN ('complete', 'done') AND n.state IN ('fetch', 'link', 'failed')")]
            if "crawls" in present:
                states = {"running": result.running_crawls, "interrupted": result.interrupted_crawls,
                          "failed": result.failed_crawls}
                for crawl_id, stored in db.execute("SELECT id, status FROM crawls ORDER BY id"):
                    states.get(effective_state(path, crawl_id, stored), []).append(crawl_id)
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        result.readable = False
        result.integrity.append(str(exc))
    return result


def _tables_of(version: int | None) -> list[str]:
    """The tables a store at schema ``version`` has (all of them for a file without any)."""
    db = sqlite3.connect(":memory:")
    try:
        for number, _, script in MIGRATIONS:
            if version is None or number <= version:
                db.executescript(script)
        names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    finally:
        db.close()
    return ["schema_migrations", *names]


def _undecodable(db: sqlite3.Connection) -> list[str]:
    bad = []
    try:
        rows = db.execute("SELECT pmid, data, raw_xml FROM articles")
        for pmid, data, raw in rows:
            try:
                load_article(data, raw)
            except RecordFormatError:
                bad.append(str(pmid))
    except sqlite3.Error:
        pass  # reported by the integrity check
    return bad


def repair(path: Path | str) -> Diagnosis:
    """Repair the store at ``path`` in place as far as possible; returns the diagnosis after."""
    path = Path(path)
    before = diagnose(path)
    actions: list[str] = []
    if not before.exists:
        raise StoreError(f"no store at {path}: nothing to repair")
    if before.newer_schema:
        return before
    if not before.readable or before.integrity or before.missing_tables:
        actions.extend(_salvage(path))
        before = diagnose(path)
    if before.undecodable or before.inconsistent_crawls:
        with Store(path) as store, store.transaction():
            if before.undecodable:
                store._executemany("DELETE FROM articles WHERE pmid = ?", ((int(p),) for p in before.undecodable))
                store._executemany("UPDATE crawl_nodes SET state = 'fetch' WHERE pmid = ? AND state != 'fetch'",
                                   ((int(p),) for p in before.undecodable))
                actions.append(f"dropped {len(before.undecodable)} undecodable records (the next crawl refetches them)")
            if before.inconsistent_crawls:
                store._executemany("UPDATE crawls SET status = 'interrupted' WHERE id = ?",
                                   ((c,) for c in before.inconsistent_crawls))
                actions.append(f"reopened crawls {before.inconsistent_crawls}: run them again to finish")
    remove_stale_locks(path)
    after = diagnose(path)
    after.actions = actions
    return after


#: the start of every SQLite file, and where its header keeps the two marks an application sets
_SQLITE_MAGIC = b"SQLite format 3\x00"
_USER_VERSION_AT, _APPLICATION_ID_AT = 60, 68


def _header_marks(path: Path) -> tuple[int, int]:
    """(application_id, user_version) from the header of the SQLite file at ``path``, read from
    its bytes (the rest of the file may be unreadable); (0, 0) when it has no SQLite header."""
    try:
        with open(path, "rb") as file:
            header = file.read(100)
    except OSError:
        return 0, 0
    if len(header) < 100 or not header.startswith(_SQLITE_MAGIC):
        return 0, 0
    number = lambda at: int.from_bytes(header[at:at + 4], "big", signed=True)  # noqa: E731
    return number(_APPLICATION_ID_AT), number(_USER_VERSION_AT)


def _salvage(path: Path) -> list[str]:
    """Copy every readable row into a fresh store, with the file's header marks; keep the
    damaged file beside it."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    damaged = path.with_name(f"{path.name}.damaged-{stamp}")
    path.rename(damaged)
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            side.rename(damaged.with_name(damaged.name + suffix))
    actions = [f"moved the damaged file to {damaged}"]
    Store(path).close()  # a fresh, current schema
    application_id, user_version = _header_marks(damaged)
    if application_id or user_version:
        marked = sqlite3.connect(path)
        try:
            marked.execute(f"PRAGMA application_id = {application_id}")
            marked.execute(f"PRAGMA user_version = {user_version}")
        finally:
            marked.close()
    try:
        source = sqlite3.connect(f"file:{damaged}?mode=ro", uri=True)
    except sqlite3.Error:
        return actions + ["nothing could be read from it: the store starts empty"]
    target = sqlite3.connect(path)
    try:
        for table in _SALVAGED:
            copied, lost = _copy_table(source, target, table)
            if copied or lost:
                actions.append(f"{table}: {copied} rows saved" + (", the rest unreadable" if lost else ""))
        target.commit()
    finally:
        source.close()
        target.close()
    return actions


def _copy_table(source: sqlite3.Connection, target: sqlite3.Connection, table: str) -> tuple[int, bool]:
    try:
        columns = [r[1] for r in target.execute(f"PRAGMA table_info({table})")]
        have = {r[1] for r in source.execute(f"PRAGMA table_info({table})")}
    except sqlite3.Error:
        return 0, True
    if not have:
        return 0, False  # the damaged file lacks the table: nothing to copy
    shared = [c for c in columns if c in have]
    names = ", ".join(shared)
    marks = ", ".join("?" * len(shared))
    insert = f"INSERT OR IGNORE INTO {table} ({names}) VALUES ({marks})"
    if table == "citations" and "source" in have and "sources" not in have:
        # a store from before migration 8 (a row per source): its rows as bits of one row per edge
        names = f"citing, cited, {source_bit_sql('source')}, seen_at"
        insert = ("INSERT INTO citations (citing, cited, sources, seen_at) VALUES (?, ?, ?, ?) "
                  "ON CONFLICT (citing, cited) DO UPDATE SET sources = sources | excluded.sources")
    copied = 0
    try:
        for row in source.execute(f"SELECT {names} FROM {table}"):
            target.execute(insert, row)
            copied += 1
        return copied, False
    except sqlite3.Error:
        pass
    if table == "articles":  # keyed by rowid: read around the damaged pages
        for row in _rows_around_damage(source, f"SELECT {names} FROM articles", "pmid"):
            target.execute(insert, row)
        copied = target.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    return copied, True


def _rows_around_damage(source: sqlite3.Connection, select: str, key: str, chunk: int = 64):
    """Rows in key order, skipping key ranges that cannot be read (probing ever further)."""
    try:
        highest = source.execute(f"SELECT MAX({key}) FROM ({select})").fetchone()[0] or 0
    except sqlite3.Error:
        highest = 10**9
    last, step = -1, 1
    while last < highest:
        try:
            rows = source.execute(f"{select} WHERE {key} > ? ORDER BY {key} LIMIT ?", (last, chunk)).fetchall()
        except sqlite3.Error:
            last, step = last + step, step * 2  # damaged: jump ahead, further each time
            continue
        if not rows:
            break
        step = 1
        yield from rows
        last = rows[-1][0]
