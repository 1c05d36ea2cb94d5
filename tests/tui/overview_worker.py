"""An overview computation for the browser tests that run it in another process.

It lives apart from the test modules so the spawned process can import it without importing
the tests' ``conftest`` helpers (which name differs by how pytest laid out ``sys.path``).
"""

from __future__ import annotations

import os


def overview_with_the_lens_worker(store_path: str, seed: str) -> dict:
    """compute_overview as on a large store with a cold topic cache: the lens classification
    starts its worker process (here from the first paper on, not from 20,000)."""
    from citegraph.analysis import lens_store
    from citegraph.tui import data as data_module

    lens_store.POOL_FROM_PAPERS = 1
    return data_module.compute_overview(store_path, seed)


def overview_that_never_ends(store_path: str, seed: str) -> dict:
    """Says it has started (a file in $MARKS), waits for ever, says when it is unwound."""
    import threading
    from pathlib import Path

    marks = Path(os.environ["MARKS"])
    (marks / "started").touch()
    try:
        threading.Event().wait()
    finally:
        (marks / "unwound").touch()  # where a lens worker would be stopped (lens_store.ColdStart.cancel)
    raise AssertionError("unreachable")
