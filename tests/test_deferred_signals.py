"""Signals held back while a transaction of the crawl finishes (citegraph.deferred_signals)."""

from __future__ import annotations

import os
import signal
import threading

import pytest

from citegraph.deferred_signals import signals_deferred


def test_ctrl_c_inside_the_block_is_raised_when_it_ends():
    reached_end = False
    with pytest.raises(KeyboardInterrupt):
        with signals_deferred():
            os.kill(os.getpid(), signal.SIGINT)
            # CPython runs handlers between bytecodes of the main thread: give it a few
            for _ in range(1000):
                pass
            reached_end = True
    assert reached_end
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_the_handler_in_place_runs_once_with_the_first_signal():
    seen = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: seen.append(signum))
    try:
        with signals_deferred():
            os.kill(os.getpid(), signal.SIGTERM)
            os.kill(os.getpid(), signal.SIGINT)
            for _ in range(1000):
                pass
            assert seen == []
        assert seen == [signal.SIGTERM]
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_without_a_signal_nothing_happens_and_handlers_are_restored():
    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    with signals_deferred():
        assert signal.getsignal(signal.SIGINT) is not before[signal.SIGINT]
    assert {s: signal.getsignal(s) for s in before} == before


def test_other_threads_run_the_block_as_it_is():
    result = {}

    def run():
        with signals_deferred():
            result["handler"] = signal.getsignal(signal.SIGINT)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert result["handler"] is signal.getsignal(signal.SIGINT)
