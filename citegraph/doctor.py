"""Check a store and repair what can be repaired (``citegraph doctor``).

What is checked: that the file is a SQLite database at all, SQLite's own integrity check, the
schema version, that every stored record can be decoded, and that each crawl's status agrees
with its members' states. Repair salvages every readable row of a damaged file into a fresh
store (the damaged file is kept beside it), drops undecodable records so the next crawl
fetches them again, and reopens finished crawls that still have work left.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

from .errors import StoreError
from .migrations import source_bit_sql
from .record_codec import unpack_raw
from .store import Store

__all__ = ["Diagnosis", "diagnose", "repair"]

_TABLES = ("schema_migrations", "articles", "citations", "missing", "crawls", "crawl_nodes")


@dataclass
class Diagnosis:
    path: str
    exists: bool = True
    readable: bool = True
    integrity: list[str] = field(default_factory=list)
    schema_version: int | None = None
    undecodable: list[str] = field(default_factory=list)
    inconsistent_crawls: list[int] = field(default_factory=list)
    interrupted_crawls: list[int] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    actions: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        found = []
        if not self.exists:
            found.append("no store file")
        elif not self.readable:
            found.append("the file is not a readable SQLite database")
        found.extend(f"integrity: {line}" for line in self.integrity[:20])
        if self.undecodable:
            found.append(f"{len(self.undecodable)} stored records cannot be decoded")
        if self.inconsistent_crawls:
            found.append(f"crawls marked done with work left: {self.inconsistent_crawls}")
        return found

    @property
    def healthy(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict:
        return {
            "path": self.path, "healthy": self.healthy, "problems": self.problems,
            "schema_version": self.schema_version, "counts": self.counts,
            "interrupted_crawls": self.interrupted_crawls, "actions": self.actions,
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
            result.schema_version = db.execute("SELECT MAX(version) FROM schema_migrations").fetchone()[0]
            for table in _TABLES:
                try:
                    result.counts[table] = db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                except sqlite3.Error:
                    result.integrity.append(f"table {table} cannot be read")
            result.undecodable = _undecodable(db)
            result.inconsistent_crawls = [row[0] for row in db.execute(
                "SELECT DISTINCT c.id FROM crawls c JOIN crawl_nodes n ON n.crawl_id = c.id "
                "WHERE c.status = 'done' AND n.state IN ('fetch', 'link', 'failed')")]
            result.interrupted_crawls = [row[0] for row in db.execute("SELECT id FROM crawls WHERE status = 'running'")]
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        result.readable = False
        result.integrity.append(str(exc))
    return result


def _undecodable(db: sqlite3.Connection) -> list[str]:
    bad = []
    try:
        rows = db.execute("SELECT pmid, data, raw_xml FROM articles")
        for pmid, data, raw in rows:
            try:
                json.loads(data)
                unpack_raw(raw)
            except (ValueError, TypeError):  # RawFormatError is a ValueError
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
    if not before.readable or before.integrity:
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
                store._executemany("UPDATE crawls SET status = 'running' WHERE id = ?",
                                   ((c,) for c in before.inconsistent_crawls))
                actions.append(f"reopened crawls {before.inconsistent_crawls}: run them again to finish")
    after = diagnose(path)
    after.actions = actions
    return after


def _salvage(path: Path) -> list[str]:
    """Copy every readable row into a fresh store; keep the damaged file beside it."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    damaged = path.with_name(f"{path.name}.damaged-{stamp}")
    path.rename(damaged)
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            side.rename(damaged.with_name(damaged.name + suffix))
    actions = [f"moved the damaged file to {damaged}"]
    Store(path).close()  # a fresh, current schema
    try:
        source = sqlite3.connect(f"file:{damaged}?mode=ro", uri=True)
    except sqlite3.Error:
        return actions + ["nothing could be read from it: the store starts empty"]
    target = sqlite3.connect(path)
    try:
        for table in _TABLES[1:]:
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
