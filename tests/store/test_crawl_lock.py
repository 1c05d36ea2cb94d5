"""citegraph.store.crawl_lock: lock files of killed crawls are removed by the next process that
takes a crawl lock of the store; a lock some process holds is never removed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from citegraph.store.crawl_lock import CrawlLock, is_held, lock_path, remove_stale_locks


def _holder(store_path: Path, crawl_id: int) -> subprocess.Popen:
    """Another process holding the lock of ``crawl_id`` until it is killed."""
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; from citegraph.store.crawl_lock import CrawlLock; "
         f"CrawlLock({str(store_path)!r}, {crawl_id}).acquire(); print('held', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    return holder


def _lock_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("*.lock"))


def test_a_killed_crawls_lock_file_goes_with_the_next_crawl_lock(tmp_path):
    store = tmp_path / "citegraph.sqlite"
    holder = _holder(store, 1)
    holder.kill()  # SIGKILL: no cleanup
    holder.communicate()
    assert _lock_files(tmp_path) == ["citegraph.sqlite.crawl-1.lock"] and not is_held(store, 1)
    with CrawlLock(store, 2):
        assert _lock_files(tmp_path) == ["citegraph.sqlite.crawl-2.lock"]
    assert _lock_files(tmp_path) == []  # a clean end removes its own


def test_a_held_lock_file_is_never_removed(tmp_path):
    store = tmp_path / "citegraph.sqlite"
    holder = _holder(store, 1)
    try:
        with CrawlLock(store, 2):
            assert remove_stale_locks(store) == []
        assert _lock_files(tmp_path) == ["citegraph.sqlite.crawl-1.lock"] and is_held(store, 1)
    finally:
        holder.kill()
        holder.communicate()
    assert remove_stale_locks(store) == [lock_path(store, 1)]
    assert _lock_files(tmp_path) == []


def test_only_this_stores_lock_files_are_removed(tmp_path):
    store = tmp_path / "citegraph.sqlite"
    for name in ("citegraph.sqlite.crawl-3.lock", "other.sqlite.crawl-3.lock", "notes.lock"):
        (tmp_path / name).touch()
    assert remove_stale_locks(store) == [lock_path(store, 3)]
    assert _lock_files(tmp_path) == ["notes.lock", "other.sqlite.crawl-3.lock"]
