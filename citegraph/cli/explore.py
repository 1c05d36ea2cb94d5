"""Commands that read one paper or the store: browse, show, contexts, stats, coverage."""

from __future__ import annotations

import os
import sys

import click

from citegraph.links import DIRECTIONS, SOURCE_CITEDIN
from citegraph.cli.app import PAPER_HELP, App, cli, listed, print_json
from citegraph.cli.options import filter_options, pmids_of
from citegraph.cli.pager import pager_option
from citegraph.errors import CitegraphError, InputError
from citegraph.filters import Filters


@cli.command(epilog=PAPER_HELP)
@click.argument("pmid", metavar="PAPER", required=False)
@click.option("--limit", type=click.IntRange(1, None), default=10_000, show_default=True,
              help="Rows in the list at most (sorting and filtering still see every paper).")
@filter_options(seed_option=False, neighbourhood=False)
@click.pass_obj
def browse(app: App, pmid: str | None, limit: int, filters: Filters) -> None:
    """Browse the citation graph in the terminal, starting at PAPER (default: the latest crawl's seed).

    Keys: Enter follows a paper, Backspace goes back, r toggles citing papers / references,
    s sorts, / filters, p shows the path from the seed, t the timeline, ? all keys, q quits.
    The filter options keep the lists to the papers they select (as `export` and `rank` select).
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
        (pmid,) = pmids_of(app, [pmid], store)
        from citegraph.tui import BrowseApp, BrowseData

        data = BrowseData(store, filters=filters)
        if data.summary(pmid) is None and not store.citing(pmid):
            raise CitegraphError(f"PMID {pmid} is not in the store: crawl it first (`citegraph crawl {pmid}`)")
        BrowseApp(data, pmid, limit=limit).run()


@cli.command(epilog=PAPER_HELP)
@click.argument("pmid", metavar="PAPER")
@click.option("--depth", type=click.IntRange(1, None), default=2, show_default=True,
              help="Generations of citing papers in the tree.")
@click.option("--limit", type=click.IntRange(1, None), default=10, show_default=True,
              help="Rows in the top-cited table (and children per paper in the tree).")
@click.option("--json", "as_json", is_flag=True, help="Print the data as JSON.")
@click.pass_obj
@pager_option
def show(app: App, pmid: str, depth: int, limit: int, as_json: bool) -> None:
    """Show a paper's card, its citing papers by generation, and the most cited among them."""
    from citegraph.analysis.icite import icite_json
    from citegraph.analysis.influence import citation_counts, descent, generations as generations_of, most_cited
    from citegraph.analysis.load import load_paper_graph
    from citegraph.analysis.contexts import papers_mentioning
    from citegraph.exports.jsonl import article_record
    from citegraph.importer import deleted_by_nlm
    from citegraph.store.migrations import SOURCE_BITS

    (pmid,) = pmids_of(app, [pmid])
    with app.open_store(must_exist=True) as store:
        article = store.get_article(pmid)
        deleted = deleted_by_nlm(store, pmid) if article is None else None
        icite = store.icite_metrics([pmid]).get(pmid)
        citedin_bit = SOURCE_BITS[SOURCE_CITEDIN]
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

        mentions = papers_mentioning(store, pmid)
        if as_json:
            by_generation: dict[int, list[str]] = {}
            for p, g in sorted(generations.items(), key=lambda i: (i[1], int(i[0]))):
                by_generation.setdefault(g, []).append(p)
            print_json({
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


@cli.command(epilog=PAPER_HELP)
@click.argument("pmid", metavar="PAPER")
@click.option("--seed", metavar="SEED", help="Only citing papers of SEED's latest crawl.")
@click.option("--section", type=click.Choice(["introduction", "methods", "results", "discussion", "other"],
                                             case_sensitive=False), help="Only citations in this kind of section.")
@click.option("--match", metavar="REGEX", help="Only sentences matching REGEX (any case).")
@click.option("--json", "as_json", is_flag=True,
              help='Print a list of {"citing", "cited", "year", "section", "sentence", "in_caption", ...}.')
@click.pass_obj
@pager_option
def contexts(app: App, pmid: str, seed: str | None, section: str | None, match: str | None, as_json: bool) -> None:
    """What citing papers said about PAPER: the sentences citing it, by citing paper.

    Only papers whose PMC full text is stored have sentences (`crawl --full-text`,
    `citegraph fulltext`, or `citegraph import FILE.nxml`); the last line says how many of the
    citing papers that is.
    """
    from citegraph.analysis.contexts import citing_contexts, contexts_json, coverage

    with app.open_store(must_exist=True) as store:
        (pmid,) = pmids_of(app, [pmid], store)
        members = None
        if seed is not None:
            (seed_pmid,) = pmids_of(app, [seed], store)
            record = store.latest_crawl_of(seed_pmid)
            if record is None:
                raise InputError(f"no stored crawl has {seed_pmid} as a seed: crawl it first "
                                 f"(`citegraph crawl {seed_pmid}`)")
            members = [p for p, _ in store.nodes(record["id"])]
        groups = citing_contexts(store, pmid, citing_in=members, section=section, match=match)
        if as_json:
            print_json(contexts_json(groups))
            return
        cover = coverage(store, pmid, citing_in=members)
        article = store.summaries_of([pmid]).get(pmid)
    from citegraph.views.contexts import contexts_view

    app.out.print(contexts_view(pmid, article[1] if article else None, groups, cover))


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@click.pass_obj
@pager_option
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
        print_json(data)
        return
    from citegraph.views.tables import crawl_options_text, stats_table

    from citegraph.views.safe import clean

    extra = {"store": clean(data["store"]) + (" (demo data, made by `citegraph demo`)" if data["demo"] else "")}
    if latest:
        extra["latest crawl"] = f"#{latest['id']} from {listed(latest['seeds'], 5)} ({latest['status']})"
        extra["its options"] = crawl_options_text(latest["params"])
    app.out.print(stats_table(counts, extra))


@cli.command(epilog=PAPER_HELP)
@click.argument("seed")
@click.option("--depth", type=click.IntRange(1, None), metavar="N",
              help="Generations to follow [default: those of SEED's latest crawl, else 1].")
@click.option("--direction", type=click.Choice(DIRECTIONS),
              help="Direction to follow [default: that of SEED's latest crawl, else cited-by].")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_obj
def coverage(app: App, seed: str, depth: int | None, direction: str | None, as_json: bool) -> None:
    """Which citation source (PubMed, iCite, ...) found which of SEED's citing papers, from the store.

    Per source: the citations it told, the papers it found, those only it found; the papers
    found by each pair of sources; the same by generation. No request is sent.
    """
    from citegraph.analysis.coverage import coverage as coverage_of

    (seed,) = pmids_of(app, [seed])
    with app.open_store(must_exist=True) as store:
        crawl = store.latest_crawl_of(seed)
        params = crawl["params"] if crawl is not None else {}
        depth = depth or int(params.get("depth") or 1)
        direction = direction or str(params.get("direction") or "cited-by")
        report = coverage_of(seed, lambda pmids, side: [*store.citation_edges(pmids, side),
                                                        *store.external_edges(pmids, side)],
                             depth=depth, direction=direction)
    if as_json:
        print_json(report)
        return
    from citegraph.views.coverage import coverage_view

    app.out.print(coverage_view(report))
