"""Which papers a command looks at: one typed :class:`Filters` and one predicate over one paper.

A :class:`Filters` names a neighbourhood (seeds, depth, direction) and record filters (years,
publication types kept or left out, lens topics, MeSH descriptors, a regular expression over
title and abstract, journal text, plain words over title and journal). Every text comparison
follows one case rule, :func:`fold`: runs of whitespace become one space, the ends are trimmed,
and case is folded (``str.casefold``), so ``" Published  ERRATUM"`` names ``Published Erratum``.
The regular expression is matched without regard to case.

:meth:`Filters.matches` decides one paper from a :class:`PaperRecord`; walking the citation graph
and reading the store are the callers' business (:mod:`citegraph.analysis.selection`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable

from .errors import InputError
from .links import DIRECTIONS
from .regex_safety import backtracking_risk

__all__ = ["DIRECTIONS", "Filters", "PaperRecord", "fold"]


def fold(text: str) -> str:
    """The one case rule: whitespace runs to one space, ends trimmed, case folded."""
    return " ".join(str(text).split()).casefold()


@dataclass(frozen=True, slots=True)
class PaperRecord:
    """What the filters read of one paper; a field left at its default counts as absent."""

    year: int | None = None
    title: str = ""
    journal: str = ""
    abstract: str = ""
    publication_types: tuple[str, ...] = ()
    #: (descriptor UI, descriptor name)
    mesh: tuple[tuple[str, str], ...] = ()
    #: lens topic keys the paper is classified in
    topics: tuple[str, ...] = ()


def _names(values: Iterable[str] | str | None, option: str, what: str, *, ordered: bool) -> tuple[str, ...]:
    """``values`` with whitespace runs collapsed, one spelling per :func:`fold` key (the first
    given); sorted by that key unless ``ordered``. An empty value is an :class:`InputError`."""
    if values is None:
        return ()
    if isinstance(values, str):
        values = (values,)
    names: dict[str, str] = {}
    for value in values:
        name = " ".join(str(value).split())
        if not name:
            raise InputError(f"{option} needs {what}")
        names.setdefault(name.casefold(), name)
    keys = list(names) if ordered else sorted(names)
    return tuple(names[k] for k in keys)


@dataclass(frozen=True)
class Filters:
    """A selection: a neighbourhood of ``seeds`` (none: every paper) and the record filters a
    paper must pass. The default selects everything. Invalid values raise :class:`InputError`
    at construction; list values are normalised (see :func:`_names`), so equal selections
    compare equal whatever the case, spacing or order they were given in."""

    #: PMIDs whose neighbourhood is selected (duplicates dropped, order kept)
    seeds: tuple[str, ...] = ()
    #: hops from the seeds; None: no limit
    depth: int | None = None
    #: one of :data:`DIRECTIONS`; None: not given (``cited-by`` for a walk from seeds)
    direction: str | None = None
    since: int | None = None
    until: int | None = None
    #: keep papers having at least one of these publication types
    types: tuple[str, ...] = ()
    #: leave out papers having any of these publication types
    exclude_types: tuple[str, ...] = ()
    #: keep papers in any of these lens topics (keys; a command turns names into keys with its lens)
    topics: tuple[str, ...] = ()
    #: the lens TOML file the topics refer to; None: the built-in lens
    lens: Path | None = None
    #: keep papers with any of these MeSH descriptors (UI or name)
    mesh: tuple[str, ...] = ()
    #: keep papers whose title or abstract matches this regular expression (any case)
    match: str | None = None
    #: keep papers whose journal title contains this text
    journal: str | None = None
    #: keep papers whose title or journal contains every one of these words
    words: tuple[str, ...] = ()
    _pattern: re.Pattern | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        put = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731
        put("seeds", tuple(dict.fromkeys(str(s).strip() for s in (self.seeds or ()))))
        if self.direction is not None and self.direction not in DIRECTIONS:
            raise InputError(f"direction must be one of {', '.join(DIRECTIONS)}, not {self.direction!r}")
        if self.depth is not None and self.depth < 0:
            raise InputError("depth must be 0 or more")
        if self.since is not None and self.until is not None and self.since > self.until:
            raise InputError(f"--since {self.since} is after --until {self.until}")
        put("types", _names(self.types, "--type", "a publication type, e.g. Review", ordered=False))
        put("exclude_types", _names(self.exclude_types, "--exclude-type", "a publication type, e.g. Review",
                                    ordered=False))
        put("topics", _names(self.topics, "--topic", "a lens topic, by key or name", ordered=True))
        put("mesh", _names(self.mesh, "--mesh", "a MeSH descriptor, by UI or name", ordered=True))
        put("words", tuple(dict.fromkeys(fold(w) for w in (self.words or ()) if fold(w))))
        put("journal", " ".join(self.journal.split()) or None if self.journal is not None else None)
        if self.lens is not None:
            put("lens", Path(self.lens))
        if self.match:
            put("_pattern", _compile(self.match))
        elif self.match is not None:
            put("match", None)

    # -- what the selection asks of a caller ----------------------------------------------------

    @property
    def walk_direction(self) -> str:
        """The direction a walk from the seeds follows."""
        return self.direction or "cited-by"

    @property
    def active(self) -> bool:
        """Whether any record filter is set (a neighbourhood alone is not one)."""
        return bool(self.since is not None or self.until is not None or self.types or self.exclude_types
                    or self.topics or self.mesh or self.match or self.journal or self.words)

    @property
    def needs_meta(self) -> bool:
        """Whether :meth:`matches` reads publication types or MeSH."""
        return bool(self.types or self.exclude_types or self.mesh)

    @property
    def needs_text(self) -> bool:
        """Whether :meth:`matches` reads the abstract."""
        return bool(self.match)

    @property
    def needs_titles(self) -> bool:
        """Whether :meth:`matches` reads the title or journal."""
        return bool(self.match or self.journal or self.words)

    def with_topics(self, topics: Iterable[str]) -> "Filters":
        """These filters with ``topics`` in place of theirs (names resolved to keys)."""
        return replace(self, topics=tuple(topics))

    def records_only(self) -> "Filters":
        """These filters without the neighbourhood (seeds, depth, direction)."""
        return replace(self, seeds=(), depth=None, direction=None)

    # -- one paper ----------------------------------------------------------------------------------

    def rejects(self, record: PaperRecord) -> str | None:
        """Why ``record`` fails these filters, or None when it passes: ``"year"``,
        ``"type:NAME"`` (the first left-out type it has, spelled as these filters spell it),
        ``"types"``, ``"journal"``, ``"mesh"``, ``"topic"``, ``"match"`` or ``"words"``.
        A paper without a year fails any year bound."""
        year = record.year
        if self.since is not None and (year is None or year < self.since):
            return "year"
        if self.until is not None and (year is None or year > self.until):
            return "year"
        if self.exclude_types:
            excluded = {name.casefold(): name for name in self.exclude_types}
            for kind in record.publication_types:
                name = excluded.get(fold(kind))
                if name is not None:
                    return "type:" + name
        if self.types:
            wanted = {name.casefold() for name in self.types}
            if not any(fold(kind) in wanted for kind in record.publication_types):
                return "types"
        if self.journal and fold(self.journal) not in fold(record.journal):
            return "journal"
        if self.mesh:
            wanted = {name.casefold() for name in self.mesh}
            if not any(fold(ui) in wanted or fold(name) in wanted for ui, name in record.mesh):
                return "mesh"
        if self.topics:
            wanted = {name.casefold() for name in self.topics}
            if not any(fold(topic) in wanted for topic in record.topics):
                return "topic"
        if self._pattern is not None:
            if not (self._pattern.search(record.title) or self._pattern.search(record.abstract)):
                return "match"
        if self.words:
            haystack = fold(f"{record.title} {record.journal}")
            if not all(word in haystack for word in self.words):
                return "words"
        return None

    def matches(self, record: PaperRecord) -> bool:
        """Whether ``record`` passes every record filter (see :meth:`rejects`)."""
        return self.rejects(record) is None


def _compile(match: str) -> re.Pattern:
    """``match`` compiled without regard to case; :class:`InputError` for a pattern that does
    not compile or that can take exponential time."""
    risk = backtracking_risk(match, re.IGNORECASE)
    if risk:
        raise InputError(f"--match {match!r} is refused: {risk}")
    try:
        return re.compile(match, re.IGNORECASE)
    except (re.error, RecursionError, OverflowError) as exc:
        raise InputError(f"--match {match!r} is not a valid regular expression: "
                         f"{exc if isinstance(exc, re.error) else 'nested too deeply'}") from None
