"""Timelines: papers per year among a seed's descendants, overall, per generation, per topic."""

from __future__ import annotations

from typing import Iterable, Mapping

import numpy as np

from ..errors import InputError
from .csr import CitationGraph, bfs
from .selection import require_node

__all__ = ["timeline", "GROUPINGS"]

GROUPINGS = ("generation", "topic")


def _count(years: np.ndarray) -> dict[int, int]:
    """{year: papers} of the dated ones (year 0 is unknown), in year order."""
    found, times = np.unique(years[years > 0], return_counts=True)
    return dict(zip(found.tolist(), times.tolist()))


def timeline(graph: CitationGraph, seed: str, by: str | None = None,
             topics_of: Mapping[str, Iterable[str]] | None = None, topic_keys: Iterable[str] = ()) -> dict:
    """``{"seed", "papers", "undated", "years": {year: n}, "groups": {group: {year: n}}}`` over the
    seed's descendants (the seed itself not counted). ``by`` = ``"generation"`` groups by
    generation ("1", "2", ...), ``"topic"`` by lens topic (``topics_of``; a paper in two topics
    counts in both; ``topic_keys`` fixes the order and keeps empty topics, the others follow
    in the order the descendants, generation by generation in PMID order, first show them)."""
    if by not in (None, *GROUPINGS):
        raise InputError(f"unknown grouping {by!r}; use one of {', '.join(GROUPINGS)}")
    require_node(graph, seed, "seed")
    levels = bfs([(graph.in_ptr, graph.in_idx)], graph.n, graph.indices([seed]))[1][1:]
    descendants = np.concatenate(levels) if levels else np.empty(0, dtype=np.int64)
    years = graph.year[descendants]
    result: dict = {"seed": seed, "papers": len(years), "undated": int((years == 0).sum()),
                    "years": _count(years), "groups": {}}
    if by == "generation":
        for g, level in enumerate(levels, 1):
            result["groups"][str(g)] = _count(graph.year[level])
    elif by == "topic":
        topics_of = topics_of or {}
        keys = list(dict.fromkeys(topic_keys))
        per_topic: dict[str, list[int]] = {key: [] for key in keys}
        for name, year in zip(graph.names(descendants), years.tolist()):
            for key in topics_of.get(name, ()):
                if key not in per_topic:
                    keys.append(key)
                    per_topic[key] = []
                per_topic[key].append(year)
        for key in keys:
            result["groups"][key] = _count(np.array(per_topic[key], dtype=np.int64))
    return result
