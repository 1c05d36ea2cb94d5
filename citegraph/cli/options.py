"""Options and argument helpers shared by the reading commands: the selection options of the
analysis commands, and papers named by PMID, DOI or PMCID."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import click

from citegraph.cli.app import App


def analysis_options(*, seed_option: bool = True, lens_option: bool = True):
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


def prepare_selection(app: App, store, seeds: Iterable[str], sel: dict, **kwargs):
    from citegraph.analysis.load import prepare
    from citegraph.analysis.selection import Filters

    filters = Filters(since=sel["since"], until=sel["until"], exclude_types=tuple(sel["exclude_type"] or ()),
                      topics=tuple(sel["topic"] or ()), mesh=tuple(sel["mesh"] or ()), match=sel["match"],
                      journal=sel["journal"])
    return prepare(store, seeds=seeds, depth=sel["depth"], direction=sel["direction"], filters=filters,
                   lens_path=sel["lens"], **kwargs)


def pmids_of(app: App, values: Iterable[str], store=None) -> list[str]:
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


def selection_json(prep, sel: dict) -> dict:
    return {"seeds": prep.seeds, "papers_selected": prep.graph.number_of_nodes(),
            "citations_selected": prep.graph.number_of_edges(),
            "filters": {k: (list(v) if isinstance(v, tuple) else (str(v) if isinstance(v, Path) else v))
                        for k, v in sel.items() if v not in (None, (), "")},
            "retracted": sorted(prep.retracted, key=int)}
