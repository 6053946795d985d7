"""Redact stage: `pipeline run`'s answer to secret findings (scan.on_secret): blur the
flagged boxes (padded) or cut the flagged spans, and silence secrets said aloud, into
redacted.mp4, through `pipeline.redaction.redact`."""

from __future__ import annotations

from typing import Any

from pipeline.leaks.findings import SecretFinding, effective_findings, exposing
from pipeline.leaks.policy import findings_to_ranges, mute_ranges
from pipeline.redaction.redact import redact
from pipeline.settings import Settings
from pipeline.stages.base import Stage, StageContext, StageResult
from pipeline.workspace import (
    FLAGS_JSON,
    MEDIA_JSON,
    REDACTED_MP4,
    REDACTIONS_JSON,
    SCAN_REVIEW_JSON,
)


class RedactStage(Stage):
    """`pipeline run`'s answer to secret findings (scan.on_secret): blur the flagged boxes
    (padded) or cut the flagged spans, and silence secrets said aloud, into redacted.mp4.
    With `hold`, or with nothing to hide, it does not apply."""

    name = "redact"
    version = 1
    needs = (MEDIA_JSON, FLAGS_JSON, SCAN_REVIEW_JSON)
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
