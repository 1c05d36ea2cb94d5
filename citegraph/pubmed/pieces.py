"""Split a PubMed XML file into self-contained pieces of whole records, without parsing it.

The caller reads (and gunzips) the file and cuts it after record end tags; each piece is the
file's prolog and root start tag (so entity declarations and namespaces still apply), a run of
complete records, and the root end tag. Every piece is a well-formed document that
:func:`citegraph.pubmed.iter_articles` reads exactly as it would read those records inside the
whole file, so pieces can be parsed apart (by worker processes, or one at a time).

The cut is a byte search for ``</PubmedArticle>``, ``</PubmedBookArticle>`` and
``</DeleteCitation>``. It never decides what the records mean: whatever is malformed inside a
piece is reported by the reader that parses it.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from typing import BinaryIO

from ..errors import ParseError

__all__ = ["Piece", "iter_pieces"]

_BLOCK = 1 << 20  # compressed bytes per read
_TAIL = 256 << 10  # where the last record end is looked for first
_END_TAGS = (b"</PubmedArticle>", b"</PubmedBookArticle>", b"</DeleteCitation>")
_LONGEST = max(map(len, _END_TAGS))
#: a record longer than this is refused (PubMed's longest are a few MB; libxml2 refuses a text
#: node over 10 MB anyway): the splitter never holds more than about this much of one record
MAX_RECORD_BYTES = 64 << 20
_ROOT = re.compile(rb"<(PubmedArticleSet|PubmedBookArticleSet)(?=[\s>/])[^>]*>")
_TRAILER = re.compile(rb"\s*</(PubmedArticleSet|PubmedBookArticleSet)>\s*\Z")


class Piece:
    """One self-contained document of whole records; ``offset``: compressed bytes read so far."""

    __slots__ = ("data", "offset")

    def __init__(self, data: bytes, offset: int) -> None:
        self.data = data
        self.offset = offset


class _Inflater:
    """Decompressed blocks of a plain or gzip (possibly multi-member) binary stream."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self.offset = 0
        first = stream.read(_BLOCK)
        self.offset += len(first)
        self._gzip = first[:2] == b"\x1f\x8b"
        self._pending = first
        self._z = zlib.decompressobj(31) if self._gzip else None

    def blocks(self) -> Iterator[bytes]:
        data = self._pending
        self._pending = b""
        while data:
            if self._z is None:
                yield data
            else:
                try:
                    out = self._z.decompress(data)
                    while self._z.eof and self._z.unused_data:  # a second gzip member
                        rest = self._z.unused_data
                        self._z = zlib.decompressobj(31)
                        out += self._z.decompress(rest)
                except zlib.error as exc:
                    raise ParseError(f"cannot read gzip input: {exc}") from None
                if out:
                    yield out
            data = self._stream.read(_BLOCK)
            self.offset += len(data)
        if self._z is not None and not self._z.eof:
            raise ParseError("truncated gzip input: the compressed stream ends before its end marker")


def iter_pieces(stream: BinaryIO, target_bytes: int = 8 << 20) -> Iterator[Piece]:
    """Pieces of about ``target_bytes`` (uncompressed) each, in file order.

    Raises :class:`ParseError` when the input is not a PubMed article set (no root element in
    its first megabyte), is cut short, has text after the last complete record other than
    the root end tag, or holds a record longer than :data:`MAX_RECORD_BYTES`. Whole pieces
    before the fault have been yielded by then.
    """
    inflater = _Inflater(stream)
    blocks = inflater.blocks()
    buf = bytearray()
    header = b""
    failure: ParseError | None = None
    # while a record longer than a piece is read: buf[:scanned] holds no record end beyond the
    # target, so each block read is searched once, not the whole buffer again
    scanned = 0
    while True:
        try:
            block = next(blocks, None)
        except ParseError as exc:  # cut or bad gzip data: still hand out the whole records read
            failure = exc
            block = None
        if block is None:
            break
        buf += block
        if not header:
            match = _ROOT.search(buf)
            if match is None:
                if len(buf) < _BLOCK:
                    continue
                raise ParseError("not a PubMed article set: no <PubmedArticleSet> start tag in the first megabyte")
            header = bytes(buf[:match.end()])
            del buf[:match.end()]
        # one block of gzip data can hold several pieces' worth: cut them all
        while len(buf) >= target_bytes:
            cut = _record_end_near(buf, target_bytes, scanned)
            if not cut:
                if len(buf) > MAX_RECORD_BYTES:
                    raise ParseError(f"a record longer than {MAX_RECORD_BYTES >> 20} MB: not read")
                scanned = len(buf)
                break  # a record longer than the buffer so far: read on
            yield Piece(_piece(header, buf, cut), inflater.offset)
            del buf[:cut]
            scanned = 0
    if not header:
        raise failure or ParseError("not a PubMed article set: no <PubmedArticleSet> start tag")
    cut = _record_end_near(buf, len(buf))
    if cut:
        yield Piece(_piece(header, buf, cut), inflater.offset)
        del buf[:cut]
    if failure is not None:
        raise failure
    if not _TRAILER.match(buf):
        # an incomplete record, or the root never closed: let the caller's reader say which
        yield Piece(header + bytes(buf), inflater.offset)


def _piece(header: bytes, buf: bytearray, cut: int) -> bytes:
    """header + buf[:cut] + the root end tag, copied once (slices would copy twice more)."""
    with memoryview(buf) as view:
        return b"".join((header, view[:cut], _closing(header)))


def _record_end_near(buf: bytearray, target: int, scanned: int = 0) -> int:
    """The end of the last record that ends within ``target`` bytes (``len(buf)``: the last
    record end of all), else of the first record that ends after it (a record longer than a
    piece); 0 when no record ends in ``buf``.

    ``scanned`` > ``target``: an earlier call on the same buffer, then ``scanned`` bytes long,
    found no record end in it; only the bytes after that are searched (so a record of any
    size costs one pass over it)."""
    if scanned > target:
        return _first_end(buf, scanned - _LONGEST + 1)
    # the stretch just before the target first: a tag absent from it (book articles and
    # deletions are rare) would otherwise cost a scan of everything before it
    for start in (max(0, target - _TAIL), 0):
        best = _last_end(buf, start, target)
        if best or start == 0:
            break
    return best or _first_end(buf, target)


def _last_end(buf: bytearray, start: int, stop: int) -> int:
    """Where the last record end tag in ``buf[start:stop]`` ends; 0 if there is none."""
    ends = [at + len(tag) for tag in _END_TAGS if (at := buf.rfind(tag, start, stop)) >= 0]
    return max(ends, default=0)


def _first_end(buf: bytearray, start: int) -> int:
    """Where the first record end tag in ``buf[start:]`` ends; 0 if there is none."""
    ends = [at + len(tag) for tag in _END_TAGS if (at := buf.find(tag, start)) >= 0]
    return min(ends, default=0)


def _closing(header: bytes) -> bytes:
    name = _ROOT.search(header).group(1)
    return b"</" + name + b">"
