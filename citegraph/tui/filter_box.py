"""The browser's filter box: its text read as a :class:`~citegraph.filters.Filters`, and the
filters described back in the same words."""

from __future__ import annotations

import re

from ..filters import Filters

__all__ = ["parse_filter", "describe"]

_YEARS = re.compile(r"^(\d{4})?(?:-|\.\.)(\d{4})?$|^(\d{4})$")


def parse_filter(value: str) -> Filters:
    """``'car t 2010-2015 topic:CAR-T'`` -> words ``car``, ``t`` (each in the title or journal),
    years 2010 to 2015, topic ``CAR-T`` (a lens topic key). Years: ``YYYY``, ``YYYY-``,
    ``-YYYY``, ``YYYY-YYYY`` (or ``..``); the last year token and the last topic win."""
    since = until = None
    topic = None
    words: list[str] = []
    for token in value.split():
        match = _YEARS.match(token)
        if match and token not in ("-", ".."):
            if match.group(3):
                since = until = int(match.group(3))
            else:
                since = int(match.group(1)) if match.group(1) else None
                until = int(match.group(2)) if match.group(2) else None
        elif token.lower().startswith("topic:") and len(token) > 6:
            topic = token[6:]
        else:
            words.append(token)
    if since is not None and until is not None and since > until:
        since, until = until, since
    return Filters(since=since, until=until, topics=(topic,) if topic else (), words=tuple(words))


def describe(filters: Filters) -> str:
    """The record filters in the filter box's words (empty when none is set)."""
    parts = [" ".join(filters.words)] if filters.words else []
    if filters.since is not None or filters.until is not None:
        parts.append(f"{filters.since or ''}-{filters.until or ''}")
    parts.extend(f"topic:{t}" for t in filters.topics)
    parts.extend(f"type:{t}" for t in filters.types)
    parts.extend(f"-type:{t}" for t in filters.exclude_types)
    parts.extend(f"mesh:{m}" for m in filters.mesh)
    if filters.journal:
        parts.append(f"journal:{filters.journal}")
    if filters.match:
        parts.append(f"match:{filters.match}")
    return " ".join(parts)
