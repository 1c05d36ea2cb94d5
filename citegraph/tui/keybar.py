"""The key line at the bottom of the browser: fixed text, drawn once, clickable.

Textual's ``Footer`` rebuilds one widget per key whenever the focus or the screen changes
(opening the filter box, a pop-up, closing it), which delays every such key press. The
browser's keys never change, so one line of text does the job.
"""

from __future__ import annotations

from rich.text import Text
from textual.events import Click
from textual.widget import Widget

__all__ = ["KeyBar"]


class KeyBar(Widget):
    """``keys``: (key as shown, what it does, action name run on the app when clicked)."""

    COMPONENT_CLASSES = {"keybar--key"}
    DEFAULT_CSS = """
    KeyBar { height: 1; background: $footer-background; color: $footer-description-foreground; }
    KeyBar > .keybar--key { color: $footer-key-foreground; text-style: bold; }
    """

    def __init__(self, keys: list[tuple[str, str, str]], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._keys = keys
        self._spans: list[tuple[int, int, str]] = []

    def render(self) -> Text:
        key_style = self.get_component_rich_style("keybar--key", partial=True)
        line = Text(no_wrap=True, overflow="ellipsis", end="")
        self._spans = []
        width = self.size.width
        for key, what, action in self._keys:
            start = len(line)
            if width and start + len(key) + len(what) + 3 > width:
                break  # whole keys only: a narrow terminal shows the first ones ('?' lists them all)
            line.append(f" {key} ", style=key_style)
            line.append(what + " ")
            self._spans.append((start, len(line), action))
        return line

    async def on_click(self, event: Click) -> None:
        for start, end, action in self._spans:
            if start <= event.x < end:
                event.stop()
                await self.app.run_action(action)
                return
