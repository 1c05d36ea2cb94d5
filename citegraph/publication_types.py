"""Publication types as PubMed names them ("Review", "Comment", "Published Erratum"): the one
rule by which a name given by a user matches a record's type, and, for a name that matched no
paper, the types it may have been meant as."""

from __future__ import annotations

import difflib
from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Mapping, Protocol

from .filters import fold

__all__ = ["UnmatchedType", "unmatched_types", "unmatched_exclude_types"]

#: how close a paper's type must be to a name to be offered in its place (difflib's ratio)
NEAR_CUTOFF = 0.7


@dataclass(frozen=True)
class UnmatchedType:
    """A type name that matched no paper, with what the papers carry instead."""

    name: str
    #: the papers' types nearest to ``name`` (as the records spell them), at most three, best first
    near: tuple[str, ...]
    #: the papers' most common types, at most six, most common first (to show when none is near)
    common: tuple[str, ...]


def unmatched_types(names: Iterable[str], matched: Iterable[str], counts: Mapping[str, int]) -> list[UnmatchedType]:
    """The ``names`` that match none of ``matched`` (both compared by :func:`fold`), each
    with the nearest of the types in ``counts`` (type -> papers carrying it)."""
    found = {fold(name) for name in matched}
    ranked = Counter(counts).most_common()
    by_fold: dict[str, str] = {}
    for name, _ in ranked:
        by_fold.setdefault(fold(name), name)
    common = tuple(name for name, _ in ranked[:6])
    result = []
    for name in names:
        if fold(name) in found:
            continue
        near = difflib.get_close_matches(fold(name), list(by_fold), n=3, cutoff=NEAR_CUTOFF)
        result.append(UnmatchedType(name, tuple(by_fold[f] for f in near), common))
    return result


class _TypeCensus(Protocol):
    def publication_type_counts(self, crawl_id: int) -> Counter: ...


def unmatched_exclude_types(store: _TypeCensus, crawl_id: int, exclude_types: Iterable[str],
                            excluded_by: Mapping[str, int]) -> list[UnmatchedType]:
    """The crawl's ``exclude_types`` that left out no paper (not among ``excluded_by``, the
    crawl report's count per type), with the types of the crawl's papers nearest to each. The
    census of the crawl's types (it reads every member's record) is taken only when some
    type is unmatched."""
    found = {fold(name) for name in excluded_by}
    names = [name for name in exclude_types if fold(name) not in found]
    if not names:
        return []
    return unmatched_types(names, (), store.publication_type_counts(crawl_id))
