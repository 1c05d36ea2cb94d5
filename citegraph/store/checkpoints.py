"""Checkpointing a busy store's write-ahead log on a thread of its own.

In WAL mode SQLite copies the log back into the database file (a checkpoint) from within the
commit that takes the log past 1,000 pages: that commit copies the pages and waits for the
disk. During a crawl the committer is the crawl's main thread, which writes every record and
edge, and which the rest of the crawl waits on. :class:`BackgroundCheckpoints` turns the automatic
checkpoint off on the writer's connection and runs ``PASSIVE`` checkpoints from a connection of
its own every quarter second: they copy what is committed without ever blocking the writer.

A passive checkpoint cannot empty the log while the writer keeps adding to it, and a reset
from the other connection would have to catch the writer between two transactions. So once the
log has grown past ``reset_frames`` the writer empties it itself, right after its next commit
(:meth:`after_commit`): by then nearly all of it is copied, so that costs it one short copy and
one wait for the disk per ``reset_frames`` pages, instead of one per 1,000. On leaving, the
writer's automatic checkpoint is back, and closing the store checkpoints what is left.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

__all__ = ["BackgroundCheckpoints"]

#: SQLite's own default for wal_autocheckpoint, in pages
DEFAULT_AUTOCHECKPOINT = 1000
#: how long the writer's reset waits for readers of the old log, in ms (then it is tried again
#: after a later commit)
_RESET_WAIT_MS = 50


class BackgroundCheckpoints:
    def __init__(self, path: Path, writer: sqlite3.Connection, writer_busy_ms: int, *,
                 every: float = 0.25, reset_frames: int = 65_536) -> None:
        self.path = path
        self._writer = writer
        self._writer_busy_ms = writer_busy_ms
        self.every = every
        self.reset_frames = reset_frames
        #: passive checkpoints run, and resets of the log by the writer
        self.runs = self.resets = 0
        self._reset_due = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._db: sqlite3.Connection | None = None

    def __enter__(self) -> "BackgroundCheckpoints":
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._db.execute(f"PRAGMA busy_timeout = {_RESET_WAIT_MS}")
        self._writer.execute("PRAGMA wal_autocheckpoint = 0")
        self._thread = threading.Thread(target=self._run, name="citegraph-checkpoints", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self._db is not None:
            self._db.close()
        try:
            self._writer.execute(f"PRAGMA wal_autocheckpoint = {DEFAULT_AUTOCHECKPOINT}")
        except sqlite3.Error:
            pass  # the store is closed or broken: whatever ended the run says so, not this

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.checkpoint()

    def checkpoint(self) -> None:
        """One passive round: copy what the log holds; ask for a reset when it is large."""
        assert self._db is not None
        try:
            busy, logged, _ = self._db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        except sqlite3.Error:
            return  # busy, a full disk...: the writer's own commits report what matters
        self.runs += 1
        if not busy and logged >= self.reset_frames:
            self._reset_due.set()

    def after_commit(self) -> None:
        """Called by the writer after each commit, outside any transaction: empty the log if
        it has grown large (cheap, as the passive rounds have copied nearly all of it)."""
        if not self._reset_due.is_set():
            return
        self._reset_due.clear()
        writer = self._writer
        try:
            writer.execute(f"PRAGMA busy_timeout = {_RESET_WAIT_MS}")
            busy, _, _ = writer.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            self.resets += not busy
        except sqlite3.Error:
            pass  # a reader holds the old log, the disk is full...: the next rounds try again
        finally:
            writer.execute(f"PRAGMA busy_timeout = {self._writer_busy_ms}")
