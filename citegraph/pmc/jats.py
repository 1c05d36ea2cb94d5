"""PMC full text (JATS XML) to citation contexts: who cites what, in which sentence.

Bytes in, plain frozen records out, no network. The input is an ``efetch db=pmc`` answer
(``<pmc-articleset>`` holding one ``<article>`` or ``<Reply error=...>`` per id) or one
article on its own (a ``.nxml`` file), as bytes, a path or a binary file object (gzip is
recognised by its magic bytes). It is read with ``lxml.etree.iterparse``, keeping one article
in memory at a time.

* :func:`iter_articleset` yields one :class:`ArticleText` per article or ``Reply``, in order.
* :func:`read_article` reads a document holding exactly one article.

Each :class:`ArticleText` has a :attr:`~ArticleText.state`: :data:`FULL_TEXT` (a ``<body>``
came: its in-text citations are in :attr:`~ArticleText.contexts`), :data:`NOT_OPEN_ACCESS`
(front matter only: the publisher does not allow the XML full text) or :data:`ERROR` (PMC
answered ``<Reply error=...>`` for the id: unknown or withdrawn).

One :class:`CitationContext` is made per cited reference per in-text citation
(``<xref ref-type="bibr">``): a ``rid`` list ("R3 R4") gives one per id, and a range, two
citations joined by a dash (``<xref rid="R3">3</xref>–<xref rid="R7">7</xref>``) or one
citation whose text is a range of reference labels ("3–7"), gives one per reference from the
first to the last in the order of the reference list.

The text of a paragraph is the text content of its element (inline markup such as italics,
superscripts and MathML contributing their text; unexpanded entities, comments and
processing instructions none), leaving out what sits in it but is not part of it: nested
paragraphs, table cells, titles and captions (their own text blocks), figures, tables, boxes and
footnotes anchored in it, and the TeX twin of a formula given in MathML too. XML whitespace
runs become one space and the ends are stripped. The ``sentence`` of a context is an exact
substring of that text (see :mod:`citegraph.pmc.sentences`).

Hardening: no DTD is loaded, nothing is fetched, no entity is expanded, libxml2's size limits
stay on (``huge_tree`` off), and a document whose DOCTYPE declares entities is refused, as no
PMC answer does. Malformed, truncated, hostile or non-JATS input raises
:class:`citegraph.errors.ParseError` naming the last complete article; the articles before it
have been yielded by then.
"""

from __future__ import annotations

import bisect
import gzip
import io
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO, Union

from lxml import etree

from ..errors import CitegraphError, ParseError
from ..identifiers import parse_identifier, parse_pmid
from . import sections
from .sentences import split_sentences
from ..xml_safety import fault_kind, parser_options

__all__ = [
    "FULL_TEXT",
    "NOT_OPEN_ACCESS",
    "ERROR",
    "CitedReference",
    "CitationContext",
    "ArticleText",
    "iter_articleset",
    "read_article",
]

Source = Union[bytes, bytearray, memoryview, str, "os.PathLike[str]", BinaryIO]

FULL_TEXT = "full_text"
NOT_OPEN_ACCESS = "not_open_access"
ERROR = "error"

_NOT_OPEN_ACCESS_MESSAGE = "front matter only: the publisher does not allow the XML full text"
_ROOTS = frozenset({"pmc-articleset", "article"})
_EVENT_TAGS = ("pmc-articleset", "article", "Reply", "ERROR")
_CONTENT_PARTS = ("body", "back", "floats-group")
#: elements that are text blocks of their own (a citation belongs to the nearest one)
_BLOCKS = frozenset({"p", "td", "th", "title", "caption", "term", "attrib"})
#: elements anchored in a text block but not part of its text
_ASIDES = frozenset({
    "fig", "fig-group", "table-wrap", "table-wrap-group", "boxed-text",
    "supplementary-material", "fn", "table-wrap-foot",
})
_SECTIONS = frozenset({"sec", "app", "app-group", "ack", "notes", "glossary", "fn-group"})
_MATHML = "{http://www.w3.org/1998/Math/MathML}"
_MATHML_SKIP = frozenset({_MATHML + "annotation", _MATHML + "annotation-xml"})
_WS = re.compile(r"[ \t\r\n]+")
_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2212"
_RANGE_GLUE = re.compile(r"^[ \t\r\n]*[\])]?[ \t\r\n]*[" + _DASHES + r"][ \t\r\n]*[\[(]?[ \t\r\n]*$")
_LABEL_RANGE = re.compile(r"^[\[(]?\s*(\w+)\s*[" + _DASHES + r"]\s*(\w+)\s*[\])]?$")
_MAX_RANGE = 200  # references one range may span; a longer "range" is a markup accident
_MAX_MESSAGE = 300
_GZIP_MAGIC = b"\x1f\x8b"
# libxml2 error codes that mean "a wrong tag" or "content after the root", not "cut short"


# --------------------------------------------------------------------------- records


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


# --------------------------------------------------------------------------- public API


def iter_articleset(source: Source) -> Iterator[ArticleText]:
    """Yield each article (and each ``Reply``) of a PMC JATS document in order, streaming.

    Raises :class:`ParseError` for malformed, truncated, hostile or non-JATS input, and for an
    NCBI ``ERROR`` answer; the articles before the fault have been yielded by then.
    """
    reader = _open(source)
    last = ""
    checked = False
    try:
        events = etree.iterparse(reader, events=("start", "end"), tag=_EVENT_TAGS, **parser_options())
        for event, elem in events:
            if not checked:
                _check_document(elem)
                checked = True
            if event == "start":
                continue
            tag = elem.tag
            if tag == "article":
                article = _article(elem)
                last = _describe(article)
            elif tag == "Reply":
                article = _reply(elem)
                last = _describe(article)
            elif tag == "ERROR":
                text = _text_of(elem)
                raise ParseError(f"NCBI returned an ERROR ({_where(last)}): {text[:_MAX_MESSAGE] or '(empty)'}")
            else:  # the pmc-articleset itself has ended
                continue
            parent = elem.getparent()
            elem.clear()
            if parent is not None:
                while elem.getprevious() is not None:
                    del parent[0]
            yield article
    except etree.XMLSyntaxError as exc:
        raise ParseError(_syntax_message(exc, reader, last)) from None
    except _ReadError as exc:
        raise ParseError(f"{exc} ({_where(last)})") from None
    finally:
        reader.close()
    root = events.root
    if root is None:  # pragma: no cover - iterparse raises on empty input
        raise ParseError("empty document: no PMC XML")
    if not checked:
        _check_document(root)


def read_article(source: Source) -> ArticleText:
    """The one article of a ``.nxml`` file or a one-id PMC answer (whose ``Reply`` counts).

    Raises :class:`ParseError` as :func:`iter_articleset` does, and when the document holds
    no article or more than one.
    """
    articles = list(iter_articleset(source))
    if len(articles) != 1:
        raise ParseError(f"expected one article, found {len(articles)}")
    return articles[0]


# --------------------------------------------------------------------------- input


class _ReadError(Exception):
    """The input stream failed (bad or cut gzip data); turned into ParseError with context."""


class _Input:
    """A binary stream for iterparse that remembers its first bytes, counts its lines and
    notes its end."""

    def __init__(self, stream: BinaryIO, owned: list) -> None:
        self._stream = stream
        self._owned = owned
        self.head = b""
        self.eof = False
        self.lines = 1

    def read(self, size: int = -1) -> bytes:
        try:
            chunk = self._stream.read(size)
        except EOFError:
            raise _ReadError("truncated gzip input") from None
        except OSError as exc:  # includes gzip.BadGzipFile
            raise _ReadError(f"cannot read PMC XML input: {exc}") from None
        if not chunk:
            self.eof = True
            return b""
        if len(self.head) < 200:
            self.head += bytes(chunk[: 200 - len(self.head)])
        self.lines += chunk.count(b"\n")
        return chunk

    def close(self) -> None:
        for stream in reversed(self._owned):
            stream.close()


def _open(source: Source) -> _Input:
    owned: list = []
    if isinstance(source, (bytes, bytearray, memoryview)):
        stream: BinaryIO = io.BytesIO(bytes(source))
    elif isinstance(source, (str, os.PathLike)):
        try:
            stream = open(source, "rb")
        except OSError as exc:
            raise ParseError(f"cannot open PMC XML file {os.fspath(source)[:200]!r}: {exc.strerror}") from None
        owned.append(stream)
    elif hasattr(source, "read"):
        stream = source
    else:
        raise TypeError(f"iter_articleset() needs bytes, a path or a binary file, not {type(source).__name__}")
    if not hasattr(stream, "peek"):
        stream = io.BufferedReader(_RawAdapter(stream))  # type: ignore[arg-type]
    magic = stream.peek(2)[:2]  # type: ignore[attr-defined]
    if isinstance(magic, str):
        raise TypeError("iter_articleset() needs a binary file object, not a text one")
    if magic == _GZIP_MAGIC:
        stream = gzip.GzipFile(fileobj=stream, mode="rb")  # type: ignore[assignment]
        owned.append(stream)
    return _Input(stream, owned)


class _RawAdapter(io.RawIOBase):
    """Any object with ``read(size)`` as a raw stream, so it can be buffered and peeked."""

    def __init__(self, stream) -> None:
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._stream.read(len(buffer))
        if isinstance(data, str):
            raise TypeError("iter_articleset() needs a binary file object, not a text one")
        buffer[: len(data)] = data
        return len(data)


def _check_document(elem) -> None:
    """Refuse entity declarations, and roots other than ``pmc-articleset`` / ``article`` (an
    NCBI ``ERROR`` element is let through: it is reported with its own message)."""
    tree = elem.getroottree()
    dtd = tree.docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise ParseError("refused: the DOCTYPE declares entities (no PMC answer does)")
    root = tree.getroot()
    if root.tag not in _ROOTS and elem.tag != "ERROR":
        raise ParseError(f"not PMC XML: root element <{_plain(str(root.tag))[:80]}>")


# --------------------------------------------------------------------------- articles


def _article(elem) -> ArticleText:
    pmid, pmcid, doi = _article_ids(elem.find("front/article-meta"))
    references = _references(elem)
    if elem.find("body") is None:
        return ArticleText(pmid, pmcid, doi, NOT_OPEN_ACCESS, _NOT_OPEN_ACCESS_MESSAGE, references, ())
    contexts = tuple(_contexts(elem, pmid, pmcid, references))
    return ArticleText(pmid, pmcid, doi, FULL_TEXT, "", references, contexts)


def _reply(elem) -> ArticleText:
    raw_id = _plain(elem.get("Id") or elem.get("id") or "")
    message = _plain(elem.get("error") or "") or "PMC answered without an article"
    return ArticleText("", _pmcid(raw_id) or raw_id[:40], "", ERROR, message[:_MAX_MESSAGE], (), ())


def _article_ids(meta) -> tuple[str, str, str]:
    pmid = pmcid = doi = ""
    if meta is None:
        return pmid, pmcid, doi
    for node in meta.iterchildren("article-id"):
        kind = node.get("pub-id-type")
        text = _plain(_text_of(node))
        if kind == "pmid" and not pmid:
            pmid = _pmid(text)
        elif kind in ("pmc", "pmcid") and not pmcid:
            pmcid = _pmcid(text)
        elif kind == "doi" and not doi:
            doi = _doi(text)
    return pmid, pmcid, doi


def _references(article) -> tuple[CitedReference, ...]:
    refs = []
    for ref in article.iter("ref"):
        ref_id = ref.get("id")
        if not ref_id:
            continue
        label = ref.find("label")
        pmid = doi = ""
        for node in ref.iter("pub-id", "ext-link"):
            if node.tag == "pub-id":
                kind = node.get("pub-id-type")
            else:
                kind = "pmid" if node.get("ext-link-type") == "pubmed" else None
            if kind == "pmid" and not pmid:
                pmid = _pmid(_plain(_text_of(node)))
            elif kind == "doi" and not doi:
                doi = _doi(_plain(_text_of(node)))
        refs.append(CitedReference(ref_id, _plain(_text_of(label)) if label is not None else "", pmid, doi))
    return tuple(refs)


def _pmid(text: str) -> str:
    try:
        return parse_pmid(text)
    except CitegraphError:
        return ""


def _pmcid(text: str) -> str:
    digits = text[3:] if text[:3].upper() == "PMC" else text
    return f"PMC{int(digits)}" if digits.isascii() and digits.isdigit() and 0 < len(digits) <= 9 else ""


def _doi(text: str) -> str:
    try:
        ident = parse_identifier(text)
    except CitegraphError:
        return ""
    return ident.value if ident.kind == "doi" else ""


# --------------------------------------------------------------------------- contexts


@dataclass(slots=True)
class _Citation:
    """One ``xref`` naming references, with the references it stands for."""

    xref: object
    ref_ids: list[str]
    # the citation that ends the range this one opens: its span extends to that one's end
    range_end: object = None


def _contexts(article, pmid: str, pmcid: str, references: tuple[CitedReference, ...]) -> Iterator[CitationContext]:
    by_id = {ref.ref_id: ref for ref in references}
    order = {ref.ref_id: at for at, ref in enumerate(references)}
    by_label: dict[str, int] = {}
    for at, ref in enumerate(references):
        by_label.setdefault(ref.label, at)
    parts = [child for child in article if child.tag in _CONTENT_PARTS]

    citations = [c for part in parts for c in _citations(part, by_id)]
    _expand_ranges(citations, references, order, by_label)
    blocks: dict[object, list[_Citation]] = {}
    for citation in citations:
        blocks.setdefault(_block_of(citation.xref), []).append(citation)
    index = _number_blocks(parts, blocks)

    for block, cited in blocks.items():
        wanted = {c.xref for c in cited} | {c.range_end for c in cited if c.range_end is not None}
        text, marks = _block_text(block, wanted)
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


def _citations(part, by_id: dict) -> Iterator[_Citation]:
    """The part's bibliographic ``xref``s in document order: ``ref-type="bibr"``, or no
    ``ref-type`` and every ``rid`` naming a reference."""
    for xref in part.iter("xref"):
        kind = xref.get("ref-type")
        ids = list(dict.fromkeys((xref.get("rid") or "").split()))
        if not ids:
            continue
        if kind == "bibr" or (kind is None and all(i in by_id for i in ids)):
            yield _Citation(xref, ids)


def _expand_ranges(citations: list[_Citation], references, order: dict, by_label: dict) -> None:
    """Give each range opener the references up to the range's end (in reference-list order).

    A range is two single-reference citations joined by nothing but a dash (brackets around
    either allowed), or one single-reference citation whose text is "3–7" where 3 is its
    reference's label and 7 another's.
    """
    following = {id(c.xref): citations[at + 1] for at, c in enumerate(citations[:-1])}
    for citation in citations:
        if len(citation.ref_ids) != 1:
            continue
        first = order.get(citation.ref_ids[0])
        if first is None:
            continue
        nxt = following.get(id(citation.xref))
        partner = _range_partner(citation.xref)
        if nxt is not None and partner is nxt.xref and len(nxt.ref_ids) == 1:
            last = order.get(nxt.ref_ids[0])
            if last is not None and first < last <= first + _MAX_RANGE:
                citation.ref_ids += [ref.ref_id for ref in references[first + 1:last]]
                citation.range_end = nxt.xref
            continue
        match = _LABEL_RANGE.match(_plain(_text_of(citation.xref)))
        if match and references[first].label.strip("[]() .") == match.group(1):
            last = by_label.get(match.group(2))
            if last is None:
                last = by_label.get(f"[{match.group(2)}]")
            if last is not None and first < last <= first + _MAX_RANGE:
                citation.ref_ids += [ref.ref_id for ref in references[first + 1:last + 1]]


def _range_partner(xref):
    """The ``xref`` a dash after this one leads to, or None.

    The dash is this xref's tail, or the tail of an inline wrapper (``sup``...) holding only
    this xref; the partner is the next sibling, or the only xref of the next wrapper.
    """
    node = xref
    while (node.tail is None or not node.tail.strip()) and node.getnext() is None:
        parent = node.getparent()
        if parent is None or parent.tag in _BLOCKS or len(parent) != 1 or (parent.text or "").strip():
            return None
        node = parent
    if not node.tail or not _RANGE_GLUE.match(node.tail):
        return None
    nxt = node.getnext()
    while nxt is not None and nxt.tag != "xref":
        if len(nxt) != 1 or (nxt.text or "").strip() or nxt.tag in _BLOCKS:
            return None
        nxt = nxt[0]
    return nxt


def _block_of(xref):
    """The text block a citation belongs to: the nearest enclosing block or aside, else its
    parent."""
    for ancestor in xref.iterancestors():
        tag = ancestor.tag
        if tag in _BLOCKS or tag in _ASIDES:
            return ancestor
        if tag in _CONTENT_PARTS or tag in _SECTIONS:
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
        if tag in _CONTENT_PARTS:
            part = ancestor
            break
        top = ancestor
        if tag in _SECTIONS:
            title = ancestor.find("title")
            text = _plain(_text_of(title)) if title is not None else ""
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
        elif tag in _CONTENT_PARTS:
            break
    return caption, table


# --------------------------------------------------------------------------- text


class _Builder:
    """Text with XML whitespace runs collapsed to one space and the ends stripped, built
    piece by piece, with the spans of marked elements in the result."""

    __slots__ = ("parts", "length", "space", "pending")

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.space = False
        self.pending: list[list[int]] = []  # marks whose start waits for the next character

    def add(self, text: str) -> None:
        text = _WS.sub(" ", text)
        if text[:1] == " ":
            self.space = self.space or self.length > 0
            text = text[1:]
        trailing = text[-1:] == " "
        if trailing:
            text = text[:-1]
        if text:
            if self.space:
                self.parts.append(" ")
                self.length += 1
            for mark in self.pending:
                mark[0] = self.length
            self.pending.clear()
            self.parts.append(text)
            self.length += len(text)
            self.space = False
        if trailing:
            self.space = self.length > 0

    def text(self) -> str:
        return "".join(self.parts)


def _block_text(block, wanted: set) -> tuple[str, dict]:
    """The block's text (see the module's contract) and the ``(start, end)`` span in it of
    each element of ``wanted`` met on the way."""
    builder = _Builder()
    marks: dict = {}
    _walk(block, builder, wanted, marks)
    return builder.text(), marks


def _walk(elem, builder: _Builder, wanted: set, marks: dict) -> None:
    if elem.text:
        builder.add(elem.text)
    for child in elem:
        tag = child.tag
        if isinstance(tag, str) and not _left_out(child, tag):
            if child in wanted:
                mark = [-1]
                builder.pending.append(mark)
                _walk(child, builder, wanted, marks)
                if any(m is mark for m in builder.pending):  # no text inside: an empty span
                    builder.pending[:] = [m for m in builder.pending if m is not mark]
                    mark[0] = builder.length
                marks[child] = (mark[0], builder.length)
            else:
                _walk(child, builder, wanted, marks)
        if child.tail:
            builder.add(child.tail)


def _left_out(child, tag: str) -> bool:
    if tag in _BLOCKS or tag in _ASIDES or tag in _MATHML_SKIP:
        return True
    if tag == "tex-math":
        parent = child.getparent()
        return parent is not None and parent.tag == "alternatives" and any(
            sib.tag == _MATHML + "math" for sib in parent
        )
    return False


def _text_of(elem) -> str:
    """All text content of an element (no entities, comments or processing instructions)."""
    if elem is None:
        return ""
    builder = _Builder()
    _walk_all(elem, builder)
    return builder.text()


def _walk_all(elem, builder: _Builder) -> None:
    if elem.text:
        builder.add(elem.text)
    for child in elem:
        if isinstance(child.tag, str) and child.tag not in _MATHML_SKIP:
            _walk_all(child, builder)
        if child.tail:
            builder.add(child.tail)


def _plain(text: str) -> str:
    """Collapse XML whitespace runs and strip."""
    return " ".join(part for part in re.split(r"[ \t\r\n]+", text) if part)


# --------------------------------------------------------------------------- errors


def _describe(article: ArticleText) -> str:
    if article.pmcid and article.pmid:
        return f"{article.pmcid} (PMID {article.pmid})"
    if article.pmcid or article.pmid:
        return article.pmcid or f"PMID {article.pmid}"
    return "an article without ids"


def _where(last: str) -> str:
    return f"after {last}" if last else "before the first article"


def _head(reader: _Input) -> str:
    text = _plain(reader.head[:80].decode("utf-8", "replace"))
    return f" (input starts with {text!r})" if text else ""


def _syntax_message(exc: etree.XMLSyntaxError, reader: _Input, last: str) -> str:
    if not reader.head.strip():
        return "empty document: no PMC XML"
    if reader.head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] != b"<":
        return f"not XML{_head(reader)}"
    kind = fault_kind(exc, eof=reader.eof, lines=reader.lines)
    return f"{kind} {_where(last)} (line {exc.lineno or 0}): {_plain(str(exc.msg))[:200]}"
