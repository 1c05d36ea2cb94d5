"""The paper card: who, what, where, when, ids (as links where the terminal supports them)."""

from __future__ import annotations

import re
import time
from typing import Mapping
from urllib.parse import quote

from rich.console import Group
from rich.panel import Panel
from rich.style import Style
from rich.text import Text

from ..models import Article
from .safe import clean, text

__all__ = ["article_card", "article_line", "pubmed_url", "cited_by_counts", "icite_line", "outside_pubmed_lines"]

_SAFE_DOI = re.compile(r"^10\.\d{4,9}/[\x21-\x7e]+$")
_SAFE_PMCID = re.compile(r"^PMC\d+$")


def pubmed_url(pmid: str) -> str:
    return f"https://pubmed.ncbi.nlm.nih.gov/{int(pmid)}/"


def _link(label: str, url: str | None) -> Text:
    return Text(label, style=Style(link=url) if url else "")


def _authors(article: Article, limit: int = 6) -> str:
    names = [a.display_name for a in article.authors]
    if len(names) > limit:
        names = names[: limit - 1] + ["...", names[-1]]
    return ", ".join(names)


def article_line(article: Article | None, pmid: str, *, cited_by: int = 0) -> Text:
    """One line for lists and trees: 'PMID  year  title', with '(N cite it)' before the title
    when ``cited_by`` is given (before it: a long title is cut at the end of the line)."""
    line = Text()
    line.append(pmid, style="bold cyan")
    if article is None:
        line.append("  (no stored record)", style="dim")
        if cited_by:
            line.append(f"  ({cited_by} cite it)", style="yellow")
        return line
    line.append(f"  {article.year or '----'}  ", style="green")
    if cited_by:
        line.append(f"({cited_by} cite it)  ", style="yellow")
    if article.is_retracted:
        line.append("[RETRACTED] ", style="bold red")
    line.append_text(text(article.title or "(no title)"))
    return line


def cited_by_counts(in_store: int, icite: Mapping | None, pubmed_cited_by: int | None) -> str:
    """``cited by 596 (iCite) · 312 (PubMed cited-by) · 44 in this store``: the counts each
    source gives (iCite's global count, the citing papers PubMed's cited-by list named), those
    it did not give left out."""
    parts = []
    if icite is not None and icite.get("citation_count") is not None:
        parts.append(f"{icite['citation_count']:,} (iCite)")
    if pubmed_cited_by is not None:
        parts.append(f"{pubmed_cited_by:,} (PubMed cited-by)")
    parts.append(f"{in_store:,} in this store")
    return "cited by " + " · ".join(parts)


def icite_line(icite: Mapping | None) -> Text | None:
    """iCite's numbers in one line (RCR, NIH percentile, APT, clinical, the triangle, when
    fetched), or None when there are none."""
    if not icite:
        return None
    parts = []
    for key, label, form in (("rcr", "RCR", "{:.2f}"), ("nih_percentile", "NIH percentile", "{:.1f}"),
                             ("apt", "APT", "{:.2f}")):
        if icite.get(key) is not None:
            provisional = " (provisional)" if key == "rcr" and icite.get("provisional") else ""
            parts.append(f"{label} {form.format(icite[key])}{provisional}")
    if icite.get("is_clinical"):
        parts.append("clinical")
    if icite.get("cited_by_clin"):
        parts.append(f"cited by {len(icite['cited_by_clin']):,} clinical")
    shares = [(label, icite.get(key)) for key, label in (("human", "human"), ("animal", "animal"),
                                                          ("molecular_cellular", "mol./cell."))]
    if any(v is not None for _, v in shares):
        parts.append(" / ".join(f"{label} {v:.2f}" for label, v in shares if v is not None))
    if icite.get("fetched_at") is not None:
        parts.append("fetched " + time.strftime("%Y-%m-%d", time.gmtime(icite["fetched_at"])))
    return Text.assemble(("iCite: ", "dim"), Text(" · ".join(parts), style="cyan")) if parts else None


def outside_pubmed_lines(papers: Mapping[str, Mapping], limit: int = 10) -> Text:
    """The citing papers outside PubMed (preprints, DOI only) that a source named, one a line:
    its key, year and title as the source gave them."""
    out = Text.assemble((f"also cited by {len(papers):,} paper{'' if len(papers) == 1 else 's'} outside PubMed "
                         "(preprints, DOI only):", "dim"))
    for key in sorted(papers)[:limit]:
        paper = papers[key]
        out.append("\n  ")
        out.append_text(text(key, "cyan"))
        if paper.get("year"):
            out.append(f"  {paper['year']}", style="green")
        if paper.get("title"):
            out.append("  ")
            out.append_text(text(paper["title"]))
    if len(papers) > limit:
        out.append(f"\n  … and {len(papers) - limit:,} more", style="dim")
    return out


def article_card(article: Article, *, cited_by: int | None = None, cites: int | None = None,
                 abstract_chars: int = 600, icite: Mapping | None = None,
                 pubmed_cited_by: int | None = None) -> Panel:
    """A panel with the paper's metadata; ``cited_by``/``cites`` are in-store counts. With
    ``icite`` (the stored iCite numbers) the citing count names each source's count (see
    :func:`cited_by_counts`; ``pubmed_cited_by``: how many citing papers PubMed named) and a
    line shows iCite's numbers."""
    parts: list[Text] = []
    title = text(article.title or "(no title)", "bold")
    if article.is_retracted:
        title = Text.assemble(Text("RETRACTED  ", style="bold white on red"), title)
    parts.append(title)
    if article.authors:
        parts.append(text(_authors(article), "italic"))
    where = ", ".join(
        p for p in (clean(article.journal_abbrev or article.journal), clean(article.pub_date) or
                    (str(article.year) if article.year else ""),
                    " ".join(x for x in (clean(article.volume), f"({clean(article.issue)})" if article.issue else "") if x),
                    clean(article.pages)) if p
    )
    if where:
        parts.append(Text(where, style="green"))
    ids = Text()
    ids.append("PMID ", style="dim")
    ids.append_text(_link(article.pmid, pubmed_url(article.pmid)))
    if article.doi:
        doi = clean(article.doi)
        url = f"https://doi.org/{quote(doi, safe='/:;()')}" if _SAFE_DOI.match(doi) else None
        ids.append("   DOI ", style="dim")
        ids.append_text(_link(doi, url))
    if article.pmcid:
        pmcid = clean(article.pmcid)
        url = f"https://pmc.ncbi.nlm.nih.gov/articles/{pmcid}/" if _SAFE_PMCID.match(pmcid) else None
        ids.append("   ", style="dim")
        ids.append_text(_link(pmcid, url))
    parts.append(ids)
    if cited_by is not None or cites is not None:
        counts = Text()
        if cited_by is not None and icite:
            counts.append(cited_by_counts(cited_by, icite, pubmed_cited_by), style="yellow")
        elif cited_by is not None:
            counts.append(f"cited by {_papers(cited_by)}", style="yellow")
        if cites is not None:
            counts.append(f"{'   ' if cited_by is not None else ''}cites {_papers(cites)}", style="yellow")
        if article.references:
            counts.append(f"   ({len(article.references)} references in the record)", style="dim")
        parts.append(counts)
    line = icite_line(icite)
    if line is not None:
        parts.append(line)
    if article.publication_types:
        parts.append(Text.assemble(("Type: ", "dim"), text(", ".join(article.publication_types))))
    if article.mesh:
        names = [m.descriptor + ("*" if m.major else "") for m in article.mesh]
        parts.append(Text.assemble(("MeSH: ", "dim"), text("; ".join(names))))
    if article.abstract and abstract_chars:
        abstract = clean(article.abstract)
        if len(abstract) > abstract_chars:
            abstract = abstract[: abstract_chars - 1].rstrip() + "…"
        parts.append(Text(""))
        parts.append(Text(abstract))
    return Panel(Group(*parts), title=Text(f"PMID {article.pmid}", style="bold"), title_align="left",
                 border_style="red" if article.is_retracted else "blue")


def _papers(count: int) -> str:
    return f"{count:,} stored paper" + ("" if count == 1 else "s")
