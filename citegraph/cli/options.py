"""Options and argument helpers shared by the reading commands: the selection options of the
analysis commands, and papers named by PMID, DOI or PMCID."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import click

from citegraph.links import DIRECTIONS
from citegraph.cli.app import App


def filter_options(*, seed_option: bool = True, neighbourhood: bool = True, lens_option: bool = True,
                   direction_default: str | None = "cited-by", seed_help: str | None = None):
    """The selection options, read into one :class:`~citegraph.filters.Filters` passed to the
    command as ``filters`` (seeds as given: resolve them with :func:`resolve_seeds`). Every
    command that selects papers takes the same options with the same meaning:
    ``--seed`` (with ``seed_option``), ``--depth`` and ``--direction`` (with ``neighbourhood``),
    ``--since``, ``--until``, ``--type``, ``--exclude-type``, ``--topic``, ``--mesh``, ``--match``,
    ``--journal`` and ``--lens`` (with ``lens_option``). A bad value is an
    :class:`~citegraph.errors.InputError`. Goes above ``@click.pass_obj``."""
    import functools

    names = ("filter_seeds", "depth", "direction", "since", "until", "types", "exclude_types", "topics", "mesh",
             "match", "journal", "lens")

    def decorate(command):
        @functools.wraps(command)
        def wrapper(*args, **kwargs):
            from citegraph.filters import Filters

            given = {name: kwargs.pop(name, None) for name in names}
            seeds = given.pop("filter_seeds") or ()
            filters = Filters(seeds=tuple(seeds), **{k: v for k, v in given.items() if v is not None})
            return command(*args, filters=filters, **kwargs)

        options = []
        if neighbourhood:
            direction_help = "Neighbourhood of the seed(s): citing papers, cited ones, or both"
            options += [
                click.option("--depth", type=click.IntRange(0, None), metavar="N",
                             help="Generations to follow from the seed(s) [default: all]."),
                click.option("--direction", type=click.Choice(DIRECTIONS),
                             default=direction_default, show_default=direction_default is not None,
                             help=direction_help + (" [default: cited-by, or the latest crawl's for the whole "
                                                    "store]." if direction_default is None else ".")),
            ]
        options += [
            click.option("--since", type=int, metavar="YEAR", help="Only papers published in or after YEAR."),
            click.option("--until", type=int, metavar="YEAR", help="Only papers published in or before YEAR."),
            click.option("--type", "types", multiple=True, metavar="TYPE",
                         help="Only papers having one of these publication types, e.g. Review (repeatable)."),
            click.option("--exclude-type", "exclude_types", multiple=True, metavar="TYPE",
                         help="Leave out a publication type, e.g. Comment, 'Published Erratum' (repeatable)."),
            click.option("--topic", "topics", multiple=True, metavar="TOPIC",
                         help="Only papers in a lens topic, by key or name (repeatable; `citegraph topics --list` "
                              "lists them)."),
            click.option("--mesh", multiple=True, metavar="TERM",
                         help="Only papers with a MeSH descriptor, by UI or name (repeatable)."),
            click.option("--match", metavar="REGEX", help="Only papers whose title or abstract matches (any case)."),
            click.option("--journal", metavar="TEXT", help="Only papers whose journal title contains TEXT."),
        ]
        if lens_option:
            options.append(click.option("--lens", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
                                        help="Topic lens TOML file [default: the built-in cell-therapy lens]."))
        if seed_option:
            options.append(click.option("--seed", "filter_seeds", multiple=True, metavar="PAPER",
                                        help=seed_help or "Restrict to the neighbourhood of this paper: PMID, DOI "
                                                          "or PMCID (repeatable)."))
        for option in reversed(options):
            wrapper = option(wrapper)
        return wrapper

    return decorate


def analysis_options(*, seed_option: bool = True, lens_option: bool = True):
    """:func:`filter_options` and ``--json``: what every analysis command takes."""
    def decorate(command):
        command = click.option("--json", "as_json", is_flag=True, help="Print the data as JSON.")(command)
        return filter_options(seed_option=seed_option, lens_option=lens_option)(command)

    return decorate


def resolve_seeds(app: App, filters, store=None):
    """``filters`` with its seeds as PMIDs (a DOI or PMCID looked up in the store, see
    :func:`pmids_of`)."""
    from dataclasses import replace

    return replace(filters, seeds=tuple(pmids_of(app, filters.seeds, store))) if filters.seeds else filters


def prepare_selection(app: App, store, seeds: Iterable[str], filters, **kwargs):
    """:func:`citegraph.analysis.load.prepare` of ``filters`` with ``seeds`` (PMIDs) before
    their own (resolved in ``store``)."""
    from citegraph.analysis.load import prepare

    resolved = resolve_seeds(app, filters, store)
    return prepare(store, resolved, seeds=(*seeds, *resolved.seeds), **kwargs)


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


def selection_json(prep, filters) -> dict:
    """The ``selection`` block of an analysis command's JSON: the seeds, the size of the selected
    graph, the filters given (normalised) and the retracted papers in it."""
    given = {"extra_seeds": list(filters.seeds), "depth": filters.depth, "direction": filters.walk_direction,
             "since": filters.since, "until": filters.until, "type": list(filters.types),
             "exclude_type": list(filters.exclude_types), "topic": list(filters.topics), "mesh": list(filters.mesh),
             "match": filters.match, "journal": filters.journal,
             "lens": str(filters.lens) if filters.lens is not None else None}
    return {"seeds": prep.seeds, "papers_selected": prep.graph.number_of_nodes(),
            "citations_selected": prep.graph.number_of_edges(),
            "filters": {k: v for k, v in given.items() if v not in (None, [], "")},
            "retracted": sorted(prep.retracted, key=int)}
