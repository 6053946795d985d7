"""Checks run on a rendered redaction before it replaces anything: it decodes without errors
around every re-encoded span and join, has the expected frame count and duration (within one
frame), the same codec/profile/size/frame rate, audio and video end together as in the
source, and (blur) OCR reads no text where it was blurred."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.leaks.ocr import load_ocr_engine
from pipeline.media.probe import MediaInfo
from pipeline.media.render import RenderReport
from pipeline.media.verify import decode_window, stream_facts
from pipeline.redaction.followups import Timeline
from pipeline.redaction.ranges import RedactionRange

log = logging.getLogger(__name__)

#: seconds decoded past each re-encoded span, to see the copied part after the join decode
JOIN_MARGIN = 1.0
#: variance of the Laplacian above which a blurred box still has edges (text, lines): a
#: 1080p slide measures ~450-750, our blur ~1
SHARPNESS_LIMIT = 25.0
#: OCR runs on pictures at most this wide (what a 720p viewer sees; 2-3x cheaper than 1080p)
OCR_WIDTH = 1280


def _check(ok: bool, detail: str) -> dict[str, Any]:
    return {"ok": bool(ok), "detail": detail}


@lru_cache(maxsize=1)
def _ocr_engine():
    return load_ocr_engine({})


def sharpness(picture: np.ndarray) -> float:
    """Variance of the Laplacian of an RGB picture's luma: near 0 for a blurred area."""
    import cv2

    gray = cv2.cvtColor(np.ascontiguousarray(picture), cv2.COLOR_RGB2GRAY)
    return float(cv2.Laplacian(gray, cv2.CV_64F).var())


def read_text(picture: np.ndarray) -> list[str]:
    """Text OCR reads in an RGB picture (confident lines with at least 3 letters/digits)."""
    import cv2

    if picture.shape[1] > OCR_WIDTH:
        size = (OCR_WIDTH, round(picture.shape[0] * OCR_WIDTH / picture.shape[1]))
        picture = cv2.resize(picture, size, interpolation=cv2.INTER_AREA)
    result = _ocr_engine()(np.ascontiguousarray(picture))
    texts = result.txts or ()
    scores = result.scores or ()
    return [
        t
        for t, s in zip(texts, scores, strict=False)
        if s >= 0.5 and sum(c.isalnum() for c in t) >= 3
    ]


def _sample_times(
    runs: Sequence[tuple[float, float]], frame: float
) -> tuple[list[float], list[float]]:
    """The first, middle and last frame time of each run (checked for sharpness), and the
    middle ones (read with OCR)."""
    edges: list[float] = []
    middles: list[float] = []
    for a, b in runs:
        last = b - frame
        mid = round(a + round((last - a) / 2 / frame) * frame + frame / 2, 4)
        edges += [round(a + frame / 2, 4), round(last + frame / 2, 4)]
        middles.append(mid)
    return sorted(dict.fromkeys([*edges, *middles])), middles


def verify_render(
    media: MediaInfo,
    output: Path,
    report: RenderReport,
    ranges: Sequence[RedactionRange],
    *,
    mode: str,
    ocr_samples: int = 3,
) -> dict[str, dict[str, Any]]:
    """Run every check on `output`. Returns {check name: {"ok", "detail"}}."""
    assert media.video is not None
    frame = report.frame_duration or 1.0 / media.video.fps
    cut = Timeline(report.redacted if mode == "cut" else [])
    # the packet-level facts of both files are read on a thread of their own while the
    # re-encoded spans are decoded here (demuxing and decoding both release the GIL)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="stream-facts") as pool:
        facts_of = pool.map(stream_facts, [Path(media.path), output])
        span_checks = _check_spans(output, report, ranges, cut, frame, mode, ocr_samples)
        source, facts = facts_of
    checks: dict[str, dict[str, Any]] = {}

    checks["timestamps"] = _check(facts.monotonic, "video timestamps increase monotonically")
    checks["frame_count"] = _check(
        facts.video_frames == report.expected_frames,
        f"{facts.video_frames} frames, expected {report.expected_frames}",
    )
    expected_end = source.video_end - cut.total
    checks["duration"] = _check(
        abs(facts.video_end - expected_end) <= frame + 1e-3,
        f"video lasts {facts.video_end:.3f} s, expected {expected_end:.3f} s (±1 frame)",
    )
    same = (facts.codec, facts.profile, facts.width, facts.height, round(facts.fps, 3))
    want = (source.codec, source.profile, source.width, source.height, round(source.fps, 3))
    if report.method == "full" and source.codec != "h264":
        # a source we cannot stream-copy becomes H.264: only size and frame rate must match
        same, want = same[2:], want[2:]
    checks["format"] = _check(same == want, f"codec/profile/size/fps {same}, source {want}")
    if source.audio_end is not None and facts.audio_end is not None:
        drift = (facts.audio_end - facts.video_end) - (source.audio_end - source.video_end)
        rate = media.audio.sample_rate if media.audio else 48000
        tolerance = frame + 1024 / rate + 1e-3
        checks["av_sync"] = _check(
            abs(drift) <= tolerance,
            f"audio ends {drift * 1000:+.0f} ms relative to the source's offset "
            f"(tolerance {tolerance * 1000:.0f} ms)",
        )

    errors, gaps, sharp, ocr_hits = span_checks
    checks["decodes"] = _check(
        not errors,
        f"{len(report.spans)} re-encoded span(s) and joins decode cleanly"
        if not errors
        else f"decoder errors: {errors[0]}",
    )
    checks["no_frozen_or_duplicate_frames"] = _check(
        not gaps,
        "frame timing regular across joins" if not gaps else f"irregular frames near {gaps[0]}",
    )
    if mode == "blur":
        checks["blurred_smooth"] = _check(
            not sharp,
            "no edges left in the blurred areas (first, middle, last frame)"
            if not sharp
            else f"edges remain in a blurred area at {sharp[0]}",
        )
    if mode == "blur" and ocr_samples > 0:
        checks["ocr_blurred"] = _check(
            not ocr_hits,
            "OCR reads no text in the blurred areas"
            if not ocr_hits
            else f"OCR still reads text at {ocr_hits[0]}",
        )
    return checks


def _check_spans(
    output: Path,
    report: RenderReport,
    ranges: Sequence[RedactionRange],
    cut: Timeline,
    frame: float,
    mode: str,
    ocr_samples: int,
) -> tuple[list[str], list[str], list[str], list[str]]:
    """Decode each re-encoded span of `output` with its joins: decoder errors, irregular
    frame timing, blurred areas with edges left, blurred areas OCR still reads."""
    errors: list[str] = []
    gaps: list[str] = []
    ocr_hits: list[str] = []
    sharp: list[str] = []
    for start, end in report.spans:
        a, b = cut.map(start), cut.map(end)
        keep: list[float] = []
        ocr_at: list[float] = []
        if mode == "blur":
            runs = [(x, y) for x, y in report.redacted if x < end and y > start]
            keep, ocr_at = _sample_times(runs, frame)
            ocr_at = ocr_at if ocr_samples > 0 else []
        window = decode_window(output, a, b + JOIN_MARGIN, keep, rgb=True)
        errors += window.errors
        steps = np.diff(window.times) if len(window.times) > 1 else np.array([])
        if len(steps) and (steps.min() < frame * 0.5 or steps.max() > frame * 1.5):
            gaps.append(f"{a:.2f}-{b:.2f} s")
        for t, picture in window.pictures.items():
            for r in ranges:
                if not r.start - frame < t < r.end + frame:
                    continue
                for x, y, w, h in r.regions or [(0, 0, picture.shape[1], picture.shape[0])]:
                    area = picture[y : y + h, x : x + w]
                    if sharpness(area) > SHARPNESS_LIMIT:
                        sharp.append(f"{t:.2f} s")
                    found = read_text(area) if t in ocr_at else []
                    if found:
                        ocr_hits.append(f"{t:.2f} s: {len(found)} line(s)")
    return errors, gaps, sharp, ocr_hits
