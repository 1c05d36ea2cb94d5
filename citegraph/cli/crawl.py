"""Commands that bring records into the store: crawl (and crawl --refresh), fulltext, import."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import click

from citegraph.links import DIRECTIONS
from citegraph.cli.app import PAPER_HELP, App, cli, listed, print_json, sigterm_as_interrupt
from citegraph.cli.options import pmids_of
from citegraph.cli.progress import CrawlProgress, FullTextProgress, ImportProgress
from citegraph.errors import CitegraphError, InputError

#: deeper crawls of a classic paper reach most of PubMed; ask for an explicit budget
MAX_DEPTH_WITHOUT_BUDGET = 4


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
    return f"no PubMed record for the seed{plural} {listed(values, 10)}: check {what}"


@cli.command()
@click.argument("seeds", nargs=-1)
@click.option("--from", "seed_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Read more seeds from a file: a plain list (PMID, DOI or PMCID), CSV with a pmid/doi/pmcid "
                   "column, PubMed MEDLINE/.nbib, RIS or BibTeX. A value that is no identifier is named with "
                   "FILE:LINE on stderr and left out; the other seeds are crawled, then the exit code is 1.")
@click.option("--depth", type=click.IntRange(0, None), default=1, show_default=True,
              help="Generations to follow from the seeds.")
@click.option("--direction", type=click.Choice(DIRECTIONS), default="cited-by",
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
    from citegraph.analysis.load import keep_snapshots
    from citegraph.crawl import CrawlOptions, Crawler, crawl_sources
    from citegraph.identifiers import parse_identifier
    from citegraph.parse_pool import ParsePool
    from citegraph.pubmed import parse_articles
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
            with CrawlProgress(app) as progress, sigterm_as_interrupt(), \
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
            keep_snapshots(store)
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
        print_json(data)
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
    """PMC full text for the members of a crawl (citegraph.fulltext.fetch_crawl_fulltext), told on stderr."""
    from citegraph.fulltext import fetch_crawl_fulltext

    try:
        report = fetch_crawl_fulltext(store, client, crawl_id, progress=FullTextProgress(app).update)
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


@cli.command(epilog=PAPER_HELP)
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
            (pmid,) = pmids_of(app, [seed], store)
            record = store.latest_crawl_of(pmid)
            if record is None:
                raise InputError(f"no stored crawl has {pmid} as a seed: crawl it first (`citegraph crawl {pmid}`)")
        else:
            record = store.latest_crawl()
            if record is None:
                raise InputError("no stored crawl: run `citegraph crawl SEED` first")
        client = app.client()
        try:
            with sigterm_as_interrupt():
                report = _fetch_full_text(app, store, client, record["id"])
        finally:
            client.close()
    if as_json:
        print_json({"crawl": record["id"], **report.to_dict()})
    else:
        click.echo(_full_text_line(report))
    if not report.complete:
        raise CitegraphError(_full_text_failed(report))


def _say_unmatched_types(app: App, store, exclude_types: Iterable[str], report) -> None:
    """An --exclude-type that left out no paper may be a typo: say so, with the nearest
    publication types of the crawl's papers (citegraph.publication_types)."""
    from citegraph.publication_types import unmatched_exclude_types

    if app.quiet:  # the census reads every member: not for nothing
        return
    for unmatched in unmatched_exclude_types(store, report.crawl_id, exclude_types, report.excluded_by):
        hint = ("did you mean " + " or ".join(repr(n) for n in unmatched.near) + "?" if unmatched.near else
                "types here: " + "; ".join(unmatched.common))
        app.info(f"--exclude-type {unmatched.name!r} left out no paper of this crawl ({hint})", "yellow")


def _refresh(app: App, seed: str, max_age: str, as_json: bool) -> None:
    """``crawl --refresh``: see citegraph.refresh."""
    from citegraph.analysis.load import keep_snapshots
    from citegraph.identifiers import parse_pmid
    from citegraph.refresh import parse_duration, refresh_crawl

    seed, seconds = parse_pmid(seed), parse_duration(max_age)
    with app.open_store(must_exist=True) as store, sigterm_as_interrupt():
        client = app.client()
        try:
            report = refresh_crawl(app.settings, store, seed, seconds, client)
        finally:
            client.close()
        keep_snapshots(store)
    data = report.to_dict()
    if as_json:
        print_json(data)
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
    from citegraph.analysis.load import keep_snapshots
    from citegraph.importer import default_workers, import_paths

    with app.open_store() as store:
        with ImportProgress(app) as progress:
            report, jats = import_paths(files, store, workers=workers or default_workers(), batch_size=batch_size,
                                        progress=progress.update)
        keep_snapshots(store)
    full_text = None
    if jats is not None:
        for name, reason in jats.skipped:
            app.info(f"skipped: {name}: {reason}", "yellow", always=True)
        full_text = jats.summary()
    data = report.to_dict()
    if full_text is not None:
        data["full_text"] = full_text
    if as_json:
        print_json(data)
    elif report.files or jats is None:
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

