"""citegraph's command-line front end: argument parsing, progress, output and exit codes.

The only module that reads argv, prints, and exits. Data goes to stdout (``--json`` on every
command that prints data); progress and messages go to stderr. Exit codes: 0 ok, 1 error,
2 usage, 130 interrupted.
"""

from __future__ import annotations

import json
import os
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
        return Store(path)

    def client(self):
        from citegraph.sources.eutils import EutilsClient

        return EutilsClient(self.settings)


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

def _read_seed_file(path: Path) -> list[str]:
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except OSError as exc:
        raise InputError(f"cannot read seed file {path}: {exc.strerror or exc}") from None
    seeds = []
    for line in lines:
        line = line.split("#", 1)[0].strip()
        seeds.extend(part for part in line.replace(",", " ").split() if part)
    return seeds


@cli.command()
@click.argument("seeds", nargs=-1)
@click.option("--from", "seed_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Read more seeds (PMID, DOI or PMCID; one or more per line) from a file.")
@click.option("--depth", type=click.IntRange(0, None), default=1, show_default=True,
              help="Generations to follow from the seeds.")
@click.option("--direction", type=click.Choice(["cited-by", "references", "both"]), default="cited-by",
              show_default=True, help="Follow the papers that cite, the papers cited, or both.")
@click.option("--max-papers", type=click.IntRange(1, None), help="Stop adding papers beyond this many.")
@click.option("--since", type=int, metavar="YEAR", help="Leave out papers published before YEAR.")
@click.option("--until", type=int, metavar="YEAR", help="Leave out papers published after YEAR.")
@click.option("--again", is_flag=True, help="Crawl again even if the same crawl is complete.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.pass_obj
def crawl(app: App, seeds: tuple[str, ...], seed_file: Path | None, depth: int, direction: str,
          max_papers: int | None, since: int | None, until: int | None, again: bool, as_json: bool) -> None:
    """Crawl from SEEDS (PMID, DOI or PMCID) through NCBI E-utilities into the store.

    Running the same command after an interruption resumes where it stopped; nothing already
    stored is fetched again.
    """
    from citegraph.crawl import CrawlOptions, Crawler
    from citegraph.identifiers import parse_identifier
    from citegraph.pubmed_xml import parse_articles
    from citegraph.resolve import resolve_identifiers

    texts = list(seeds) + (_read_seed_file(seed_file) if seed_file else [])
    if not texts:
        raise click.UsageError("give at least one seed (PMID, DOI or PMCID), or --from FILE")
    if depth > MAX_DEPTH_WITHOUT_BUDGET and max_papers is None:
        raise InputError(
            f"--depth {depth} without --max-papers could mean millions of requests; "
            f"give --max-papers N (or use --depth {MAX_DEPTH_WITHOUT_BUDGET} or less)"
        )
    options = CrawlOptions(depth=depth, direction=direction, max_papers=max_papers, since=since, until=until)
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
            with _CrawlProgress(app) as progress:
                crawler = Crawler(client, store, parse=parse_articles, concurrency=app.settings.concurrency,
                                  progress=progress.update, requests_made=lambda: client.stats["requests"])
                report = crawler.run(resolution.pmids, options, again=again)
        finally:
            client.close()
    data = report.to_dict()
    data["unresolved"] = resolution.unresolved
    if as_json:
        _print_json(data)
    else:
        from citegraph.views.tables import crawl_summary

        app.out.print(crawl_summary(data))
        for pmid, reason in report.failed[:20]:
            app.err.print(f"failed: {pmid}: {redact(reason, app.settings.api_key)}", markup=False, highlight=False)
        if len(report.failed) > 20:
            app.err.print(f"... and {len(report.failed) - 20} more failed papers", markup=False)
    if not report.complete:
        raise CitegraphError(f"{len(report.failed)} papers failed; run the same command again to retry them")


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


# -- show / stats / export -----------------------------------------------------------------

@cli.command()
@click.argument("pmid")
@click.option("--depth", type=click.IntRange(1, None), default=2, show_default=True,
              help="Generations of citing papers in the tree.")
@click.option("--limit", type=click.IntRange(1, None), default=10, show_default=True,
              help="Rows in the top-cited table (and children per paper in the tree).")
@click.option("--json", "as_json", is_flag=True, help="Print the data as JSON.")
@click.pass_obj
def show(app: App, pmid: str, depth: int, limit: int, as_json: bool) -> None:
    """Show a paper's card, its citing papers by generation, and the most cited among them."""
    from citegraph.exports.jsonl import article_record
    from citegraph.graph import build_graph, citing_generations, top_cited
    from citegraph.identifiers import parse_pmid

    pmid = parse_pmid(pmid)
    with app.open_store(must_exist=True) as store:
        article = store.get_article(pmid)
        graph = build_graph(store)
        if article is None and pmid not in graph and not store.citing(pmid):
            raise CitegraphError(f"PMID {pmid} is not in the store: crawl it first (`citegraph crawl {pmid}`)")
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
            app.out.print(f"PMID {pmid}: no stored record (cited by {graph.in_degree(pmid)} stored papers)",
                          markup=False)
        if generations:
            app.out.print(generation_tree(graph, pmid, generations, article_of, per_node=limit))
            app.out.print(ranked_table(top, article_of, title=f"Most cited among the {len(generations):,} "
                                                              f"citing papers (in this store)"))
        else:
            app.out.print("No stored paper cites it.", markup=False)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@click.pass_obj
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
    from citegraph.views.tables import stats_table

    extra = {"store": data["store"]}
    if latest:
        extra["latest crawl"] = f"#{latest['id']} from {', '.join(latest['seeds'])} ({latest['status']})"
    app.out.print(stats_table(counts, extra))


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["jsonl"]), default="jsonl", show_default=True,
              help="Output format.")
@click.option("-o", "--output", default="-", show_default=True, metavar="FILE",
              help="Write to FILE (atomically); - is standard output.")
@click.pass_obj
def export(app: App, fmt: str, output: str) -> None:
    """Export stored articles (jsonl: one JSON object per article)."""
    from citegraph.exports.atomic import open_output
    from citegraph.exports.jsonl import write_jsonl

    with app.open_store(must_exist=True) as store, open_output(output) as stream:
        count = write_jsonl(store.iter_articles(), stream)
    app.info(f"exported {count:,} articles" + (f" to {output}" if output != "-" else ""))


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
    sys.exit(main())


if __name__ == "__main__":
    console_main()
