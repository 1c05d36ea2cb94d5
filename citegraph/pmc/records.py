"""What the JATS reader gives: one :class:`ArticleText` per article (or ``Reply``) of a PMC
answer, with its :class:`CitedReference` list and its :class:`CitationContext` records, and the
article's state (:data:`FULL_TEXT`, :data:`NOT_OPEN_ACCESS`, :data:`ERROR`)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ERROR", "FULL_TEXT", "NOT_OPEN_ACCESS", "ArticleText", "CitationContext", "CitedReference"]

#: a ``<body>`` came: the article's in-text citations are in its contexts
FULL_TEXT = "full_text"
#: front matter only: the publisher does not allow the XML full text
NOT_OPEN_ACCESS = "not_open_access"
#: PMC answered ``<Reply error=...>`` for the id: unknown or withdrawn
ERROR = "error"


@dataclass(frozen=True, slots=True)
class CitedReference:
    """One entry of an article's reference list; ``pmid`` and ``doi`` are "" when absent."""

    ref_id: str
    label: str
    pmid: str
    doi: str


@dataclass(frozen=True, slots=True)
class CitationContext:
    """One in-text citation of one reference.

    ``cited_pmid`` / ``cited_doi`` come from the reference ("" when it has none, or when
    ``ref_id`` names no reference). ``section`` is one of :data:`citegraph.pmc.sections.KINDS`;
    ``section_title`` is the title of the innermost section holding the citation ("" outside
    any). ``paragraph_index`` numbers the article's text blocks from 0 in reading order (body,
    back matter, floats): every ``<p>``, and every other element (a table cell, a title) that
    holds citations outside a ``<p>``; contexts with the same index share a paragraph.
    ``sentence[cite_start:cite_end]`` is the citation's text (for a range, the whole range;
    empty for an empty ``<xref/>``). ``in_caption`` is true inside a figure's or table's
    ``<caption>``, ``in_table`` inside a table cell or table footnote.
    """

    citing_pmid: str
    citing_pmcid: str
    ref_id: str
    cited_pmid: str
    cited_doi: str
    section: str
    section_title: str
    paragraph_index: int
    sentence: str
    cite_start: int
    cite_end: int
    in_caption: bool
    in_table: bool


@dataclass(frozen=True, slots=True)
class ArticleText:
    """What one article (or one ``Reply``) of a PMC answer holds.

    ``pmid`` / ``pmcid`` ("PMC" and digits) / ``doi`` are the citing article's ("" when
    absent; for a ``Reply``, ``pmcid`` is the id it answers). ``message`` says why there is
    no full text (untrusted text from the answer for :data:`ERROR`; "" for
    :data:`FULL_TEXT`). ``references`` follow the reference list's order.
    """

    pmid: str
    pmcid: str
    doi: str
    state: str
    message: str
    references: tuple[CitedReference, ...]
    contexts: tuple[CitationContext, ...]
