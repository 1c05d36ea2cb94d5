"""Opening the input of an XML reader (PubMed records, PMC JATS) as one binary stream.

A source is bytes (``bytes``, ``bytearray``, ``memoryview``), a path (``str`` or
``os.PathLike``) or a binary file object. :func:`open_source` opens it and tells whether it is
gzip-compressed by its first two bytes (never by a file name); the reader chooses how to
decompress and how to parse. A path that cannot be opened raises :class:`ParseError`; a text
file object or anything else raises :class:`TypeError`.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass, field
from typing import BinaryIO, Union

from .errors import ParseError

__all__ = ["GZIP_MAGIC", "Opened", "Prefixed", "ReadError", "Source", "open_source"]

Source = Union[bytes, bytearray, memoryview, str, "os.PathLike[str]", BinaryIO]

GZIP_MAGIC = b"\x1f\x8b"


class ReadError(Exception):
    """The input stream failed (bad or cut gzip data); a reader turns it into a
    :class:`ParseError` that says where in the document it happened."""


@dataclass(slots=True)
class Opened:
    """An opened source.

    ``stream`` gives the input from its first byte (gzip data still compressed when
    ``gzip``); ``owned`` lists the streams opened here, which the reader closes (in reverse
    order) when done; ``whole`` is the source itself when it was given as bytes, else None.
    """

    stream: BinaryIO
    gzip: bool
    whole: bytes | None = None
    owned: list = field(default_factory=list)

    def close(self) -> None:
        for stream in reversed(self.owned):
            stream.close()


def open_source(source: Source, *, document: str, caller: str) -> Opened:
    """``source`` opened for reading; ``document`` names the kind of input in the error of a
    path that cannot be opened ("PubMed XML"), ``caller`` the function in a :class:`TypeError`
    ("iter_articles()")."""
    owned: list = []
    whole = None
    if isinstance(source, (bytes, bytearray, memoryview)):
        whole = source if isinstance(source, bytes) else bytes(source)
        stream: BinaryIO = io.BytesIO(whole)
    elif isinstance(source, (str, os.PathLike)):
        try:
            stream = open(source, "rb")
        except OSError as exc:
            raise ParseError(f"cannot open {document} file {os.fspath(source)[:200]!r}: {exc.strerror}") from None
        owned.append(stream)
    elif hasattr(source, "read"):
        stream = source
    else:
        raise TypeError(f"{caller} needs bytes, a path or a binary file, not {type(source).__name__}")

    peek = getattr(stream, "peek", None)
    if peek is not None:
        magic = peek(2)[:2]
    elif getattr(stream, "seekable", lambda: False)():
        pos = stream.tell()
        magic = stream.read(2)
        stream.seek(pos)
    else:
        magic = stream.read(2)
        stream = Prefixed(magic, stream)
    if isinstance(magic, str):
        raise TypeError(f"{caller} needs a binary file object, not a text one")
    return Opened(stream, magic == GZIP_MAGIC, whole, owned)


class Prefixed(io.RawIOBase):
    """A non-seekable stream with the bytes already read from it (to sniff gzip) put back in
    front."""

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
