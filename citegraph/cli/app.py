"""The command-line application: the ``cli`` click group with its global options, the
:class:`App` every command receives, and the output helpers all commands share.

Data goes to stdout (``--json`` on every command that prints data); progress and messages go
to stderr.
"""

from __future__ import annotations

import contextlib
import json
import signal
from pathlib import Path

import click

from citegraph import __version__
from citegraph.config import Settings, redact
from citegraph.errors import CitegraphError

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class App:
    """What every command needs: settings, consoles, and the store (opened on demand)."""

    def __init__(self, settings: Settings, quiet: bool) -> None:
        self.settings = settings
        self.quiet = quiet
        self._out = None
        self._err = None

    @property
    def out(self):
        if self._out is None:
            from rich.console import Console

            self._out = Console(soft_wrap=False, highlight=False, emoji=False)
        return self._out

    @property
    def err(self):
        if self._err is None:
            from rich.console import Console

            self._err = Console(stderr=True, highlight=False, emoji=False)
        return self._err

    def info(self, message: str, style: str = "dim", *, always: bool = False) -> None:
        """One message line on stderr (``always``: even with --quiet), neutralised like record
        text: file names, paths and server answers never reach the terminal as escapes."""
        if always or not self.quiet:
            from rich.text import Text

            from citegraph.views.safe import clean

            # one message, one line: a path or an answer is never broken for a reader or a grep
            self.err.print(Text(clean(redact(message, self.settings.api_key)), style=style), soft_wrap=True)

    def open_store(self, *, must_exist: bool = False):
        from citegraph.store import Store

        path = self.settings.store_path
        if must_exist and not path.exists():
            raise CitegraphError(f"no store at {path}: run `citegraph crawl` first (or pass --data-dir)")
        return Store(path, on_upgrade=lambda version, name: self.info(
            f"upgrading the store to schema {version} ({name}); once only, a large store takes a minute"))

    def client(self):
        from citegraph.config import NCBI_EUTILS_URL
        from citegraph.sources.eutils import EutilsClient

        if not self.settings.email and self.settings.eutils_url == NCBI_EUTILS_URL:
            self.info("no contact address is sent to NCBI: set NCBI_EMAIL (or --email); NCBI asks for one "
                      "and may block heavy use without it", "yellow")
        return EutilsClient(self.settings)


class ReaderLeft(Exception):
    """The reader of a command's output went away (a closed pipe, ``| head -1``): raised by
    the group in place of the :class:`BrokenPipeError`, which click would end with exit 1."""


class _Group(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except BrokenPipeError as exc:
            raise ReaderLeft() from exc


def listed(items: list[str], most: int) -> str:
    """'a, b, c and 4 more': the first ``most`` items, then how many were left out."""
    rest = len(items) - most
    return ", ".join(items[:most]) + (f" and {rest:,} more" if rest > 0 else "")


#: how the reading commands take a paper (see citegraph.cli.options.pmids_of)
PAPER_HELP = ("A paper (PMID, PAPER, SEED, FROM, TO, --seed) is a PMID, a DOI (also as a https://doi.org/ URL) or "
               "a PMCID. This command reads the store only: a DOI or PMCID is found through the stored record "
               "carrying it, and one not in the store is an error (crawl it first).")


def print_json(data: object) -> None:
    """``data`` as JSON on stdout; C1 controls and bidi overrides as ``\\uXXXX`` escapes (json
    escapes C0 itself), so that no string in it acts on a terminal and nothing is lost."""
    import re

    text = json.dumps(data, ensure_ascii=False, indent=2)
    click.echo(re.sub("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]",
                      lambda m: f"\\u{ord(m.group(0)):04x}", text))


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--data-dir", "--cache-dir", "data_dir", type=click.Path(file_okay=False, path_type=Path),
              metavar="DIR", help="The data folder (default ./cache): it holds the store [env CITEGRAPH_DATA; "
                                  "--cache-dir and CITEGRAPH_CACHE are read as aliases].")
@click.option("--eutils-url", metavar="URL",
              help="E-utilities base URL [env CITEGRAPH_EUTILS_URL; default NCBI's].")
@click.option("--email", metavar="ADDRESS", help="Contact address sent to NCBI [env NCBI_EMAIL].")
@click.option("--rate", type=float, metavar="N",
              help="Requests per second [default 3, or 10 with NCBI_API_KEY set].")
@click.option("--timeout", type=click.FloatRange(0, None, min_open=True), metavar="SECONDS",
              help=f"Give up on a silent server after SECONDS without data (a request is tried up to "
                   f"{Settings.max_attempts} times) [env CITEGRAPH_TIMEOUT; default {Settings.read_timeout:g}].")
@click.option("-q", "--quiet", is_flag=True, help="No progress or messages on stderr.")
@click.version_option(__version__, prog_name="citegraph")
@click.pass_context
def cli(ctx: click.Context, data_dir: Path | None, eutils_url: str | None, email: str | None,
        rate: float | None, timeout: float | None, quiet: bool) -> None:
    """Crawl PubMed citations into a local store and explore the citation graph.

    The NCBI API key is read from NCBI_API_KEY only (never from a flag, so it stays out of
    shell history and process lists).
    """
    settings = Settings.from_env(data_dir=data_dir, eutils_url=eutils_url, email=email, rate=rate,
                                 read_timeout=timeout)
    ctx.obj = App(settings, quiet)


@contextlib.contextmanager
def sigterm_as_interrupt():
    """SIGTERM ends a crawl like Ctrl-C: what arrived is committed, the rest resumes later."""
    def interrupt(signum, frame):
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread (an embedding caller): leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
