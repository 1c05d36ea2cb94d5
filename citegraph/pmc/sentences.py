"""Sentence boundaries in a scientific paragraph, aware of where its citations sit.

:func:`split_sentences` takes a paragraph's text (whitespace already collapsed to single
spaces, no leading or trailing space) and the character spans of its citation markers, and
returns the spans of its sentences. Every sentence is ``text[start:end]``: an exact
substring of the paragraph, never starting or ending with a space, and together they cover
every non-space character of the text in order.

A sentence ends at ``.``, ``!`` or ``?`` (with any closing quotes or brackets after it)
followed by a space and a capital letter, a digit or an opening bracket or quote, or at the
end of the text. It does not end:

* after an abbreviation that is followed by more of the same sentence: "et al.", "Fig. 2",
  "Figs.", "Eq.", "Ref.", "e.g.", "i.e.", "cf.", "vs.", "ca.", "approx." and the like
  (:data:`NO_BREAK`), dotted letters such as "e.g." and "U.S.", or an initial next to
  another ("R. A. Fisher");
* inside a number ("3.5 mg": no space follows the point);
* inside a citation marker ("(Smith et al., 2001)") or inside matched brackets;
* before a numeric citation that follows the full stop ("was shown. [3] Next", "shown.3,4
  Next"): the citation belongs to the sentence it follows, which ends after it.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence

__all__ = ["NO_BREAK", "split_sentences"]

#: Words ending in a full stop after which a sentence goes on (compared in lower case, with
#: any opening bracket or quote before them removed).
NO_BREAK = frozenset(
    """
    al. fig. figs. eq. eqs. ref. refs. tab. tabs. no. nos. vol. vols. pp. p. ch. chap. sect.
    e.g. i.e. cf. vs. v. viz. ca. approx. resp. incl. esp. suppl. supp. app.
    dr. mr. mrs. ms. prof. st. jr. sr. inc. ltd. co. corp. dept. univ.
    sp. spp. subsp. ssp. var. cv. gen. nov. sub.
    jan. feb. mar. apr. jun. jul. aug. sep. sept. oct. nov. dec.
    """.split()
)

_TERMINAL = re.compile(r"[.!?]+")
_CLOSERS = frozenset("\"')]}»”’")
_OPENERS = frozenset("\"'([{«“‘")
_DOTTED = re.compile(r"(?:[^\W\d_]\.){2,}")
_INITIAL = re.compile(r"[A-Z]\.")
# characters that may join the parts of a citation run ("[4]–[7]", "3,4", "(5; 6)")
_RUN_GLUE = frozenset(" ,;-\u2010\u2011\u2012\u2013\u2014\u2212[](){}")
_PAIRS = {")": "(", "]": "["}
_BRACKET = re.compile(r"[\[\]()]")
_MAX_BRACKET = 600  # a bracket left open longer than this is a stray one, not a parenthesis


def split_sentences(text: str, cites: Sequence[tuple[int, int]] = ()) -> list[tuple[int, int]]:
    """The ``(start, end)`` spans of the sentences of ``text``, in order.

    ``cites`` are the ``(start, end)`` spans of citation markers in ``text`` (any order,
    may repeat or nest); no sentence boundary falls strictly inside one. An empty or
    all-space text has no sentences.
    """
    n = len(text)
    first = 0
    while first < n and text[first] == " ":
        first += 1
    if first >= n:
        return []
    blocked = _Blocked(text, cites)
    run_from = _citation_starts(cites)
    spans: list[tuple[int, int]] = []
    start = first
    for match in _TERMINAL.finditer(text, first):
        at = match.start()
        if at < start or at in blocked:
            continue
        if match.end() - at == 1 and text[at] == "." and _is_abbreviation(text, at):
            continue
        end = match.end()
        while end < n and text[end] in _CLOSERS:
            end += 1
        run_end = _citation_run(text, end, run_from)
        if run_end is not None:
            end = run_end
            if end < n and text[end] in ".!?":
                end += 1
        if end >= n:
            break
        if text[end] != " " or not _starts_sentence(text, end + 1):
            continue
        spans.append((start, end))
        start = end + 1
    last = n
    while last > start and text[last - 1] == " ":
        last -= 1
    if last > start:
        spans.append((start, last))
    return spans


class _Blocked:
    """Where a sentence may not end: strictly inside a citation marker or inside a matched
    pair of brackets (as sorted, merged intervals)."""

    __slots__ = ("starts", "ends")

    def __init__(self, text: str, cites: Sequence[tuple[int, int]]) -> None:
        intervals = [(begin + 1, end) for begin, end in cites if end - begin > 1]
        stack: list[tuple[str, int]] = []
        for match in _BRACKET.finditer(text):
            char, at = match.group(), match.start()
            if char in "([":
                stack.append((char, at))
            elif stack and stack[-1][0] == _PAIRS[char]:
                _opener, opened = stack.pop()
                if at - opened <= _MAX_BRACKET:
                    intervals.append((opened + 1, at))
        intervals.sort()
        self.starts: list[int] = []
        self.ends: list[int] = []
        for begin, end in intervals:
            if self.ends and begin <= self.ends[-1]:
                self.ends[-1] = max(self.ends[-1], end)
            else:
                self.starts.append(begin)
                self.ends.append(end)

    def __contains__(self, at: int) -> bool:
        """``at`` lies in ``[begin, end)`` of an interval."""
        slot = bisect.bisect_right(self.starts, at) - 1
        return slot >= 0 and at < self.ends[slot]


def _citation_starts(cites: Sequence[tuple[int, int]]) -> dict[int, int]:
    """Each citation start and the furthest end of the citations starting there."""
    starts: dict[int, int] = {}
    for begin, end in cites:
        if end > starts.get(begin, -1):
            starts[begin] = end
    return starts


def _citation_run(text: str, at: int, run_from: dict[int, int]) -> int | None:
    """Where a numeric citation run beginning at ``at`` (after optional spaces and brackets)
    ends, closing brackets included; None when no citation starts there or the run holds
    letters (then it is the next sentence's author-year subject, not a trailing marker)."""
    n = len(text)
    cursor = at
    last = None
    while cursor < n:
        end = run_from.get(cursor)
        if end is not None and end > cursor:
            cursor = last = end
            continue
        if text[cursor] in _RUN_GLUE:
            cursor += 1
            continue
        break
    if last is None:
        return None
    while last < n and text[last] in ")]}":
        last += 1
    if any(char.isalpha() for char in text[at:last]):
        return None
    return last


def _is_abbreviation(text: str, at: int) -> bool:
    """The word ending with the full stop at ``at`` is one after which a sentence goes on."""
    begin = text.rfind(" ", 0, at) + 1
    word = text[begin:at + 1]
    while word and word[0] in _OPENERS:
        word = word[1:]
    lowered = word.lower()
    if lowered in NO_BREAK or _DOTTED.fullmatch(lowered):
        return True
    if _INITIAL.fullmatch(word):  # "R. A. Fisher": an initial next to another initial
        before = text[text.rfind(" ", 0, max(begin - 1, 0)) + 1:max(begin - 1, 0)]
        after = text[at + 2:at + 4]
        return bool(_INITIAL.fullmatch(before) or _INITIAL.fullmatch(after))
    return False


def _starts_sentence(text: str, at: int) -> bool:
    """A sentence may begin at ``at``: a capital letter or a digit, possibly after opening
    brackets or quotes."""
    n = len(text)
    while at < n and text[at] in _OPENERS:
        at += 1
    if at >= n:
        return False
    char = text[at]
    return char.isupper() or char.isdigit()
