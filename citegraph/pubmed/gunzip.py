"""Gzip input decompressed on a helper thread, for the streaming reader."""

from __future__ import annotations

import queue
import threading
import zlib
from typing import BinaryIO

from ..xml_input import ReadError

__all__ = ["Gunzip"]


class Gunzip:
    """Gzip (one or more members) decompressed on a helper thread, one block ahead.

    zlib and file reads release the interpreter lock, so decompression overlaps parsing
    instead of adding to it. :meth:`read` raises :class:`~citegraph.xml_input.ReadError` for
    bad or cut gzip data; :meth:`close` stops the thread.
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
            self._put(ReadError(f"truncated gzip input: {exc}"))
        except (zlib.error, OSError) as exc:
            self._put(ReadError(f"cannot read PubMed XML input: {exc}"))
        except BaseException as exc:  # pragma: no cover - surfaced on the reading side
            self._put(ReadError(f"cannot read PubMed XML input: {exc!r}"))

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
