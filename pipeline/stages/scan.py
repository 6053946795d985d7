"""Scan stage: secrets shown on screen (OCR of what changed), said aloud (transcript) and
typed into the chat (Zoom chat file) -> flags.json, with masked previews only.

In a run that has the slides stage too, the screen is read on the slides stage's pass over
the video (one decode for both, beside transcription), and this stage adds the transcript
and the chat to what that pass found (pipeline.leaks.screen_watch)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from pipeline.errors import InputError
from pipeline.leaks.findings import (
    SecretFinding,
    apply_review,
    finding_id,
    unique_ids,
    write_findings,
)
from pipeline.leaks.masking import mask_secret
from pipeline.leaks.policy import check_scan_settings
from pipeline.leaks.rules import normalise
from pipeline.leaks.screen_watch import (
    DETECTORS_VERSION,
    ScreenWatcher,
    read_screen_findings,
    screen_params,
)
from pipeline.leaks.text_scan import TextSecret, scan_chat, scan_transcript
from pipeline.media.screen_pass import watch_screen
from pipeline.settings import Settings
from pipeline.stages.base import Stage, StageContext, StageResult
from pipeline.stages.probe import load_activity
from pipeline.workspace import (
    ACTIVITY_JSON,
    FLAGS_JSON,
    MEDIA_JSON,
    SCREEN_FINDINGS_JSON,
    TRANSCRIPT_JSON,
    fingerprint_file,
)
from pipeline.zoom.chat import read_chat

log = logging.getLogger(__name__)

class ScanStage(Stage):
    name = "scan"
    version = 3
    needs = (MEDIA_JSON, ACTIVITY_JSON, TRANSCRIPT_JSON, SCREEN_FINDINGS_JSON)
    #: the transcript (spoken secrets) and the slides pass (which reads the screen when both
    #: stages are in the run); not the chapters
    after = ("probe", "transcribe", "slides")

    def params(self, settings: Settings) -> dict[str, Any]:
        chat = settings.scan.chat
        chat_fp = fingerprint_file(Path(chat)) if chat and Path(chat).is_file() else None
        return {
            "fps": settings.scan.fps,
            "chat": chat or None,
            "chat_fingerprint": chat_fp,
            "detectors": DETECTORS_VERSION,
        }

    def run(self, ctx: StageContext) -> StageResult:
        cfg = ctx.settings.scan
        check_scan_settings(cfg)
        salt = ctx.workspace.recording_fingerprint()
        findings: list[SecretFinding] = []
        stats: dict[str, Any] = {}
        if ctx.media is not None and ctx.media.has_video:
            screen, stats = self._screen(ctx, salt)
            findings += screen
        else:
            ctx.warn("scan: no video stream, so nothing on screen was checked")
        if ctx.workspace.exists(TRANSCRIPT_JSON):
            spoken = scan_transcript(ctx.workspace.read_json(TRANSCRIPT_JSON))
            findings += [_text_finding(s, "speech", salt) for s in spoken]
        if cfg.chat:
            if not Path(cfg.chat).is_file():
                raise InputError(f"chat file not found: {cfg.chat}", hint="check --chat")
            typed = scan_chat(read_chat(Path(cfg.chat)))
            findings += [_text_finding(s, "chat", salt) for s in typed]

        findings.sort(key=lambda f: (f.start, f.source, f.rule))
        unique_ids(findings)
        apply_review(ctx.workspace, findings)
        write_findings(ctx.workspace, findings)
        for f in findings:
            log.info("finding %s: %s %s at %.1f-%.1f s", f.id, f.rule, f.preview, f.start, f.end)
        by_source = {s: sum(f.source == s for f in findings) for s in ("screen", "speech", "chat")}
        return StageResult(
            outputs=[FLAGS_JSON],
            summary={
                "findings": len(findings),
                **by_source,
                "frames_sampled": stats.get("frames_sampled", 0),
                "decoded_seconds": stats.get("decoded_seconds", 0.0),
                "decoding": stats.get("decoding", "every frame"),
                "frames_ocr": stats.get("frames_ocr", 0),
                "regions_read": stats.get("regions_read", 0),
                "lines_recognised": stats.get("lines_recognised", 0),
                "screen_read_on": stats.get("read_on", "scan"),
            },
        )

    def _screen(
        self, ctx: StageContext, salt: str
    ) -> tuple[list[SecretFinding], dict[str, Any]]:
        """What was seen on screen, and how much was read to see it: from the slides pass of
        this run when it read the screen, else from a pass of this stage's own."""
        assert ctx.media is not None and ctx.media.video is not None
        if "slides" in ctx.planned:
            shared = read_screen_findings(ctx.workspace, screen_params(ctx.settings))
            if shared is not None:
                return shared[0], {**shared[1], "read_on": "slides"}
        video = ctx.media.video
        keyframes = list(video.keyframes)
        watcher = ScreenWatcher(
            ctx.settings.scan.fps,
            load_activity(ctx.workspace, keyframes),
            threads=ctx.settings.scan.ocr_threads or ctx.threads,
        )
        duration = ctx.media.duration
        stats = watch_screen(
            ctx.recording,
            keyframes,
            [watcher],
            width=video.width,
            height=video.height,
            threads=ctx.threads,
            source_fps=video.fps,
            progress=lambda t: ctx.progress(min(t, duration), duration),
        )
        return watcher.findings(salt, duration), {
            **watcher.stats(),
            "decoded_seconds": round(stats.opened_seconds, 1),
            "decoding": stats.decoding,
        }


def _text_finding(secret: TextSecret, source: str, salt: str) -> SecretFinding:
    return SecretFinding(
        id=finding_id(salt, source, secret.rule, normalise(secret.value)),
        start=round(secret.start, 3),
        end=round(secret.end, 3),
        boxes=[],
        rule=secret.rule,
        source=source,
        confidence=secret.confidence,
        preview=mask_secret(secret.value),
    )
