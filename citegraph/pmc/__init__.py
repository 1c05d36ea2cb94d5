"""PMC full text: how later papers cite a work, sentence by sentence.

:mod:`citegraph.pmc.jats` reads JATS XML (``efetch db=pmc`` answers, ``.nxml`` files) into
citation contexts; :mod:`citegraph.pmc.sentences` splits a paragraph into sentences and
:mod:`citegraph.pmc.sections` names a section's kind.
"""

from .jats import (
    ERROR,
    FULL_TEXT,
    NOT_OPEN_ACCESS,
    ArticleText,
    CitationContext,
    CitedReference,
    iter_articleset,
    read_article,
)

__all__ = [
    "ERROR",
    "FULL_TEXT",
    "NOT_OPEN_ACCESS",
    "ArticleText",
    "CitationContext",
    "CitedReference",
    "iter_articleset",
    "read_article",
]
