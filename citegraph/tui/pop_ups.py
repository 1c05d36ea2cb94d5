"""The browser's pop-ups: the citation path from the seed, the timeline, the keys.

:class:`PopUps` is a part of :class:`~citegraph.tui.app.BrowseApp` (a mixin): its actions read
the app's ``data``, ``seed``, ``current``, ``direction``, ``listed`` and ``highlighted``, and
push an :class:`~citegraph.tui.screens.InfoScreen`. Before the overview has arrived, the path
is searched in the store on a worker thread, cancelled when its pop-up closes.
"""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.worker import get_current_worker

from ..views.analysis import chains_view
from ..views.timeline import OTHER, timeline_chart
from .screens import InfoScreen, keys_table

__all__ = ["PopUps"]


class PopUps:
    """The ``p`` (path), ``t`` (timeline) and ``?`` (keys) actions of the browser."""

    _path_screen: InfoScreen | None

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
