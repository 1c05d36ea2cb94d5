"""Open export targets the way a careful shell redirect would, writing regular files atomically.

The rules, for every path an export writes (``-`` is standard output):

- a character device, a FIFO, a socket, or a link to an open file descriptor (``/dev/stdout``,
  ``/dev/fd/N``) is written through, as ``>`` would: opened, truncated where that means
  something, written, never replaced;
- a regular file (a symlink is followed: its target is written, the link stays) is replaced
  atomically: a temporary file beside the target, renamed over it once everything was written
  and synced, so a failure part-way (disk full, Ctrl-C) leaves the earlier file untouched and
  no partial file behind. An existing file keeps its permission bits (and its owner, where the
  process may set it); a new one gets the mode a redirect gives (0666 less the umask);
- a file whose mode has no write bit is refused, even for root (who could write it anyway);
- a path that is one of ``protected`` (the store's database and its ``-wal``/``-shm``), by
  resolved path or as the same file, is refused;
- a directory is refused.

Refusals and write failures raise :class:`~citegraph.errors.OutputError` with the path and a
reason in words ("disk full", "read-only file", ...); a reader that went away (a closed pipe)
is :class:`BrokenPipeError`, left to the caller. Several targets (``open_outputs``) are
checked before any is opened and committed together: a failure in any leaves none of them
changed or created.
"""

from __future__ import annotations

import errno
import io
import os
import secrets
import stat
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterable, Iterator, Sequence

from ..errors import OutputError

__all__ = ["open_output", "open_binary_output", "open_outputs", "check_target"]

_REASONS = {errno.ENOSPC: "disk full", errno.EDQUOT: "disk quota exceeded", errno.EFBIG: "file too large",
            errno.EACCES: "permission denied", errno.EPERM: "permission denied", errno.EROFS: "read-only file system",
            errno.EISDIR: "is a directory", errno.ENOENT: "no such folder", errno.ENOTDIR: "not a folder"}


def _reason(exc: OSError) -> str:
    return _REASONS.get(exc.errno, exc.strerror or str(exc))


@contextmanager
def open_output(target: str | Path, *, encoding: str = "utf-8", newline: str | None = "\n",
                protected: Iterable[str | Path] = ()) -> Iterator[IO[str]]:
    """A text stream for ``target`` (see the module docstring); ``-`` means standard output."""
    with open_outputs([target], binary=False, encoding=encoding, newline=newline, protected=protected) as streams:
        yield streams[0]


@contextmanager
def open_binary_output(target: str | Path, *, protected: Iterable[str | Path] = ()) -> Iterator[IO[bytes]]:
    """Like :func:`open_output` for binary formats (xlsx, GraphML, ...); ``-`` is stdout's buffer."""
    with open_outputs([target], binary=True, protected=protected) as streams:
        yield streams[0]


@contextmanager
def open_outputs(targets: Sequence[str | Path], *, binary: bool = False, encoding: str = "utf-8",
                 newline: str | None = "\n", protected: Iterable[str | Path] = ()) -> Iterator[list[IO]]:
    """Streams for several targets, committed together once the block ends without error."""
    protected = list(protected)
    outputs = [_Output(str(t), protected) for t in targets]  # every check before anything is opened
    try:
        streams = [o.open(binary, encoding, newline) for o in outputs]
        yield streams
        for output in outputs:
            output.finish()
        for output in outputs:
            output.commit()
    except BaseException as exc:
        for output in outputs:
            output.abort()
        if isinstance(exc, OSError) and not isinstance(exc, BrokenPipeError):  # the reader left: not an error
            failed = next((o for o in outputs if o.failed), outputs[0])
            raise OutputError(f"cannot write {failed.shown}: {_reason(exc)}") from None
        raise


def check_target(target: str | Path, protected: Iterable[str | Path] = ()) -> None:
    """Raise :class:`OutputError` if ``target`` may not be written (see the module docstring)."""
    _Output(str(target), list(protected))


def _fd_alias(path: str) -> bool:
    """True when ``path`` is, or links through, a file-descriptor link (``/proc/*/fd/N``)."""
    seen = 0
    current = os.path.abspath(path)
    while os.path.islink(current) and seen < 40:
        if current.startswith(("/proc/", "/dev/fd/")):
            return True
        current = os.path.join(os.path.dirname(current), os.readlink(current))
        current = os.path.abspath(current)
        seen += 1
    return current.startswith(("/proc/", "/dev/fd/")) and "/fd/" in current


def _same(a: str, b: str) -> bool:
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


class _Output:
    """One target: checked on creation, then opened, finished, committed or aborted."""

    def __init__(self, name: str, protected: list[str | Path]) -> None:
        self.name = name
        self.stream: IO | None = None
        self.tmp: str | None = None
        self.failed = False
        self.mode: int | None = None
        self.owner: tuple[int, int] | None = None
        self.stdout = name == "-"
        self.shown = "standard output" if self.stdout else name
        if self.stdout:
            return
        for guarded in protected:
            if _same(name, str(guarded)):
                raise OutputError(f"refusing to write {name}: it is the store's own file {guarded}")
        try:
            info = os.stat(name)
        except FileNotFoundError:
            info = None
        except OSError as exc:
            raise OutputError(f"cannot write {name}: {_reason(exc)}") from None
        if info is not None and stat.S_ISDIR(info.st_mode):
            raise OutputError(f"cannot write {name}: is a directory")
        self.through = info is not None and (not stat.S_ISREG(info.st_mode) or _fd_alias(name))
        if self.through:
            return
        # the file to replace: a symlink's final target (created if the link dangles)
        self.real = os.path.realpath(name)
        self.mode = None if info is None else stat.S_IMODE(info.st_mode)
        self.owner = None if info is None else (info.st_uid, info.st_gid)
        if self.mode is not None and not self.mode & 0o222:
            raise OutputError(f"refusing to write {name}: it is a read-only file (mode {self.mode:04o})")
        if info is not None and not os.access(self.real, os.W_OK):
            raise OutputError(f"cannot write {name}: permission denied")

    def open(self, binary: bool, encoding: str, newline: str | None) -> IO:
        try:
            if self.stdout:
                self.stream = sys.stdout.buffer if binary else sys.stdout
            elif self.through:
                self.stream = open(self.name, "wb" if binary else "w", **({} if binary else
                                   {"encoding": encoding, "newline": newline}))
            else:
                folder = os.path.dirname(self.real) or "."
                base = os.path.basename(self.real)
                for _ in range(100):
                    tmp = os.path.join(folder, f".{base}.{secrets.token_hex(4)}.part")
                    try:
                        # the kernel applies the umask: a new file gets what a redirect gives it;
                        # an existing file's mode is set exactly once the content is complete
                        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0),
                                     0o666 if self.mode is None else self.mode & 0o777)
                        break
                    except FileExistsError:
                        continue
                else:
                    raise FileExistsError(errno.EEXIST, "no free temporary name")
                self.tmp = tmp
                raw = os.fdopen(fd, "wb")
                self.stream = raw if binary else io.TextIOWrapper(raw, encoding=encoding, newline=newline)
        except OSError:
            self.failed = True
            raise
        return self.stream

    def finish(self) -> None:
        """Everything written reaches the file (flushed; synced for a file to be renamed)."""
        if self.stream is None:
            return
        try:
            self.stream.flush()
            if self.tmp is not None:
                if self.owner is not None and self.owner != (os.geteuid(), os.getegid()):
                    try:  # root replacing another user's file: the file stays theirs
                        os.fchown(self.stream.fileno(), *self.owner)
                    except PermissionError:
                        pass
                if self.mode is not None:
                    os.fchmod(self.stream.fileno(), self.mode)
                os.fsync(self.stream.fileno())
        except OSError:
            self.failed = True
            raise

    def commit(self) -> None:
        if self.stdout or self.stream is None:
            return
        try:
            self.stream.close()
            if self.tmp is not None:
                os.replace(self.tmp, self.real)
                self.tmp = None
        except OSError:
            self.failed = True
            raise

    def abort(self) -> None:
        """Close without raising (unwritten data is dropped) and remove the temporary file."""
        if self.stream is not None and not self.stdout:
            _close_quietly(self.stream)
        if self.tmp is not None:
            try:
                os.unlink(self.tmp)
            except OSError:
                pass
            self.tmp = None


def _close_quietly(stream: IO) -> None:
    """Close a stream whose buffer may not be writable (disk full): what it holds is dropped.
    Python's buffered layers close their file even when the final flush fails, so a second
    close (at garbage collection) has nothing left to do and prints nothing."""
    try:
        stream.close()
    except (OSError, ValueError):
        pass
