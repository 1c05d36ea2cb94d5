"""The paper card: who, what, where, when, ids (as links where the terminal supports them)."""

from __future__ import annotations

import re
from urllib.parse import quote

from rich.console import Group
from rich.panel import Panel
from rich.style import Style
from rich.text import Text

from ..models import Article
from .safe import clean, text

__all__ = ["article_card", "article_line", "pubmed_url"]

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


def article_card(article: Article, *, cited_by: int | None = None, cites: int | None = None,
                 abstract_chars: int = 600) -> Panel:
    """A panel with the paper's metadata; ``cited_by``/``cites`` are in-store counts."""
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
        if cited_by is not None:
            counts.append(f"cited by {_papers(cited_by)}", style="yellow")
        if cites is not None:
            counts.append(f"{'   ' if cited_by is not None else ''}cites {_papers(cites)}", style="yellow")
        if article.references:
            counts.append(f"   ({len(article.references)} references in the record)", style="dim")
        parts.append(counts)
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
