"""The rules of a topic lens: its TOML file read into :class:`Lens` and :class:`Topic`, and what
each pattern needs a text to contain (its literal runs and their spellings), which lets the
classifiers skip most regular expression searches. See :mod:`citegraph.analysis.lens` for the
file format.
"""

from __future__ import annotations

import _sre
import hashlib
import re
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError
from ..regex_safety import backtracking_risk

if TYPE_CHECKING:
    from .selection import PaperMeta

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["Topic", "Lens", "DEFAULT_LENS", "parse_lens", "load_lens", "lens_file", "spellable"]

DEFAULT_LENS = "cell-therapy"
#: part of a lens's digest: change it when Topic.matches changes, so cached classifications go
_MATCHING_VERSION = 2


#: the characters that case-insensitive matching pairs with an ASCII letter although they do not
#: lower-case to it (tests/analysis/test_lens.py checks the list against every code point)
_UNSAFE_CHARACTERS = "\u0130\u0131\u017f"
_UNSAFE_FOR_SPELLINGS = re.compile(f"[{_UNSAFE_CHARACTERS}]")


def spellable(char: str) -> bool:
    """Whether ``char`` can be part of a spelling (:func:`_spellings`): an ASCII character, or
    one without case (a dash such as U+2010), which case-insensitive matching pairs with
    itself only and lower-casing leaves alone, in text and in UTF-8 bytes alike."""
    return char.isascii() or not (_sre.unicode_iscased(ord(char)) or char in _UNSAFE_CHARACTERS)


def _required_literals(pattern: re.Pattern) -> tuple[str, ...]:
    """The runs of plain characters every match of ``pattern`` contains, lower-cased, of
    :func:`spellable` characters only (a character with case outside ASCII ends a run: the
    regular expression may match it in a form whose lower case differs, such as ``s`` for
    ``ſ``); none when there is nothing to rely on, e.g. a top-level alternation."""
    try:
        from re import _parser as sre_parse  # Python 3.11+
    except ImportError:  # pragma: no cover - Python 3.10
        import sre_parse  # type: ignore[no-redef]
    try:
        parsed = sre_parse.parse(pattern.pattern, pattern.flags)
    except Exception:  # noqa: BLE001 - an optimisation only
        return ()
    runs, run = [], []
    for op, arg in list(parsed) + [(None, None)]:
        if op is sre_parse.LITERAL and spellable(chr(arg)):
            run.append(chr(arg))
            continue
        if op in (sre_parse.AT, sre_parse.ASSERT, sre_parse.ASSERT_NOT):  # zero-width: the run goes on
            continue
        if run:
            runs.append("".join(run).lower())
        run = []
    return tuple(sorted((r for r in set(runs) if len(r) >= 3), key=len, reverse=True)[:2])


#: a second run shorter than this is not looked for (see :func:`_spellings`)
_SHORT_RUN = 6


def _spellings(pattern: re.Pattern, most: int = 16) -> tuple[tuple[tuple[str, ...], ...], bool]:
    """Runs of characters every match of ``pattern`` contains, each as its possible spellings,
    lower-cased, where a small class (``[- ]``) or an optional character (``-?``) makes several
    (``IL[- ]2`` -> ``("il 2", "il-2")``): the longest run, the second longest when its
    spellings have ``_SHORT_RUN`` characters or more, and the spellings of the group or
    alternation every match goes through that start their alternatives (``(?:anti-PD-1|
    checkpoint)`` -> ``("anti-pd-1", "checkpoint")``), one of which every match contains. A
    zero-width item (an anchor, ``\b``, a lookaround) does not end a run. Only characters of
    :func:`spellable`: on a text without the characters of ``_UNSAFE_FOR_SPELLINGS`` the
    lower-cased text contains a spelling of each run whenever the pattern matches. With it,
    whether the pattern is spelled out entirely (one run, no anchor or lookaround,
    case-insensitive), so that containing a spelling is the same as matching."""
    try:
        from re import _parser as sre_parse  # Python 3.11+
    except ImportError:  # pragma: no cover - Python 3.10
        import sre_parse  # type: ignore[no-redef]
    try:
        parsed = list(sre_parse.parse(pattern.pattern, pattern.flags))
    except Exception:  # noqa: BLE001 - an optimisation only
        return (), False
    zero_width = (sre_parse.AT, sre_parse.ASSERT, sre_parse.ASSERT_NOT)

    def chars(op, arg) -> list[str] | None:
        """The characters one item matches, when it is one character or a small class of them,
        or may be left out (``-?``: ``""`` among them)."""
        if op is sre_parse.LITERAL:
            found = [chr(arg)]
        elif op is sre_parse.IN and arg and all(o is sre_parse.LITERAL for o, _ in arg):
            found = [chr(a) for _, a in arg]
        elif op in (sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT) and arg[:2] == (0, 1) and len(arg[2]) == 1:
            inner = chars(*list(arg[2])[0])
            if inner is None or "" in inner:
                return None
            found = [""] + inner
        else:
            return None
        return found if all(map(spellable, found)) else None

    def leading(items: list, need: int = 3) -> list[str] | None:
        """The spellings of the run every match of ``items`` starts with, of ``need`` characters
        or more (a run shorter than three characters goes on into the alternatives of a group
        after it); None when there are none."""
        spellings = [""]
        for index, (op, arg) in enumerate(items):
            if op in zero_width:
                continue
            choices = chars(op, arg)
            if choices is not None and len(spellings) * len(choices) <= most:
                spellings = sorted({a + c.lower() for a in spellings for c in choices})
                continue
            if min(map(len, spellings)) < 3 and (after := alternatives(op, arg, 0)):
                # a short run, then a group: the run followed by one of the group's spellings
                if len(spellings) * len(after) <= 4 * most:
                    spellings = sorted({a + b for a in spellings for b in after})
            break
        return spellings if min(map(len, spellings)) >= need else None

    def alternatives(op, arg, need: int = 3) -> list[str] | None:
        """For a group or an alternation: spellings (of ``need`` characters or more) one of
        which every match of it starts with."""
        if op is sre_parse.SUBPATTERN:
            return leading(list(arg[-1]), need)
        if op is sre_parse.BRANCH:
            found: set[str] = set()
            for alternative in arg[1]:
                spellings = leading(list(alternative), need)
                if spellings is None or len(found) + len(spellings) > 4 * most:
                    return None
                found.update(spellings)
            return sorted(found)
        return None

    def shortest(spellings) -> tuple[str, ...]:
        # a spelling containing another adds nothing: the shorter one is found in it
        return tuple(a for a in spellings if not any(b != a and b in a for b in spellings))

    runs: list[tuple[str, ...]] = []
    either: list[tuple[str, ...]] = []
    spellings = [""]
    breaks = 0
    for op, arg in parsed + [(None, None)]:
        if op in zero_width:  # the run goes on
            breaks += 1
            continue
        choices = chars(op, arg)
        if choices is not None and len(spellings) * len(choices) <= most:
            spellings = sorted({a + c.lower() for a in spellings for c in choices})
            continue
        breaks += op is not None
        if min(map(len, spellings)) >= 3:
            runs.append(shortest(spellings))
        spellings = [""]
        if op is not None and (choices is None) and (found := alternatives(op, arg)):
            either.append(shortest(found))
    whole = breaks == 0 and len(runs) == 1 and bool(pattern.flags & re.IGNORECASE)
    longest = sorted(set(runs), key=lambda r: min(map(len, r)), reverse=True)[:2]
    if len(longest) == 2 and min(map(len, longest[1])) < _SHORT_RUN:
        del longest[1]  # " of ", " with": found nearly everywhere, so they only cost time
    if either:
        longest.append(max(either, key=lambda r: (min(map(len, r)), -len(r))))
    return tuple(longest), whole


@dataclass(frozen=True)
class Topic:
    key: str
    name: str
    mesh: frozenset[str]  # lower-cased UIs and names
    patterns: tuple[re.Pattern, ...]
    #: a paper the patterns (not the MeSH descriptors) find is left out when one of these matches
    excludes: tuple[re.Pattern, ...] = ()

    def __post_init__(self) -> None:
        # each pattern with the literal text a match needs: a cheap substring test on the
        # lower-cased text skips most regular expression searches
        object.__setattr__(self, "_checks", tuple((_required_literals(p), p) for p in self.patterns))
        # and its spellings, for classify_many
        object.__setattr__(self, "_spellings", tuple(_spellings(p) for p in self.patterns))

    def matches(self, title: str, meta: PaperMeta, lowered: str | None = None) -> bool:
        """Whether a paper (its title, metadata, and optionally title + abstract lower-cased)
        belongs to this topic: a MeSH descriptor of the topic, or a pattern matching the title
        and abstract while no exclusion does."""
        if self.mesh and any(ui.lower() in self.mesh or name.lower() in self.mesh for ui, name in meta.mesh):
            return True
        text = f"{title}\n{meta.abstract}" if meta.abstract else title
        if lowered is None:
            lowered = text.lower()
        return (any(all(lit in lowered for lit in literals) and p.search(text) for literals, p in self._checks)
                and not self.excluded(text))

    def excluded(self, text: str) -> bool:
        """Whether an exclusion matches ``text`` (a title, a newline, the abstract)."""
        return any(p.search(text) for p in self.excludes)


@dataclass(frozen=True)
class Lens:
    name: str
    description: str
    topics: tuple[Topic, ...]
    source: str
    #: identifies the lens text and the matching rules (the key of the store's topic cache)
    digest: str = ""

    def topic(self, wanted: str) -> Topic:
        for topic in self.topics:
            if wanted.lower() in (topic.key.lower(), topic.name.lower()):
                return topic
        raise InputError(f"lens {self.name!r} has no topic {wanted!r}; it has "
                         + ", ".join(t.key for t in self.topics))


def _strings(value: object, what: str, source: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(f"lens {source}: {what} must be a list of strings")
    return value


def _compile(pattern: str, flags: int, source: str, key: str) -> re.Pattern:
    """``pattern`` compiled; :class:`InputError` for one that does not compile, or whose
    search can take exponential time (see :mod:`.patterns`)."""
    risk = backtracking_risk(pattern, flags)
    if risk:
        raise InputError(f"lens {source}: topic {key!r}: pattern {pattern!r} is refused: {risk}")
    try:
        return re.compile(pattern, flags)
    except re.error as exc:
        raise InputError(f"lens {source}: topic {key!r}: bad pattern {pattern!r}: {exc}") from None
    except (RecursionError, OverflowError):
        raise InputError(f"lens {source}: topic {key!r}: pattern {pattern[:40]!r}... is nested too deeply") from None


def parse_lens(text: str, source: str = "<lens>") -> Lens:
    """A :class:`Lens` from TOML text; :class:`InputError` says what is wrong with it."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"lens {source} is not valid TOML: {exc}") from None
    except RecursionError:
        raise InputError(f"lens {source} is nested too deeply to read (arrays or tables within each other "
                         "thousands of levels deep)") from None
    entries = data.get("topic")
    if not isinstance(entries, list) or not entries:
        raise InputError(f"lens {source} defines no [[topic]]")
    topics: list[Topic] = []
    seen: set[str] = set()
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("name", entry.get("key")), str):
            raise InputError(f"lens {source}: every [[topic]] needs a name")
        name = entry.get("name") or entry["key"]
        key = str(entry.get("key") or name)
        if key.lower() in seen:
            raise InputError(f"lens {source}: topic {key!r} is defined twice")
        seen.add(key.lower())
        mesh = frozenset(m.strip().lower() for m in _strings(entry.get("mesh"), "mesh", source))
        patterns = tuple(_compile(p, re.IGNORECASE, source, key) for p in _strings(entry.get("patterns"), "patterns", source))
        patterns += tuple(_compile(p, 0, source, key) for p in _strings(entry.get("exact_patterns"), "exact_patterns",
                                                                        source))
        if not mesh and not patterns:
            raise InputError(f"lens {source}: topic {key!r} has neither mesh nor patterns")
        excludes = tuple(_compile(p, re.IGNORECASE, source, key)
                         for p in _strings(entry.get("exclude_patterns"), "exclude_patterns", source))
        excludes += tuple(_compile(p, 0, source, key)
                          for p in _strings(entry.get("exact_exclude_patterns"), "exact_exclude_patterns", source))
        topics.append(Topic(key=key, name=str(name), mesh=mesh, patterns=patterns, excludes=excludes))
    digest = hashlib.sha256(f"{_MATCHING_VERSION}\n{text}".encode()).hexdigest()[:32]
    return Lens(name=str(data.get("name", Path(source).stem)), description=str(data.get("description", "")),
                topics=tuple(topics), source=source, digest=digest)


def lens_file(path: str | Path | None = None) -> str:
    """Where the lens :func:`load_lens` reads for ``path`` lives: ``path`` itself, or the
    built-in lens's file inside the installed package."""
    if path is not None:
        return str(path)
    return str(resources.files("citegraph") / "lenses" / f"{DEFAULT_LENS}.toml")


def load_lens(path: str | Path | None = None) -> Lens:
    """The lens in ``path``, or the default ``cell-therapy`` lens shipped with citegraph."""
    if path is None:
        text = (resources.files("citegraph") / "lenses" / f"{DEFAULT_LENS}.toml").read_text(encoding="utf-8")
        return parse_lens(text, f"{DEFAULT_LENS} (built in)")
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read lens {path}: {getattr(exc, 'strerror', None) or exc}") from None
    return parse_lens(text, str(path))
