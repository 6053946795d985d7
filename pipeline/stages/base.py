"""The contract of a stage: one entry point (`run`) doing pure work on the work folder. The
runner, not the stage, decides about caching, forcing, progress display and failures."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from pipeline.media.probe import MediaInfo
from pipeline.progress import ProgressCallback, no_progress
from pipeline.settings import Settings
from pipeline.workspace import Workspace


@dataclass
class StageContext:
    """What a stage gets to work with."""

    recording: Path
    workspace: Workspace
    settings: Settings
    media: MediaInfo | None = None
    progress: ProgressCallback = no_progress
    #: CPU threads this stage may use (the runner shares the cores between concurrent stages)
    threads: int = 1
    #: warnings the stage wants shown to the user (the runner shows them)
    warnings: list[str] = field(default_factory=list)
    #: the names of the stages in this run (a stage may serve another on the same pass)
    planned: frozenset[str] = frozenset()

    def warn(self, message: str) -> None:
        self.warnings.append(message)


@dataclass
class StageResult:
    """What a stage made: output artifact names (relative to the work folder) and a short
    summary for display and the manifest."""

    outputs: list[str]
    summary: dict[str, Any] = field(default_factory=dict)


class Stage(ABC):
    #: the stage's name, also its key in the manifest and for `--force NAME`
    name: ClassVar[str]
    #: bump when the stage's code changes what it writes, so old outputs are redone
    version: ClassVar[int] = 1
    #: artifacts of earlier stages this stage reads (fingerprinted into its cache key)
    needs: ClassVar[tuple[str, ...]] = ()
    #: stages that must have finished before this one starts; None = every stage before it
    #: in the run order. Stages whose `after` are all done may run at the same time.
    after: ClassVar[tuple[str, ...] | None] = None
    #: whether "does not apply" (skip_reason) is worth a warning (no audio: yes; nothing to
    #: redact: no)
    warn_when_not_applicable: ClassVar[bool] = True
    #: stages whose `--force` redoes this one too (it does part of their work)
    forced_with: ClassVar[tuple[str, ...]] = ()

    def params(self, settings: Settings) -> dict[str, Any]:
        """The settings that change this stage's output (recorded in the manifest)."""
        return {}

    def plan_params(self, planned: frozenset[str], settings: Settings) -> dict[str, Any]:
        """What the other stages of the run change in this stage's output (part of its cache
        key): e.g. the slides pass reads the screen for the scan when both run."""
        return {}

    def accepted_plan_params(
        self, planned: frozenset[str], settings: Settings
    ) -> list[dict[str, Any]]:
        """Every `plan_params` whose earlier outputs also serve this plan, the plan's own
        first (what a new run records): e.g. a slides pass that also read the screen for
        the scan wrote the same slides.json as one that did not."""
        return [self.plan_params(planned, settings)]

    def skip_reason(self, ctx: StageContext) -> str | None:
        """Why this stage does not apply to this recording (e.g. no audio), or None."""
        return None

    def progress_total(self, ctx: StageContext) -> float | None:
        """The total the progress callback counts towards (seconds of media by default)."""
        return ctx.media.duration if ctx.media else None

    @abstractmethod
    def run(self, ctx: StageContext) -> StageResult:
        """Do the work, writing outputs atomically into the work folder."""
