"""The rules of a topic lens: its TOML file read into :class:`Lens` and :class:`Topic`, and what
each pattern needs a text to contain (its literal runs and their spellings), which lets the
classifiers skip most regular expression searches. See :mod:`citegraph.analysis.lens` for the
file format.
"""

from __future__ import annotations

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

__all__ = ["Topic", "Lens", "DEFAULT_LENS", "parse_lens", "load_lens", "lens_file"]

DEFAULT_LENS = "cell-therapy"
#: part of a lens's digest: change it when Topic.matches changes, so cached classifications go
_MATCHING_VERSION = 1


def _required_literals(pattern: re.Pattern) -> tuple[str, ...]:
    """The runs of plain characters every match of ``pattern`` contains, lower-cased (none
    when there is nothing to rely on, e.g. a top-level alternation)."""
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
        if op is sre_parse.LITERAL:
            run.append(chr(arg))
            continue
        if op is sre_parse.AT:  # \b, ^, $: zero-width, the run goes on
            continue
        if run:
            runs.append("".join(run).lower())
        run = []
    return tuple(sorted((r for r in set(runs) if len(r) >= 3), key=len, reverse=True)[:2])


#: the characters that case-insensitive matching pairs with an ASCII letter although they do not
#: lower-case to it (tests/analysis/test_lens.py checks the list against every code point)
_UNSAFE_CHARACTERS = "\u0130\u0131\u017f"
_UNSAFE_FOR_SPELLINGS = re.compile(f"[{_UNSAFE_CHARACTERS}]")


def _spellings(pattern: re.Pattern, most: int = 16) -> tuple[tuple[tuple[str, ...], ...], bool]:
    """Runs of characters every match of ``pattern`` contains, each as its possible spellings,
    lower-cased, where a small class (``[- ]``) or an optional character (``-?``) makes several
    (``IL[- ]2`` -> ``("il 2", "il-2")``); at most the two longest runs. Only ASCII characters:
    on a text without the characters of ``_UNSAFE_FOR_SPELLINGS`` the lower-cased text contains
    a spelling of each run whenever the pattern matches. With it, whether the pattern is spelled
    out entirely (one run, no anchor, case-insensitive), so that containing a spelling is the
    same as matching."""
    try:
        from re import _parser as sre_parse  # Python 3.11+
    except ImportError:  # pragma: no cover - Python 3.10
        import sre_parse  # type: ignore[no-redef]
    try:
        parsed = list(sre_parse.parse(pattern.pattern, pattern.flags))
    except Exception:  # noqa: BLE001 - an optimisation only
        return (), False

    def chars(op, arg) -> list[str] | None:
        if op is sre_parse.LITERAL:
            return [chr(arg)]
        if op is sre_parse.IN and arg and all(o is sre_parse.LITERAL for o, _ in arg):
            return [chr(a) for _, a in arg]
        return None

    runs: list[tuple[str, ...]] = []
    spellings = [""]
    breaks = 0
    for op, arg in parsed + [(None, None)]:
        if op is sre_parse.AT:  # \b, ^, $: zero-width, the run goes on
            breaks += 1
            continue
        choices = chars(op, arg)
        if choices is None and op in (sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT):
            low, high, sub = arg
            items = list(sub)
            if (low, high) == (0, 1) and len(items) == 1 and (inner := chars(*items[0])) is not None:
                choices = [""] + inner
        if choices is not None and all(c.isascii() for c in choices) and len(spellings) * len(choices) <= most:
            spellings = sorted({a + c.lower() for a in spellings for c in choices})
            continue
        breaks += op is not None
        if min(map(len, spellings)) >= 3:
            # a spelling containing another adds nothing: the shorter one is found in it
            runs.append(tuple(a for a in spellings if not any(b != a and b in a for b in spellings)))
        spellings = [""]
    whole = breaks == 0 and len(runs) == 1 and bool(pattern.flags & re.IGNORECASE)
    return tuple(sorted(set(runs), key=lambda r: min(map(len, r)), reverse=True)[:2]), whole


@dataclass(frozen=True)
class Topic:
    key: str
    name: str
    mesh: frozenset[str]  # lower-cased UIs and names
    patterns: tuple[re.Pattern, ...]

    def __post_init__(self) -> None:
        # each pattern with the literal text a match needs: a cheap substring test on the
        # lower-cased text skips most regular expression searches
        object.__setattr__(self, "_checks", tuple((_required_literals(p), p) for p in self.patterns))
        # and its spellings, for classify_many
        object.__setattr__(self, "_spellings", tuple(_spellings(p) for p in self.patterns))

    def matches(self, title: str, meta: PaperMeta, lowered: str | None = None) -> bool:
        """Whether a paper (its title, metadata, and optionally title + abstract lower-cased)
        belongs to this topic."""
        if self.mesh and any(ui.lower() in self.mesh or name.lower() in self.mesh for ui, name in meta.mesh):
            return True
        text = f"{title}\n{meta.abstract}" if meta.abstract else title
        if lowered is None:
            lowered = text.lower()
        return any(all(lit in lowered for lit in literals) and p.search(text) for literals, p in self._checks)


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
        topics.append(Topic(key=key, name=str(name), mesh=mesh, patterns=patterns))
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
