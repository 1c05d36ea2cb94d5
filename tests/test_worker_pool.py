"""Parsing workers never outlive the process that owns them."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from citegraph.worker_pool import PARSE_NICE, WORKER_GC_THRESHOLD, process_alive, worker_pool

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("death", ["SIGKILL", "os._exit"])
def test_workers_exit_when_their_owner_dies_without_shutting_them_down(death, tmp_path):
    (tmp_path / "slow_pid.py").write_text(
        "import os, time\n\ndef _pid_after_a_while(_):\n    time.sleep(0.2)\n    return os.getpid()\n")
    code = textwrap.dedent(f"""
        import os, signal, sys, time
        sys.path[:0] = [{str(REPO)!r}, {str(tmp_path)!r}]
        from citegraph.worker_pool import worker_pool
        from slow_pid import _pid_after_a_while
        pool = worker_pool(2)
        pids = set()
        for _ in range(20):  # until both workers are up
            pids.update(pool.map(_pid_after_a_while, range(4)))
            if len(pids) == 2:
                break
        print(" ".join(map(str, sorted(pids))), flush=True)
        if {death!r} == "SIGKILL":
            os.kill(os.getpid(), signal.SIGKILL)
        os._exit(130)
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    pids = [int(p) for p in done.stdout.split()]
    assert len(pids) == 2, done.stderr
    assert all(pid != done.returncode for pid in pids)
    deadline = time.monotonic() + 10
    while any(process_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(process_alive(p) for p in pids), "workers outlived their owner"


def test_workers_ignore_ctrl_c():
    from citegraph.worker_pool import worker_pool

    with worker_pool(1) as pool:
        pid = pool.submit(os.getpid).result()
        os.kill(pid, 2)  # SIGINT, as a terminal's Ctrl-C sends to the whole process group
        # the idle worker is woken by the signal before it can take the next task: a worker
        # that did not ignore it would be gone (a broken pool) by then
        assert pool.submit(os.getpid).result() == pid


def _niceness() -> int:
    return os.nice(0)


def test_workers_can_run_at_a_lower_priority_than_their_owner():
    own = os.nice(0)
    with worker_pool(1, nice=PARSE_NICE) as lowered, worker_pool(1) as plain:
        assert lowered.submit(_niceness).result() == min(19, own + PARSE_NICE)
        assert plain.submit(_niceness).result() == own


def _gc_settings() -> tuple[bool, tuple[int, ...]]:
    return gc.isenabled(), gc.get_threshold()


def test_workers_collect_cycles_rarely_but_still_do():
    with worker_pool(1) as pool:
        enabled, threshold = pool.submit(_gc_settings).result()
    assert enabled and threshold[0] == WORKER_GC_THRESHOLD
    # only the first generation's threshold changes, and only in the worker
    assert threshold[1:] == gc.get_threshold()[1:] and gc.get_threshold()[0] < WORKER_GC_THRESHOLD


@pytest.mark.parametrize("stop", ["stop_now", "shutdown(wait=False)"])
def test_stopping_at_once_leaves_nothing_for_the_resource_tracker_to_warn_about(stop, tmp_path):
    # the CLI leaves with os._exit after Ctrl-C; a pool whose workers were left running then
    # has multiprocessing's tracker warn about leaked semaphores on the user's terminal
    (tmp_path / "slow.py").write_text(
        "import os, time\n\ndef slow(x, flags):\n"
        "    open(os.path.join(flags, f'started-{os.getpid()}'), 'w').close()\n    time.sleep(x)\n    return x\n")
    flags = tmp_path / "flags"
    flags.mkdir()
    # stop_now must not wait for its tasks: they would take longer than the run is given; the
    # workers left running by shutdown(wait=False) end after theirs, and the tracker speaks then
    seconds = 600 if stop == "stop_now" else 3
    code = textwrap.dedent(f"""
        import os, sys, time
        sys.path[:0] = [{str(REPO)!r}, {str(tmp_path)!r}]
        from citegraph.worker_pool import stop_now, worker_pool
        from slow import slow
        pool = worker_pool(2)
        futures = [pool.submit(slow, {seconds}, {str(flags)!r}) for _ in range(4)]
        deadline = time.monotonic() + 60
        while len(os.listdir({str(flags)!r})) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)  # until both workers are busy
        if {stop!r} == "stop_now":
            stop_now(pool)
        else:
            pool.shutdown(wait=False, cancel_futures=True)
        print(len(os.listdir({str(flags)!r})), flush=True)
        os._exit(130)
    """)
    # stderr is inherited by the tracker: this returns once it has said what it had to say
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 130, done.stderr
    assert done.stdout.split() == ["2"]  # both workers were busy when it stopped
    if stop == "stop_now":
        assert "leaked" not in done.stderr, done.stderr
    else:  # the check itself sees the warning when the workers are left running
        assert "leaked semaphore" in done.stderr
