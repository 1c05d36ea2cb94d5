"""Progress displays on stderr for crawl, export and import; each is silent when stderr is
no terminal or with --quiet."""

from __future__ import annotations

from citegraph.cli.app import App


class CrawlProgress:
    """A live line on stderr while crawling; silent when stderr is no terminal or --quiet."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.enabled = not app.quiet and app.err.is_terminal
        self.progress = None

    def __enter__(self) -> "CrawlProgress":
        if self.enabled:
            from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self.progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                                     console=self.app.err, transient=True)
            self.progress.start()
            self.task = self.progress.add_task("resolving seeds", total=None)
        return self

    def update(self, snapshot) -> None:
        if self.progress is not None:
            self.progress.update(
                self.task,
                description=(f"generation {snapshot.generation} · {snapshot.members:,} papers · "
                             f"{snapshot.fetched:,} fetched · {snapshot.pending_fetch:,} to fetch · "
                             f"{snapshot.pending_link:,} to link · {snapshot.requests:,} requests"),
            )

    def __exit__(self, *exc_info: object) -> None:
        if self.progress is not None:
            self.progress.stop()


class ExportProgress:
    """A progress bar on stderr for the slow export formats; silent when stderr is no
    terminal or --quiet, and never shown for formats that do not report progress."""

    def __init__(self, app: App, description: str) -> None:
        self.app = app
        self.description = description
        self.enabled = not app.quiet and app.err.is_terminal
        self.progress = None

    def __enter__(self) -> "ExportProgress":
        return self

    def update(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self.progress is None:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                     TimeElapsedColumn(), console=self.app.err, transient=True)
            self.progress.start()
            self.task = self.progress.add_task(self.description, total=total)
        self.progress.update(self.task, completed=done, total=total)

    def __exit__(self, *exc_info: object) -> None:
        if self.progress is not None:
            self.progress.stop()


class ImportProgress:
    """A progress bar per file on stderr with records/s; silent when stderr is no terminal."""

    def __init__(self, app: App) -> None:
        self.enabled = not app.quiet and app.err.is_terminal
        self.app = app
        self.progress = None
        self.tasks: dict[int, object] = {}

    def __enter__(self) -> "ImportProgress":
        if self.enabled:
            from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn

            self.progress = Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                                     TextColumn("{task.fields[rate]}"), TimeElapsedColumn(),
                                     console=self.app.err, transient=True)
            self.progress.start()
        return self

    def update(self, snapshot) -> None:
        if self.progress is None:
            return
        task = self.tasks.get(snapshot.file_index)
        if task is None:
            task = self.tasks[snapshot.file_index] = self.progress.add_task(
                snapshot.file, total=snapshot.bytes_total, rate="")
        rate = snapshot.records / snapshot.elapsed if snapshot.elapsed else 0
        self.progress.update(task, completed=snapshot.bytes_read,
                             rate=f"{snapshot.records:,} records · {rate:,.0f} records/s")

    def __exit__(self, *exc_info: object) -> None:
        if self.progress is not None:
            self.progress.stop()


class FullTextProgress:
    """Lines on stderr while PMC full text is fetched: how many papers are to be asked, then
    one line per tenth of the way (not one per request)."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.told: int | None = None

    def update(self, done: int, total: int) -> None:
        if self.told is None:
            self.app.info(f"full text: {total:,} papers to ask")
            self.told = 0
        if done == total or done * 10 // total > self.told * 10 // total:
            self.app.info(f"full text: {done:,} of {total:,} papers asked")
            self.told = done
