"""A list of papers that renders only the lines on screen (Textual's line API).

A DataTable measures every cell of every row each time it is filled, a cost that grows with
the number of rows; here a row is built (by the app's ``row`` callback, as a rich ``Text``)
only when it scrolls into view, so a list of 5,000 citing papers redraws as fast as one of 20.
"""

from __future__ import annotations

from typing import Callable

from rich.segment import Segment
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

__all__ = ["PaperList"]


class PaperList(ScrollView, can_focus=True):
    """Rows 0..count-1 drawn by ``row(index, width) -> Text``; one is under the cursor."""

    COMPONENT_CLASSES = {"paper-list--cursor"}
    DEFAULT_CSS = """
    PaperList { background: $surface; overflow-x: hidden; }
    PaperList > .paper-list--cursor { background: $accent 60%; text-style: bold; }
    PaperList:blur > .paper-list--cursor { background: $accent 30%; }
    """
    BINDINGS = [
        Binding("up", "move(-1)", "up", show=False),
        Binding("down", "move(1)", "down", show=False),
        Binding("pageup", "page(-1)", "page up", show=False),
        Binding("pagedown", "page(1)", "page down", show=False),
        Binding("home", "jump(0)", "first", show=False),
        Binding("end", "jump(-1)", "last", show=False),
        Binding("enter", "select", "follow"),
    ]

    class Highlighted(Message):
        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    class Selected(Message):
        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.count = 0
        self.cursor = 0
        self._row: Callable[[int, int], Text] = lambda index, width: Text()
        self._cache: dict[tuple[int, int], list[Segment]] = {}

    def set_rows(self, count: int, row: Callable[[int, int], Text], cursor: int = 0) -> None:
        """New rows, with the cursor on ``cursor`` (no Highlighted message: the caller knows)."""
        self.count = count
        self._row = row
        self._cache.clear()
        self.cursor = max(0, min(cursor, count - 1))
        self.virtual_size = Size(self.size.width, count)
        self.scroll_to(y=max(0, self.cursor - self.size.height // 2), animate=False, immediate=True)
        self.refresh()

    def redraw(self) -> None:
        """Rows changed their content (not their order): draw them again."""
        self._cache.clear()
        self.refresh()

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, self.count)
        self._cache.clear()

    def render_line(self, y: int) -> Strip:
        index = y + self.scroll_offset.y
        width = self.scrollable_content_region.width  # without the scrollbar, so "…" stays visible
        base = self.rich_style
        if index >= self.count:
            return Strip.blank(width, base)
        key = (index, width)
        segments = self._cache.get(key)
        if segments is None:
            line = self._row(index, width)
            line.truncate(width, overflow="ellipsis")
            segments = list(line.render(self.app.console))
            if len(self._cache) > 4096:
                self._cache.clear()
            self._cache[key] = segments
        style = self.get_component_rich_style("paper-list--cursor") if index == self.cursor else base
        return Strip(segments).crop_extend(0, width, None).apply_style(style)

    # -- moving ----------------------------------------------------------------------------
    def _move_to(self, index: int) -> None:
        if not self.count:
            return
        index = max(0, min(index, self.count - 1))
        if index == self.cursor:
            return
        old, self.cursor = self.cursor, index
        self.scroll_to_region(Region(0, index, 1, 1), animate=False, immediate=True)
        self._refresh_row(old)
        self._refresh_row(index)
        self.post_message(self.Highlighted(index))

    def _refresh_row(self, index: int) -> None:
        self.refresh(Region(0, index - self.scroll_offset.y, self.size.width, 1))

    def action_move(self, step: int) -> None:
        self._move_to(self.cursor + step)

    def action_page(self, direction: int) -> None:
        self._move_to(self.cursor + direction * max(1, self.size.height - 1))

    def action_jump(self, index: int) -> None:
        self._move_to(index if index >= 0 else self.count - 1)

    def action_select(self) -> None:
        if self.count:
            self.post_message(self.Selected(self.cursor))

    def on_click(self, event) -> None:
        index = event.y + self.scroll_offset.y
        if 0 <= index < self.count:
            if index == self.cursor or getattr(event, "chain", 1) >= 2:
                self._move_to(index)
                self.post_message(self.Selected(index))
            else:
                self._move_to(index)
