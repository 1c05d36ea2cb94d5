"""How one article is kept in the store: its parsed form as JSON text, its raw XML compressed.

JSON is written by ``orjson`` straight from the dataclass; raw XML is compressed with zstandard
level 1. Rows compressed with zlib are read too: :func:`unpack_raw` tells the two apart by
their first bytes.
"""

from __future__ import annotations

import threading
import zlib

import orjson
import zstandard

from ..models import Article

__all__ = ["dump_article", "load_article", "pack_raw", "unpack_raw", "RecordFormatError", "RawFormatError"]

_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_ZSTD_LEVEL = 1
_RAW_TAIL = b',"raw_xml":null}'
# zstandard's (de)compressor objects must not be shared between threads
_local = threading.local()


class RecordFormatError(ValueError):
    """A stored record cannot be decoded (damaged JSON, a shape no version wrote, bad raw XML)."""


class RawFormatError(RecordFormatError):
    """A stored raw-XML blob is neither zstandard nor zlib data, or is damaged."""


def dump_article(article: Article) -> str:
    """The article as compact JSON text (the shape of :meth:`Article.to_dict`)."""
    data = orjson.dumps(article, default=_no_bytes)
    # raw_xml is the dataclass's last field and is stored apart: drop its null here
    if data.endswith(_RAW_TAIL):
        data = data[: -len(_RAW_TAIL)] + b"}"
    return data.decode("utf-8")


def load_article(data: str | bytes, raw: bytes | None = None) -> Article:
    """The inverse of :func:`dump_article`; ``raw`` is a :func:`pack_raw` blob (or empty).
    :class:`RecordFormatError` when either cannot be decoded."""
    try:
        fields = orjson.loads(data)
        if not isinstance(fields, dict):
            raise RecordFormatError(f"a stored record is JSON {type(fields).__name__}, not an object")
        return Article.from_dict(fields, unpack_raw(raw) if raw else b"")
    except RecordFormatError:
        raise
    except (ValueError, TypeError, AttributeError) as exc:  # orjson.JSONDecodeError is a ValueError
        raise RecordFormatError(f"a stored record cannot be decoded ({type(exc).__name__})") from None


def pack_raw(xml: bytes) -> bytes:
    compressor = getattr(_local, "compressor", None)
    if compressor is None:
        compressor = _local.compressor = zstandard.ZstdCompressor(level=_ZSTD_LEVEL)
    return compressor.compress(xml)


def unpack_raw(blob: bytes) -> bytes:
    """The raw XML of a stored blob, zstandard (current) or zlib (stores before 2026-11)."""
    blob = bytes(blob)
    try:
        if blob[:4] == _ZSTD_MAGIC:
            decompressor = getattr(_local, "decompressor", None)
            if decompressor is None:
                decompressor = _local.decompressor = zstandard.ZstdDecompressor()
            return decompressor.decompress(blob)
        return zlib.decompress(blob)
    except (zstandard.ZstdError, zlib.error) as exc:
        raise RawFormatError(f"stored raw XML cannot be decompressed: {exc}") from None


def _no_bytes(value):
    if isinstance(value, (bytes, bytearray)):
        return None
    raise TypeError(f"cannot store a {type(value).__name__} in an article's JSON")
