"""The analysis commands: path, why, rank, mainpath, related, communities, topics,
translation, timeline. Each selects a graph with the shared options, runs one analysis and
renders it (or prints it as JSON)."""

from __future__ import annotations

from pathlib import Path

import click

from citegraph.cli.app import PAPER_HELP, App, cli, print_json
from citegraph.cli.options import analysis_options, pmids_of, prepare_selection, selection_json
from citegraph.cli.pager import pager_option
from citegraph.filters import Filters


@cli.command(epilog=PAPER_HELP)
@click.argument("source", metavar="FROM")
@click.argument("target", metavar="TO")
@click.option("--limit", type=click.IntRange(1, None), default=10, show_default=True, help="Chains to list.")
@analysis_options()
@click.pass_obj
@pager_option
def path(app: App, source: str, target: str, limit: int, as_json: bool, filters: Filters) -> None:
    """Shortest citation chains between two papers (FROM cites ... cites TO, or the reverse)."""
    from citegraph.analysis.paths import shortest_chains

    source, target = pmids_of(app, [source, target])
    with app.open_store(must_exist=True) as store:
        prep = prepare_selection(app, store, (), filters)
        for pmid in (source, target):
            if pmid not in prep.graph:
                from citegraph.analysis.load import add_unstored_seed

                add_unstored_seed(prep.graph, store, pmid)
    result = shortest_chains(prep.graph, source, target, limit)
    papers = prep.papers(p for chain in result["paths"] for p in chain)
    if as_json:
        print_json({**result, "papers": papers, "selection": selection_json(prep, filters)})
        return
    from citegraph.views.analysis import chains_view

    link = "cites" if result["direction"] == "cites" else "cited by"
    app.out.print(chains_view(result["paths"], papers, link=link,
                              title=f"Shortest citation chains from {source} to {target}"))


@cli.command(epilog=PAPER_HELP)
@click.argument("pmid", metavar="PAPER")
@click.option("--seed", "seed", required=True, metavar="PAPER",
              help="The seed the paper descends from (PMID, DOI or PMCID).")
@click.option("--limit", type=click.IntRange(1, None), default=5, show_default=True, help="Chains to list.")
@analysis_options(seed_option=False)
@click.pass_obj
@pager_option
def why(app: App, pmid: str, seed: str, limit: int, as_json: bool, filters: Filters) -> None:
    """Why PAPER is among the seed's descendants: the citation chains from the seed to it."""
    from citegraph.analysis.paths import why as why_chains

    pmid, seed = pmids_of(app, [pmid, seed])
    with app.open_store(must_exist=True) as store:
        prep = prepare_selection(app, store, [seed], filters)
    result = why_chains(prep.graph, pmid, seed, limit)
    papers = prep.papers(p for chain in result["paths"] for p in chain)
    if as_json:
        print_json({**result, "papers": papers, "selection": selection_json(prep, filters)})
        return
    from citegraph.views.analysis import chains_view

    app.out.print(chains_view(result["paths"], papers, link="cited by",
                              title=f"How {pmid} descends from {seed} (generation {result['generation']})"
                              if result["paths"] else f"{pmid} does not descend from {seed} in the selected graph"))


@cli.command(epilog=PAPER_HELP)
@click.argument("seed")
@click.option("--by", type=click.Choice(["citations", "pagerank", "betweenness", "mentions", "methods-use", "rcr",
                                        "citations-global"]),
              default="citations", show_default=True,
              help="citations in the graph; PageRank; betweenness (bridges from the seed); mentions (in-text "
                   "citations in the stored full text of the graph's papers); methods-use (papers citing it in "
                   "their Methods; these two count only papers whose full text is stored); iCite's relative "
                   "citation ratio or citation count (crawls with --sources pubmed,icite).")
@click.option("--limit", type=click.IntRange(1, None), default=20, show_default=True, help="Rows to show.")
@analysis_options(seed_option=False)
@click.pass_obj
@pager_option
def rank(app: App, seed: str, by: str, limit: int, as_json: bool, filters: Filters) -> None:
    """Rank the seed's descendants by citations, PageRank, betweenness, mentions in full text or
    iCite's numbers."""
    from citegraph.analysis.icite import ICITE_RANKINGS, rank_by_icite
    from citegraph.analysis.influence import rank as rank_papers

    (seed,) = pmids_of(app, [seed])
    cover = None
    with app.open_store(must_exist=True) as store:
        prep = prepare_selection(app, store, [seed], filters)
        if by in ("mentions", "methods-use"):
            from citegraph.analysis.contexts import rank_by_contexts

            rows, cover = rank_by_contexts(store, prep.graph, seed, by, limit)
        elif by in ICITE_RANKINGS:
            rows = rank_papers(prep.graph, seed, "citations", None)
            rows = rank_by_icite(rows, store.icite_metrics(r["pmid"] for r in rows), by, limit)
    if cover is None and by not in ICITE_RANKINGS:
        rows = rank_papers(prep.graph, seed, by, limit)
    papers = prep.papers(r["pmid"] for r in rows)
    if as_json:
        extra = {"full_text": cover} if cover is not None else {}
        print_json({"seed": seed, "by": by, "rows": rows, "papers": papers, "selection": selection_json(prep, filters),
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


@cli.command(epilog=PAPER_HELP)
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
@analysis_options(seed_option=False)
@click.pass_obj
@pager_option
def mainpath(app: App, seed: str, key_routes: int, search: str, as_json: bool, filters: Filters,
             limit: int | None = None, weight: str = "none") -> None:
    """Main path analysis (search path count) of the seed and its descendants."""
    from citegraph.analysis.mainpath import main_paths, shorten

    (seed,) = pmids_of(app, [seed])
    weighting: dict = {}
    with app.open_store(must_exist=True) as store:
        prep = prepare_selection(app, store, [seed], filters)
        if weight == "mentions":
            from citegraph.analysis.contexts import full_text_of, mention_weights

            nodes = [str(n) for n in prep.graph.nodes]
            weighting = {"mentions": mention_weights(store, nodes), "with_text": full_text_of(store, nodes)}
    result = main_paths(prep.graph, seed, key_routes, search, **weighting)
    if limit is not None or not as_json:
        result = shorten(result, 20 if limit is None else limit)
    mentioned = list(result["main_path"]) + [p for r in result["key_routes"] for p in r["path"]]
    papers = prep.papers(mentioned)
    if as_json:
        print_json({**result, "papers": papers, "selection": selection_json(prep, filters)})
        return
    from citegraph.views.analysis import mainpath_view

    app.out.print(mainpath_view(result, papers))


@cli.command(epilog=PAPER_HELP)
@click.argument("pmid", metavar="PAPER")
@click.option("--limit", type=click.IntRange(1, None), default=20, show_default=True, help="Rows to show.")
@analysis_options()
@click.pass_obj
@pager_option
def related(app: App, pmid: str, limit: int, as_json: bool, filters: Filters) -> None:
    """Papers related to PAPER by co-citation and bibliographic coupling, with counts."""
    from citegraph.analysis.load import add_unstored_seed
    from citegraph.analysis.related import related as related_papers

    (pmid,) = pmids_of(app, [pmid])
    with app.open_store(must_exist=True) as store:
        prep = prepare_selection(app, store, (), filters, include_unstored=True)
        add_unstored_seed(prep.graph, store, pmid)
    rows = related_papers(prep.graph, pmid, limit)
    papers = prep.papers([pmid] + [r["pmid"] for r in rows])
    if as_json:
        print_json({"pmid": pmid, "rows": rows, "papers": papers, "selection": selection_json(prep, filters)})
        return
    from citegraph.views.analysis import paper_line, related_table

    app.out.print(paper_line(pmid, papers))
    app.out.print(related_table(rows, papers, title="Related by co-citation (cited together with it) and "
                                                    "bibliographic coupling (citing the same papers)"))


@cli.command(epilog=PAPER_HELP)
@click.option("--resolution", type=click.FloatRange(0, None, min_open=True), default=1.0, show_default=True,
              help="Modularity resolution (Leiden): above 1 gives more, smaller communities.")
@click.option("--random-seed", type=int, default=0, show_default=True, help="Random seed of Leiden.")
@click.option("--members", is_flag=True, help="List every member (JSON always does).")
@click.option("--limit", type=click.IntRange(1, None), metavar="N",
              help="Communities to list, largest first [default: 20; with --json, all].")
@analysis_options()
@click.pass_obj
@pager_option
def communities(app: App, resolution: float, random_seed: int, members: bool, as_json: bool, filters: Filters,
                limit: int | None = None) -> None:
    """Communities of papers (Leiden), labelled by their most distinctive MeSH descriptors."""
    from citegraph.analysis.communities import communities as find_communities

    with app.open_store(must_exist=True) as store:
        prep = prepare_selection(app, store, (), filters, mesh=True)
    rows = find_communities(prep.graph, prep.meta, resolution=resolution, seed=random_seed)
    total, rows = len(rows), rows[:limit or (None if as_json else 20)]
    papers = prep.papers(t["pmid"] for row in rows for t in row["top"])
    if as_json:
        print_json({"communities": rows, "papers": papers, "selection": selection_json(prep, filters)})
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


@cli.command(epilog=PAPER_HELP)
@click.argument("seed", required=False)
@click.option("--list", "list_topics", is_flag=True,
              help="Only list the lens's topics: their keys (what --topic takes) and names, and the lens file.")
@analysis_options(seed_option=False)
@click.pass_obj
@pager_option
def topics(app: App, seed: str | None, list_topics: bool, as_json: bool, filters: Filters) -> None:
    """Per lens topic among the seed's descendants: papers, first and peak year, the earliest and
    the most cited paper, and the citation path from the seed to the earliest.

    `citegraph topics --list` (with --lens FILE for another lens) names the lens's topics by the
    keys --topic takes, e.g. car-t, til, checkpoint in the built-in cell-therapy lens.
    """
    from citegraph.analysis.lens import topic_summary

    if list_topics:
        _list_lens_topics(app, filters.lens, as_json)
        return
    if seed is None:
        raise click.UsageError("give a SEED (or --list for the lens's topics)")
    (seed,) = pmids_of(app, [seed])
    with app.open_store(must_exist=True) as store:
        prep = prepare_selection(app, store, [seed], filters, use_lens=True)
    rows = topic_summary(prep.graph, seed, prep.lens, prep.topics_of)
    mentioned = [seed]
    for row in rows:
        mentioned += row["path_to_earliest"] + ([row["most_cited"]["pmid"]] if row["most_cited"] else [])
    papers = prep.papers(mentioned)
    if as_json:
        print_json({"seed": seed, "lens": prep.lens.name, "topics": rows, "papers": papers,
                     "selection": selection_json(prep, filters)})
        return
    from citegraph.views.analysis import paper_line, topics_table

    app.out.print(paper_line(seed, papers))
    app.out.print(topics_table(rows, papers, title=f"Lens {prep.lens.name}: topics among the "
                                                   f"{prep.graph.number_of_nodes() - 1:,} descendants"))


def _list_lens_topics(app: App, lens_path: Path | None, as_json: bool) -> None:
    from citegraph.analysis.lens import lens_file, load_lens

    lens, where = load_lens(lens_path), lens_file(lens_path)
    if as_json:
        print_json({"lens": lens.name, "file": where, "topics": [{"key": t.key, "name": t.name} for t in lens.topics]})
        return
    from citegraph.views.analysis import lens_topics_view

    head, table = lens_topics_view(lens.name, where, [(t.key, t.name) for t in lens.topics])
    app.out.print(head, soft_wrap=True)
    app.out.print(table)


@cli.command(epilog=PAPER_HELP)
@click.argument("seed")
@analysis_options(seed_option=False)
@click.pass_obj
@pager_option
def translation(app: App, seed: str, as_json: bool, filters: Filters) -> None:
    """The road to the clinic: per lens topic among the seed's descendants, the first paper and
    the first Phase I, II and III trial, randomized controlled trial, meta-analysis and practice
    guideline (PubMed publication types), and the share of clinical articles per five years.

    Clinical articles are those with a publication type of clinical research on people
    (Clinical Study, Observational Study, Clinical Trial and its phases, Controlled,
    Randomized Controlled, Pragmatic, Adaptive and Equivalence trials); undated papers are
    milestones only where no dated paper is, and left out of the shares.
    """
    from citegraph.analysis.translation import translation as road_to_clinic

    (seed,) = pmids_of(app, [seed])
    with app.open_store(must_exist=True) as store:
        prep = prepare_selection(app, store, [seed], filters, use_lens=True, mesh=True)
    result = road_to_clinic(prep.graph, seed, prep.lens, prep.topics_of, prep.meta)
    if as_json:
        print_json({**result, "lens": prep.lens.name, "selection": selection_json(prep, filters)})
        return
    from citegraph.views.analysis import paper_line
    from citegraph.views.translation import translation_view

    app.out.print(paper_line(seed, prep.papers([seed])))
    app.out.print(translation_view(result, lens_name=prep.lens.name))


@cli.command(epilog=PAPER_HELP)
@click.argument("seed")
@click.option("--by", type=click.Choice(["generation", "topic"]), help="Also count per generation or lens topic.")
@analysis_options(seed_option=False)
@click.pass_obj
@pager_option
def timeline(app: App, seed: str, by: str | None, as_json: bool, filters: Filters) -> None:
    """Papers per year among the seed's descendants (overall, per generation or per topic)."""
    from citegraph.analysis.timeline import timeline as count_timeline

    (seed,) = pmids_of(app, [seed])
    with app.open_store(must_exist=True) as store:
        prep = prepare_selection(app, store, [seed], filters, use_lens=by == "topic")
    keys = [t.key for t in prep.lens.topics] if prep.lens else []
    result = count_timeline(prep.graph, seed, by, prep.topics_of, keys)
    if as_json:
        print_json({**result, "by": by, "selection": selection_json(prep, filters)})
        return
    from citegraph.views.analysis import timeline_table

    app.out.print(timeline_table(result))
