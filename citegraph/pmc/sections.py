"""A JATS section's kind: introduction, methods, results, discussion or other.

:func:`section_kind` reads one section's ``sec-type`` attribute and title; :func:`classify`
reads the nest of sections around a paragraph, outermost first, and takes the first one that
says what it is, so "Statistical analysis" inside "Materials and methods" is methods and
"Conclusions" inside "Discussion" is discussion.

Titles are matched on their words, in order, the first known word deciding ("Results and
discussion" is results, "Patients and methods" and "Materials and methods" are methods,
"Background" is introduction, "Conclusions" is discussion, "Appendix B" and "Supplementary
material" are other whatever they hold); leading numbering ("2.",
"III.") and punctuation do not matter, and a title of more than six words says nothing (it
names a topic, not a part of the paper).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = [
    "INTRODUCTION",
    "METHODS",
    "RESULTS",
    "DISCUSSION",
    "OTHER",
    "KINDS",
    "section_kind",
    "classify",
]

INTRODUCTION = "introduction"
METHODS = "methods"
RESULTS = "results"
DISCUSSION = "discussion"
OTHER = "other"
#: every kind, in the order of a paper
KINDS = (INTRODUCTION, METHODS, RESULTS, DISCUSSION, OTHER)

_WORDS = {
    "introduction": INTRODUCTION,
    "intro": INTRODUCTION,
    "background": INTRODUCTION,
    "backgrounds": INTRODUCTION,
    "methods": METHODS,
    "method": METHODS,
    "methodology": METHODS,
    "methodologies": METHODS,
    "materials": METHODS,
    "patients": METHODS,
    "subjects": METHODS,
    "participants": METHODS,
    "experimental": METHODS,
    "results": RESULTS,
    "result": RESULTS,
    "findings": RESULTS,
    "discussion": DISCUSSION,
    "discussions": DISCUSSION,
    "conclusion": DISCUSSION,
    "conclusions": DISCUSSION,
    "concluding": DISCUSSION,
    # back matter and asides: other, whatever the sections inside them say
    "appendix": OTHER,
    "appendices": OTHER,
    "supplementary": OTHER,
    "supplemental": OTHER,
    "supporting": OTHER,
    "additional": OTHER,
    "acknowledgements": OTHER,
    "acknowledgments": OTHER,
    "abbreviations": OTHER,
    "funding": OTHER,
    "competing": OTHER,
    "contributions": OTHER,
}
# JATS sec-type values beyond the words above ("materials|methods" splits on "|")
_SEC_TYPES = {"cases": OTHER, "supplementary-material": OTHER, "intro": INTRODUCTION}
_MAX_TITLE_WORDS = 6
_WORD = re.compile(r"[^\W\d_]+")


def section_kind(sec_type: str | None, title: str | None) -> str | None:
    """The kind one section declares by its ``sec-type`` (preferred) or its title, or None
    when neither says (a topical title such as "Viral evolution")."""
    if sec_type:
        for part in re.split(r"[|,;\s]+", sec_type.strip().lower()):
            kind = _SEC_TYPES.get(part) or _WORDS.get(part)
            if kind is not None:
                return kind
    if title:
        words = _WORD.findall(title.lower())
        if 0 < len(words) <= _MAX_TITLE_WORDS:
            for word in words:
                kind = _WORDS.get(word)
                if kind is not None:
                    return kind
    return None


def classify(sections: Iterable[tuple[str | None, str | None]], *, before_first_section: bool = False) -> str:
    """The kind of a paragraph from its enclosing sections' ``(sec-type, title)`` pairs,
    outermost first: the first section that declares a kind gives it; none gives
    :data:`OTHER`, except for a paragraph outside any section that comes before the body's
    first section (``before_first_section``), which is the untitled opening of the paper:
    :data:`INTRODUCTION`."""
    seen = False
    for sec_type, title in sections:
        seen = True
        kind = section_kind(sec_type, title)
        if kind is not None:
            return kind
    if not seen and before_first_section:
        return INTRODUCTION
    return OTHER
