"""PMC full text: how later papers cite a work, sentence by sentence.

:mod:`citegraph.pmc.jats` reads JATS XML (``efetch db=pmc`` answers, ``.nxml`` files) into
the records of :mod:`citegraph.pmc.records`; :mod:`citegraph.pmc.references` reads an article's
ids and reference list and resolves its in-text citations to references;
:mod:`citegraph.pmc.contexts` makes the citation contexts, reading the text of blocks with
:mod:`citegraph.pmc.text`; :mod:`citegraph.pmc.sentences` splits a paragraph into sentences and
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
