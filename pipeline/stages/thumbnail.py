"""Thumbnail stage: a deck frame -> thumbnail.jpg (1280x720, < 2 MB) + thumbnail.json.

The title slide when there is one (the opening slide, when OCR read a title on it), else the
slide shown longest; letterboxed, never stretched; optionally with the video title drawn on
it. Never a frame from inside a range that is flagged (flags.json) or redacted
(redactions.json): when a slide's saved frame falls in one, a clean moment of the same slide
is grabbed instead, and a slide with no clean moment is passed over."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from pipeline.errors import StageError
from pipeline.media.frames import grab_frame
from pipeline.settings import Settings
from pipeline.stages.base import Stage, StageContext, StageResult
from pipeline.workspace import (
    CHAPTERS_JSON,
    FLAGS_JSON,
    MEDIA_JSON,
    REDACTIONS_JSON,
    SLIDES_JSON,
    THUMBNAIL_JPG,
    THUMBNAIL_JSON,
)
from pipeline.youtube.title import render_title

SIZE = (1280, 720)
MAX_BYTES = 2 * 1024 * 1024
#: seconds kept clear around a flagged or redacted range
MARGIN = 0.5


@dataclass(frozen=True)
class Candidate:
    index: int | None
    start: float
    end: float
    frame_time: float | None
    frame: str | None


def blocked_ranges(ctx: StageContext) -> list[tuple[float, float]]:
    """Time ranges a thumbnail must not come from: unresolved or redacted findings and
    redacted ranges, widened by MARGIN."""
    ranges = []
    if ctx.workspace.exists(FLAGS_JSON):
        for f in ctx.workspace.read_json(FLAGS_JSON).get("findings", []):
            if f.get("status") != "dismissed":
                ranges.append((float(f["start"]), float(f["end"])))
    if ctx.workspace.exists(REDACTIONS_JSON):
        for r in ctx.workspace.read_json(REDACTIONS_JSON).get("ranges", []):
            ranges.append((float(r["start"]), float(r["end"])))
    return sorted((a - MARGIN, b + MARGIN) for a, b in ranges)


def blocked(t: float, ranges: list[tuple[float, float]]) -> bool:
    return any(a <= t <= b for a, b in ranges)


def clean_moment(start: float, end: float, ranges: list[tuple[float, float]]) -> float | None:
    """The middle of the longest stretch of [start, end) outside `ranges`, or None."""
    free, cursor = [], start
    for a, b in ranges:
        if b <= cursor or a >= end:
            continue
        if a > cursor:
            free.append((cursor, a))
        cursor = max(cursor, b)
    if cursor < end:
        free.append((cursor, end))
    free = [(a, b) for a, b in free if b - a >= 0.2]
    if not free:
        return None
    a, b = max(free, key=lambda s: s[1] - s[0])
    return a + (b - a) / 2


def letterbox(image: np.ndarray, size: tuple[int, int] = SIZE) -> Image.Image:
    """`image` scaled to fit `size` with its aspect kept, bars in its own edge colour."""
    img = Image.fromarray(image)
    scale = min(size[0] / img.width, size[1] / img.height)
    w, h = max(1, round(img.width * scale)), max(1, round(img.height * scale))
    edge = np.concatenate([image[0], image[-1], image[:, 0], image[:, -1]])
    fill = tuple(int(v) for v in np.median(edge, axis=0))
    canvas = Image.new("RGB", size, fill)
    canvas.paste(
        img.resize((w, h), Image.Resampling.LANCZOS), ((size[0] - w) // 2, (size[1] - h) // 2)
    )
    return canvas


def draw_title(img: Image.Image, title: str) -> None:
    """Draw `title` on a dark band along the bottom."""
    from PIL import ImageFont

    draw = ImageDraw.Draw(img, "RGBA")
    size = 48
    font = ImageFont.load_default(size=size)
    while draw.textlength(title, font=font) > img.width - 80 and size > 20:
        size -= 4
        font = ImageFont.load_default(size=size)
    band = size * 2
    draw.rectangle((0, img.height - band, img.width, img.height), fill=(0, 0, 0, 170))
    draw.text((40, img.height - band + size // 2), title, font=font, fill=(255, 255, 255))


def encode_jpeg(img: Image.Image, quality: int) -> bytes:
    """JPEG bytes under MAX_BYTES, lowering the quality as needed."""
    for q in range(quality, 20, -10):
        buf = io.BytesIO()
        img.save(buf, format="JPEG", quality=q, optimize=True)
        if buf.tell() < MAX_BYTES:
            return buf.getvalue()
    raise StageError("cannot encode a thumbnail under 2 MB")


class ThumbnailStage(Stage):
    name = "thumbnail"
    version = 1
    needs = (MEDIA_JSON, SLIDES_JSON, CHAPTERS_JSON, FLAGS_JSON, REDACTIONS_JSON)

    def params(self, settings: Settings) -> dict[str, Any]:
        cfg = settings.thumbnail
        params: dict[str, Any] = {"draw_title": cfg.draw_title, "quality": cfg.quality}
        if cfg.draw_title:
            params["title_template"] = settings.describe.title_template
            params["date"] = settings.describe.date
        return params

    def skip_reason(self, ctx: StageContext) -> str | None:
        if ctx.media is not None and not ctx.media.has_video:
            return "the recording has no video track"
        return None

    def candidates(self, ctx: StageContext) -> list[Candidate]:
        """Slides in order of preference: the title slide, then the longest shown first."""
        duration = ctx.media.duration if ctx.media else 0.0
        if not ctx.workspace.exists(SLIDES_JSON):
            return [Candidate(None, 0.0, duration, None, None)]
        slides = ctx.workspace.read_json(SLIDES_JSON)
        changes = slides.get("changes", [])
        times = slides.get("params", {}).get("frame_times", [])
        out = []
        for i, change in enumerate(changes):
            end = changes[i + 1]["time"] if i + 1 < len(changes) else duration
            frame_time = times[i] if i < len(times) else None
            out.append(Candidate(i, float(change["time"]), float(end), frame_time, change["frame"]))
        titled = set()
        if ctx.workspace.exists(CHAPTERS_JSON):
            for i, s in enumerate(ctx.workspace.read_json(CHAPTERS_JSON).get("slides", [])):
                if s.get("title"):
                    titled.add(i)
        opening = [c for c in out[:1] if c.index in titled and len(out) > 1]
        rest = sorted((c for c in out if c not in opening), key=lambda c: c.start - c.end)
        return opening + rest or [Candidate(None, 0.0, duration, None, None)]

    def run(self, ctx: StageContext) -> StageResult:
        ranges = blocked_ranges(ctx)
        chosen = None
        for cand in self.candidates(ctx):
            if cand.frame_time is not None and cand.frame and not blocked(cand.frame_time, ranges):
                path = ctx.workspace.path(cand.frame)
                if path.is_file():
                    with Image.open(path) as img:
                        chosen = (cand, cand.frame_time, np.asarray(img.convert("RGB")), cand.frame)
                    break
            t = clean_moment(cand.start, cand.end, ranges)
            if t is not None:
                chosen = (cand, t, grab_frame(ctx.recording, t, threads=ctx.threads).image, None)
                break
        if chosen is None:
            raise StageError(
                "every moment of the recording is flagged or redacted: no clean thumbnail frame",
                hint="dismiss findings that are not secrets, or provide a thumbnail yourself",
            )
        cand, t, image, source_frame = chosen
        img = letterbox(image)
        title = None
        if ctx.settings.thumbnail.draw_title:
            title = render_title(ctx.settings.describe, ctx.media, ctx.workspace)
            draw_title(img, title)
        with ctx.workspace.atomic(THUMBNAIL_JPG) as tmp:
            tmp.write_bytes(encode_jpeg(img, ctx.settings.thumbnail.quality))
        ctx.workspace.write_json(
            THUMBNAIL_JSON,
            {
                "time": round(t, 3),
                "source_frame": source_frame,
                "slide": cand.index,
                "title": title,
                "avoided": [[round(a, 3), round(b, 3)] for a, b in ranges],
            },
        )
        return StageResult(outputs=[THUMBNAIL_JPG, THUMBNAIL_JSON], summary={"time": round(t, 3)})
