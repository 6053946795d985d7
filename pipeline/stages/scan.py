"""Scan stage: secrets shown on screen (OCR of what changed), said aloud (transcript) and
typed into the chat (Zoom chat file) -> flags.json, with masked previews only."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.chat import read_chat
from pipeline.detectors import normalise
from pipeline.errors import ConfigError, InputError
from pipeline.findings import (
    FLAGS_JSON,
    ON_SECRET_CHOICES,
    SecretFinding,
    apply_review,
    finding_id,
    unique_ids,
    write_findings,
)
from pipeline.masking import mask_secret
from pipeline.media.sampling import sample_frames_gated
from pipeline.memory import HeapTrimmer
from pipeline.settings import ScanSettings, Settings
from pipeline.stages.base import Stage, StageContext, StageResult
from pipeline.stages.probe import ACTIVITY_JSON, load_activity
from pipeline.text_scan import TextSecret, scan_chat, scan_transcript
from pipeline.workspace import fingerprint_file

log = logging.getLogger(__name__)

#: bump when detectors change what they find (re-scans cached recordings)
DETECTORS_VERSION = 1
CHAT_SUFFIX = ".chat.txt"


def default_chat_path(recording: Path) -> Path | None:
    """The chat file that goes with `recording` when none is named: `<stem>.chat.txt`."""
    candidate = Path(recording).with_name(Path(recording).stem + CHAT_SUFFIX)
    return candidate if candidate.is_file() else None


def check_scan_settings(cfg: ScanSettings) -> None:
    """Raises ConfigError for an unknown `on_secret` or a sampling rate that cannot work."""
    if cfg.on_secret not in ON_SECRET_CHOICES:
        raise ConfigError(
            f"scan.on_secret = {cfg.on_secret!r} is not one of {', '.join(ON_SECRET_CHOICES)}"
        )
    if not 0.5 <= cfg.fps <= 30:
        raise ConfigError(
            f"scan.fps = {cfg.fps} is out of range",
            hint="use 0.5 to 30 samples per second (2 is the default)",
        )


@dataclass
class ScreenStats:
    samples: int = 0
    frames_read: int = 0
    regions_read: int = 0
    lines_recognised: int = 0
    opened_seconds: float = 0.0


class ScanStage(Stage):
    name = "scan"
    version = 2
    needs = ("media.json", ACTIVITY_JSON, "transcript.json")
    #: needs the transcript (spoken secrets), not the slides or chapters
    after = ("probe", "transcribe")

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
        salt = ctx.workspace.load_manifest().get("recording", {}).get("fingerprint", "")
        findings: list[SecretFinding] = []
        stats = ScreenStats()
        if ctx.media is not None and ctx.media.has_video:
            findings += self._screen(ctx, salt, stats)
        else:
            ctx.warn("scan: no video stream, so nothing on screen was checked")
        if ctx.workspace.exists("transcript.json"):
            spoken = scan_transcript(ctx.workspace.read_json("transcript.json"))
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
                "frames_sampled": stats.samples,
                "decoded_seconds": stats.opened_seconds,
                "frames_ocr": stats.frames_read,
                "regions_read": stats.regions_read,
                "lines_recognised": stats.lines_recognised,
            },
        )

    def _screen(self, ctx: StageContext, salt: str, stats: ScreenStats) -> list[SecretFinding]:
        from pipeline.ocr import ScreenReader
        from pipeline.screen_scan import ScreenGate, ScreenScanner

        assert ctx.media is not None and ctx.media.video is not None
        video = ctx.media.video
        reader = ScreenReader(threads=ctx.settings.scan.ocr_threads or ctx.threads)
        scanner = ScreenScanner(reader)
        duration = ctx.media.duration
        keyframes = list(video.keyframes)
        gate = ScreenGate(load_activity(ctx.workspace, keyframes))
        trimmer = HeapTrimmer()
        for frame in sample_frames_gated(
            ctx.recording,
            keyframes,
            gate,
            fps=ctx.settings.scan.fps,
            width=video.width,
            height=video.height,
            threads=ctx.threads,
        ):
            scanner.feed(frame)
            trimmer.tick()
            ctx.progress(min(frame.time, duration), duration)
        stats.samples = scanner.samples
        stats.opened_seconds = round(gate.opened_seconds, 1)
        stats.frames_read = scanner.frames_read
        stats.regions_read = reader.stats.regions
        stats.lines_recognised = reader.stats.lines_recognised
        return [
            SecretFinding(
                id=finding_id(salt, "screen", tr.rule, normalise(tr.value)),
                start=round(tr.first, 3),
                end=round(tr.end if tr.end is not None else duration, 3),
                boxes=[list(b) for b in tr.boxes],
                rule=tr.rule,
                source="screen",
                confidence=tr.confidence,
                preview=mask_secret(tr.value),
            )
            for tr in scanner.finish(duration)
        ]


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
