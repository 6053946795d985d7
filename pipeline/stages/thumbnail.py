"""Thumbnail stage: the deck -> thumbnail.jpg (1280x720, < 2 MB) + thumbnail.json.

The title slide when there is one (the first shared slide, when OCR read a title on it),
else the slide shown longest; of it, a few frames from its clean stretch made one (the
cursor drawn out), cut to the shared-screen rectangle (slides.json's share; the whole frame
when it has none) and scaled to fill 1280x720, padded in the slide's background colour only
when the share is not 16:9; optionally with the video title drawn on it. A stretch with
nothing shared (a gallery) is not a candidate while any slide is. Never a frame from inside a
range that is flagged (flags.json) or redacted (redactions.json): a slide with no clean
moment is passed over."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from pipeline.errors import StageError
from pipeline.media.frames import grab_frame
from pipeline.settings import Settings
from pipeline.slides.deck_picture import SIZE, deck_picture, letterbox, without_cursor
from pipeline.slides.shown import ShownSlide, shown_slides
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

__all__ = ["ThumbnailStage", "clean_moment", "letterbox", "SIZE"]

MAX_BYTES = 2 * 1024 * 1024
#: seconds kept clear around a flagged or redacted range
MARGIN = 0.5
#: frames of the chosen slide made one picture (the cursor moves between them)
STILL_FRAMES = 5
#: seconds kept clear of a slide's detected start and end (changes are sampled at 2 fps)
EDGE = 0.6


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


def clean_stretch(
    start: float, end: float, ranges: list[tuple[float, float]]
) -> tuple[float, float] | None:
    """The longest stretch of [start, end) outside `ranges` (at least 0.2 s), or None."""
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
    return max(free, key=lambda s: s[1] - s[0]) if free else None


def clean_moment(start: float, end: float, ranges: list[tuple[float, float]]) -> float | None:
    """The middle of the longest stretch of [start, end) outside `ranges`, or None."""
    stretch = clean_stretch(start, end, ranges)
    return None if stretch is None else (stretch[0] + stretch[1]) / 2


def still_times(
    stretch: tuple[float, float], keyframes: list[float], saved: float | None
) -> list[float]:
    """Up to STILL_FRAMES moments spread over `stretch`: the slide's saved frame, then
    (kept EDGE s from the stretch's ends when it is long enough) keyframes (they decode alone), then evenly
    spaced moments until there are at least three."""
    a, b = stretch
    # the saved frame was picked by the slides pass as a still moment of the slide
    picks = [saved] if saved is not None and a <= saved <= b else []
    if b - a > 4 * EDGE:
        a, b = a + EDGE, b - EDGE
    keys = [k for k in keyframes if a <= k <= b and all(abs(k - p) > 0.5 for p in picks)]
    room = STILL_FRAMES - len(picks)
    if keys and room > 0:
        step = max(1, len(keys) // room)
        picks += keys[::step][:room]
    n = 3 - len(picks)
    for i in range(max(0, n)):
        picks.append(a + (b - a) * (i + 1) / (n + 1))
    return sorted(picks)


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
    version = 2
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

    def candidates(self, ctx: StageContext) -> list[ShownSlide]:
        """Slides in order of preference: the title slide (the first shared slide, when it
        has a title), then the longest shown first; stretches with nothing shared only when
        there is no slide at all."""
        duration = ctx.media.duration if ctx.media else 0.0
        whole = ShownSlide(-1, 0.0, duration, "", None, None)
        if not ctx.workspace.exists(SLIDES_JSON):
            return [whole]
        slides = shown_slides(ctx.workspace.read_json(SLIDES_JSON), duration)
        screens = [s for s in slides if s.screen] or slides
        titled = set()
        if ctx.workspace.exists(CHAPTERS_JSON):
            for i, s in enumerate(ctx.workspace.read_json(CHAPTERS_JSON).get("slides", [])):
                if s.get("title"):
                    titled.add(i)
        opening = [s for s in screens[:1] if s.index in titled and len(slides) > 1]
        rest = sorted((s for s in screens if s not in opening), key=lambda s: -s.length)
        return opening + rest or [whole]

    def _frames(
        self, ctx: StageContext, slide: ShownSlide, stretch: tuple[float, float]
    ) -> tuple[list[np.ndarray], list[float], str | None]:
        """Frames of `slide` spread over its clean `stretch`: (pictures, times, the saved
        slide frame used or None)."""
        keyframes = list(ctx.media.video.keyframes) if ctx.media and ctx.media.video else []
        saved = ctx.workspace.path(slide.frame) if slide.frame else None
        usable = slide.frame_time if saved is not None and saved.is_file() else None
        pictures, times, source = [], [], None
        for t in still_times(stretch, keyframes, usable):
            if t == usable and saved is not None:
                with Image.open(saved) as img:
                    pictures.append(np.asarray(img.convert("RGB")))
                source = slide.frame
            else:
                grabbed = grab_frame(ctx.recording, t, threads=ctx.threads)
                pictures.append(grabbed.image)
                t = grabbed.time
            times.append(t)
        shapes = {p.shape for p in pictures}
        if len(shapes) > 1:  # a saved frame of another size: keep the decoded ones
            pictures, times = zip(*[(p, t) for p, t in zip(pictures, times, strict=True)
                                    if p.shape == pictures[-1].shape], strict=True)  # fmt: skip
        return list(pictures), list(times), source

    def run(self, ctx: StageContext) -> StageResult:
        ranges = blocked_ranges(ctx)
        chosen = None
        for cand in self.candidates(ctx):
            stretch = clean_stretch(cand.start, cand.end, ranges)
            if stretch is not None:
                chosen = (cand, *self._frames(ctx, cand, stretch))
                break
        if chosen is None:
            raise StageError(
                "every moment of the recording is flagged or redacted: no clean thumbnail frame",
                hint="dismiss findings that are not secrets, or provide a thumbnail yourself",
            )
        cand, pictures, times, source_frame = chosen
        img = deck_picture(without_cursor(pictures), cand.share, SIZE)
        title = None
        if ctx.settings.thumbnail.draw_title:
            title = render_title(ctx.settings.describe, ctx.media, ctx.workspace)
            draw_title(img, title)
        with ctx.workspace.atomic(THUMBNAIL_JPG) as tmp:
            tmp.write_bytes(encode_jpeg(img, ctx.settings.thumbnail.quality))
        t = cand.frame_time if source_frame else times[len(times) // 2]
        ctx.workspace.write_json(
            THUMBNAIL_JSON,
            {
                "time": round(t, 3),
                "frames": [round(x, 3) for x in times],
                "source_frame": source_frame,
                "slide": cand.index if cand.index >= 0 else None,
                "share": list(cand.share) if cand.share else None,
                "title": title,
                "avoided": [[round(a, 3), round(b, 3)] for a, b in ranges],
            },
        )
        return StageResult(outputs=[THUMBNAIL_JPG, THUMBNAIL_JSON], summary={"time": round(t, 3)})
