"""The entry points: :func:`main` runs the command line and turns every outcome into an exit
code (0 ok, 1 error, 2 usage, 130 interrupted) and at most one error line on stderr.

A reader that goes away before the output ends (``citegraph export | head -1``) is no error:
the command stops writing and exits 0 without a word, so a pipeline under ``set -o pipefail``
does not fail for taking only what it wanted."""

from __future__ import annotations

import os
import sys
from typing import Iterable

import click

# the command modules register their commands on the group when imported
from citegraph.cli import analysis, crawl, explore, export, maintenance  # noqa: F401
from citegraph.cli.app import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, ReaderLeft, cli
from citegraph.config import redact
from citegraph.errors import CitegraphError, NetworkError


def _error_line(message: str) -> str:
    """The one line an error becomes: the key redacted, escapes and controls made visible."""
    from citegraph.views.safe import clean

    secret = os.environ.get("NCBI_API_KEY")
    return "citegraph: error: " + clean(redact(message, secret))


def main(argv: Iterable[str] | None = None) -> int:
    """Run the CLI; returns (and, as a console script, exits with) the exit code."""
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="citegraph", standalone_mode=False)
        return EXIT_OK
    except click.exceptions.Abort:
        click.echo("citegraph: interrupted; run the same command again to resume", err=True)
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        click.echo("citegraph: interrupted; run the same command again to resume", err=True)
        return EXIT_INTERRUPTED
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except NetworkError as exc:
        from urllib.parse import urlsplit

        from citegraph.config import NCBI_EUTILS_URL

        hint = ""
        if urlsplit(NCBI_EUTILS_URL).hostname in str(exc):  # NCBI itself unreachable: perhaps offline
            hint = "; without the internet, `citegraph demo` shows the whole tool offline"
        click.echo(_error_line(str(exc)) + hint, err=True)
        return EXIT_ERROR
    except CitegraphError as exc:
        click.echo(_error_line(str(exc)), err=True)
        return EXIT_ERROR
    except (ReaderLeft, BrokenPipeError):  # the reader took what it wanted: see the module docstring
        return EXIT_OK
    except Exception as exc:  # a bug: still one line, the traceback only on request
        if os.environ.get("CITEGRAPH_DEBUG"):
            raise
        click.echo(_error_line(f"internal error: {type(exc).__name__}: {exc} (set CITEGRAPH_DEBUG=1 for a traceback)"),
                   err=True)
        return EXIT_ERROR


def _flush(stream) -> bool:
    """Flush ``stream``; False if what was written could not all be written. A reader that
    has gone is no failure: the stream's file then points at the null device, so that what
    is still buffered goes nowhere at exit instead of failing there again."""
    try:
        stream.flush()
    except BrokenPipeError:
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, stream.fileno())
        finally:
            os.close(null)
    except ValueError:  # closed already: nothing left to write
        pass
    except OSError as exc:  # a full disk, say: the output is cut short
        if stream is not sys.stderr:
            _flush(sys.stderr)
            click.echo(_error_line(f"cannot write the output: {exc.strerror or exc}"), err=True)
        return False
    return True


def console_main() -> None:
    code = main()
    if not (_flush(sys.stdout) and _flush(sys.stderr)) and code == EXIT_OK:
        code = EXIT_ERROR
    if code == EXIT_INTERRUPTED:
        # worker threads may still be waiting on the network: everything that arrived is
        # committed, so leave now instead of joining them
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    console_main()
