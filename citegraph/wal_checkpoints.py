"""Checkpointing a busy store's write-ahead log on a thread of its own.

In WAL mode SQLite copies the log back into the database file (a checkpoint) from within the
commit that takes the log past 1,000 pages: that commit copies the pages and waits for the
disk. During a crawl the committer is the crawl's main thread, which writes every record and
edge, and which the rest of the crawl waits on; a measured 10,000-paper crawl spent 1.1 s of it
in COMMIT, 0.4 s without checkpoints. :class:`BackgroundCheckpoints` turns the automatic
checkpoint off on the writer's connection and runs ``PASSIVE`` checkpoints from a connection of
its own every quarter second (they never block the writer). Once the log has grown past
``reset_frames`` and is all copied, a ``TRUNCATE`` checkpoint empties it (the writer waits for
that briefly; when it is busy the reset waits for the next round), so the log does not grow
with the crawl. On leaving, the writer's automatic checkpoint is back, and closing the store
checkpoints what is left, as before.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Callable

__all__ = ["BackgroundCheckpoints"]

#: SQLite's own default for wal_autocheckpoint, in pages
DEFAULT_AUTOCHECKPOINT = 1000


class BackgroundCheckpoints:
    def __init__(self, path: Path, set_autocheckpoint: Callable[[int], None], *,
                 every: float = 0.25, reset_frames: int = 16_384) -> None:
        self.path = path
        self._set_autocheckpoint = set_autocheckpoint
        self.every = every
        self.reset_frames = reset_frames
        #: checkpoints run, and how many of them emptied the log
        self.runs = self.resets = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._db: sqlite3.Connection | None = None

    def __enter__(self) -> "BackgroundCheckpoints":
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA busy_timeout = 50")
        self._set_autocheckpoint(0)
        self._thread = threading.Thread(target=self._run, name="citegraph-checkpoints", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self._db is not None:
            self._db.close()
        self._set_autocheckpoint(DEFAULT_AUTOCHECKPOINT)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.checkpoint()

    def checkpoint(self) -> None:
        """One round: copy what the log holds; empty it when it is large and all copied."""
        assert self._db is not None
        try:
            busy, logged, copied = self._db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            self.runs += 1
            if not busy and logged >= self.reset_frames and copied == logged:
                busy, _, _ = self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                self.resets += not busy
        except sqlite3.Error:
            pass  # busy, a full disk...: the writer's own commits report what matters
