"""Which crawls a process is running right now: one lock file per running crawl.

A crawl's row in the store says ``running`` from the moment a process starts it, but a
process killed with SIGKILL (or a machine that lost power) never gets to change that. So the
process running a crawl also holds an exclusive lock on the file
``<store>.crawl-<id>.lock`` beside the store; the operating system releases the lock when the
process ends, however it ends. A row that says ``running`` while nobody holds its lock is an
interrupted crawl. The lock also keeps a second process from running the same crawl at once.

Locks are ``flock`` locks (``msvcrt`` byte locks on Windows): they belong to the open file, so
a check from the holding process itself sees its own lock as held.

A crawl that ends, however it ends short of a kill, removes its lock file. A killed process
cannot: its empty file stays, unlocked, and means nothing (nobody holds it). The next process
that takes a crawl lock of the same store removes such files (:func:`remove_stale_locks`), as
does ``doctor --repair``; ``doctor`` itself says nothing of them. A file is removed only while
its remover holds its exclusive lock, the way its holder removes it, so a file some process
holds is never removed; a check of that crawl in the same instant may see it held.
"""

from __future__ import annotations

import glob
import os
import time
from pathlib import Path

from ..errors import StoreError

__all__ = ["CRAWL_STATES", "CrawlLock", "is_held", "effective_state", "lock_path", "remove_stale_locks"]

#: what a crawl can be: ``running`` only while a process holds its lock; ``interrupted``
#: (stopped by Ctrl-C, a signal or a kill; resumable), ``failed`` (ended on an error;
#: resumable), ``complete``
CRAWL_STATES = ("running", "interrupted", "failed", "complete")

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]
    import msvcrt

_ATTEMPTS = 5  # a concurrent check holds the file for microseconds: try a few times


def lock_path(store_path: Path | str, crawl_id: int) -> Path:
    store_path = Path(store_path)
    return store_path.with_name(f"{store_path.name}.crawl-{int(crawl_id)}.lock")


def _try_lock(fd: int, exclusive: bool) -> bool:
    try:
        if fcntl is not None:
            fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
        else:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        return True
    except OSError:
        return False


def _unlock(fd: int) -> None:
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
        else:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
    except OSError:
        pass


def is_held(store_path: Path | str, crawl_id: int) -> bool:
    """Whether some process (this one included) holds the lock of crawl ``crawl_id``."""
    path = lock_path(store_path, crawl_id)
    try:
        fd = os.open(path, os.O_RDONLY if fcntl is not None else os.O_RDWR)
    except OSError:
        return False  # no lock file: nobody holds it
    try:
        if _try_lock(fd, exclusive=False):
            _unlock(fd)
            return False
        return True
    finally:
        os.close(fd)


def remove_stale_locks(store_path: Path | str) -> list[Path]:
    """Remove the crawl lock files of the store at ``store_path`` that no process holds (left
    by processes that were killed); returns the files removed."""
    store_path = Path(store_path)
    removed = []
    for name in sorted(glob.glob(glob.escape(str(store_path)) + ".crawl-*.lock")):
        path = Path(name)
        try:
            fd = os.open(path, os.O_RDWR)
        except OSError:
            continue  # gone meanwhile, or not ours to open
        try:
            if not _try_lock(fd, exclusive=True):
                continue  # held: a crawl is running
            try:
                if os.path.samestat(os.fstat(fd), os.stat(path)):
                    path.unlink()
                    removed.append(path)
            except OSError:
                pass
            finally:
                _unlock(fd)
        finally:
            os.close(fd)
    return removed


def effective_state(store_path: Path | str, crawl_id: int, stored: str) -> str:
    """The state of a crawl whose row says ``stored``: a ``running`` row nobody holds is
    ``interrupted``; ``done`` (the word a store of schema 8 or lower uses) reads ``complete``."""
    if stored == "running" and not is_held(store_path, crawl_id):
        return "interrupted"
    return "complete" if stored == "done" else stored


class CrawlLock:
    """The lock of one crawl, held by this process between :meth:`acquire` and :meth:`release`."""

    def __init__(self, store_path: Path | str, crawl_id: int) -> None:
        self.store_path = Path(store_path)
        self.path = lock_path(store_path, crawl_id)
        self.crawl_id = crawl_id
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock; :class:`StoreError` when another process is running this crawl. Then
        remove the store's lock files of killed processes (:func:`remove_stale_locks`)."""
        for attempt in range(_ATTEMPTS):
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as exc:
                raise StoreError(f"cannot create the crawl lock {self.path}: {exc.strerror or exc}") from None
            if _try_lock(fd, exclusive=True):
                try:
                    same = os.path.samestat(os.fstat(fd), os.stat(self.path))
                except OSError:
                    same = False
                if same:  # not a file its last holder removed meanwhile
                    self._fd = fd
                    remove_stale_locks(self.store_path)
                    return
                _unlock(fd)
            os.close(fd)
            time.sleep(0.01 * (attempt + 1))
        raise StoreError(f"crawl {self.crawl_id} is running in another citegraph process: wait for it to end, "
                         "or stop it, then run the command again")

    def release(self) -> None:
        """Give the lock up and remove its file (idempotent)."""
        if self._fd is None:
            return
        try:
            self.path.unlink()
        except OSError:
            pass
        _unlock(self._fd)
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> "CrawlLock":
        self.acquire()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()
