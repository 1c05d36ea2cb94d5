"""Snapshots: arrays derived from the stored articles and citations (the citation graph's
arrays, the MeSH index), kept in the store so that a reading command reads them back instead
of rebuilding them.

A snapshot is a named set of parts (bytes). It is valid while nothing that it is made of has
been written since: migration 12's triggers set ``derived_state.changed`` on every insert or
delete of an article or citation, and on every change of an article's PMID, year or record, by
whatever connection writes. Making one is three steps, so that a write at any moment in
between is never missed:

1. :meth:`Snapshots.snapshot_token` marks the store unchanged (when it was changed, it also
   drops the old snapshots and starts a new token) and returns the token;
2. the caller reads what the snapshot is made of and builds it;
3. :meth:`Snapshots.keep_snapshot` stores it only if the store is still unchanged under the
   same token (a write during step 2 marked it changed: the snapshot is not kept).

:meth:`Snapshots.read_snapshot` returns a snapshot's parts only while the store is unchanged
under the token it was kept with. A read-only store, or one another process is writing, keeps
nothing, and so does a store whose file turns out not to be writable or whose disk is full:
the caller builds what it needs as if there were no snapshot.
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from typing import Callable, Iterator, Mapping, TypeVar

from .connection import _BUSY_TIMEOUT_MS, Connection

__all__ = ["Snapshots"]

T = TypeVar("T")

#: how long making a snapshot waits for another process's write to end before giving up on it
_WAIT_MS = 200


class Snapshots(Connection):
    """The ``derived_state`` and ``derived_snapshots`` tables."""

    def snapshot_of(self, name: str, decode: Callable[[Mapping[str, bytes]], T], make: Callable[[], T],
                    encode: Callable[[T], Mapping[str, bytes]]) -> T:
        """What snapshot ``name`` holds, ``decode``d, when it is valid (``decode`` raises
        ValueError for parts it cannot read); otherwise ``make()`` (which reads the store after
        the snapshot's token is taken), kept ``encode``d as the snapshot when nothing was
        written meanwhile."""
        parts = self.read_snapshot(name)
        if parts is not None:
            try:
                return decode(parts)
            except ValueError:
                pass  # not a snapshot this version reads: made again
        token = self.snapshot_token()
        made = make()
        self.keep_snapshot(name, token, encode(made))
        return made

    def read_snapshot(self, name: str) -> dict[str, bytes] | None:
        """The parts of snapshot ``name`` ({part: bytes}), or None when there is none or the
        store has been written since it was kept."""
        with self._reading():
            changed, token = self._execute("SELECT changed, token FROM derived_state").fetchone()
            if changed:
                return None
            rows = self._execute("SELECT part, data FROM derived_snapshots WHERE name = ? AND token = ?",
                                 (name, token)).fetchall()
        return {part: bytes(data) for part, data in rows} or None

    def snapshot_token(self) -> int | None:
        """Step 1 of making a snapshot (see the module docstring): the token to keep it
        under, or None when nothing can be kept (a read-only store, or another process is
        writing)."""
        if self.readonly:
            return None
        with self._briefly() as commit:
            if commit is None:
                return None
            try:
                changed, token = self._db.execute("SELECT changed, token FROM derived_state").fetchone()
                if changed:
                    token += 1
                    self._db.execute("DELETE FROM derived_snapshots")
                    self._db.execute("UPDATE derived_state SET changed = 0, token = ?", (token,))
                commit()
            except sqlite3.Error:  # a file that cannot be written after all, a full disk: nothing is kept
                return None
        return token

    def keep_snapshot(self, name: str, token: int | None, parts: Mapping[str, bytes]) -> bool:
        """Step 3: keep ``parts`` as snapshot ``name`` if nothing was written since
        :meth:`snapshot_token` gave ``token``; whether it was kept."""
        if token is None or self.readonly:
            return False
        with self._briefly() as commit:
            if commit is None:
                return False
            try:
                if self._db.execute("SELECT changed, token FROM derived_state").fetchone() != (0, token):
                    return False
                self._db.execute("DELETE FROM derived_snapshots WHERE name = ?", (name,))
                self._db.executemany("INSERT INTO derived_snapshots (name, part, token, data) VALUES (?, ?, ?, ?)",
                                     ((name, part, token, data) for part, data in parts.items()))
                commit()
            except sqlite3.Error:  # a part over SQLite's largest value, a full disk, a file not writable
                return False
        return True

    @contextmanager
    def _reading(self) -> Iterator[None]:
        """One read transaction (both reads see the same state), unless one is open."""
        if self._db.in_transaction:
            yield
            return
        self._execute("BEGIN")
        try:
            yield
        finally:
            self._rollback()

    @contextmanager
    def _briefly(self) -> Iterator[Callable[[], None] | None]:
        """A write transaction, waiting at most :data:`_WAIT_MS` for another process's write
        to end: yields None when it could not begin, else the function that commits it (which
        does nothing inside a caller's transaction: that one commits). What the body leaves
        uncommitted is rolled back."""
        if self._db.in_transaction:
            yield lambda: None
            return
        self._db.execute(f"PRAGMA busy_timeout = {_WAIT_MS}")
        try:
            self._db.execute("BEGIN IMMEDIATE")
            began = True
        except sqlite3.Error:  # another process is writing, or the file cannot be written
            began = False
        finally:
            self._db.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
        if not began:
            yield None
            return
        try:
            yield lambda: self._db.execute("COMMIT")
        finally:
            self._rollback()
