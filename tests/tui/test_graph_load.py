"""The browser's background graph load (the overview): a failure shows its reason and ``g``
loads again; the overview process may start processes of its own (the lens' worker)."""

from __future__ import annotations

import asyncio
import os

from conftest import screen_lines
from overview_worker import overview_that_never_ends, overview_with_the_lens_worker

from citegraph.store import Store
from citegraph.tui import BrowseApp, BrowseData
from citegraph.tui import data as data_module


def status_lines(app) -> str:
    """The status line and the lines below it (the key line)."""
    lines = screen_lines(app)
    start = next(i for i, line in enumerate(lines) if "papers citing" in line or "references of" in line)
    return "\n".join(lines[start:])


def test_a_failed_graph_load_shows_its_reason_and_g_loads_again(small_store, monkeypatch):
    real = data_module.compute_overview
    calls = []

    def flaky(store_path, seed):
        calls.append(seed)
        if len(calls) == 1:
            raise OSError("[bold]disk\x1b[31m gone: the store /a/rather/long/path/to/the/data/folder/citegraph.sqlite "
                          "is locked by another process for too long: database is locked")
        return real(store_path, seed)

    monkeypatch.setattr(data_module, "compute_overview", flaky)

    async def main():
        with Store(small_store) as store:
            app = BrowseApp(BrowseData(store), "1", in_process=True)
            async with app.run_test(size=(80, 24)) as pilot:
                await pilot.pause()
                await app.workers.wait_for_complete()
                await pilot.pause()
                failed = status_lines(app), app.data.pagerank
                await pilot.press("g")
                await app.workers.wait_for_complete()
                await pilot.pause()
                return failed, status_lines(app), app.data.pagerank

    (failed, before), after, pagerank = asyncio.run(main())
    assert before is None
    assert "graph unavailable" in failed and "g: retry" in failed
    assert "OSError: [bold]disk␛[31m gone" in failed  # literal text: no markup, no escape
    assert failed.rstrip().endswith("p path") and "database is locked" in failed  # all of it, at 80 columns
    assert len(calls) == 2 and pagerank is not None
    assert "unavailable" not in after and "retry" not in after


def test_the_overview_process_may_start_the_lens_worker(small_store):
    """The large-store route: the overview runs in another process, which must be allowed to
    start processes of its own (a daemonic one is not)."""
    with Store(small_store) as store:
        data = BrowseData(store, compute=overview_with_the_lens_worker)
        data.overview_in_process(False)
        data.load_overview("1", in_process=False)
        assert data.overview_error is None, data.overview_error
        assert data.overview == data_module.compute_overview(str(small_store), "1")


def test_g_while_the_graph_loads_starts_no_second_load(small_store, monkeypatch):
    import threading

    started, release = threading.Event(), threading.Event()
    calls = []

    def held_then_failing(store_path, seed):
        calls.append(seed)
        started.set()
        release.wait(30)
        raise RuntimeError("no graph today")

    monkeypatch.setattr(data_module, "compute_overview", held_then_failing)

    async def main():
        with Store(small_store) as store:
            app = BrowseApp(BrowseData(store), "1", in_process=True)
            async with app.run_test(size=(100, 24)) as pilot:
                await pilot.pause()
                assert await asyncio.to_thread(started.wait, 30)
                await pilot.press("g")  # still loading: nothing to retry
                loading = status_lines(app)
                release.set()
                await app.workers.wait_for_complete()
                await pilot.pause()
                return loading, status_lines(app)

    loading, failed = asyncio.run(main())
    assert len(calls) == 1
    assert "graph: loading…" in loading and "unavailable" not in loading
    assert "graph unavailable (g: retry): RuntimeError: no graph today" in failed


def test_quitting_while_the_overview_process_runs_stops_it_by_unwinding(small_store, tmp_path, monkeypatch):
    monkeypatch.setenv("MARKS", str(tmp_path))

    async def main():
        with Store(small_store) as store:
            data = BrowseData(store, compute=overview_that_never_ends)
            app = BrowseApp(data, "1", in_process=False)
            async with app.run_test(size=(100, 24)) as pilot:
                for _ in range(1200):  # the overview process starts and enters the computation
                    if (tmp_path / "started").exists():
                        break
                    await pilot.pause(0.05)
                process = data._process
                await pilot.press("q")
            await asyncio.to_thread(process.join, 30)
            return process, app

    process, app = asyncio.run(main())
    assert not process.is_alive()
    assert (tmp_path / "unwound").exists()  # SIGTERM unwound it: what it started is stopped
    assert app.return_code in (None, 0)
