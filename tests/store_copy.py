"""A copy of a test store, for tests that change a store built once for the whole run."""

from __future__ import annotations

from pathlib import Path


def copy_store(source: Path, target: Path) -> Path:
    """A consistent copy of the SQLite store ``source`` at ``target`` (SQLite's backup API)."""
    import sqlite3

    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()
    return target
