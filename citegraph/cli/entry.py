"""The entry points: :func:`main` runs the command line and turns every outcome into an exit
code (0 ok, 1 error, 2 usage, 130 interrupted) and at most one error line on stderr."""

from __future__ import annotations

import os
import sys
from typing import Iterable

import click

# the command modules register their commands on the group when imported
from citegraph.cli import analysis, crawl, explore, export, maintenance  # noqa: F401
from citegraph.cli.app import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, cli
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
    except BrokenPipeError:
        # the reader went away (`| head`): not an error worth a message
        sys.stderr.close()
        return EXIT_OK
    except Exception as exc:  # a bug: still one line, the traceback only on request
        if os.environ.get("CITEGRAPH_DEBUG"):
            raise
        click.echo(_error_line(f"internal error: {type(exc).__name__}: {exc} (set CITEGRAPH_DEBUG=1 for a traceback)"),
                   err=True)
        return EXIT_ERROR


def console_main() -> None:
    code = main()
    if code == EXIT_INTERRUPTED:
        # worker threads may still be waiting on the network: everything that arrived is
        # committed, so leave now instead of joining them
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    console_main()
