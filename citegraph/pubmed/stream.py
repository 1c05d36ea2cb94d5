"""The streaming PubMed reader: ``lxml.etree.iterparse`` over any input, keeping only the
record being read.

:func:`open_stream` opens bytes, a path or a binary file object (gzip recognised by its magic
bytes) as a :class:`StreamReader`; :func:`iterate_stream` yields its records in file order and
raises :class:`~citegraph.errors.ParseError` for malformed, truncated or non-PubMed input and
for an NCBI ``ERROR`` element, naming what went wrong and where, after yielding every record
before the fault.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO

from lxml import etree

from ..errors import ParseError
from ..models import Article, DeletedCitations
from ..xml_input import ReadError, Source, open_source
from ..xml_safety import input_starts_with, parser_options, plain_text, syntax_fault
from .cutting import TAG_END, plain_prolog, prolog_end, records_are_plain
from .gunzip import Gunzip
from .record import article_from_element, book_article_from_element
from .results import ROOT_TAGS, SkippedRecord, deleted_citations, serialize, where
from .text import BadRecord

__all__ = ["RECORD_END", "StreamReader", "iterate_stream", "open_stream"]

_RECORD_TAGS = ("PubmedArticle", "PubmedBookArticle", "DeleteCitation", "ERROR")
_KEEP = 1 << 20  # unclaimed input kept before compacting the slicing buffer
#: where the streaming reader cuts its reads (see StreamReader)
RECORD_END = re.compile(rb"</(?:PubmedArticle|PubmedBookArticle|DeleteCitation)>")
#: the most bytes of a record end tag that can end a read of the stream
_HOLD = len(b"</PubmedBookArticle>") - 1
_READ_BYTES = 1 << 15


class StreamReader:
    """A binary stream for iterparse that remembers the first bytes, counts lines and EOF.

    Each :meth:`read` gives the input up to and including the next record end tag at most, so
    a record's end and anything after it never reach the parser in the same call. The parser
    may drop every event of a call that ends in an error (lxml 6 does, lxml 5 does not): with
    these cuts such a call never holds a complete record, so every record before a fault is
    yielded whichever lxml runs.

    It also keeps the bytes not yet claimed by a record, so that each record's ``raw_xml`` can
    be cut from the input exactly as received (:meth:`take`) instead of re-serialised.
    """

    __slots__ = ("_stream", "_owned", "head", "lines", "eof", "_buf", "_pos", "slicing",
                 "_pending", "_at", "_drained")

    def __init__(self, stream: BinaryIO, owned: list, whole: bytes | None = None) -> None:
        self._stream = stream
        self._owned = owned
        self.head = b""
        self.lines = 1
        self.eof = False
        #: None: not decided yet (at the first record); False: re-serialise every record
        self.slicing: bool | None = None
        self._buf: bytes | bytearray = whole if whole is not None else bytearray()
        self._pos = 0
        # input read from the stream and not yet handed to the parser: _pending[_at:]
        self._pending = b""
        self._at = 0
        self._drained = False

    def _read_stream(self, size: int) -> bytes:
        try:
            return self._stream.read(size)
        except ReadError:
            raise
        except EOFError as exc:  # gzip stream cut short
            raise ReadError(f"truncated gzip input: {exc}") from None
        except OSError as exc:  # includes gzip.BadGzipFile
            raise ReadError(f"cannot read PubMed XML input: {exc}") from None

    def read(self, size: int = -1) -> bytes:
        size = size if size and size > 0 else _READ_BYTES
        # an end tag may straddle two reads of the stream: the last _HOLD bytes wait for more
        while not self._drained and len(self._pending) - self._at <= _HOLD:
            more = self._read_stream(size)
            if not more:
                self._drained = True
            else:
                if len(self.head) < 200:
                    self.head += more[:200]
                self._pending = self._pending[self._at:] + more
                self._at = 0
        data, at = self._pending, self._at
        if at >= len(data):
            self.eof = True
            return b""
        match = RECORD_END.search(data, at)
        if match is not None:
            end = match.end()
        else:
            end = len(data) if self._drained else len(data) - _HOLD
        chunk = data[at:end]
        self._at = end
        self.lines += chunk.count(b"\n")
        if self.slicing is not False and type(self._buf) is bytearray:
            self._buf += chunk
        return chunk

    def take(self, tag: bytes) -> bytes | None:
        """The bytes of the next ``<tag ...>...</tag>`` element after the last one taken.

        Called at the element's end event, when the parser has read all of it. Returns None
        (and stops slicing) when the input is not one that can be cut exactly: another encoding
        than UTF-8, or entity declarations in the DOCTYPE that a lone record could not resolve.
        """
        buf = self._buf
        start = buf.find(b"<" + tag, self._pos)
        while start >= 0 and buf[start + 1 + len(tag)] not in TAG_END:
            start = buf.find(b"<" + tag, start + 1)
        if self.slicing is None:
            self.slicing = start >= 0 and plain_prolog(bytes(buf[:start]))
        if not self.slicing:
            self._buf = bytearray()
            return None
        close = b"</" + tag + b">"
        end = buf.find(close, start)
        if end < 0:
            self.slicing = False
            self._buf = bytearray()
            return None
        end += len(close)
        # a comment (or the like) since the last record may hold the tag: then the cut is not
        # to be trusted, and the caller serialises this record instead
        plain = records_are_plain(buf, self._pos or prolog_end(bytes(buf[:start])), end)
        raw = bytes(buf[start:end])
        self._pos = end
        if type(buf) is bytearray and end > _KEEP:
            del buf[:end]
            self._pos = 0
        return raw if plain else None

    def stop_slicing(self) -> None:
        """Re-serialise every record from now on."""
        self.slicing = False
        self._buf = bytearray()

    def close(self) -> None:
        for stream in reversed(self._owned):
            stream.close()


def open_stream(source: Source) -> StreamReader:
    """``source`` (bytes, a path, a binary file object; plain or gzip) ready for
    :func:`iterate_stream`; a path that cannot be opened raises :class:`ParseError`."""
    opened = open_source(source, document="PubMed XML", caller="iter_articles()")
    stream, whole = opened.stream, opened.whole
    if opened.gzip:
        stream = Gunzip(stream)
        opened.owned.append(stream)
        whole = None
    return StreamReader(stream, opened.owned, whole)


def iterate_stream(reader: StreamReader,
                   deletions: bool) -> Iterator[Article | DeletedCitations | SkippedRecord]:
    """The records of ``reader`` in file order (``DeleteCitation`` entries with ``deletions``);
    a record that cannot be stored comes out as a :class:`SkippedRecord`."""
    events = etree.iterparse(reader, events=("end",), tag=_RECORD_TAGS, **parser_options())
    last_pmid = ""
    position = 0
    checked_root = False
    try:
        for _event, elem in events:
            parent = elem.getparent()
            if not checked_root:
                root_tag = elem.tag if parent is None else parent.tag
                if parent is not None and root_tag not in ROOT_TAGS and elem.tag != "ERROR":
                    raise ParseError(f"not PubMed XML: <{elem.tag}> inside <{root_tag}>")
                checked_root = True
            tag = elem.tag
            records: list[Article | DeletedCitations | SkippedRecord]
            if tag == "PubmedArticle" or tag == "PubmedBookArticle":
                position += 1
                raw = reader.take(tag.encode()) if reader.slicing is not False else None
                build = article_from_element if tag == "PubmedArticle" else book_article_from_element
                try:
                    article = build(elem, raw or serialize(elem))
                except BadRecord as exc:
                    records = [SkippedRecord(position, last_pmid, str(exc))]
                else:
                    last_pmid = article.pmid
                    if raw is not None and (b">" + last_pmid.encode() + b"</PMID>") not in raw:
                        reader.stop_slicing()  # the cut is not this record: never guess, re-serialise
                        article.raw_xml = serialize(elem)
                    records = [article]
            elif tag == "DeleteCitation":
                records = deleted_citations(elem, last_pmid) if deletions else []
            else:  # ERROR
                message = plain_text("".join(elem.itertext())) or "(empty ERROR element)"
                raise ParseError(f"NCBI returned an ERROR ({where(last_pmid)}): {message}")
            elem.clear()
            if parent is not None:
                while elem.getprevious() is not None:
                    del parent[0]
            yield from records
    except etree.XMLSyntaxError as exc:
        raise ParseError(syntax_fault(exc, head=reader.head, eof=reader.eof, lines=reader.lines,
                                      document="PubMed XML", where=where(last_pmid), detail=exc.msg)) from None
    except ReadError as exc:
        raise ParseError(f"{exc} ({where(last_pmid)})") from None
    root = events.root
    if root is None:  # pragma: no cover - iterparse raises on empty input
        raise ParseError("empty document: no PubMed XML")
    if root.tag not in ROOT_TAGS and root.tag not in _RECORD_TAGS:
        raise ParseError(f"not PubMed XML: root element <{root.tag}>{input_starts_with(reader.head)}")
