"""The old name of :mod:`citegraph.analysis.csr`, importable only until the modules written
against it (``analysis/translation.py`` and its tests, on main) import ``.csr``; then delete."""

from .csr import CitationGraph, bfs, distinct, gather, unique, years_of

__all__ = ["CitationGraph", "gather", "bfs", "years_of", "unique", "distinct"]
