"""An article's citation contexts: one :class:`CitationContext` per cited reference per in-text
citation, with its sentence, paragraph, section and placement.

The text of a paragraph is as :mod:`citegraph.pmc.text` reads it; the ``sentence`` of a
context is an exact substring of that text (see :mod:`citegraph.pmc.sentences`), and the
section kind is :func:`citegraph.pmc.sections.classify`'s.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator

from . import sections
from .records import CitationContext, CitedReference
from .references import Citation, citations_in, expand_ranges
from .sentences import split_sentences
from .text import ASIDES, BLOCKS, CONTENT_PARTS, SECTIONS, block_text, plain_text, text_of

__all__ = ["citation_contexts"]


def citation_contexts(article, pmid: str, pmcid: str,
                      references: tuple[CitedReference, ...]) -> Iterator[CitationContext]:
    """The contexts of every in-text citation of ``article`` (an ``<article>`` element whose
    ids are ``pmid`` and ``pmcid`` and whose reference list is ``references``), grouped by
    text block; a citation naming no listed reference gives a context with empty cited ids."""
    by_id = {ref.ref_id: ref for ref in references}
    order = {ref.ref_id: at for at, ref in enumerate(references)}
    by_label: dict[str, int] = {}
    for at, ref in enumerate(references):
        by_label.setdefault(ref.label, at)
    parts = [child for child in article if child.tag in CONTENT_PARTS]

    citations = [c for part in parts for c in citations_in(part, by_id)]
    expand_ranges(citations, references, order, by_label)
    blocks: dict[object, list[Citation]] = {}
    for citation in citations:
        blocks.setdefault(_block_of(citation.xref), []).append(citation)
    index = _number_blocks(parts, blocks)

    for block, cited in blocks.items():
        wanted = {c.xref for c in cited} | {c.range_end for c in cited if c.range_end is not None}
        text, marks = block_text(block, wanted)
        spans = []
        for citation in cited:
            start, end = marks.get(citation.xref, (0, 0))
            if citation.range_end is not None and citation.range_end in marks:
                end = max(end, marks[citation.range_end][1])
            spans.append((start, end))
        sentences = split_sentences(text, spans) or [(0, 0)]
        starts = [s for s, _e in sentences]
        kind, title = _section_of(block)
        caption, table = _placement(block)
        for citation, (start, end) in zip(cited, spans):
            s_start, s_end = sentences[max(0, bisect.bisect_right(starts, start) - 1)]
            sentence = text[s_start:s_end]
            c_start = min(max(start - s_start, 0), len(sentence))
            c_end = min(max(end - s_start, c_start), len(sentence))
            for ref_id in citation.ref_ids:
                ref = by_id.get(ref_id)
                yield CitationContext(
                    citing_pmid=pmid,
                    citing_pmcid=pmcid,
                    ref_id=ref_id,
                    cited_pmid=ref.pmid if ref else "",
                    cited_doi=ref.doi if ref else "",
                    section=kind,
                    section_title=title,
                    paragraph_index=index[block],
                    sentence=sentence,
                    cite_start=c_start,
                    cite_end=c_end,
                    in_caption=caption,
                    in_table=table,
                )


def _block_of(xref):
    """The text block a citation belongs to: the nearest enclosing block or aside, else its
    parent."""
    for ancestor in xref.iterancestors():
        tag = ancestor.tag
        if tag in BLOCKS or tag in ASIDES:
            return ancestor
        if tag in CONTENT_PARTS or tag in SECTIONS:
            break
    return xref.getparent()


def _number_blocks(parts, blocks: dict) -> dict:
    """Reading-order positions of every ``<p>`` and of the other blocks holding citations."""
    index = {}
    counter = 0
    for part in parts:
        for elem in part.iter():
            if elem.tag == "p" or elem in blocks:
                index[elem] = counter
                counter += 1
    return index


def _section_of(block) -> tuple[str, str]:
    """The block's section kind and the title of its innermost section."""
    path: list[tuple[str | None, str | None]] = []
    innermost_title = ""
    top = block
    part = None
    for ancestor in block.iterancestors():
        tag = ancestor.tag
        if tag in CONTENT_PARTS:
            part = ancestor
            break
        top = ancestor
        if tag in SECTIONS:
            title = ancestor.find("title")
            text = plain_text(text_of(title)) if title is not None else ""
            if not path:
                innermost_title = text
            path.append((ancestor.get("sec-type"), text))
    path.reverse()
    opening = (
        not path
        and part is not None
        and part.tag == "body"
        and not any(sib.tag == "sec" for sib in top.itersiblings(preceding=True))
        and any(sib.tag == "sec" for sib in top.itersiblings())
    )
    return sections.classify(path, before_first_section=opening), innermost_title


def _placement(block) -> tuple[bool, bool]:
    """(in a caption, in a table cell or table footnote)."""
    caption = block.tag == "caption"
    table = block.tag in ("td", "th")
    for ancestor in block.iterancestors():
        tag = ancestor.tag
        if tag == "caption":
            caption = True
        elif tag in ("td", "th", "table-wrap-foot"):
            table = True
        elif tag in CONTENT_PARTS:
            break
    return caption, table
