"""Worker processes for CPU-bound parsing (crawl and import), that never outlive their owner.

``concurrent.futures`` workers wait for work on a pipe they hold both ends of, so when the
process that owns the pool dies without shutting it down (``kill -9``, ``os._exit`` after a
Ctrl-C) they would wait forever, and keep multiprocessing's fork server alive with them.
Each worker here watches its owner and exits when it is gone. Workers also ignore Ctrl-C:
the owner's own handler decides what to keep and stops them.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor

__all__ = ["worker_pool", "stop_now", "process_alive", "PARSE_NICE", "WORKER_GC_THRESHOLD"]

_WATCH_SECONDS = 0.5
#: how much lower parse workers' priority is than their owner's: the owner (a crawl's or an
#: import's main thread) writes every record and edge, and that is what the whole run waits on
#: when the cores are busy
PARSE_NICE = 10
#: a worker's cycle collector runs after this many more container objects were made than freed
#: (Python's default: 700). A parse holds tens of thousands of records' objects until it
#: returns, and with the default the collector would walk them over and over. They are all
#: freed by reference counting when the task ends; what leaks in a cycle is still collected.
WORKER_GC_THRESHOLD = 100_000


def worker_pool(processes: int, *, nice: int = 0) -> ProcessPoolExecutor:
    """``nice``: how much lower the workers' scheduling priority is than the owner's. For work
    that only has to keep up (parsing), while the owner does what everything waits on (the
    store's writes): when the cores are busy, the owner is not the one left waiting."""
    # forkserver: never fork a process that holds threads (the crawl's own, a server's)
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    owner = os.getpid()
    return ProcessPoolExecutor(processes, mp_context=context, initializer=_init_worker,
                               initargs=(owner, _start_time(owner), nice))


def stop_now(pool: ProcessPoolExecutor) -> None:
    """Shut ``pool`` down without waiting for the work in flight: its workers are stopped.

    ``shutdown(wait=False)`` would leave them running, and the pool's queues with them; a
    process that then leaves with ``os._exit`` (the CLI after Ctrl-C) never releases the queues'
    semaphores, and multiprocessing's resource tracker warns about them on the user's terminal
    after the prompt has come back."""
    terminate = getattr(pool, "terminate_workers", None)  # Python 3.14+
    if terminate is not None:
        terminate()
    else:
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.terminate()
    pool.shutdown(wait=True, cancel_futures=True)


def _stat(pid: int) -> list[bytes] | None:
    """Fields 3 onwards of /proc/PID/stat (state, ppid, ...), None without /proc or process."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()
    except OSError:
        return None


def _start_time(pid: int) -> bytes | None:
    """The process's start time (field 22): a PID reused later differs."""
    fields = _stat(pid)
    return fields[19] if fields and len(fields) > 19 else None


def process_alive(pid: int, started: bytes | None = None) -> bool:
    """Whether process ``pid`` runs (not a zombie), and is the one that started at ``started``
    (see :func:`_start_time`) when that is given: a PID reused by another process is not it."""
    fields = _stat(pid)
    if fields is None:  # no /proc (or the process is gone): ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass
        return True
    # a zombie is dead: its parent may be waiting for our pipes to close before reaping it
    if fields[0] in (b"Z", b"X"):
        return False
    return started is None or fields[19] == started


def _init_worker(owner: int, started: bytes | None, nice: int = 0) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.set_threshold(WORKER_GC_THRESHOLD, *gc.get_threshold()[1:])
    if nice > 0:
        try:
            os.nice(nice)
        except OSError:
            pass  # not allowed here: the work is the same, only scheduled as the owner's is

    def watch() -> None:
        while process_alive(owner, started):
            time.sleep(_WATCH_SECONDS)
        os._exit(0)

    threading.Thread(target=watch, name="citegraph-owner-watch", daemon=True).start()
