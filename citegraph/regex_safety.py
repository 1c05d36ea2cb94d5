"""Refuse the regular expressions that can take exponential time on Python's backtracking engine.

Lens patterns and ``--match`` are searched in every title and abstract; a pattern such as
``(a+)+X`` or ``(L|L)*X`` tries every way of splitting a run of text among its repetitions, and
a short title can keep it busy for hours. :func:`backtracking_risk` reads a pattern's parse tree
(no search is run) and names the first construct that allows this:

* a quantifier whose count can vary (``*``, ``+``, ``?``, ``{m,n}``) inside a group that is itself
  repeated (``{m,n}`` with n > 1, ``*``, ``+``): ``(a+)+``, ``(\\w*)*``, ``(a{1,2})*``;
* an alternation inside a repeated group whose alternatives can start with the same character,
  or can match nothing: ``(L|L)*`` (parsed as ``L(|)``), ``(a|ab)*``, ``(\\w|x)+``.

Alternatives that start with different plain characters (``(?:foo|bar)+``) are allowed, and so
is everything outside a repeated group, inside a lookaround (atomic in Python's engine: a
repetition around it never backtracks into it), and a run of one character class that ends
at a character it cannot match (``(?:\\S+ ){0,3}``: one way to split the text). The check is
conservative: a few safe patterns (such as ``(?:\\s+\\w+)*``) are refused too; they can be
written without the nesting.
"""

from __future__ import annotations

import re

try:
    from re import _parser as sre_parse  # Python 3.11+
except ImportError:  # pragma: no cover - Python 3.10
    import sre_parse  # type: ignore[no-redef]

__all__ = ["backtracking_risk"]

_REPEATS = tuple(getattr(sre_parse, name) for name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT")
                 if hasattr(sre_parse, name))
#: a character class larger than this counts as "any character" when comparing alternatives
_SMALL_RANGE = 256


def backtracking_risk(pattern: str, flags: int = 0) -> str | None:
    """What in ``pattern`` can make a search take exponential time, in a few words, or None.
    A pattern that does not parse is left to ``re.compile`` to refuse (None)."""
    try:
        parsed = sre_parse.parse(pattern, flags)
    except (re.error, RecursionError, OverflowError):
        return None
    try:
        return _risk(list(parsed), repeated=False)
    except RecursionError:
        return "it is nested too deeply"


def _risk(items: list, repeated: bool) -> str | None:
    for index, (op, arg) in enumerate(items):
        found = None
        if op in _REPEATS:
            low, high, sub = arg
            if repeated and high != low and not _ends_at_a_delimiter(list(sub), items[index + 1:]):
                return "a quantifier inside a repeated group, e.g. (a+)+: a search can take exponential time"
            found = _risk(list(sub), repeated or high > 1)
        elif op is sre_parse.SUBPATTERN:
            found = _risk(list(arg[-1]), repeated)
        elif op is sre_parse.BRANCH:
            alternatives = [list(alt) for alt in arg[1]]
            if repeated and _may_overlap(alternatives):
                return ("an alternation inside a repeated group whose alternatives can match the same text, "
                        "e.g. (a|a)*: a search can take exponential time")
            for alt in alternatives:
                found = found or _risk(alt, repeated)
        elif op in (sre_parse.ASSERT, sre_parse.ASSERT_NOT):
            # a lookaround is atomic: the repetition around it never backtracks into it, so only
            # what it repeats itself counts
            found = _risk(list(arg[1]), repeated=False)
        elif op is sre_parse.GROUPREF_EXISTS:
            found = _risk(list(arg[1]), repeated) or (_risk(list(arg[2]), repeated) if arg[2] else None)
        elif op is getattr(sre_parse, "ATOMIC_GROUP", None):
            found = _risk(list(arg), repeated)
        if found:
            return found
    return None


def _ends_at_a_delimiter(repeated_item: list, rest: list) -> bool:
    """Whether a run of one character class (``[\\w-]+``) is followed by a character it cannot
    match (``[\\w-]+ ``): each repetition of the group around it then ends at one place only,
    so there is one way to split the text and the search stays linear."""
    if len(repeated_item) != 1 or not rest:
        return False
    delimiter = rest[0]
    if delimiter[0] is not sre_parse.LITERAL:
        return False
    char = chr(delimiter[1])
    return not any(_matches(repeated_item[0], c) for c in {char, char.lower(), char.upper()})


_CATEGORIES = {getattr(sre_parse, name): pattern for name, pattern in (
    ("CATEGORY_DIGIT", r"\d"), ("CATEGORY_NOT_DIGIT", r"\D"), ("CATEGORY_SPACE", r"\s"),
    ("CATEGORY_NOT_SPACE", r"\S"), ("CATEGORY_WORD", r"\w"), ("CATEGORY_NOT_WORD", r"\W"))
    if hasattr(sre_parse, name)}


def _matches(item: tuple, char: str) -> bool:
    """Whether the one-character item ``item`` of a parse tree can match ``char`` (True when
    unsure, so the caller stays conservative)."""
    op, arg = item
    if op is sre_parse.LITERAL:
        return chr(arg).lower() == char.lower()
    if op is sre_parse.NOT_LITERAL:
        return chr(arg).lower() != char.lower()
    if op is sre_parse.IN:
        negate = bool(arg) and arg[0][0] is sre_parse.NEGATE
        hit = False
        for kind, value in arg[1:] if negate else arg:
            if kind is sre_parse.LITERAL:
                hit = hit or chr(value).lower() == char.lower()
            elif kind is sre_parse.RANGE:
                hit = hit or any(value[0] <= ord(c) <= value[1] for c in (char, char.lower(), char.upper()))
            elif kind is sre_parse.CATEGORY and value in _CATEGORIES:
                hit = hit or re.fullmatch(_CATEGORIES[value], char) is not None
            else:
                return True
        return not hit if negate else hit
    return True


def _may_overlap(alternatives: list[list]) -> bool:
    """Whether two alternatives can start with the same character, or one can match nothing
    (unknown first characters count as overlapping)."""
    seen: set[str] = set()
    for alt in alternatives:
        first = _first_characters(alt)
        if first is None or first & seen:
            return True
        seen |= first
    return False


def _first_characters(items: list) -> set[str] | None:
    """The characters (lower-cased) a match of ``items`` can start with, when that is a small
    known set; None when unknown or when ``items`` can match the empty string."""
    if not items:
        return None
    op, arg = items[0]
    if op is sre_parse.LITERAL:
        return {chr(arg).lower(), chr(arg).upper()}
    if op is sre_parse.IN:
        chars: set[str] = set()
        for kind, value in arg:
            if kind is sre_parse.LITERAL:
                chars |= {chr(value).lower(), chr(value).upper()}
            elif kind is sre_parse.RANGE and value[1] - value[0] < _SMALL_RANGE:
                chars |= {c for v in range(value[0], value[1] + 1) for c in (chr(v).lower(), chr(v).upper())}
            else:  # NEGATE, CATEGORY (\w, \s), a wide range: too many to compare
                return None
        return chars
    if op is sre_parse.SUBPATTERN:
        return _first_characters(list(arg[-1]))
    return None
