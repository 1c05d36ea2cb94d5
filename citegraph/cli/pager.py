"""Paging a command's terminal output, like git: ``--pager/--no-pager`` and the automatic pager."""

from __future__ import annotations

import contextlib
import os
import sys

import click

from citegraph.cli.app import App


#: CITEGRAPH_PAGER values that turn the automatic pager off (``--pager`` then prints as well)
NO_PAGER = ("never", "cat", "")


def _pager_command() -> str | None:
    """The pager to run: $CITEGRAPH_PAGER, else $PAGER, else less (or more); None for none."""
    import shutil

    chosen = os.environ.get("CITEGRAPH_PAGER")
    if chosen is not None:
        return None if chosen.strip().lower() in NO_PAGER else chosen
    chosen = os.environ.get("PAGER", "").strip()
    if chosen:
        return None if chosen.lower() in NO_PAGER else chosen
    return next((name for name in ("less", "more") if shutil.which(name)), None)


def _run_pager(command: str, text: str) -> None:
    """Show ``text`` through ``command`` (a shell command line, as git and pydoc run $PAGER);
    less gets -R (colours), -F (quit if it fits) and -X (leave the text on screen) unless $LESS
    says otherwise. Ctrl-C belongs to the pager while it runs."""
    import subprocess

    env = {**os.environ, "LESS": os.environ.get("LESS") or "FRX"}
    process = subprocess.Popen(command, shell=True, stdin=subprocess.PIPE, env=env)
    try:
        with contextlib.suppress(BrokenPipeError):  # the user left the pager early
            process.stdin.write(text.encode(sys.stdout.encoding or "utf-8", "replace"))
            process.stdin.close()
    finally:
        while True:
            try:
                process.wait()
                break
            except KeyboardInterrupt:
                pass


def _stdout_is_terminal(app: App) -> bool:
    """Whether stdout really is a terminal (FORCE_COLOR colours a pipe; it does not page it)."""
    try:
        return app.out.file.isatty()
    except (AttributeError, ValueError):
        return False


@contextlib.contextmanager
def _paged(app: App, pager: bool | None, *, as_json: bool = False):
    """A context whose ``app.out`` output goes through a pager: always with ``--pager``
    (``pager`` True), never with ``--no-pager`` (False), and by default (None) when it is taller
    than the terminal, like git. Never for JSON, nor when stdout is not a terminal; never
    automatically when CITEGRAPH_PAGER is ``never`` or ``cat``. Colours go through (less -R)
    unless NO_COLOR is set. Output is held until the command ends, then paged or printed."""
    automatic_off = os.environ.get("CITEGRAPH_PAGER", "x").strip().lower() in NO_PAGER
    if as_json or pager is False or (pager is None and automatic_off) or not _stdout_is_terminal(app):
        yield
        return
    out = app.out
    out.begin_capture()
    try:
        yield
    except BaseException:
        out.file.write(out.end_capture())  # what was printed before the error
        out.file.flush()
        raise
    text = out.end_capture()
    command = _pager_command()
    if command and (pager or text.count("\n") >= out.height):
        import re

        out.file.flush()
        # hyperlinks (OSC 8, ours only: views neutralise escapes in stored text) are dropped, as
        # rich's own pager does: less before version 566 and more show them as garbage
        _run_pager(command, re.sub("\x1b]8;[^\x1b\x07]*(?:\x1b\\\\|\x07)", "", text))
    else:
        out.file.write(text)
        out.file.flush()


def pager_option(command):
    """Decorator (below ``@click.pass_obj``): adds ``--pager/--no-pager`` and pages what the
    command prints (see :func:`_paged`)."""
    import functools

    @functools.wraps(command)
    def wrapper(app: App, *args, pager: bool | None = None, **kwargs):
        with _paged(app, pager, as_json=bool(kwargs.get("as_json"))):
            return command(app, *args, **kwargs)

    return click.option("--pager/--no-pager", default=None,
                        help="Page the output always / never [default: when it is taller than the terminal; "
                             "$CITEGRAPH_PAGER, $PAGER or less; CITEGRAPH_PAGER=never turns it off].")(wrapper)
