"""Timelines: papers per year among a seed's descendants, overall, per generation, per topic."""

from __future__ import annotations

from typing import Iterable, Mapping

import networkx as nx
import numpy as np

from ..errors import InputError
from .core import CitationGraph, bfs, is_core, years_of
from .influence import generations

__all__ = ["timeline", "GROUPINGS"]

GROUPINGS = ("generation", "topic")


def _count(years: Iterable[int | None]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for year in years:
        if year is not None:
            counts[year] = counts.get(year, 0) + 1
    return dict(sorted(counts.items()))


def timeline(graph: nx.DiGraph, seed: str, by: str | None = None,
             topics_of: Mapping[str, Iterable[str]] | None = None, topic_keys: Iterable[str] = ()) -> dict:
    """``{"seed", "papers", "undated", "years": {year: n}, "groups": {group: {year: n}}}`` over the
    seed's descendants (the seed itself not counted). ``by`` = ``"generation"`` groups by
    generation ("1", "2", ...), ``"topic"`` by lens topic (``topics_of``; a paper in two topics
    counts in both; ``topic_keys`` fixes the order and keeps empty topics)."""
    if by not in (None, *GROUPINGS):
        raise InputError(f"unknown grouping {by!r}; use one of {', '.join(GROUPINGS)}")
    if is_core(graph) and by != "topic":
        return _timeline_core(graph, seed, by)
    gen = generations(graph, seed)
    gen.pop(seed)
    year = years_of(graph, gen)
    result: dict = {"seed": seed, "papers": len(gen), "undated": sum(1 for y in year.values() if y is None),
                    "years": _count(year.values()), "groups": {}}
    if by == "generation":
        for g in sorted(set(gen.values())):
            result["groups"][str(g)] = _count(year[n] for n in gen if gen[n] == g)
    elif by == "topic":
        topics_of = topics_of or {}
        keys = list(dict.fromkeys(topic_keys))
        for n in gen:
            keys.extend(k for k in topics_of.get(n, ()) if k not in keys)
        per_topic: dict[str, list] = {key: [] for key in keys}
        for n in gen:
            for key in topics_of.get(n, ()):
                per_topic[key].append(year[n])
        for key in keys:
            result["groups"][key] = _count(per_topic[key])
    return result


def _count_array(years: np.ndarray) -> dict[int, int]:
    found, times = np.unique(years[years > 0], return_counts=True)
    return dict(zip(found.tolist(), times.tolist()))


def _timeline_core(graph: CitationGraph, seed: str, by: str | None) -> dict:
    """:func:`timeline` (overall or by generation) on the arrays."""
    from .selection import require_node

    require_node(graph, seed, "seed")
    levels = bfs([(graph.in_ptr, graph.in_idx)], graph.n, graph.indices([seed]))[1][1:]
    years = graph.year[np.concatenate(levels)] if levels else np.empty(0, dtype=np.int64)
    result: dict = {"seed": seed, "papers": len(years), "undated": int((years == 0).sum()),
                    "years": _count_array(years), "groups": {}}
    if by == "generation":
        for g, level in enumerate(levels, 1):
            result["groups"][str(g)] = _count_array(graph.year[level])
    return result
