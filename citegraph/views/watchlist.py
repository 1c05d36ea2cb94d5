"""The watch list of ``citegraph crawl --refresh``: citing papers new since the last crawl."""

from __future__ import annotations

from typing import Mapping

from rich.table import Table
from rich.text import Text

from .safe import clean, text

__all__ = ["watchlist_table"]


def watchlist_table(report: Mapping) -> Table | Text:
    """One row per new citing paper (PMID, year, title, the crawl's papers it cites)."""
    papers = report["new_papers"]
    if not papers:
        return text(f"no new citing papers in the crawl from {clean(report['seed'])}", "italic")
    title = (f"{len(papers):,} new citing paper{'s' if len(papers) != 1 else ''} in the crawl from "
             f"{clean(report['seed'])}")
    table = Table(title=text(title, "italic"), title_justify="left", pad_edge=False, expand=False)
    table.add_column("PMID", style="cyan", no_wrap=True)
    table.add_column("year", style="green", no_wrap=True)
    table.add_column("title", ratio=1, overflow="fold")
    table.add_column("cites", style="cyan", overflow="fold")
    for paper in papers:
        table.add_row(clean(paper["pmid"]), str(paper["year"] or ""), text(paper["title"] or "(no title)"),
                      clean(", ".join(paper["cites"])))
    return table
