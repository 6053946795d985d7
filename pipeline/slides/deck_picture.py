"""The picture of a slide for a thumbnail: several frames of the slide made one (the mouse
cursor, which moves, drawn out), cut to the shared screen and made 1280x720: scaled to fill
when the share is 16:9, else fitted and padded in the slide's own background colour."""

from __future__ import annotations

import numpy as np
from PIL import Image

from pipeline.media.geometry import Box
from pipeline.slides.shown import crop_to_share

SIZE = (1280, 720)
#: how far from 16:9 a share may be and still be scaled to fill (no bars)
ASPECT_TOLERANCE = 0.03
#: frames agreeing on this share of their pixels show a still slide (a cursor aside)
STILL_AGREEMENT = 0.97


def without_cursor(frames: list[np.ndarray]) -> np.ndarray:
    """One picture of a slide from frames of it taken moments apart: their per-pixel
    median, which draws out what moves between them (the cursor), when they show the same
    still slide; when the slide itself changes (typing, a live app), the frame nearest
    that median (a real picture, not a blend)."""
    if len(frames) == 1:
        return frames[0]
    stack = np.stack(frames)
    median = np.median(stack, axis=0).astype(np.uint8)
    differs = [
        float((np.abs(f.astype(np.int16) - median).max(axis=-1) > 24).mean()) for f in frames
    ]
    if sorted(differs)[len(differs) // 2] <= 1 - STILL_AGREEMENT:
        return median
    return frames[int(np.argmin(differs))]


def background_colour(image: np.ndarray) -> tuple[int, int, int]:
    """The slide's own background: the commonest colour along its edges (coarsely binned,
    so compression noise does not split it), as the mean of that bin."""
    edge = np.concatenate([image[0], image[-1], image[:, 0], image[:, -1]]).reshape(-1, 3)
    bins = (edge // 16).astype(np.int32)
    keys = bins[:, 0] * 256 + bins[:, 1] * 16 + bins[:, 2]
    values, counts = np.unique(keys, return_counts=True)
    common = edge[keys == values[int(np.argmax(counts))]]
    return tuple(int(v) for v in common.mean(axis=0))


def letterbox(image: np.ndarray, size: tuple[int, int] = SIZE) -> Image.Image:
    """`image` scaled to fit `size` with its aspect kept, bars in its own background colour."""
    img = Image.fromarray(image)
    scale = min(size[0] / img.width, size[1] / img.height)
    w, h = max(1, round(img.width * scale)), max(1, round(img.height * scale))
    canvas = Image.new("RGB", size, background_colour(image))
    canvas.paste(
        img.resize((w, h), Image.Resampling.LANCZOS), ((size[0] - w) // 2, (size[1] - h) // 2)
    )
    return canvas


def deck_picture(image: np.ndarray, share: Box | None, size: tuple[int, int] = SIZE) -> Image.Image:
    """The shared screen of `image` (HxWx3 RGB; the whole picture when `share` is None) at
    `size`: scaled to fill when its aspect is within ASPECT_TOLERANCE of `size`'s,
    letterboxed otherwise."""
    screen = crop_to_share(image, share)
    h, w = screen.shape[:2]
    aspect, wanted = w / h, size[0] / size[1]
    if abs(aspect - wanted) <= ASPECT_TOLERANCE * wanted:
        return Image.fromarray(screen).resize(size, Image.Resampling.LANCZOS)
    return letterbox(screen, size)
