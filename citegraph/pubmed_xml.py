"""PubMed XML (efetch responses, baseline and update files) to :mod:`citegraph.models`.

Bytes in, models out, no network. A file is read in pieces of whole records of about 1 MB
(gunzipped and cut on a helper thread, :mod:`citegraph.pubmed_chunks`), each parsed in one
``fromstring`` call, so a 233 MB update file costs no more memory than a piece; anything
unusual (damage, an ERROR element, another root) goes to the streaming reader
(``lxml.etree.iterparse``), which keeps only the record being read and words the errors.

* :func:`iter_articles` streams ``PubmedArticle`` / ``PubmedBookArticle`` (and, on request,
  ``DeleteCitation``) from bytes, a file path (plain or gzip) or a binary file object.
* :func:`parse_articles` reads one whole efetch response body.
* :func:`parse_record` re-reads one stored record (``Article.raw_xml``).

Each record's ``raw_xml`` is cut from the input bytes exactly as received (checked against
its PMID), which costs a byte search instead of a re-serialisation; inputs where a lone record
would not read the same (another encoding than UTF-8, entities declared in the DOCTYPE) are
re-serialised instead. Gzip input is decompressed on a helper thread, overlapping the parse.

Malformed, truncated or non-PubMed input raises :class:`citegraph.errors.ParseError` naming
what went wrong and where; records before the error have already been yielded. A well-formed
record that cannot be stored (no PMID, or one that is not a PubMed id) is a
:class:`SkippedRecord`: named, and the records after it are read. The parser never loads a
DTD, never touches the network and never expands entities.
"""

from __future__ import annotations

import io
import os
import queue
import re
import threading
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO, Union

from lxml import etree

from .errors import ParseError
from .identifiers import pmid_or_none
from .models import Article, DeletedCitations
from .pubmed_chunks import iter_pieces
from .pubmed_xml_record import BadRecord, article_from_element, book_article_from_element, not_a_pmid, plain_text
from .xml_safety import fault_kind, parser_options

__all__ = ["Placement", "Records", "SkippedRecord", "iter_articles", "parse_articles", "parse_record"]

Source = Union[bytes, bytearray, str, "os.PathLike[str]", BinaryIO]

_RECORD_TAGS = ("PubmedArticle", "PubmedBookArticle", "DeleteCitation", "ERROR")
_ROOT_TAGS = frozenset({"PubmedArticleSet", "PubmedBookArticleSet"})
_GZIP_MAGIC = b"\x1f\x8b"
# libxml2 error codes that mean "a tag was never closed" rather than "a wrong tag"



_local = threading.local()
_TAG_END = frozenset(b" \t\r\n>/")
_ENCODING = re.compile(rb"""<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_KEEP = 1 << 20  # unclaimed input kept before compacting the slicing buffer
# bytes read in one call (a tree costs several times its text): larger inputs stream
_WHOLE_MAX_BYTES = 64 << 20
_PIECE_BYTES = 1 << 20  # uncompressed bytes per piece of a file (peak memory ~75 MB)
_DONE = object()
# where the streaming reader cuts its reads (see _Reader), and the most bytes of such a tag that
# can end a read of the stream
_RECORD_END = re.compile(rb"</(?:PubmedArticle|PubmedBookArticle|DeleteCitation)>")
_HOLD = len(b"</PubmedBookArticle>") - 1
_READ_BYTES = 1 << 15


# --------------------------------------------------------------------------- public API


@dataclass(frozen=True, slots=True)
class SkippedRecord:
    """A record of well-formed XML that cannot be stored (no PMID, or one that is not a PubMed
    id), or a ``DeleteCitation`` PMID that is not one: left out, the rest is read on.

    ``position`` counts the document's article records (``PubmedArticle`` and
    ``PubmedBookArticle``) from 1; it is 0 for a ``DeleteCitation`` entry. ``after`` is the
    PMID of the last record read before it ("" when there is none).
    """

    position: int
    after: str
    reason: str

    def __str__(self) -> str:
        what = f"record {self.position}" if self.position else "a DeleteCitation entry"
        return f"{what} ({_where(self.after)}) left out: {self.reason}"


class Placement:
    """Places what a part of a document (a piece of a file, a part of an answer) says in the
    whole: give it the parts in order (:meth:`place`)."""

    def __init__(self) -> None:
        self.position = 0  # article records in the parts so far
        self.after = ""  # the PMID of the last record read in them

    def place(self, skipped: Iterable[SkippedRecord], records: int, last_pmid: str) -> list[SkippedRecord]:
        """The next part's skipped records, their positions and ``after`` as in the whole;
        ``records`` and ``last_pmid``: the records read in that part and the last one's PMID."""
        placed = [SkippedRecord(s.position and s.position + self.position, s.after or self.after, s.reason)
                  for s in skipped]
        self.position += records + sum(1 for s in placed if s.position)
        self.after = last_pmid or self.after
        return placed


class Records(list):
    """A list of records, with ``skipped``: the :class:`SkippedRecord` of each one left out."""

    def __init__(self, items: Iterable = (), skipped: Iterable[SkippedRecord] = ()) -> None:
        super().__init__(items)
        self.skipped: list[SkippedRecord] = list(skipped)

    @classmethod
    def joined(cls, parts: Iterable[list]) -> "Records":
        """The records (or anything with a ``pmid``) of consecutive parts of one document as
        those of the whole: the positions of skipped records count from its start."""
        whole = cls()
        placement = Placement()
        for part in parts:
            whole.extend(part)
            last = getattr(part[-1], "pmid", "") if part else ""
            whole.skipped.extend(placement.place(getattr(part, "skipped", ()), len(part), last))
        return whole


def iter_articles(source: Source, *, deletions: bool = False,
                  skipped: bool = False) -> Iterator[Article | DeletedCitations | SkippedRecord]:
    """Yield the records of a PubMed XML document in file order, streaming.

    ``source`` is the XML as bytes, a path to a ``.xml`` or gzip-compressed file (detected
    by its magic bytes, not its name), or a binary file object. ``PubmedBookArticle``
    records come out as articles with ``is_book=True``. With ``deletions=True`` each
    ``DeleteCitation`` element is yielded as a :class:`DeletedCitations`.

    A record that cannot be stored (see :class:`SkippedRecord`) is yielded as a
    :class:`SkippedRecord` with ``skipped=True``, and reading goes on; otherwise it raises
    :class:`ParseError`. A bad reference PMID or date inside a record only loses that value.

    Raises :class:`ParseError` for malformed, truncated or non-PubMed XML, and for an NCBI
    ``ERROR`` element; the records before the fault have been yielded by then.
    """
    for item in _records(source, deletions):
        if type(item) is SkippedRecord and not skipped:
            raise ParseError(str(item))
        yield item


def _records(source: Source, deletions: bool) -> Iterator[Article | DeletedCitations | SkippedRecord]:
    yielded = 0
    if isinstance(source, (bytes, bytearray, memoryview)) and len(source) <= _WHOLE_MAX_BYTES:
        fast = _parse_whole(bytes(source), deletions)
        if fast is not None:
            yield from fast
            return
    elif isinstance(source, (str, os.PathLike)):
        # whole pieces of the file, each parsed in one call: 1.5x the speed of iterparse; on
        # anything unusual the streaming reader takes over from the start (it words the error)
        # and the records already given are skipped
        try:
            for record in _iter_file_pieces(source, deletions):
                yielded += 1
                yield record
            return
        except _NotPlain:
            pass
    reader = _open(source)
    try:
        for index, record in enumerate(_iterate(reader, deletions)):
            if index >= yielded:
                yield record
    finally:
        reader.close()


def parse_articles(data: bytes) -> Records:
    """All articles of one efetch response body (an empty ``PubmedArticleSet`` gives []);
    the records that cannot be stored are left out and listed in ``skipped``."""
    items = _parse_whole(data)
    if items is None:
        items = _records(data, False)
    articles = Records()
    for item in items:
        if type(item) is SkippedRecord:
            articles.skipped.append(item)
        else:
            articles.append(item)
    return articles


class _NotPlain(Exception):
    """The fast whole-piece path cannot read this input: use the streaming reader."""


def _iter_file_pieces(path, deletions: bool) -> Iterator[Article | DeletedCitations]:
    try:
        stream = open(path, "rb")
    except OSError:
        raise _NotPlain from None  # the streaming path words the error
    with stream:
        placement = Placement()  # each piece counts from 1: give positions in the whole file
        for data in _prefetched(iter_pieces(stream, _PIECE_BYTES)):
            if data is None:
                raise _NotPlain
            records = _parse_whole(data, deletions)
            if records is None:
                raise _NotPlain
            articles = [r for r in records if type(r) is Article]
            placed = iter(placement.place([r for r in records if type(r) is SkippedRecord], len(articles),
                                          articles[-1].pmid if articles else ""))
            for record in records:
                yield next(placed) if type(record) is SkippedRecord else record


def _prefetched(pieces: Iterator, depth: int = 2) -> Iterator[bytes | None]:
    """The pieces' bytes, read and gunzipped on a helper thread one piece ahead (zlib and
    file reads release the interpreter lock: on two cores the parse does not wait for them).
    A failure of the splitter comes out as None."""
    out: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def run() -> None:
        try:
            for piece in pieces:
                while not stop.is_set():
                    try:
                        out.put(piece.data, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            item = _DONE
        except Exception:  # noqa: BLE001 - bad gzip, a cut file...: the streaming path words it
            item = None
        while not stop.is_set():
            try:
                out.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    thread = threading.Thread(target=run, name="citegraph-pieces", daemon=True)
    thread.start()
    try:
        while True:
            item = out.get()
            if item is _DONE:
                return
            yield item
            if item is None:
                return
    finally:
        stop.set()
        thread.join()


def _parse_whole(data: bytes, deletions: bool = False) -> list[Article | DeletedCitations | SkippedRecord] | None:
    """The common case: a well-formed, uncompressed PubmedArticleSet (an efetch answer, a piece
    of a file), read in one call.

    One ``etree.fromstring`` call parses the whole body with the interpreter lock released,
    so the crawl's threads parse in parallel (``iterparse`` holds the lock while it reads
    from Python). Anything unusual (an error, a different root, compressed input) returns
    None and goes the streaming way, which words the errors.
    """
    if not isinstance(data, (bytes, bytearray)) or data[:2] == _GZIP_MAGIC:
        return None
    parser = getattr(_local, "parser", None)
    if parser is None:  # lxml parsers must not be shared between threads
        parser = _local.parser = etree.XMLParser(**parser_options())
    try:
        root = etree.fromstring(bytes(data), parser)
    except (etree.XMLSyntaxError, ValueError):
        return None
    if root.tag not in _ROOT_TAGS:
        return None
    data = bytes(data)
    docinfo = root.getroottree().docinfo
    # a record cut from a non-UTF-8 document, or one with entities declared in its DOCTYPE,
    # would not read the same on its own: serialise those instead
    first = data.find(b"<" + root.tag.encode())
    prolog = data[:first] if first >= 0 else data
    slicing = (docinfo.encoding or "UTF-8").upper() in ("UTF-8", "UTF8") and b"<!ENTITY" not in prolog
    articles: list[Article | DeletedCitations | SkippedRecord] = []
    cursor = prolog_end(data)
    position, last_pmid = 0, ""
    for elem in root.iterchildren(tag=("PubmedArticle", "PubmedBookArticle", "DeleteCitation", "ERROR")):
        tag = elem.tag
        if tag == "ERROR":
            return None
        if tag == "DeleteCitation":
            if deletions:
                articles.extend(_deleted(elem, last_pmid))
            continue
        position += 1
        raw, cursor = _slice_record(data, tag.encode(), cursor) if slicing else (None, cursor)
        build = article_from_element if tag == "PubmedArticle" else book_article_from_element
        try:
            article = build(elem, raw or _serialize(elem))
        except BadRecord as exc:
            articles.append(SkippedRecord(position, last_pmid, str(exc)))
            continue
        if raw is not None and (b">" + article.pmid.encode() + b"</PMID>") not in raw:
            article.raw_xml = _serialize(elem)  # the cut is not this record: never guess
        articles.append(article)
        last_pmid = article.pmid
    return articles


_RECORD_TAG = re.compile(rb"Pubmed(?:Book)?Article\b")


def records_are_plain(data: bytes, start: int = 0, end: int | None = None) -> bool:
    """No comment, CDATA section or processing instruction in ``data[start:end]`` holds a
    record's tag name (``start`` must not fall inside one): then such a tag in those bytes is
    a record's, and a record cut out of them is the record. Records from PMC carry processing
    instructions such as ``<?pmcsd ?>``, which are harmless; one holding ``<PubmedArticle>``
    (a file or a hostile server could send that) is not."""
    end = len(data) if end is None else end
    # each of them opens with "<!" or "<?": look for the rarer second byte (memchr-fast), then
    # at the byte before it
    for mark in (b"!", b"?"):
        at = data.find(mark, start, end)
        while at >= 0:
            if at > 0 and data[at - 1] == 0x3C:  # "<"
                opener = at - 1
                if mark == b"?":
                    closer = b"?>"
                elif data.startswith(b"<!--", opener):
                    closer = b"-->"
                elif data.startswith(b"<![CDATA[", opener):
                    closer = b"]]>"
                else:
                    return False  # a declaration among the records: nothing to expect
                stop = data.find(closer, at, end)
                if stop < 0 or _RECORD_TAG.search(data, opener, stop):
                    return False
                at = stop
            at = data.find(mark, at + 1, end)
    return True


def prolog_end(data: bytes) -> int:
    """Where the XML declaration and a DOCTYPE without an internal subset end (0 when the
    document starts otherwise): where :func:`records_are_plain` may start looking."""
    at = len(data) - len(data.lstrip())
    if data.startswith(b"<?xml", at):
        close = data.find(b"?>", at)
        if close < 0:
            return 0
        at = close + 2
        at += len(data[at:at + 200]) - len(data[at:at + 200].lstrip())
    if data.startswith(b"<!DOCTYPE", at):
        close = data.find(b">", at)
        if close < 0 or b"[" in data[at:close]:
            return 0
        at = close + 1
    return at


def _slice_record(data: bytes, tag: bytes, cursor: int) -> tuple[bytes | None, int]:
    """The bytes of the next ``<tag>...</tag>`` at or after ``cursor`` (records do not nest),
    and where it ends; None for the bytes when the cut cannot be trusted (a comment or the
    like since ``cursor`` could hold the tag: see :func:`records_are_plain`)."""
    opening = b"<" + tag
    start = data.find(opening, cursor)
    while start >= 0 and data[start + len(opening):start + len(opening) + 1] not in (b">", b" "):
        start = data.find(opening, start + 1)  # <PubmedArticleSet>, not a record
    if start < 0:
        return None, cursor
    close = b"</" + tag + b">"
    end = data.find(close, start)
    if end < 0:
        return None, cursor
    end += len(close)
    return (data[start:end] if records_are_plain(data, cursor, end) else None), end


def parse_record(raw_xml: bytes) -> Article:
    """Re-read one stored ``PubmedArticle`` / ``PubmedBookArticle`` element."""
    parser = getattr(_local, "parser", None)
    if parser is None:  # lxml parsers must not be shared between threads
        parser = _local.parser = etree.XMLParser(**parser_options())
    try:
        elem = etree.fromstring(raw_xml, parser)
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"malformed stored PubMed record: {exc}") from None
    except ValueError as exc:  # e.g. a str with an encoding declaration
        raise ParseError(f"stored PubMed record is not bytes XML: {exc}") from None
    if elem.tag == "PubmedArticle":
        return article_from_element(elem, bytes(raw_xml))
    if elem.tag == "PubmedBookArticle":
        return book_article_from_element(elem, bytes(raw_xml))
    raise ParseError(f"not a PubMed record: root element <{elem.tag}>")


# --------------------------------------------------------------------------- input handling


class _ReadError(Exception):
    """The input stream failed (bad or cut gzip data); turned into ParseError with context."""


class _Reader:
    """A binary stream for iterparse that remembers the first bytes, counts lines and EOF.

    Each :meth:`read` gives the input up to and including the next record end tag at most, so
    a record's end and anything after it never reach the parser in the same call. The parser
    may drop every event of a call that ends in an error (lxml 6 does, lxml 5 did not): with
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
        except _ReadError:
            raise
        except EOFError as exc:  # gzip stream cut short
            raise _ReadError(f"truncated gzip input: {exc}") from None
        except OSError as exc:  # includes gzip.BadGzipFile
            raise _ReadError(f"cannot read PubMed XML input: {exc}") from None

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
        match = _RECORD_END.search(data, at)
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
        while start >= 0 and buf[start + 1 + len(tag)] not in _TAG_END:
            start = buf.find(b"<" + tag, start + 1)
        if self.slicing is None:
            self.slicing = start >= 0 and _plain_prolog(bytes(buf[:start]))
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
        self.slicing = False
        self._buf = bytearray()

    def close(self) -> None:
        for stream in reversed(self._owned):
            stream.close()


class _Prefixed(io.RawIOBase):
    """A non-seekable stream with the bytes already read (to sniff gzip) put back in front."""

    def __init__(self, prefix: bytes, stream: BinaryIO) -> None:
        self._prefix = prefix
        self._stream = stream

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self._prefix:
            head = self._prefix if size < 0 else self._prefix[:size]
            self._prefix = self._prefix[len(head):]
            return head
        return self._stream.read(size)


def _plain_prolog(prolog: bytes) -> bool:
    """True when records cut from a document with this prolog read the same on their own."""
    if b"<!ENTITY" in prolog:
        return False
    match = _ENCODING.search(prolog)
    return match is None or match.group(1).lower() in (b"utf-8", b"utf8", b"us-ascii", b"ascii")


def _open(source: Source) -> _Reader:
    owned: list = []
    whole = None
    if isinstance(source, (bytes, bytearray, memoryview)):
        whole = bytes(source) if not isinstance(source, bytes) else source
        stream: BinaryIO = io.BytesIO(whole)
    elif isinstance(source, (str, os.PathLike)):
        try:
            stream = open(source, "rb")
        except OSError as exc:
            raise ParseError(f"cannot open PubMed XML file {os.fspath(source)[:200]!r}: {exc.strerror}") from None
        owned.append(stream)
    elif hasattr(source, "read"):
        stream = source
    else:
        raise TypeError(f"iter_articles() needs bytes, a path or a binary file, not {type(source).__name__}")

    peek = getattr(stream, "peek", None)
    if peek is not None:
        magic = peek(2)[:2]
    elif getattr(stream, "seekable", lambda: False)():
        pos = stream.tell()
        magic = stream.read(2)
        stream.seek(pos)
    else:
        magic = stream.read(2)
        stream = _Prefixed(magic, stream)
    if isinstance(magic, str):
        raise TypeError("iter_articles() needs a binary file object, not a text one")
    if magic == _GZIP_MAGIC:
        stream = _Gunzip(stream)
        owned.append(stream)
        whole = None
    return _Reader(stream, owned, whole)


class _Gunzip:
    """Gzip (one or more members) decompressed on a helper thread, one block ahead.

    zlib and file reads release the GIL, so on two cores decompression overlaps parsing
    instead of adding to it (a third of the time of a whole update file otherwise).
    """

    _BLOCK = 1 << 18  # compressed bytes per block (about 1.5 MB of XML)

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._queue: queue.Queue = queue.Queue(maxsize=4)
        self._stop = threading.Event()
        self._chunk = b""
        self._pos = 0
        self._done = False
        self._thread = threading.Thread(target=self._run, name="citegraph-gunzip", daemon=True)
        self._thread.start()

    def _put(self, item) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        z = zlib.decompressobj(31)
        try:
            while True:
                data = self._stream.read(self._BLOCK)
                if not data:
                    break
                out = z.decompress(data)
                while z.eof and z.unused_data:  # the next gzip member
                    rest = z.unused_data
                    z = zlib.decompressobj(31)
                    out += z.decompress(rest)
                if out and not self._put(out):
                    return
            if not z.eof:
                raise EOFError("Compressed file ended before the end-of-stream marker was reached")
            self._put(b"")
        except EOFError as exc:
            self._put(_ReadError(f"truncated gzip input: {exc}"))
        except (zlib.error, OSError) as exc:
            self._put(_ReadError(f"cannot read PubMed XML input: {exc}"))
        except BaseException as exc:  # pragma: no cover - surfaced on the reading side
            self._put(_ReadError(f"cannot read PubMed XML input: {exc!r}"))

    def read(self, size: int = -1) -> bytes:
        if self._pos >= len(self._chunk):
            if self._done:
                return b""
            item = self._queue.get()
            if isinstance(item, Exception):
                self._done = True
                raise item
            if not item:
                self._done = True
                return b""
            self._chunk, self._pos = item, 0
        end = len(self._chunk) if size is None or size < 0 else self._pos + size
        out = self._chunk[self._pos:end]
        self._pos += len(out)
        return out

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


# --------------------------------------------------------------------------- streaming loop


def _iterate(reader: _Reader, deletions: bool) -> Iterator[Article | DeletedCitations | SkippedRecord]:
    events = etree.iterparse(reader, events=("end",), tag=_RECORD_TAGS, **parser_options())
    last_pmid = ""
    position = 0
    checked_root = False
    try:
        for _event, elem in events:
            parent = elem.getparent()
            if not checked_root:
                root_tag = elem.tag if parent is None else parent.tag
                if parent is not None and root_tag not in _ROOT_TAGS and elem.tag != "ERROR":
                    raise ParseError(f"not PubMed XML: <{elem.tag}> inside <{root_tag}>")
                checked_root = True
            tag = elem.tag
            records: list[Article | DeletedCitations | SkippedRecord]
            if tag == "PubmedArticle" or tag == "PubmedBookArticle":
                position += 1
                raw = reader.take(tag.encode()) if reader.slicing is not False else None
                build = article_from_element if tag == "PubmedArticle" else book_article_from_element
                try:
                    article = build(elem, raw or _serialize(elem))
                except BadRecord as exc:
                    records = [SkippedRecord(position, last_pmid, str(exc))]
                else:
                    last_pmid = article.pmid
                    if raw is not None and (b">" + last_pmid.encode() + b"</PMID>") not in raw:
                        reader.stop_slicing()  # the cut is not this record: never guess, re-serialise
                        article.raw_xml = _serialize(elem)
                    records = [article]
            elif tag == "DeleteCitation":
                records = _deleted(elem, last_pmid) if deletions else []
            else:  # ERROR
                message = plain_text("".join(elem.itertext())) or "(empty ERROR element)"
                raise ParseError(f"NCBI returned an ERROR ({_where(last_pmid)}): {message}")
            elem.clear()
            if parent is not None:
                while elem.getprevious() is not None:
                    del parent[0]
            yield from records
    except etree.XMLSyntaxError as exc:
        raise ParseError(_syntax_message(exc, reader, last_pmid)) from None
    except _ReadError as exc:
        raise ParseError(f"{exc} ({_where(last_pmid)})") from None
    root = events.root
    if root is None:  # pragma: no cover - iterparse raises on empty input
        raise ParseError("empty document: no PubMed XML")
    if root.tag not in _ROOT_TAGS and root.tag not in _RECORD_TAGS:
        raise ParseError(f"not PubMed XML: root element <{root.tag}>{_head(reader)}")


def _deleted(elem, last_pmid: str) -> list[DeletedCitations | SkippedRecord]:
    """A ``DeleteCitation`` element's PMIDs, and a :class:`SkippedRecord` for each that is none."""
    pmids: list[str] = []
    bad: list[SkippedRecord] = []
    for node in elem.iterchildren("PMID"):
        if not node.text:
            continue
        pmid = pmid_or_none(node.text)
        if pmid is None:
            bad.append(SkippedRecord(0, last_pmid, not_a_pmid(node.text)))
        else:
            pmids.append(pmid)
    return ([DeletedCitations(pmids)] if pmids or not bad else []) + bad


def _serialize(elem) -> bytes:
    return etree.tostring(elem, encoding="utf-8", with_tail=False)


def _where(last_pmid: str) -> str:
    return f"after PMID {last_pmid}" if last_pmid else "before the first record"


def said_of_the_whole(message: str, after: str) -> str:
    """A :class:`ParseError` message of this module about a piece of a document (a run of its
    records, see :mod:`citegraph.pubmed_chunks`) in which no record was read, said of the
    whole document: ``after`` is the PMID of the last record before the piece ("" if none)."""
    return message.replace(_where(""), _where(after), 1) if after else message


def _head(reader: _Reader) -> str:
    text = plain_text(reader.head[:80].decode("utf-8", "replace"))
    return f" (input starts with {text!r})" if text else ""


def _syntax_message(exc: etree.XMLSyntaxError, reader: _Reader, last_pmid: str) -> str:
    where = _where(last_pmid)
    line = exc.lineno or 0
    if not reader.head.strip():
        return "empty document: no PubMed XML"
    if reader.head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] != b"<":
        return f"not XML{_head(reader)}"
    kind = fault_kind(exc, eof=reader.eof, lines=reader.lines)
    return f"{kind} {where} (line {line}): {exc.msg}"
