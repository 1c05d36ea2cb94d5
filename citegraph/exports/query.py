"""What an export asks for (:class:`ExportQuery`) and the one place that turns it into the
selection the writers take (:func:`select_for_export`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..filters import Filters


@dataclass(frozen=True)
class ExportQuery:
    """The papers to export: those ``filters`` select (:func:`citegraph.exports.selection.select`;
    no seed: the whole store); ``with_contexts`` attaches the stored citation contexts of each
    paper."""

    filters: Filters = field(default_factory=Filters)
    with_contexts: bool = False

    @property
    def selecting(self) -> bool:
        """Whether any option narrows the export below the whole store."""
        f = self.filters
        return bool(f.seeds or f.depth is not None or f.direction or f.active)

    @property
    def whole_store(self) -> bool:
        """Every stored article as stored: nothing selected and nothing attached."""
        return not self.selecting and not self.with_contexts


def store_files(store_path: str | Path) -> list[str | Path]:
    """The store's own files (the database and its journal files): never an export's target."""
    return [store_path, *(f"{store_path}{suffix}" for suffix in ("-wal", "-shm", "-journal"))]


def select_for_export(store, query: ExportQuery):
    """The :class:`citegraph.exports.selection.Selection` of ``query`` from ``store``."""
    from .selection import attach_contexts, select

    selection = select(store, query.filters)
    if query.with_contexts:
        attach_contexts(selection, store)
    return selection
