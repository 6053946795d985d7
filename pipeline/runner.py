"""The runner decides, stages do: it owns caching (skip a stage whose parameters and input
fingerprints are unchanged and whose outputs are intact), `--force`, progress display, the
manifest, the sharing of CPU cores between stages that may run at the same time, and what
happens when a stage fails."""

from __future__ import annotations

import logging
import os
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipeline.media.probe import MediaInfo, probe
from pipeline.progress import QuietReporter, Reporter
from pipeline.settings import Settings
from pipeline.stages.base import Stage, StageContext
from pipeline.workspace import Workspace, fingerprint_artifact, fingerprint_file, fingerprint_value

log = logging.getLogger(__name__)

#: `force` value meaning every stage
FORCE_ALL = "all"


@dataclass
class StageOutcome:
    name: str
    #: "ran", "skipped" (cached), "not applicable", or "failed"
    status: str
    seconds: float = 0.0
    note: str = ""
    outputs: list[str] = field(default_factory=list)


@dataclass
class RunSummary:
    recording: Path
    workdir: Path
    media: MediaInfo
    outcomes: list[StageOutcome]
    warnings: list[str]
    wall_seconds: float = 0.0

    @property
    def seconds(self) -> float:
        return sum(o.seconds for o in self.outcomes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "recording": str(self.recording),
            "workdir": str(self.workdir),
            "duration": self.media.duration,
            "has_video": self.media.has_video,
            "has_audio": self.media.has_audio,
            "wall_seconds": round(self.wall_seconds, 3),
            "stages": [
                {"name": o.name, "status": o.status, "seconds": round(o.seconds, 3), "note": o.note, "outputs": o.outputs}
                for o in self.outcomes
            ],
            "warnings": self.warnings,
        }


def peak_rss_mb() -> float | None:
    """This process's peak resident memory so far, in MB (None where unknown)."""
    try:
        import resource
    except ImportError:  # not on POSIX
        return None
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def dependencies(stages: list[Stage]) -> dict[str, set[str]]:
    """For each stage, the stages (of this run) that must finish before it starts."""
    names = [s.name for s in stages]
    deps: dict[str, set[str]] = {}
    for i, stage in enumerate(stages):
        wanted = names[:i] if stage.after is None else [n for n in stage.after if n in names[:i]]
        deps[stage.name] = set(wanted)
    return deps


class Runner:
    """Runs stages over one recording's work folder, in order, overlapping the stages that
    declare they may (see Stage.after)."""

    def __init__(
        self,
        recording: Path,
        media: MediaInfo,
        workspace: Workspace,
        settings: Settings,
        reporter: Reporter | None = None,
        force: set[str] | None = None,
        cores: int | None = None,
    ):
        self.recording = Path(recording)
        self.media = media
        self.workspace = workspace
        self.settings = settings
        self.reporter = reporter or QuietReporter()
        self.force = force or set()
        self.cores = cores or os.cpu_count() or 1
        self._warnings: list[str] = []

    @classmethod
    def for_recording(
        cls,
        recording: Path,
        settings: Settings,
        *,
        reporter: Reporter | None = None,
        force: set[str] | None = None,
    ) -> Runner:
        """Probe `recording` (refusing bad input before anything is written) and set up the
        runner over its work folder under setting general.out.

        Raises InputError/MediaError for a missing or unreadable recording."""
        media = probe(recording)
        return cls(
            recording=Path(media.path),
            media=media,
            workspace=Workspace.for_recording(recording, Path(settings.general.out)),
            settings=settings,
            reporter=reporter,
            force=force,
        )

    def _forced(self, stage: Stage) -> bool:
        return FORCE_ALL in self.force or bool({stage.name, *stage.forced_with} & self.force)

    def cache_keys(
        self, stage: Stage, recording_fp: str, planned: frozenset[str]
    ) -> tuple[list[str], dict[str, Any], dict[str, str]]:
        """Every key under which earlier outputs serve this run (the run's own first), with
        the run's own params and the inputs' fingerprints."""
        inputs = {}
        for name in stage.needs:
            path = self.workspace.path(name)
            inputs[name] = fingerprint_artifact(path) if path.is_file() else "missing"
        variants = [
            {**stage.params(self.settings), **extra}
            for extra in stage.accepted_plan_params(planned, self.settings)
        ]
        keys = [
            fingerprint_value(
                {"stage": stage.name, "version": stage.version, "params": params, "recording": recording_fp, "inputs": inputs}
            )
            for params in variants
        ]
        return keys, variants[0], inputs

    def run(self, stages: list[Stage], planned: frozenset[str] | None = None) -> RunSummary:
        """Run `stages`. Returns the summary; after a stage fails, waits for the stages already
        running, then re-raises that stage's error (recorded in the manifest). `planned` names
        every stage of the whole run when this is one part of it (the distributed batch runs
        a recording's stages as several tasks), so each stage plans as in one run."""
        t0 = time.perf_counter()
        self.workspace.prepare()
        recording_fp = fingerprint_file(self.recording, partial=True)
        self.workspace.update_manifest(
            recording={"path": str(self.recording), "fingerprint": recording_fp, "size": self.media.size}
        )
        deps = dependencies(stages)
        planned = planned or frozenset(s.name for s in stages)
        by_name = {s.name: s for s in stages}
        outcomes: dict[str, StageOutcome] = {}
        running: dict[Future, str] = {}
        error: BaseException | None = None
        try:
            with ThreadPoolExecutor(max_workers=max(1, len(stages))) as pool:
                while len(outcomes) < len(stages):
                    if error is None:
                        ready = [
                            s
                            for s in stages
                            if s.name not in outcomes
                            and s.name not in running.values()
                            and deps[s.name] <= outcomes.keys()
                        ]
                        share = max(1, self.cores // max(1, len(ready) + len(running)))
                        for stage in ready:
                            job = pool.submit(self._run_one, stage, recording_fp, share, planned)
                            running[job] = stage.name
                    if not running:
                        break
                    done, _ = wait(running, return_when=FIRST_COMPLETED)
                    for future in done:
                        name = running.pop(future)
                        try:
                            outcomes[name] = future.result()
                        except BaseException as exc:  # noqa: BLE001 - re-raised below
                            outcomes[name] = StageOutcome(name, "failed")
                            error = error or exc
        finally:
            self.reporter.close()
            self.workspace.close()
        if error is not None:
            raise error
        ordered = [outcomes[s.name] for s in stages if s.name in by_name]
        return RunSummary(
            self.recording, self.workspace.root, self.media, ordered, self._warnings, time.perf_counter() - t0
        )

    def _warn(self, message: str) -> None:
        self._warnings.append(message)
        self.reporter.warning(message)

    def _run_one(
        self, stage: Stage, recording_fp: str, threads: int, planned: frozenset[str] = frozenset()
    ) -> StageOutcome:
        ctx = StageContext(
            recording=self.recording,
            workspace=self.workspace,
            settings=self.settings,
            media=self.media,
            threads=threads,
            planned=planned,
        )
        reason = stage.skip_reason(ctx)
        if reason:
            if stage.warn_when_not_applicable:
                self._warn(f"{stage.name} skipped: {reason}")
            self.reporter.stage_finished(stage.name, "not applicable", 0.0, reason)
            return StageOutcome(stage.name, "not applicable", note=reason)

        keys, params, inputs = self.cache_keys(stage, recording_fp, planned)
        key = keys[0]
        record = self.workspace.stage_record(stage.name)
        if (
            not self._forced(stage)
            and record
            and record.get("status") == "done"
            and record.get("key") in keys
            and self.workspace.outputs_intact(record)
        ):
            self.reporter.stage_finished(stage.name, "skipped", 0.0, "unchanged since last run")
            return StageOutcome(stage.name, "skipped", note="unchanged", outputs=list(record.get("outputs", {})))

        started_at = _now()
        self.workspace.record_stage(stage.name, {"status": "running", "key": key, "started_at": started_at})
        ctx.progress = self.reporter.stage_started(stage.name, stage.progress_total(ctx))
        t0 = time.perf_counter()
        try:
            result = stage.run(ctx)
        except BaseException as exc:
            seconds = time.perf_counter() - t0
            self.workspace.record_stage(
                stage.name,
                {"status": "failed", "key": key, "started_at": started_at, "error": type(exc).__name__, "seconds": round(seconds, 3)},
            )
            self.reporter.stage_finished(stage.name, "failed", seconds)
            raise
        seconds = time.perf_counter() - t0
        for message in ctx.warnings:
            self._warn(message)
        self.workspace.record_stage(
            stage.name,
            {
                "status": "done",
                "key": key,
                "version": stage.version,
                "params": params,
                "inputs": inputs,
                "outputs": {name: fingerprint_artifact(self.workspace.path(name)) for name in result.outputs},
                "summary": result.summary,
                "started_at": started_at,
                "finished_at": _now(),
                "seconds": round(seconds, 3),
                "threads": threads,
                # the process's resident memory high-water mark when the stage ended (stages
                # that overlap share one process, so this bounds them together)
                "peak_rss_mb": peak_rss_mb(),
            },
        )
        self.reporter.stage_finished(stage.name, "ran", seconds)
        return StageOutcome(stage.name, "ran", seconds, outputs=list(result.outputs))
