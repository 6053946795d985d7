"""Redact a recording: render `redacted.mp4` with ranges blurred or cut (smart render),
verify the result, make the transcript/captions/chapters follow the edit, and keep the
redaction log `redactions.json`. `redact()` is the one entry point (used by `pipeline redact`
and by the secret scan's `on_secret = blur`)."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipeline import __version__
from pipeline.errors import StageError, UsageError
from pipeline.leaks.findings import (
    SecretFinding,
    effective_findings,
    exposing,
    findings_to_ranges,
    mute_ranges,
)
from pipeline.media.edit_plan import EditRange
from pipeline.media.encode import EncoderSettings
from pipeline.media.probe import MediaInfo, probe
from pipeline.media.render import RenderReport, smart_render
from pipeline.progress import ProgressCallback, no_progress
from pipeline.redaction.checks import verify_render
from pipeline.redaction.followups import Timeline, follow_artifacts
from pipeline.redaction.ranges import MODES, RedactionRange, check_ranges, merge_ranges
from pipeline.settings import RedactSettings, Settings
from pipeline.stages.base import Stage, StageContext, StageResult
from pipeline.workspace import Workspace, atomic_path, fingerprint_file

log = logging.getLogger(__name__)

REDACTIONS_JSON = "redactions.json"
REDACTED_MP4 = "redacted.mp4"


@dataclass
class RedactionResult:
    """What `redact` did. `skipped` is True when the same redaction was already in place."""

    output: Path
    ranges: list[RedactionRange]
    mode: str
    mute: bool
    skipped: bool = False
    report: RenderReport | None = None
    checks: dict[str, Any] = field(default_factory=dict)
    followed: dict[str, str] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    log: dict[str, Any] = field(default_factory=dict)
    #: wall time of the render and of the checks
    seconds: dict[str, float] = field(default_factory=dict)


def merge_spans(spans: Sequence[Sequence[float]], duration: float) -> list[list[float]]:
    """Audio-only spans clamped to the recording, sorted, overlapping ones merged."""
    merged: list[list[float]] = []
    for a, b in sorted((max(0.0, float(a)), min(duration, float(b))) for a, b in spans):
        if b <= a:
            continue
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], round(b, 3))
        else:
            merged.append([round(a, 3), round(b, 3)])
    return merged


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _output_name(workspace: Workspace, output: Path) -> str:
    try:
        return str(output.resolve().relative_to(workspace.root.resolve()))
    except ValueError:
        return str(output.resolve())


def _previous_log(workspace: Workspace) -> dict[str, Any] | None:
    if not workspace.exists(REDACTIONS_JSON):
        return None
    try:
        return workspace.read_json(REDACTIONS_JSON)
    except ValueError:
        return None


def _resolve_source(recording: Path, previous: dict[str, Any] | None, notices: list[str]) -> Path:
    """Never render from an already-redacted file: if `recording` is the output of the
    previous redaction, use that redaction's source instead."""
    if not previous or not previous.get("output_fingerprint"):
        return recording
    if fingerprint_file(recording, partial=True) != previous["output_fingerprint"]:
        return recording
    source = Path(previous["source"]["path"])
    if not source.is_file():
        raise UsageError(
            f"{recording.name} is an already-redacted file and its source {source} is gone",
            hint="pass the original recording",
        )
    notices.append(f"{recording.name} is already redacted: rendering from its source {source.name}")
    return source


def redact(
    workspace: Workspace,
    recording: Path,
    ranges: Sequence[RedactionRange],
    *,
    mode: str = "blur",
    mute: bool = False,
    output: Path | None = None,
    settings: RedactSettings | None = None,
    replace: bool = False,
    progress: ProgressCallback = no_progress,
    mute_spans: Sequence[tuple[float, float]] = (),
    threads: int = 0,
) -> RedactionResult:
    """Redact `ranges` of `recording` into `output` (default `<work folder>/redacted.mp4`).
    `mute_spans` (seconds) are silenced in the audio only, the picture left as it is (a
    password said aloud); words spoken in them leave the transcript and captions too.

    Ranges already logged for the same source, mode and mute are kept (unless `replace`), so
    adding a range re-renders everything from the original source; the same redaction again
    is a no-op. Nothing is written unless the render passes every check. Returns a
    RedactionResult.

    `threads` caps the encoder's threads (0: one per core; the runner passes the stage's share).
    Raises InputError/UsageError for bad input (nothing written), MediaError when rendering
    fails and StageError when a check of the rendered file fails.
    """
    if mode not in MODES:
        raise UsageError(f"unknown mode {mode!r}", hint="use blur or cut")
    settings = settings or RedactSettings()
    notices: list[str] = []
    previous = _previous_log(workspace) if workspace.root.is_dir() else None
    source = _resolve_source(Path(recording), previous, notices)
    media = probe(source)
    spans = merge_spans(mute_spans, media.duration)
    wanted = check_ranges(ranges, media) if ranges or not spans else []
    source_fp = fingerprint_file(Path(media.path), partial=True)
    same_kind = (
        previous is not None
        and previous.get("source", {}).get("fingerprint") == source_fp
        and previous.get("mode") == mode
        and bool(previous.get("mute")) == mute
    )
    if same_kind and not replace:
        earlier = [RedactionRange.from_dict(r) for r in previous["ranges"]]
        wanted = merge_ranges([*earlier, *wanted])
        spans = merge_spans([*previous.get("mute_spans", []), *spans], media.duration)
    output = Path(output) if output else workspace.path(REDACTED_MP4)
    result = RedactionResult(output, wanted, mode, mute, notices=notices)
    if (
        same_kind
        and [r.to_dict() for r in wanted] == previous["ranges"]
        and spans == previous.get("mute_spans", [])
        and output.is_file()
        and fingerprint_file(output, partial=True) == previous.get("output_fingerprint")
    ):
        result.skipped = True
        result.log = previous
        return result

    workspace.prepare()
    encoder = EncoderSettings(preset=settings.preset, crf=settings.crf, threads=threads)
    edits = [EditRange(r.start, r.end, r.regions) for r in wanted]
    output.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(output) as tmp:
        t0 = time.perf_counter()
        report = smart_render(
            Path(media.path), tmp, edits, mode=mode, mute=mute, settings=encoder, progress=progress,
            mute_spans=[tuple(s) for s in spans],
        )  # fmt: skip
        t1 = time.perf_counter()
        if report.notice:
            notices.append(report.notice)
        checks = verify_render(
            media, tmp, report, wanted, mode=mode, ocr_samples=settings.ocr_samples
        )
        result.seconds = {
            "render": round(t1 - t0, 3),
            "checks": round(time.perf_counter() - t1, 3),
        }
        failed = [c for c in checks.values() if not c["ok"]]
        if failed:
            raise StageError(
                f"the redacted file failed its checks: {failed[0]['detail']}",
                hint="nothing was written; run with --debug and report the recording",
            )
    cut = report.redacted if mode == "cut" else []
    silenced = (report.redacted if mute else []) + [tuple(s) for s in spans]
    new_duration = media.duration - Timeline(cut).total
    result.followed = follow_artifacts(workspace, cut=cut, silenced=silenced, duration=new_duration)
    result.report, result.checks = report, checks
    result.log = {
        "source": {"path": media.path, "fingerprint": source_fp},
        "output": _output_name(workspace, output),
        "output_fingerprint": fingerprint_file(output, partial=True),
        "mode": mode,
        "mute": mute,
        "ranges": [r.to_dict() for r in wanted],
        "mute_spans": spans,
        "created_at": _now(),
        "tool": f"pipeline {__version__}",
        "render": {
            "method": report.method,
            "reencoded": [[round(a, 3), round(b, 3)] for a, b in report.spans],
            "redacted_frames": [[round(a, 3), round(b, 3)] for a, b in report.redacted],
            "encoder": {"preset": encoder.preset, "crf": encoder.crf},
            "notice": report.notice,
            "seconds": result.seconds,
        },
        "checks": checks,
        "followed": result.followed,
    }
    workspace.write_json(REDACTIONS_JSON, result.log)
    return result


def media_of(recording: Path) -> MediaInfo:
    """Probe `recording` (exposed for callers that want to check ranges first)."""
    return probe(recording)


class RedactStage(Stage):
    """`pipeline run`'s answer to secret findings (scan.on_secret): blur the flagged boxes
    (padded) or cut the flagged spans, and silence secrets said aloud, into redacted.mp4.
    With `hold`, or with nothing to hide, it does not apply."""

    name = "redact"
    version = 1
    needs = ("media.json", "flags.json", "scan-review.json")
    warn_when_not_applicable = False

    def params(self, settings: Settings) -> dict[str, Any]:
        cfg = settings.redact
        return {"on_secret": settings.scan.on_secret, "preset": cfg.preset, "crf": cfg.crf}

    def progress_total(self, ctx: StageContext) -> float | None:
        return None

    def _pending(self, ctx: StageContext) -> list[SecretFinding]:
        return exposing(effective_findings(ctx.workspace))

    def skip_reason(self, ctx: StageContext) -> str | None:
        if ctx.settings.scan.on_secret == "hold":
            return "on_secret = hold: secrets are reported, not redacted"
        if ctx.media is None or not ctx.media.has_video:
            return "no video"
        if not self._pending(ctx):
            return "no unresolved secret findings"
        return None

    def run(self, ctx: StageContext) -> StageResult:
        media = ctx.media
        assert media is not None and media.video is not None
        pending = self._pending(ctx)
        ranges = findings_to_ranges(
            pending, frame_size=(media.video.width, media.video.height), duration=media.duration
        )
        result = redact(
            ctx.workspace,
            ctx.recording,
            ranges,
            mode=ctx.settings.scan.on_secret,
            settings=ctx.settings.redact,
            progress=ctx.progress,
            mute_spans=mute_ranges(pending),
            threads=ctx.threads,
        )
        for notice in result.notices:
            ctx.warn(notice)
        outputs = [REDACTED_MP4, REDACTIONS_JSON, *result.followed.values()]
        return StageResult(
            outputs=outputs,
            summary={
                "ranges": len(result.ranges),
                "findings": len(pending),
                "skipped": result.skipped,
            },
        )
