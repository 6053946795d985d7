"""The secret scanner's side of the screen pass: a watcher that OCRs what changed
(pipeline.leaks.screen_scan), and the screen findings it leaves for the scan stage.

When the slides stage runs in the same `pipeline run` as the scan, it carries this watcher
on its own pass over the video and writes `screen-findings.json` (masked previews only, as
flags.json); the scan stage then adds what was said and typed. Run on its own (`pipeline
scan`), the scan stage makes the pass itself with this watcher alone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from pipeline.leaks.findings import SecretFinding, finding_id
from pipeline.leaks.masking import mask_secret
from pipeline.leaks.rules import normalise
from pipeline.media.activity import StreamActivity
from pipeline.media.sampling import SampledFrame
from pipeline.memory import HeapTrimmer
from pipeline.settings import Settings
from pipeline.slides.share_region import WHOLE_FRAME
from pipeline.workspace import SCREEN_FINDINGS_JSON, Workspace

#: bump when detectors, or how the screen is sampled, change what is found (re-scans cached
#: recordings)
DETECTORS_VERSION = 3


def screen_params(settings: Settings) -> dict[str, Any]:
    """The settings that change what the screen watcher finds."""
    return {"fps": settings.scan.fps, "detectors": DETECTORS_VERSION}


class ScreenWatcher:
    """Feeds the screen pass's samples to a ScreenScanner (OCR on `threads` threads), each
    cropped to the share rectangle `share_of()` names at the time (video pixels; None: the
    whole picture); `findings` names what it saw."""

    def __init__(
        self,
        fps: float,
        activity: StreamActivity | None,
        threads: int = 1,
        share_of: Callable[[], list[int] | None] | None = None,
    ):
        from pipeline.leaks.ocr import ScreenReader
        from pipeline.leaks.screen_gate import ScreenGate
        from pipeline.leaks.screen_scan import ScreenScanner

        self.fps = fps
        self._share_of = share_of
        self._scanner = ScreenScanner(ScreenReader(threads=threads))
        self._gate = ScreenGate(activity)
        self._trimmer = HeapTrimmer()

    def differs(self, a: SampledFrame, b: SampledFrame) -> bool:
        return self._gate(a, b)

    def feed(self, frame: SampledFrame) -> None:
        """Scan the sample; only its share rectangle when `share_of` names one that leaves
        something out (the webcam tiles beside it, Zoom's border)."""
        box = self._share_of() if self._share_of is not None else None
        height, width = frame.image.shape[:2]
        if box is not None and box[2] * box[3] < WHOLE_FRAME * width * height:
            x, y, w, h = box
            crop = np.ascontiguousarray(frame.image[y : y + h, x : x + w])
            self._scanner.feed(SampledFrame(frame.time, crop), origin=(x, y))
        else:
            self._scanner.feed(frame)
        self._trimmer.tick()

    def findings(self, salt: str, duration: float) -> list[SecretFinding]:
        """The secrets seen, as findings (masked previews), ids salted with `salt` (the
        recording's fingerprint)."""
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
            for tr in self._scanner.finish(duration)
        ]

    def stats(self) -> dict[str, Any]:
        reader = self._scanner.reader
        return {
            "frames_sampled": self._scanner.samples,
            "frames_ocr": self._scanner.frames_read,
            "regions_read": reader.stats.regions,
            "lines_recognised": reader.stats.lines_recognised,
            "gate_opened_seconds": round(self._gate.opened_seconds, 1),
        }


def write_screen_findings(
    workspace: Workspace,
    findings: list[SecretFinding],
    params: dict[str, Any],
    stats: dict[str, Any],
) -> None:
    workspace.write_json(
        SCREEN_FINDINGS_JSON,
        {"params": params, "stats": stats, "findings": [f.to_dict() for f in findings]},
    )


def read_screen_findings(
    workspace: Workspace, params: dict[str, Any]
) -> tuple[list[SecretFinding], dict[str, Any]] | None:
    """The screen findings the slides pass left, when they were made with `params`."""
    if not workspace.exists(SCREEN_FINDINGS_JSON):
        return None
    data = workspace.read_json(SCREEN_FINDINGS_JSON)
    if data.get("params") != params:
        return None
    return [SecretFinding.from_dict(f) for f in data.get("findings", [])], data.get("stats", {})
