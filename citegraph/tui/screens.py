"""Pop-up screens of the browser: keys, the path from the seed, the timeline."""

from __future__ import annotations

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

__all__ = ["InfoScreen", "KEYS", "COLUMNS", "keys_table"]

#: (keys, what they do), shown by ``?`` and in the README
KEYS = [
    ("↑ ↓ PgUp PgDn Home End", "move in the list (the detail pane follows)"),
    ("Enter / click twice", "follow: open the highlighted paper"),
    ("Backspace / b", "back to the previous paper (history)"),
    ("h", "home: back to the seed"),
    ("r", "toggle between citing papers and references"),
    ("s / S", "next sort (year, cited by, PageRank) / reverse the order"),
    ("/", "filter as you type: words in title or journal, 1990-2000 (years), topic:NAME; Enter: to the list"),
    ("Esc", "clear the filter (or close a pop-up)"),
    ("c", "next topic filter (when a topic lens is available)"),
    ("p", "path from the seed to the highlighted paper"),
    ("t", "timeline of the listed papers (per year, stacked by topic)"),
    ("g", "load the graph again (counts, PageRank, topics) after it failed"),
    ("?", "these keys"),
    ("q", "quit"),
]

#: (column head, what it shows), listed under the keys
COLUMNS = [
    ("cited", "how many stored papers cite it"),
    ("PR×avg", "PageRank relative to the average paper of the graph (1.0 = average; … while the graph loads)"),
]


def keys_table() -> Table:
    """The keys, then the list's columns."""
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column()
    for key, what in KEYS:
        table.add_row(Text(key), Text(what))
    table.add_row(Text(""), Text(""))
    table.add_row(Text("columns", style="bold"), Text(""))
    for head, what in COLUMNS:
        table.add_row(Text(head, style="bold"), Text(what))
    return table


class InfoScreen(ModalScreen[None]):
    """A scrollable pop-up holding one renderable; any of Esc, q or its own key closes it."""

    # opaque: a see-through pop-up makes Textual redraw the whole screen beneath it, tinted,
    # on every refresh (a delay on every key press)
    DEFAULT_CSS = """
    InfoScreen { align: center middle; background: $background; }
    InfoScreen > VerticalScroll {
        width: 100%; height: 100%; border: round $accent; background: $surface; padding: 0 1;
    }
    """
    BINDINGS = [Binding("escape,q", "close", "close")]

    def __init__(self, renderable: RenderableType, title: str, close_key: str = "") -> None:
        super().__init__()
        self._renderable = renderable
        self._title = title
        self._close_key = close_key

    def compose(self) -> ComposeResult:
        scroll = VerticalScroll(Static(self._renderable, id="info-body"))
        scroll.border_title = self._title  # fixed text only: never untrusted
        scroll.border_subtitle = "Esc closes"
        yield scroll

    def on_key(self, event) -> None:
        if self._close_key and event.key == self._close_key:
            event.stop()
            self.dismiss(None)

    def set_body(self, renderable: RenderableType) -> None:
        """Replace what the pop-up shows (a placeholder, once the answer is ready)."""
        self._renderable = renderable
        self.query_one("#info-body", Static).update(renderable)

    def action_close(self) -> None:
        self.dismiss(None)
