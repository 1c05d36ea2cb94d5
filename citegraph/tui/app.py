"""``citegraph browse``: walk the citation graph in the terminal (Textual).

The list shows the current paper's citing papers (``r``: its references); the detail pane
the highlighted paper's card and abstract. Untrusted text (titles, abstracts, names) only
reaches a widget as a :class:`rich.text.Text` built by :mod:`citegraph.views.safe` or as a
view from :mod:`citegraph.views`: Textual parses markup in plain strings, never in ``Text``.
"""

from __future__ import annotations

import gc
from dataclasses import replace

from rich.text import Text
from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Container, Horizontal, Vertical, VerticalScroll
from textual.timer import Timer
from textual.widgets import Input, Static

from ..filters import Filters
from ..views.article import article_line
from ..views.safe import text
from . import quick_escape
from .data import BrowseData
from .filter_box import describe, parse_filter
from .keybar import KeyBar
from .paper_display import PaperDisplay
from .paper_list import PaperList
from .pop_ups import PopUps
from .screens import InfoScreen

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


class BrowseApp(PaperDisplay, PopUps, App[None]):
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
        browser's alone), so that full collections never walk the store's summaries and the
        overview's objects while keys are pressed."""
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
