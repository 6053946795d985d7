"""Re-encoding for redaction: the blur applied to a decoded frame, the H.264 encoder matched to
the source (codec, profile, size, frame rate, pixel format), and the audio re-encoder that
silences or removes sample-exact time ranges."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from pipeline.media.geometry import Box

#: averaging cell (pixels): the box is reduced to one value per cell, those values are
#: box-blurred (3x3 cells) and smoothly interpolated back. MEDIA-NOTES: a 7x7 box blur already
#: defeated OCR; this averages over ~72x72 pixels and leaves no edge to read.
PIXEL_CELL = 24

_X264_PROFILES = {
    "baseline": "baseline",
    "constrained baseline": "baseline",
    "main": "main",
    "high": "high",
    "high 10": "high10",
    "high 4:2:2": "high422",
    "high 4:4:4 predictive": "high444",
}


@dataclass(frozen=True)
class EncoderSettings:
    """x264 settings used for every re-encoded frame (smart and full re-encode alike)."""

    preset: str = "veryfast"
    crf: int = 18
    threads: int = 0


def blur_plane(
    plane: np.ndarray, box: Box, scale: int, out: np.ndarray | None = None
) -> None:
    """Make `box` (luma pixels) of one plane unreadable: average it over cells, blur the
    cells, interpolate back, into `out` (a plane of the same size; default: `plane` itself).
    `scale` is the plane's subsampling (2 for 4:2:0 chroma). Working at cell resolution
    keeps a whole 1080p frame under 2 ms."""
    import cv2

    out = plane if out is None else out
    x, y, w, h = (v // scale for v in box)
    region = plane[y : y + max(h, 1), x : x + max(w, 1)]
    if region.size == 0:
        return
    cell = max(PIXEL_CELL // scale, 1)
    rh, rw = region.shape
    small = cv2.resize(
        region, (max(rw // cell, 1), max(rh // cell, 1)), interpolation=cv2.INTER_AREA
    )
    small = cv2.blur(small, (3, 3), borderType=cv2.BORDER_REPLICATE)
    out[y : y + rh, x : x + rw] = cv2.resize(small, (rw, rh), interpolation=cv2.INTER_LINEAR)


def _plane_view(frame, index: int) -> np.ndarray:
    """Plane `index` of a PyAV VideoFrame as a (height, width) uint8 array sharing the frame's
    memory (rows keep the frame's line size)."""
    plane = frame.planes[index]
    rows = np.frombuffer(plane, dtype=np.uint8).reshape(plane.height, plane.line_size)
    return rows[:, : plane.width]


def blur_frame(frame, boxes: Sequence[Box] | None):
    """A yuv420p copy of `frame` (a PyAV VideoFrame) with `boxes` (whole frame when None)
    made unreadable. The picture is read from and written to the frames' own planes: a
    whole-frame blur never copies the full picture at all."""
    import av

    source = frame if frame.format.name == "yuv420p" else frame.reformat(format="yuv420p")
    width, height = frame.width, frame.height
    out = av.VideoFrame(width, height, "yuv420p")
    for index, scale in ((0, 1), (1, 2), (2, 2)):
        src, dst = _plane_view(source, index), _plane_view(out, index)
        if boxes is None:
            blur_plane(src, (0, 0, width, height), scale, out=dst)
            continue
        dst[...] = src
        for box in boxes:
            blur_plane(dst, box, scale)
    out.pts, out.time_base = frame.pts, frame.time_base
    for attr in ("color_range", "colorspace", "color_primaries", "color_trc"):
        with contextlib.suppress(AttributeError, ValueError):
            setattr(out, attr, getattr(frame, attr))
    return out


def x264_profile(source_profile: str | None) -> str | None:
    """The x264 `profile` option that reproduces a source H.264 profile name."""
    return _X264_PROFILES.get((source_profile or "").lower())


def video_encoder(stream, settings: EncoderSettings, enc=None):
    """An open libx264 encoder matched to the source video `stream` (PyAV), writing Annex B
    packets with the parameter sets in front of every keyframe and no B-frames (so decode
    order is display order and timestamps can be placed between copied packets). `enc`, when
    given, is an output stream's codec context to configure instead of a standalone one."""
    import av

    src = stream.codec_context
    enc = enc if enc is not None else av.CodecContext.create("libx264", "w")
    enc.width, enc.height = src.width, src.height
    enc.pix_fmt = "yuv420p"
    enc.time_base = stream.time_base
    rate = stream.average_rate or stream.guessed_rate
    if rate:
        enc.framerate = rate
    if src.sample_aspect_ratio:
        enc.sample_aspect_ratio = src.sample_aspect_ratio
    for attr in ("color_range", "colorspace", "color_primaries", "color_trc"):
        with contextlib.suppress(AttributeError, ValueError):
            setattr(enc, attr, getattr(src, attr))
    enc.max_b_frames = 0
    enc.thread_count = settings.threads
    options = {"preset": settings.preset, "crf": str(settings.crf), "bf": "0"}
    profile = x264_profile(src.profile) if src.name == "h264" else None
    if profile:
        options["profile"] = profile
    enc.options = options
    enc.open()
    return enc


def audio_reencoded(
    path: str, cut: Sequence[tuple[float, float]], mute: Sequence[tuple[float, float]]
) -> Iterator:
    """Packets of the first audio track of `path` re-encoded with the same codec, rate and
    layout: samples inside `mute` ranges silenced, samples inside `cut` ranges removed (sample
    exact). Packets carry `time_base` 1/sample_rate and continuous timestamps."""
    import av

    with av.open(path) as src:
        stream = src.streams.audio[0]
        rate = stream.codec_context.sample_rate
        enc = av.CodecContext.create(stream.codec_context.name, "w")
        enc.sample_rate = rate
        enc.layout = stream.codec_context.layout
        enc.format = "fltp"
        enc.bit_rate = stream.codec_context.bit_rate or stream.bit_rate or 96_000
        enc.time_base = Fraction(1, rate)
        enc.open()
        resampler = av.AudioResampler(
            format="fltp", layout=enc.layout, rate=rate, frame_size=enc.frame_size
        )
        cut_samples = [(round(a * rate), round(b * rate)) for a, b in cut]
        mute_samples = [(round(a * rate), round(b * rate)) for a, b in mute]
        written = 0
        for frame in src.decode(stream):
            data = frame.to_ndarray()
            if frame.format.is_packed:
                data = data.reshape(-1, len(frame.layout.channels)).T
            if np.issubdtype(data.dtype, np.integer):
                data = data.astype(np.float32) / float(np.iinfo(data.dtype).max + 1)
            else:
                data = data.astype(np.float32, copy=True)
            s0 = (
                round(float(frame.pts * frame.time_base) * rate)
                if frame.pts is not None
                else written
            )
            n = data.shape[1]
            for a, b in mute_samples:
                lo, hi = max(a - s0, 0), min(b - s0, n)
                if lo < hi:
                    data[:, lo:hi] = 0.0
            keep = np.ones(n, dtype=bool)
            for a, b in cut_samples:
                lo, hi = max(a - s0, 0), min(b - s0, n)
                if lo < hi:
                    keep[lo:hi] = False
            data = np.ascontiguousarray(data[:, keep])
            if data.shape[1] == 0:
                continue
            out = av.AudioFrame.from_ndarray(data, format="fltp", layout=enc.layout.name)
            out.sample_rate = rate
            out.pts = written
            out.time_base = enc.time_base
            written += data.shape[1]
            for chunk in resampler.resample(out):
                yield from enc.encode(chunk)
        for chunk in resampler.resample(None):
            yield from enc.encode(chunk)
        yield from enc.encode(None)
