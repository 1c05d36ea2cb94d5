"""What an export asks for (:class:`ExportQuery`) and the one place that turns it into the
selection the writers take (:func:`select_for_export`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ExportQuery:
    """The papers to export: those reached from ``seeds`` (PMIDs; none: the whole store) within
    ``depth`` generations along ``direction``, kept by the record filters (years, publication
    types) and the analysis filters (lens topics, MeSH, title/abstract regex, journal);
    ``with_contexts`` attaches the stored citation contexts of each paper."""

    seeds: tuple[str, ...] = ()
    depth: int | None = None
    direction: str | None = None
    since: int | None = None
    until: int | None = None
    types: tuple[str, ...] = ()
    exclude_types: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    mesh: tuple[str, ...] = ()
    match: str | None = None
    journal: str | None = None
    lens: Path | None = None
    with_contexts: bool = False

    @property
    def selecting(self) -> bool:
        """Whether any option narrows the export below the whole store."""
        return bool(self.seeds or self.depth is not None or self.direction or self.since is not None
                    or self.until is not None or self.types or self.exclude_types or self.topics or self.mesh
                    or self.match or self.journal)

    @property
    def whole_store(self) -> bool:
        """Every stored article as stored: nothing selected and nothing attached."""
        return not self.selecting and not self.with_contexts


def store_files(store_path: str | Path) -> list[str | Path]:
    """The store's own files (the database and its journal files): never an export's target."""
    return [store_path, *(f"{store_path}{suffix}" for suffix in ("-wal", "-shm", "-journal"))]


def select_for_export(store, query: ExportQuery):
    """The :class:`citegraph.exports.selection.Selection` of ``query`` from ``store``. With an
    analysis filter (topic, MeSH, match, journal) the analysis layer selects the graph first,
    so a paper reached only through removed papers drops out."""
    from .selection import attach_contexts, select

    keep = None
    if query.topics or query.mesh or query.match or query.journal:
        from citegraph.analysis.load import prepare
        from citegraph.analysis.selection import Filters

        prepared = prepare(store, seeds=list(query.seeds), depth=query.depth, direction=query.direction or "cited-by",
                           filters=Filters(topics=query.topics, mesh=query.mesh, match=query.match,
                                           journal=query.journal),
                           lens_path=query.lens)
        keep = set(prepared.graph.nodes)
    selection = select(store, seeds=list(query.seeds), depth=query.depth, direction=query.direction,
                       since=query.since, until=query.until, types=query.types, exclude_types=query.exclude_types,
                       keep=keep)
    if query.with_contexts:
        attach_contexts(selection, store)
    return selection
