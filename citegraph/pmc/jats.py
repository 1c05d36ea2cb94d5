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
first to the last in the order of the reference list (:mod:`citegraph.pmc.references`).

The text of a paragraph is the text content of its element, leaving out what sits in it but
is not part of it (:mod:`citegraph.pmc.text`). The ``sentence`` of a context is an exact
substring of that text (see :mod:`citegraph.pmc.sentences`; the contexts are made by
:mod:`citegraph.pmc.contexts`).

Hardening: no DTD is loaded, nothing is fetched, no entity is expanded, libxml2's size limits
stay on (``huge_tree`` off), and a document whose DOCTYPE declares entities is refused, as no
PMC answer does. Malformed, truncated, hostile or non-JATS input raises
:class:`citegraph.errors.ParseError` naming the last complete article; the articles before it
have been yielded by then.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from typing import BinaryIO

from lxml import etree

from ..errors import ParseError
from ..xml_input import ReadError, Source, open_source
from ..xml_safety import parser_options, syntax_fault
from .contexts import citation_contexts
from .records import ERROR, FULL_TEXT, NOT_OPEN_ACCESS, ArticleText, CitationContext, CitedReference
from .references import article_ids, pmcid_of, reference_list
from .text import plain_text, text_of

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

_NOT_OPEN_ACCESS_MESSAGE = "front matter only: the publisher does not allow the XML full text"
_ROOTS = frozenset({"pmc-articleset", "article"})
_EVENT_TAGS = ("pmc-articleset", "article", "Reply", "ERROR")
_MAX_MESSAGE = 300


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
                text = text_of(elem)
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
        raise ParseError(syntax_fault(exc, head=reader.head, eof=reader.eof, lines=reader.lines, document="PMC XML",
                                      where=_where(last), detail=plain_text(str(exc.msg))[:200])) from None
    except ReadError as exc:
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
            raise ReadError("truncated gzip input") from None
        except OSError as exc:  # includes gzip.BadGzipFile
            raise ReadError(f"cannot read PMC XML input: {exc}") from None
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
    opened = open_source(source, document="PMC XML", caller="iter_articleset()")
    stream = opened.stream
    if opened.gzip:
        stream = gzip.GzipFile(fileobj=stream, mode="rb")  # type: ignore[assignment]
        opened.owned.append(stream)
    return _Input(stream, opened.owned)


def _check_document(elem) -> None:
    """Refuse entity declarations, and roots other than ``pmc-articleset`` / ``article`` (an
    NCBI ``ERROR`` element is let through: it is reported with its own message)."""
    tree = elem.getroottree()
    dtd = tree.docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise ParseError("refused: the DOCTYPE declares entities (no PMC answer does)")
    root = tree.getroot()
    if root.tag not in _ROOTS and elem.tag != "ERROR":
        raise ParseError(f"not PMC XML: root element <{plain_text(str(root.tag))[:80]}>")


# --------------------------------------------------------------------------- articles


def _article(elem) -> ArticleText:
    pmid, pmcid, doi = article_ids(elem.find("front/article-meta"))
    references = reference_list(elem)
    if elem.find("body") is None:
        return ArticleText(pmid, pmcid, doi, NOT_OPEN_ACCESS, _NOT_OPEN_ACCESS_MESSAGE, references, ())
    contexts = tuple(citation_contexts(elem, pmid, pmcid, references))
    return ArticleText(pmid, pmcid, doi, FULL_TEXT, "", references, contexts)


def _reply(elem) -> ArticleText:
    raw_id = plain_text(elem.get("Id") or elem.get("id") or "")
    message = plain_text(elem.get("error") or "") or "PMC answered without an article"
    return ArticleText("", pmcid_of(raw_id) or raw_id[:40], "", ERROR, message[:_MAX_MESSAGE], (), ())


# --------------------------------------------------------------------------- errors


def _describe(article: ArticleText) -> str:
    if article.pmcid and article.pmid:
        return f"{article.pmcid} (PMID {article.pmid})"
    if article.pmcid or article.pmid:
        return article.pmcid or f"PMID {article.pmid}"
    return "an article without ids"


def _where(last: str) -> str:
    return f"after {last}" if last else "before the first article"
