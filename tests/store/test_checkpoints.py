"""The write-ahead log checkpointed by a thread of its own while a writer commits."""

from __future__ import annotations

import time

import pytest

from citegraph.store import Store


def _wal_bytes(path) -> int:
    wal = path.with_name(path.name + "-wal")
    return wal.stat().st_size if wal.exists() else 0


def _wait_for(condition, limit: float = 60.0) -> None:
    """Wait until ``condition()`` holds (the checkpoint thread has done something)."""
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, "the checkpoint thread did not run"
        time.sleep(0.01)


def _write(store: Store, rounds: int, start: int = 0) -> None:
    for r in range(start, start + rounds):
        with store.transaction():
            store.add_citation_rows([(r, k, 1, 0.0) for k in range(1, 2000)])


def test_commits_leave_the_log_to_the_thread_which_keeps_it_small(tmp_path):
    path = tmp_path / "s.sqlite"
    with Store(path) as store:
        with store.background_checkpoints() as checkpoints:
            assert store._db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
            checkpoints.reset_frames = 200
            _write(store, 60)
            _wait_for(lambda: checkpoints.runs >= 1)  # the thread's own round
            _write(store, 60, start=60)
            checkpoints.checkpoint()  # the thread's round, now rather than in a quarter second
            _write(store, 1, start=120)  # the writer empties the log after this commit
        assert checkpoints.runs >= 2 and checkpoints.resets >= 1
        assert _wal_bytes(path) < 200 * 4096 * 3  # emptied, not grown with the writes
        # back to SQLite's own checkpoints afterwards
        assert store._db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000
        assert store.counts()["citations"] == 121 * 1999
        assert store._db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_without_the_thread_the_log_grows_with_the_writes(tmp_path):
    """The other side of the test above: with the commits' checkpoints off and nobody else
    checkpointing, the log holds every page written."""
    path = tmp_path / "s.sqlite"
    with Store(path) as store:
        store._db.execute("PRAGMA wal_autocheckpoint = 0")
        _write(store, 120)
        assert _wal_bytes(path) > 200 * 4096 * 3


def test_a_read_only_store_needs_no_checkpoints(tmp_path):
    path = tmp_path / "s.sqlite"
    Store(path).close()
    with Store(path, readonly=True) as store, store.background_checkpoints() as nothing:
        assert nothing is None


def test_a_writer_that_never_pauses_still_lets_the_log_be_emptied(tmp_path):
    """Back-to-back transactions, each checkpointed from the other connection while it is held:
    a reset from there would never find a gap between them; the writer empties the log itself
    after a commit."""
    path = tmp_path / "s.sqlite"
    with Store(path) as store, store.background_checkpoints() as checkpoints:
        checkpoints.reset_frames = 100
        largest = 0
        for r in range(30):
            with store.transaction():
                store.add_citation_rows([(r, k, 1, 0.0) for k in range(1, 1500)])
                checkpoints.checkpoint()  # a round while the writer holds its transaction
            largest = max(largest, _wal_bytes(path))
        assert checkpoints.resets >= 1
        assert largest < 100 * 4096 * 12


def test_leaving_after_the_store_was_closed_keeps_the_error_that_ended_the_run(tmp_path):
    store = Store(tmp_path / "s.sqlite")
    # the interrupt comes out, not a ProgrammingError from leaving the context
    with pytest.raises(KeyboardInterrupt):
        with store.background_checkpoints():
            store.close()  # e.g. an interrupt handler closed it
            raise KeyboardInterrupt
