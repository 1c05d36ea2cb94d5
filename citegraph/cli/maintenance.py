"""Commands that look after the store or show the tool: doctor, demo."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from citegraph.cli.app import App, cli, print_json, sigterm_as_interrupt
from citegraph.errors import CitegraphError, InputError


@cli.command()
@click.option("--repair", is_flag=True, help="Repair what can be repaired (the damaged file is kept beside).")
@click.option("--json", "as_json", is_flag=True, help="Print the diagnosis as JSON.")
@click.pass_obj
def doctor(app: App, repair: bool, as_json: bool) -> None:
    """Check the store (integrity, records, crawl states) and optionally repair it."""
    from citegraph.store.doctor import diagnose, repair as repair_store

    path = app.settings.store_path
    result = repair_store(path) if repair else diagnose(path)
    if as_json:
        print_json(result.to_dict())
    else:
        from citegraph.views.doctor import diagnosis_lines

        for line in diagnosis_lines(result, path):
            app.out.print(line)
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
@click.option("--data-dir", "--cache-dir", "demo_dir", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="The demo's data folder [default: demo/ in the data folder, i.e. ./cache/demo].")
@click.option("--browse", is_flag=True, help="Then open the terminal browser on the result.")
@click.pass_context
def demo(ctx: click.Context, papers: int | None, seed: int | None, files: tuple[Path, ...], demo_dir: Path | None,
         browse: bool) -> None:
    """See citegraph at work without the internet, in one command.

    Serves a synthetic corpus (or --corpus FILE) from the bundled E-utilities server, which
    runs inside this command and ends with it, crawls it from its founding paper to depth 2 as
    `crawl` does, prints `show`, `rank` and `topics`, and ends with commands to try next. The
    store is kept apart (./cache/demo, or demo/ under the global --data-dir, or this command's
    --data-dir DIR) and marked as demo data: the demo run again reuses it, `crawl` from NCBI
    refuses it. The global --eutils-url and NCBI_API_KEY play no part; --rate does.
    """
    from citegraph import demo as lib

    if files and (papers is not None or seed is not None):
        raise click.UsageError("--papers and --seed shape the synthetic corpus; --corpus serves files instead")
    if browse and not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise InputError("--browse needs a terminal (stdin and stdout)")
    source = lib.DemoSource(papers or lib.DEFAULT_PAPERS, lib.DEFAULT_SEED if seed is None else seed, files)
    if demo_dir is None:
        demo_dir = ctx.obj.settings.data_dir / lib.DEMO_FOLDER
    with sigterm_as_interrupt():  # from the first byte written: the server and the store end cleanly
        _run_demo(ctx, source, demo_dir, browse)


def _run_demo(ctx: click.Context, source, demo_dir: Path, browse: bool) -> None:
    """The demo's steps for ``source`` (a citegraph.demo.DemoSource): its store, the corpus and its
    server, the crawl, the views, what next."""
    import dataclasses

    from citegraph import demo as lib
    from citegraph.views.safe import text

    app: App = ctx.obj
    settings = dataclasses.replace(app.settings, data_dir=demo_dir, api_key=None)  # no key to a local server
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
        heading("$ " + lib.command_line(["--data-dir", str(demo_dir), *args]))
        run(view_app, [*args, "--no-pager"])
    with view_app.open_store(must_exist=True) as store:
        descendant = lib.example_descendant(store, start)
    heading(f"# Next, try these (the demo's store is {demo_dir}, marked as demo data):")
    for line, what in lib.next_commands(demo_dir, start, descendant, ctx.parent.params.get("data_dir")):
        app.out.print(text(f"# {what}", "dim"), soft_wrap=True)
        app.out.print(text(line), soft_wrap=True)
    if browse:
        run(view_app, ["browse", start])
