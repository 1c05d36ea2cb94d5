"""How the browser shows a paper: its row in the list and its detail pane.

:class:`PaperDisplay` is a part of :class:`~citegraph.tui.app.BrowseApp` (a mixin): it reads the
app's ``data`` (:class:`~citegraph.tui.data.BrowseData`), ``seed``, ``current``, ``direction``,
``shown`` and ``_counts``, and finds widgets with ``_main``. Untrusted text reaches a widget
only as a :class:`rich.text.Text` built by :mod:`citegraph.views.safe` or as a view.
"""

from __future__ import annotations

from rich.console import Group
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from ..views.analysis import flag
from ..views.article import article_card
from ..views.contexts import citing_sentences
from ..views.safe import clean, text
from .adapters import relative_pagerank

__all__ = ["NOT_STORED", "PaperDisplay"]

#: the title column of a listed paper without a stored record (a reference outside the crawl)
NOT_STORED = "(not in the store)"


class PaperDisplay:
    """The list's rows and the detail pane of :class:`~citegraph.tui.app.BrowseApp`."""

    def _row(self, index: int, width: int) -> Text:
        """One line of the list, built when it scrolls into view."""
        pmid = self.shown[index]
        if pmid not in self._counts:  # counts for the next screenful in one query
            self._counts.update(self.data.cited_by_counts(self.shown[index:index + 100]))
        year, title, _ = self.data.summaries.get(pmid, (None, None, ""))
        ranks = self.data.pagerank
        rank = f"{relative_pagerank(ranks[pmid], len(ranks)):6.1f}" if ranks and pmid in ranks else "     …"
        line = Text(f"{pmid:>8} ", style="cyan")
        line.append(f"{year or '':>4} ", style="green")
        line.append(f"{self._counts.get(pmid, 0):>5} ", style="yellow")
        line.append(rank + "  ", style="magenta")
        marker = self._marker(pmid)
        if marker:  # before the title, which the line's end cuts
            line.append_text(marker)
            line.append("  ")
        if title is None:
            line.append(NOT_STORED, style="dim")
        else:
            line.append_text(text(title or "(no title)"))
        return line

    def _marker(self, pmid: str) -> Text:
        """'RETRACTED' or 'via retracted PMID' (see :meth:`BrowseData.marks`), as ``rank`` marks them."""
        return flag(pmid, {pmid: self.data.marks(pmid)})

    def _show_detail(self, pmid: str | None) -> None:
        card = self._main("#card", Static)
        if pmid is None:
            card.update(Text("nothing to show", style="dim"))
            return
        article = self.data.article(pmid)
        if article is None:
            card.update(self._not_stored(pmid))
            return
        parts = [article_card(article, cited_by=self.data.cited_by_count(pmid),
                              cites=self.data.stored_references(pmid), abstract_chars=0)]
        via = self.data.marks(pmid)["via_retracted"]
        if via:  # a retracted paper itself is marked by its card
            parts.append(Text.assemble(self._marker(pmid), (f": it descends from the seed {self.seed} through "
                                                             f"the retracted paper {via}", "red")))
        topics = self.data.topics_of(pmid)
        if topics:
            parts.append(Text.assemble(("topics: ", "dim"), text(", ".join(topics))))
        if pmid != self.current:  # how the highlighted paper and the current one cite each other
            citing, cited = (pmid, self.current) if self.direction == "citing" else (self.current, pmid)
            said = self.data.sentences(citing, cited)
            if said:
                parts.append(citing_sentences(citing, cited, said))
        if article.abstract:
            parts.append(Text(clean(article.abstract, single_line=False)))
        card.update(Group(*parts))
        self._main("#detail", VerticalScroll).scroll_home(animate=False)

    def _not_stored(self, pmid: str) -> Text:
        """The detail pane of a paper without a stored record: why, and the commands that fetch
        it (the browser reads the store only; it has no network client)."""
        body = Text.assemble((f"PMID {pmid} is not in the store", "bold"),
                             ": its record was never fetched (a reference outside the crawl).\n\n"
                             "The browser works offline. To fetch it, run in another terminal:\n  ")
        body.append(f"citegraph crawl {pmid} --depth 0", style="bold cyan")
        if self.direction == "references":
            body.append(f"\nor every reference of {self.current} at once:\n  ")
            body.append(f"citegraph crawl {self.current} --direction references", style="bold cyan")
        body.append("\nthen open the browser again: ")
        body.append(f"citegraph browse {self.seed}", style="bold cyan")
        body.append("\n(named: the crawl becomes the latest, which a bare `citegraph browse` opens)", style="dim")
        return body
