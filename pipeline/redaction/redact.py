"""Redact a recording: render `redacted.mp4` with ranges blurred or cut (smart render),
verify the result, make the transcript/captions/chapters follow the edit, and keep the
redaction log `redactions.json`. `redact()` is the one entry point (used by `pipeline redact`
and by the redact stage, the secret scan's `on_secret = blur`)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipeline import __version__
from pipeline.errors import StageError, UsageError
from pipeline.media.edit_plan import EditRange
from pipeline.media.encode import EncoderSettings
from pipeline.media.probe import MediaInfo, probe
from pipeline.media.render import RenderReport, smart_render
from pipeline.progress import ProgressCallback, no_progress
from pipeline.redaction.checks import verify_render
from pipeline.redaction.followups import Timeline, follow_artifacts
from pipeline.redaction.ranges import MODES, RedactionRange, check_ranges, merge_ranges
from pipeline.settings import RedactSettings
from pipeline.workspace import (
    REDACTED_MP4,
    REDACTIONS_JSON,
    Workspace,
    atomic_path,
    fingerprint_file,
)


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


@dataclass
class _Plan:
    """What one call of `redact` is to render: from which source, which ranges and spans
    (with those logged before, unless replaced), into which file."""

    media: MediaInfo
    source_fp: str
    wanted: list[RedactionRange]
    spans: list[list[float]]
    output: Path
    previous: dict[str, Any] | None
    same_kind: bool

    def already_done(self) -> bool:
        """The same redaction is in place: same ranges, spans and an intact output."""
        prev = self.previous
        return bool(
            self.same_kind
            and prev is not None
            and [r.to_dict() for r in self.wanted] == prev["ranges"]
            and self.spans == prev.get("mute_spans", [])
            and self.output.is_file()
            and fingerprint_file(self.output, partial=True) == prev.get("output_fingerprint")
        )


def _plan(
    workspace: Workspace,
    recording: Path,
    ranges: Sequence[RedactionRange],
    *,
    mode: str,
    mute: bool,
    output: Path | None,
    replace: bool,
    mute_spans: Sequence[tuple[float, float]],
    notices: list[str],
) -> _Plan:
    previous = _previous_log(workspace) if workspace.root.is_dir() else None
    media = probe(_resolve_source(Path(recording), previous, notices))
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
        assert previous is not None
        earlier = [RedactionRange.from_dict(r) for r in previous["ranges"]]
        wanted = merge_ranges([*earlier, *wanted])
        spans = merge_spans([*previous.get("mute_spans", []), *spans], media.duration)
    target = Path(output) if output else workspace.path(REDACTED_MP4)
    return _Plan(media, source_fp, wanted, spans, target, previous, same_kind)


def _render_checked(
    plan: _Plan,
    result: RedactionResult,
    encoder: EncoderSettings,
    *,
    ocr_samples: int,
    progress: ProgressCallback,
) -> None:
    """Render into a temp file beside the output, check it, and only then put it in place.
    Raises StageError (nothing written) when a check fails."""
    media, mode = plan.media, result.mode
    plan.output.parent.mkdir(parents=True, exist_ok=True)
    edits = [EditRange(r.start, r.end, r.regions) for r in plan.wanted]
    with atomic_path(plan.output) as tmp:
        t0 = time.perf_counter()
        report = smart_render(
            Path(media.path), tmp, edits, mode=mode, mute=result.mute, settings=encoder,
            progress=progress, mute_spans=[tuple(s) for s in plan.spans],
        )  # fmt: skip
        t1 = time.perf_counter()
        if report.notice:
            result.notices.append(report.notice)
        checks = verify_render(media, tmp, report, plan.wanted, mode=mode, ocr_samples=ocr_samples)
        result.seconds = {"render": round(t1 - t0, 3), "checks": round(time.perf_counter() - t1, 3)}
        failed = [c for c in checks.values() if not c["ok"]]
        if failed:
            raise StageError(
                f"the redacted file failed its checks: {failed[0]['detail']}",
                hint="nothing was written; run with --debug and report the recording",
            )
    result.report, result.checks = report, checks


def _redaction_log(
    plan: _Plan, result: RedactionResult, workspace: Workspace, encoder: EncoderSettings
) -> dict[str, Any]:
    report = result.report
    assert report is not None
    return {
        "source": {"path": plan.media.path, "fingerprint": plan.source_fp},
        "output": _output_name(workspace, plan.output),
        "output_fingerprint": fingerprint_file(plan.output, partial=True),
        "mode": result.mode,
        "mute": result.mute,
        "ranges": [r.to_dict() for r in plan.wanted],
        "mute_spans": plan.spans,
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
        "checks": result.checks,
        "followed": result.followed,
    }


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
    plan = _plan(
        workspace, recording, ranges, mode=mode, mute=mute, output=output, replace=replace,
        mute_spans=mute_spans, notices=notices,
    )  # fmt: skip
    result = RedactionResult(plan.output, plan.wanted, mode, mute, notices=notices)
    if plan.already_done():
        result.skipped, result.log = True, plan.previous or {}
        return result
    workspace.prepare()
    encoder = EncoderSettings(preset=settings.preset, crf=settings.crf, threads=threads)
    _render_checked(plan, result, encoder, ocr_samples=settings.ocr_samples, progress=progress)
    assert result.report is not None
    cut = result.report.redacted if mode == "cut" else []
    silenced = (result.report.redacted if mute else []) + [tuple(s) for s in plan.spans]
    new_duration = plan.media.duration - Timeline(cut).total
    result.followed = follow_artifacts(workspace, cut=cut, silenced=silenced, duration=new_duration)
    result.log = _redaction_log(plan, result, workspace, encoder)
    workspace.write_json(REDACTIONS_JSON, result.log)
    return result


def media_of(recording: Path) -> MediaInfo:
    """Probe `recording` (exposed for callers that want to check ranges first)."""
    return probe(recording)
