"""Write a file completely or not at all: a temporary file beside the target, then rename."""

from __future__ import annotations

import os
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator

from ..errors import CitegraphError

__all__ = ["open_output", "open_binary_output"]


@contextmanager
def open_output(target: str | Path, *, encoding: str = "utf-8", newline: str | None = "\n") -> Iterator[IO[str]]:
    """A text stream for ``target``; ``-`` means standard output.

    For a file, the content appears under its name only once everything was written: a
    failure (or Ctrl-C) part-way leaves any earlier file untouched and no partial file behind.
    """
    if str(target) == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    with _replace_atomically(Path(target), "w", encoding=encoding, newline=newline) as stream:
        yield stream


@contextmanager
def open_binary_output(target: str | Path) -> Iterator[IO[bytes]]:
    """Like :func:`open_output` for binary formats (xlsx, GraphML, ...); ``-`` is stdout's buffer."""
    if str(target) == "-":
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    with _replace_atomically(Path(target), "wb") as stream:
        yield stream


@contextmanager
def _replace_atomically(path: Path, mode: str, **text_options: object) -> Iterator[IO]:
    """A temporary file beside ``path`` that replaces it once everything was written."""
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise CitegraphError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, mode, **text_options) as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(tmp_name, path)
    except BaseException as exc:
        try:
            os.unlink(tmp_name)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise CitegraphError(f"cannot write {path}: {exc.strerror or exc}") from None
        raise
