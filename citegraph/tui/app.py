"""``citegraph browse``: walk the citation graph in the terminal (Textual).

The list shows the current paper's citing papers (``r``: its references); the detail pane
the highlighted paper's card and abstract. Untrusted text (titles, abstracts, names) only
reaches a widget as a :class:`rich.text.Text` built by :mod:`citegraph.views.safe` or as a
view from :mod:`citegraph.views`: Textual parses markup in plain strings, never in ``Text``.
"""

from __future__ import annotations

import gc
from dataclasses import replace

from rich.console import Group
from rich.text import Text
from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Container, Horizontal, Vertical, VerticalScroll
from textual.timer import Timer
from textual.widgets import Input, Static
from textual.worker import get_current_worker

from ..filters import Filters
from ..views.article import article_card, article_line
from ..views.analysis import chains_view, flag
from ..views.contexts import citing_sentences
from ..views.safe import clean, text
from ..views.timeline import OTHER, timeline_chart
from . import quick_escape
from .adapters import relative_pagerank
from .data import BrowseData
from .filter_box import describe, parse_filter
from .keybar import KeyBar
from .paper_list import PaperList
from .screens import InfoScreen, keys_table

__all__ = ["BrowseApp", "parse_filter", "SORTS"]

SORTS = ("year", "cited by", "PageRank")
#: the list's column heads, aligned with :meth:`BrowseApp._row` (explained in the keys pop-up:
#: screens.COLUMNS)
ROW_HEADER = "    PMID year cited PR×avg  title"
#: the key line: (key, what it does, action); the filter box takes its place while it is open
MAIN_KEYS = [("⏎", "follow", "follow"), ("q", "quit", "quit"), ("?", "keys", "keys"), ("⌫", "back", "back"),
             ("r", "cites/cited", "toggle_direction"), ("s", "sort", "next_sort"), ("/", "filter", "filter"),
             ("p", "path", "path"), ("t", "timeline", "timeline")]
#: seconds of no typing before the filter box's text is applied to the list
FILTER_DELAY = 0.15
#: the title column of a listed paper without a stored record (a reference outside the crawl)
NOT_STORED = "(not in the store)"


class BrowseApp(App[None]):
    """The browser. ``data`` is a :class:`BrowseData`; ``seed`` the paper it opens on."""

    TITLE = "citegraph browse"
    ENABLE_COMMAND_PALETTE = False
    CSS = """
    #current { height: auto; max-height: 3; padding: 0 1; background: $boost; }
    #main { height: 1fr; }
    #left { width: 1fr; height: 1fr; }
    #list-header { height: 1; padding: 0 0; color: $text-muted; text-style: bold; }
    #list { height: 1fr; }
    #detail { width: 35%; max-width: 72; height: 1fr; border-left: solid $primary-darken-2; }
    #main.narrow { layout: vertical; }
    #main.narrow #left { height: 1fr; width: 1fr; }
    #main.narrow #detail { height: 1fr; width: 1fr; max-width: 100%; border-left: none; border-top: solid $primary-darken-2; }
    #status { height: auto; max-height: 4; padding: 0 1; background: $panel; }
    #bottom { height: 1; }
    #filter { display: none; height: 1; border: none; padding: 0 1; }
    #filter.shown { display: block; }
    #keys.hidden { display: none; }
    """
    BINDINGS = [
        Binding("q", "quit", "quit"),
        Binding("question_mark", "keys", "keys"),
        Binding("backspace,b", "back", "back"),
        Binding("h", "home", "seed", show=False),
        Binding("r", "toggle_direction", "cites/cited"),
        Binding("s", "next_sort", "sort"),
        Binding("S", "reverse_sort", "reverse", show=False),
        Binding("slash", "filter", "filter"),
        Binding("escape", "clear_filter", "clear", show=False),
        Binding("c", "next_topic", "topic", show=False),
        Binding("p", "path", "path"),
        Binding("t", "timeline", "timeline"),
        Binding("g", "retry_graph", "load the graph again", show=False),
    ]

    def __init__(self, data: BrowseData, seed: str, *, limit: int = 10_000, load_graph: bool = True,
                 in_process: bool | None = None) -> None:
        super().__init__()
        self.data = data
        self.seed = seed
        self.limit = limit
        self.current = seed
        self.direction = "citing"
        self.sort = "year"
        self.descending = True
        self.filter = Filters()
        self.history: list[tuple[str, str]] = []
        self.listed: list[str] = []  # every paper passing the filter, sorted
        self.shown: list[str] = []  # the rows of the table (at most ``limit``)
        self._load_graph = load_graph
        self._in_process = data.overview_in_process(in_process) if load_graph else True
        self._lists: dict[tuple[str, str], list[str]] = {}
        self._counts: dict[str, int] = {}
        self._filter_timer: Timer | None = None
        self._path_screen: InfoScreen | None = None
        self._freeze_gc = False

    def run(self, *args, **kwargs):
        """Run in the terminal, with Esc answered promptly (see :mod:`.quick_escape`) and the
        long-lived data kept out of the garbage collector's way (:meth:`_freeze`)."""
        quick_escape.install()
        self._freeze_gc = True
        return super().run(*args, **kwargs)

    def _freeze(self) -> None:
        """Exempt everything alive now from the cyclic garbage collector (this process is the
        browser's alone): the store's summaries and, later, the overview's some 250,000 objects
        made each full collection stall a key press for 50 ms and more."""
        if self._freeze_gc:
            gc.freeze()

    # -- layout --------------------------------------------------------------------------------
    def _main(self, selector: str, kind=None):
        """A widget of the browser's own screen, even while a pop-up is on top of it."""
        screen = self.screen_stack[0]
        return screen.query_one(selector, kind) if kind else screen.query_one(selector)

    def compose(self) -> ComposeResult:
        yield Static(id="current")
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield Static(Text(ROW_HEADER), id="list-header")
                yield PaperList(id="list")
            with VerticalScroll(id="detail"):
                yield Static(id="card")
        yield Static(id="status")
        with Container(id="bottom"):  # one line: the keys, or the filter box in their place
            yield KeyBar(MAIN_KEYS, id="keys")
            yield Input(id="filter", placeholder="filter as you type: words, 1990-2000, topic:NAME  "
                                                 "(Enter: back to the list, Esc: clear)")

    def on_mount(self) -> None:
        self._apply_layout(self.size.width)
        self.show_paper(self.seed, remember=False)
        self._main("#list", PaperList).focus()
        self.call_after_refresh(self._freeze)
        if self._load_graph:  # after the first screen is drawn
            self.call_after_refresh(self.load_graph)

    def on_resize(self, event) -> None:
        self._apply_layout(event.size.width)

    def _apply_layout(self, width: int) -> None:
        self._main("#main").set_class(width < 120, "narrow")

    # -- the graph worker ----------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="graph")
    def load_graph(self) -> None:
        self.data.load_overview(self.seed, in_process=self._in_process)
        self.call_from_thread(self._graph_loaded)

    def on_unmount(self) -> None:
        self.data.stop()

    def _graph_loaded(self) -> None:
        """The worker is done: with the overview, or with :attr:`BrowseData.overview_error`."""
        if self.data.overview is None:
            self._show_status()
            return
        self._lists.clear()
        self.refresh_list(keep=True)
        self._freeze()

    def action_retry_graph(self) -> None:
        """Load the graph again after a failure (nothing while it loads or once it is loaded)."""
        if self.data.overview is not None or self.data.overview_error is None:
            return
        self.data.overview_error = None
        self._show_status()
        self.load_graph()

    # -- what is shown -------------------------------------------------------------------------
    def show_paper(self, pmid: str, *, remember: bool = True) -> None:
        if remember:
            self.history.append((self.current, self.direction))
        self.current = pmid
        self.refresh_list()

    def _papers(self) -> list[str]:
        key = (self.current, self.direction)
        if key not in self._lists:
            papers = (self.data.citing(self.current) if self.direction == "citing"
                      else self.data.references(self.current))
            self._lists[key] = papers
            if len(self._lists) > 64:
                self._lists.pop(next(iter(self._lists)))
            if len(papers) > 100 and self.data.overview is None:  # so that sorting by citations is quick
                self.prefetch_counts(papers)
        return self._lists[key]

    @work(thread=True, exclusive=True, group="counts", exit_on_error=False)
    def prefetch_counts(self, papers: list[str]) -> None:
        self.data.prefetch_counts(papers)  # on failure the list reads its counts when it needs them

    def refresh_list(self, *, keep: bool = False) -> None:
        papers = self._papers()
        if self.filter.active or self.data.filters.active:
            papers = self.data.keep(papers, self.filter)
        summaries = self.data.summaries
        if self.sort == "year":
            papers = sorted(papers, key=lambda p: ((summaries.get(p) or (0,))[0] or 0, int(p)), reverse=self.descending)
        elif self.sort == "cited by":
            counts = self.data.cited_by_counts(papers)
            papers = sorted(papers, key=lambda p: (counts[p], int(p)), reverse=self.descending)
        else:
            ranks = self.data.pagerank or {}
            papers = sorted(papers, key=lambda p: (ranks.get(p, 0.0), int(p)), reverse=self.descending)
        self.listed = papers
        self.shown = papers[: self.limit]
        self._fill_table(keep=keep)
        self._show_current()

    def _fill_table(self, *, keep: bool = False) -> None:
        highlighted = self.highlighted if keep else None
        self._counts = {}
        cursor = self.shown.index(highlighted) if highlighted in self.shown else 0
        self._main("#list", PaperList).set_rows(len(self.shown), self._row, cursor)
        self._show_detail(self.highlighted or self.current)
        self._show_status()

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

    @property
    def highlighted(self) -> str | None:
        cursor = self._main("#list", PaperList).cursor
        return self.shown[cursor] if 0 <= cursor < len(self.shown) else None

    def _show_current(self) -> None:
        line = Text("seed " if self.current == self.seed else f"depth {len(self.history)}  ", style="dim")
        line.append_text(article_line(self.data.article(self.current), self.current))
        self._main("#current", Static).update(line)

    def _show_status(self) -> None:
        what = "papers citing" if self.direction == "citing" else "references of"
        status = Text()
        total = len(self._papers())
        count = len(self.listed)
        status.append(f"{what} {self.current}: ", style="bold")
        if len(self.shown) < count:
            status.append(f"{len(self.shown):,} of {count:,} shown", style="yellow")
        else:
            status.append(f"{count:,}")
        if self.direction == "references":
            unstored = sum(1 for p in self.listed if p not in self.data.summaries)
            if unstored:
                status.append(f" ({unstored:,} not in the store)", style="dim")
        if self.filter.active or self.data.filters.active:
            status.append(f" (of {total:,}; filter: ")
            status.append_text(text(" ".join(filter(None, (describe(self.data.filters), describe(self.filter))))))
            status.append(")")
        status.append(f" · sort {self.sort} {'↓' if self.descending else '↑'}")
        error = self.data.overview_error
        if error is None and self.data.pagerank is None:
            status.append(" · graph: loading…", style="dim")
        status.append(" · ? keys", style="dim")
        if error is not None:  # on lines of its own (the status grows to at most four)
            status.append("\ngraph unavailable (g: retry): ", style="bold red")
            status.append_text(text(error))
        self._main("#status", Static).update(status)

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

    # -- events --------------------------------------------------------------------------------
    def on_paper_list_highlighted(self, event: PaperList.Highlighted) -> None:
        self._show_detail(self.shown[event.index] if 0 <= event.index < len(self.shown) else self.current)

    def on_paper_list_selected(self, event: PaperList.Selected) -> None:
        if 0 <= event.index < len(self.shown):
            self.show_paper(self.shown[event.index])

    def on_input_changed(self, event: Input.Changed) -> None:
        """Filter as the user types, once typing pauses (a burst of keys costs one refresh)."""
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self._filter_timer = self.set_timer(FILTER_DELAY, self._apply_typed_filter)

    def _apply_typed_filter(self) -> None:
        self._filter_timer = None
        wanted = parse_filter(self._main("#filter", Input).value)
        if wanted != self.filter:
            self.filter = wanted
            self.refresh_list()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_filter_done()

    # -- actions -------------------------------------------------------------------------------
    def action_back(self) -> None:
        if self.history:
            self.current, self.direction = self.history.pop()
            self.refresh_list()

    def action_home(self) -> None:
        if self.current != self.seed:
            self.show_paper(self.seed)

    def action_toggle_direction(self) -> None:
        self.direction = "references" if self.direction == "citing" else "citing"
        self.refresh_list()

    def action_next_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self.descending = self.sort != "year" or self.descending
        self.refresh_list()

    def action_reverse_sort(self) -> None:
        self.descending = not self.descending
        self.refresh_list()

    def action_filter(self) -> None:
        box = self._main("#filter", Input)
        self._main("#keys", KeyBar).add_class("hidden")
        box.add_class("shown")
        box.focus()

    def action_filter_done(self) -> None:
        """Enter in the filter box: apply what is typed now, back to the list."""
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self._apply_typed_filter()
        self._close_filter_box()

    def _close_filter_box(self) -> None:
        box = self._main("#filter", Input)
        box.remove_class("shown")
        self._main("#keys", KeyBar).remove_class("hidden")
        self._main("#list", PaperList).focus()

    def action_clear_filter(self) -> None:
        if self._filter_timer is not None:
            self._filter_timer.stop()
            self._filter_timer = None
        box = self._main("#filter", Input)
        with box.prevent(Input.Changed):
            box.value = ""
        self._close_filter_box()
        if self.filter.active:
            self.filter = Filters()
            self.refresh_list()

    def action_follow(self) -> None:
        self._main("#list", PaperList).action_select()

    def action_next_topic(self) -> None:
        names = self.data.topic_names
        if not names:
            self.notify("no topic lens: topics are unavailable", severity="warning", markup=False)
            return
        current = self.filter.topics[0] if self.filter.topics else None
        index = names.index(current) + 1 if current in names else 0
        self.filter = replace(self.filter, topics=(names[index],) if index < len(names) else ())
        self.refresh_list()

    def action_path(self) -> None:
        """The path pop-up: at once from the overview's descent tree; before the overview has
        arrived, a search through the store runs on a worker thread behind a placeholder."""
        target = self.highlighted or self.current
        title = f"Path from the seed {self.seed} to {target}"
        if self.data.path_ready(self.seed):
            body = self._path_body(target, self.data.path_from(self.seed, target))
            self.push_screen(InfoScreen(body, title, close_key="p"))
            return
        screen = InfoScreen(Text("searching the store for a citation path…", style="dim"), title, close_key="p")
        self._path_screen = screen
        self.push_screen(screen, callback=lambda _: self._path_closed(screen))
        self.find_path(target, screen)

    def _path_closed(self, screen: InfoScreen) -> None:
        if self._path_screen is screen:
            self._path_screen = None
            self.workers.cancel_group(self, "path")

    @work(thread=True, exclusive=True, group="path")
    def find_path(self, target: str, screen: InfoScreen) -> None:
        worker = get_current_worker()
        try:
            chain = self.data.search_path(self.seed, target, cancelled=lambda: worker.is_cancelled)
        except Exception as exc:  # shown in the pop-up; the browser goes on
            chain = Text(f"The path search failed: {type(exc).__name__}: {exc}", style="red")
        if not worker.is_cancelled:
            self.call_from_thread(self._path_found, target, chain, screen)

    def _path_found(self, target: str, chain: list[str] | Text | None, screen: InfoScreen) -> None:
        if self._path_screen is screen and screen.is_attached:
            screen.set_body(chain if isinstance(chain, Text) else self._path_body(target, chain))

    def _path_body(self, target: str, chain: list[str] | None):
        if chain is None:
            return Text(f"No citation path from {self.seed} to {target} in the store.", style="yellow")
        papers = {p: {"year": info[0], "title": info[1]} for p in chain
                  if (info := self.data.summary(p)) is not None}
        steps = len(chain) - 1
        return chains_view([chain], papers, link="cited by",
                           title=f"{steps} citation step{'s' if steps != 1 else ''} (each paper is cited by the next)")

    def action_timeline(self) -> None:
        topics = self.data.topics
        counts: dict[int, dict[str, int]] = {}
        for pmid in self.listed:
            year = (self.data.summaries.get(pmid) or (None,))[0]
            if year is None:
                continue
            topic = (topics.get(pmid) or [OTHER])[0] if topics else OTHER
            stack = counts.setdefault(year, {})
            stack[topic] = stack.get(topic, 0) + 1
        what = "citing" if self.direction == "citing" else "cited by"
        chart = timeline_chart(counts, title=f"{len(self.listed):,} papers {what} {self.current}, per year")
        self.push_screen(InfoScreen(chart, "Timeline", close_key="t"))

    def action_keys(self) -> None:
        self.push_screen(InfoScreen(keys_table(), "Keys", close_key="question_mark"))
