"""Slides stage: the moments the presented content changes -> slides.json + slides/NNNN.jpg.

The recording is decoded once (pipeline.media.screen_pass: keyframes, plus the stretches between
them that may hold a change, 2 samples a second) and fed through the slide-change detector,
on a 320 px gray view of each sample. When the scan stage is in the same run, the secret
scanner rides on the same pass (pipeline.leaks.screen_watch) and its findings are left in
screen-findings.json: the video is decoded once for both, beside transcription. For each
slide (the opening picture at 0.0 and each change) one full resolution frame is saved: a
keyframe inside the slide's still stretch when there is one (a keyframe decodes on its own,
so this costs one frame), else the sharpest still sample. Titles are read later, by the
chapters stage."""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Any

from PIL import Image

from pipeline.leaks.policy import check_scan_settings
from pipeline.leaks.screen_watch import ScreenWatcher, screen_params, write_screen_findings
from pipeline.media.frames import SampledFrame, grab_frame, video_size
from pipeline.media.sampling import SampledFrame as ScreenSample
from pipeline.media.screen_pass import Watcher, watch_screen
from pipeline.settings import Settings
from pipeline.slides.changes import DetectorOptions, KeyframeGate, SlideChangeDetector
from pipeline.slides.share_region import to_video_pixels
from pipeline.stages.base import Stage, StageContext, StageResult
from pipeline.stages.probe import load_activity
from pipeline.workspace import (
    ACTIVITY_JSON,
    MEDIA_JSON,
    SCREEN_FINDINGS_JSON,
    SLIDES_DIR,
    SLIDES_JSON,
)


@dataclass(frozen=True)
class SlideChange:
    """A new slide (or screen) from `time`, shown by `frame` (relative to the work folder)."""

    time: float
    frame: str
    confidence: float
    title: str | None = None
    #: the share rectangle [x, y, w, h] in video pixels at this change (None: nobody shared)
    share: list[int] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "time": self.time,
            "frame": self.frame,
            "confidence": self.confidence,
            "title": self.title,
            "share": self.share,
        }


def detector_options(settings: Settings) -> DetectorOptions:
    cfg = settings.slides
    return DetectorOptions(
        sample_fps=cfg.sample_fps,
        stable_seconds=cfg.stable_seconds,
        replaced_fraction=cfg.sensitivity,
    )


def representative_time(pick: float, until: float, keyframes: list[float]) -> float:
    """The time whose frame is saved for a slide: a keyframe within 2 s after `pick` (the
    sharpest still sample) and before the slide ends, when there is one (it decodes on its
    own and encoders spend the most bits on it), else `pick` itself. Not later: typing and
    scrolling move on from what the slide first showed."""
    i = bisect.bisect_left(keyframes, pick - 1e-6)
    if i < len(keyframes) and keyframes[i] <= min(pick + 2.0, until - 0.5):
        return keyframes[i]
    return pick


def ctx_size(ctx: StageContext) -> tuple[int, int]:
    """The recording's width and height in pixels."""
    video = ctx.media.video if ctx.media else None
    return (video.width, video.height) if video else video_size(ctx.recording)


def share_layouts(
    detector: SlideChangeDetector, width: int, height: int, duration: float | None
) -> list[dict]:
    """slides.json's `shares`: each stretch with a shared screen, its box in video pixels
    (a stretch ends where the next begins; the last at the end of the recording)."""
    stretches = detector.shares
    ends = (
        [s.start for s in stretches[1:]] + [max(stretches[-1].end, duration or 0.0)]
        if stretches
        else []
    )
    return [
        {
            "start": round(s.start, 3),
            "end": round(end, 3),
            "box": to_video_pixels(s.typical_box(), detector.frame_size, width, height),
        }
        for s, end in zip(stretches, ends, strict=True)
        if s.box is not None
    ]


def latest_share(detector: SlideChangeDetector, width: int, height: int) -> list[int] | None:
    """The share rectangle of the latest layout the detector has placed samples in, in video
    pixels (None before the first, or while nobody shares). It lags the pass by a few
    samples: a new layout counts once it has held (share_region.CONFIRM)."""
    stretches = detector.shares
    if not stretches:
        return None
    return to_video_pixels(stretches[-1].box, detector.frame_size, width, height)


class SlideWatcher:
    """The slide detector's side of the screen pass: it looks at a 320 px gray view of each
    sample (SampledFrame.low)."""

    def __init__(self, detector: SlideChangeDetector, gate: KeyframeGate):
        self.detector = detector
        self.gate = gate
        self.fps = detector.opts.sample_fps

    def differs(self, a: ScreenSample, b: ScreenSample) -> bool:
        return self.gate(SampledFrame(a.time, a.low), SampledFrame(b.time, b.low))

    def feed(self, frame: ScreenSample) -> None:
        self.detector.feed(SampledFrame(frame.time, frame.low))


class SlidesStage(Stage):
    name = "slides"
    version = 6
    needs = (MEDIA_JSON, ACTIVITY_JSON)
    #: only the probe: slide detection overlaps transcription
    after = ("probe",)
    #: `--force scan` reads the screen again, which happens on this stage's pass
    forced_with = ("scan",)

    def plan_params(self, planned: frozenset[str], settings: Settings) -> dict[str, Any]:
        return {"screen": screen_params(settings)} if "scan" in planned else {}

    def accepted_plan_params(
        self, planned: frozenset[str], settings: Settings
    ) -> list[dict[str, Any]]:
        # slides.json is the same whether or not the pass also read the screen for the scan
        own = self.plan_params(planned, settings)
        return [own] if "scan" in planned else [own, {"screen": screen_params(settings)}]

    def params(self, settings: Settings) -> dict[str, Any]:
        return {
            "sample_fps": settings.slides.sample_fps,
            "stable_seconds": settings.slides.stable_seconds,
            "sensitivity": settings.slides.sensitivity,
        }

    def skip_reason(self, ctx: StageContext) -> str | None:
        if ctx.media is not None and not ctx.media.has_video:
            return "the recording has no video track"
        return None

    def run(self, ctx: StageContext) -> StageResult:
        opts = detector_options(ctx.settings)
        video = ctx.media.video if ctx.media else None
        duration = ctx.media.duration if ctx.media else None
        keyframes = list(video.keyframes) if video else []
        width, height = (video.width, video.height) if video else video_size(ctx.recording)
        detector = SlideChangeDetector(opts)
        activity = load_activity(ctx.workspace, keyframes)
        screen = self._screen_watcher(ctx, activity, lambda: latest_share(detector, width, height))
        watchers: list[Watcher] = [
            SlideWatcher(detector, KeyframeGate(detector, activity=activity))
        ]
        if screen is not None:
            watchers.append(screen)
        passed = watch_screen(
            ctx.recording,
            keyframes,
            watchers,
            width=width,
            height=height,
            threads=ctx.threads,
            source_fps=video.fps if video else 0.0,
            progress=lambda t: ctx.progress(t, duration),
        )
        detector.finish()

        shares = share_layouts(detector, width, height, duration)
        changes, frame_times = self._save_slide_frames(ctx, detector, keyframes, duration)
        ctx.progress(duration or 0.0, duration)

        # seconds of video decoded frame by frame; the rest was read as keyframes only
        decoded = duration
        if len(keyframes) > 1 and duration:
            decoded = round(passed.opened_seconds + max(0.0, duration - keyframes[-1]), 1)
        outputs = []
        if screen is not None:
            salt = ctx.workspace.recording_fingerprint()
            stats = {**screen.stats(), "decoded_seconds": decoded, "decoding": passed.decoding}
            write_screen_findings(
                ctx.workspace,
                screen.findings(salt, duration or 0.0),
                screen_params(ctx.settings),
                stats,
            )
            outputs.append(SCREEN_FINDINGS_JSON)
        ctx.workspace.write_json(
            SLIDES_JSON,
            {
                "params": {
                    **self.params(ctx.settings),
                    "width": opts.width,
                    "masked_fraction": round(detector.masked_fraction, 3),
                    "decoded_seconds": decoded,
                    "frame_times": frame_times,
                },
                "shares": shares,
                "changes": [c.to_dict() for c in changes],
            },
        )
        return StageResult(
            outputs=[SLIDES_JSON, *(c.frame for c in changes), *outputs],
            summary={
                "slides": len(changes),
                "decoded_seconds": decoded,
                "samples": passed.samples,
                "decoding": passed.decoding,
                "screen_scanned": screen is not None,
            },
        )

    def _screen_watcher(self, ctx: StageContext, activity, share_of) -> ScreenWatcher | None:
        """The secret scanner riding on this pass, when the run scans too: it reads only the
        share rectangle the detector has found so far (`share_of`)."""
        if "scan" not in ctx.planned:
            return None
        check_scan_settings(ctx.settings.scan)
        threads = ctx.settings.scan.ocr_threads or ctx.threads
        return ScreenWatcher(ctx.settings.scan.fps, activity, threads=threads, share_of=share_of)

    def _save_slide_frames(
        self, ctx: StageContext, detector: SlideChangeDetector, keyframes: list[float],
        duration: float | None,
    ) -> tuple[list[SlideChange], list[float]]:  # fmt: skip
        """One JPEG per slide in slides/ (stale ones removed). Returns the slide changes and
        the times of the frames saved."""
        starts = [0.0] + [c.time for c in detector.changes]
        first = detector.shares[0].typical_box() if detector.shares else None
        boxes = [first] + [c.share for c in detector.changes]
        small, (width, height) = detector.frame_size, ctx_size(ctx)
        picks = [detector.opening_frame_time] + [c.frame_time for c in detector.changes]
        confidences = [1.0] + [c.confidence for c in detector.changes]
        ends = [*starts[1:], duration or float("inf")]
        slides_dir = ctx.workspace.path(SLIDES_DIR)
        slides_dir.mkdir(exist_ok=True)
        for stale in slides_dir.glob("*.jpg"):
            stale.unlink()
        changes, frame_times = [], []
        for i, (start, pick, end) in enumerate(zip(starts, picks, ends, strict=True)):
            grabbed = grab_frame(
                ctx.recording,
                representative_time(max(pick, start), end, keyframes),
                threads=ctx.threads,
            )
            name = f"{SLIDES_DIR}/{i + 1:04d}.jpg"
            with ctx.workspace.atomic(name) as tmp:
                Image.fromarray(grabbed.image).save(tmp, format="JPEG", quality=88)
            frame_times.append(round(grabbed.time, 3))
            share = to_video_pixels(boxes[i], small, width, height)
            changes.append(SlideChange(round(start, 3), name, confidences[i], share=share))
        return changes, frame_times
