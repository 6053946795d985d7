"""Progress as events. Stages call a `ProgressCallback`; the CLI chooses how events are shown:
a rich bar with ETA, JSON lines on stderr (`--json`), or nothing (`--quiet`)."""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable
from typing import IO, Any, Protocol

#: progress(done, total) - `total` is None when unknown; units are the stage's (seconds of media)
ProgressCallback = Callable[[float, float | None], None]


def no_progress(done: float, total: float | None) -> None:
    """A ProgressCallback that shows nothing."""


class Reporter(Protocol):
    def stage_started(self, stage: str, total: float | None) -> ProgressCallback: ...
    def stage_finished(self, stage: str, status: str, seconds: float, note: str = "") -> None: ...
    def warning(self, message: str) -> None: ...
    def close(self) -> None: ...


class QuietReporter:
    """Shows nothing except warnings (on stderr)."""

    def __init__(self, stream: IO[str] | None = None):
        self.stream = stream or sys.stderr

    def stage_started(self, stage: str, total: float | None) -> ProgressCallback:
        return no_progress

    def stage_finished(self, stage: str, status: str, seconds: float, note: str = "") -> None:
        pass

    def warning(self, message: str) -> None:
        print(f"warning: {message}", file=self.stream)

    def close(self) -> None:
        pass


class JsonReporter:
    """One JSON object per line on stderr: stage start, progress, end, warnings."""

    def __init__(self, stream: IO[str] | None = None, min_interval: float = 0.0):
        self.stream = stream or sys.stderr
        self.min_interval = min_interval
        self._lock = threading.Lock()

    def _emit(self, **event: Any) -> None:
        with self._lock:
            self.stream.write(json.dumps(event) + "\n")
            self.stream.flush()

    def stage_started(self, stage: str, total: float | None) -> ProgressCallback:
        self._emit(event="stage_started", stage=stage, total=total)
        last = [0.0]

        def progress(done: float, total_now: float | None) -> None:
            now = time.monotonic()
            if now - last[0] >= self.min_interval:
                last[0] = now
                self._emit(event="progress", stage=stage, done=round(done, 3), total=total_now)

        return progress

    def stage_finished(self, stage: str, status: str, seconds: float, note: str = "") -> None:
        self._emit(
            event="stage_finished", stage=stage, status=status, seconds=round(seconds, 3), note=note
        )

    def warning(self, message: str) -> None:
        self._emit(event="warning", message=message)

    def close(self) -> None:
        pass


class RichReporter:
    """A rich progress bar per running stage, with ETA; stage results as lines above it."""

    def __init__(self, console=None):
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            Progress,
            TaskProgressColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.console = console or Console(stderr=True)
        self.progress = Progress(
            TextColumn("[bold]{task.description:<12}"),
            BarColumn(),
            TaskProgressColumn(),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=self.console,
            transient=True,
        )
        self._started = False
        self._tasks: dict[str, Any] = {}

    def stage_started(self, stage: str, total: float | None) -> ProgressCallback:
        if not self._started:
            self.progress.start()
            self._started = True
        task = self.progress.add_task(stage, total=total)
        self._tasks[stage] = task

        def progress(done: float, total_now: float | None) -> None:
            self.progress.update(task, completed=done, total=total_now)

        return progress

    def stage_finished(self, stage: str, status: str, seconds: float, note: str = "") -> None:
        # the final summary lists every stage; here only the bar goes away
        task = self._tasks.pop(stage, None)
        if task is not None:
            self.progress.remove_task(task)

    def warning(self, message: str) -> None:
        self.console.print(f"[yellow]warning:[/] {message}", highlight=False)

    def close(self) -> None:
        if self._started:
            self.progress.stop()
            self._started = False
