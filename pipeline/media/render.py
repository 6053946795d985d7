"""Rendering a redacted copy of a recording.

`smart_render` re-encodes only the spans planned by `plan_edit` (from the first redacted frame,
rounded down to a clean cut point, to the next keyframe after the range) and stream-copies
every other packet, joining them in one MP4 with monotonic timestamps. The re-encoded parts
carry their own parameter sets and the copied part after each span gets the source's back, so
both decode from the same sample description. `full_reencode` renders the same edit by
re-encoding everything with the same encoder settings; it is the fallback when stream copy is
impossible and the baseline of the benchmark."""

from __future__ import annotations

import heapq
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from pipeline.errors import MediaError
from pipeline.media.edit_plan import EditPlan, EditRange, PacketInfo, Span, plan_edit
from pipeline.media.encode import (
    EncoderSettings,
    audio_reencoded,
    blur_frame,
    video_encoder,
)
from pipeline.media.h264 import AvcConfig, annexb_to_length_prefixed, parse_avcc
from pipeline.media.read_ahead import read_ahead
from pipeline.progress import ProgressCallback, no_progress

log = logging.getLogger(__name__)

MODES = ("blur", "cut")
#: frames of a re-encoded span decoded (and blurred) ahead of the encoder, on their own thread
PREPARE_AHEAD = 4


class SmartRenderImpossible(MediaError):
    """Stream copy cannot be used for this source; a full re-encode is needed."""


@dataclass
class RenderReport:
    """What a render did. Times in seconds of the source."""

    method: str  # "smart" or "full"
    #: re-encoded spans of the source
    spans: list[tuple[float, float]]
    encoded_frames: int
    #: frames blurred (blur mode) or removed (cut mode), as contiguous (start, end) runs
    redacted: list[tuple[float, float]]
    redacted_frames: int
    source_frames: int
    frame_duration: float
    notice: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def expected_frames(self) -> int:
        return self.source_frames - (self.redacted_frames if self.extra.get("cut") else 0)


def index_packets(path: Path) -> tuple[list[PacketInfo], Fraction]:
    """Video packets of `path` in decode order, and the stream's time base (demux only)."""
    import av

    with av.open(str(path)) as src:
        stream = src.streams.video[0]
        packets = [
            PacketInfo(p.pts, p.dts if p.dts is not None else p.pts, p.duration or 0, p.is_keyframe)
            for p in src.demux(stream)
            if p.size and p.pts is not None
        ]
        return packets, stream.time_base


def _check_smart_possible(path: Path, packets: Sequence[PacketInfo]) -> AvcConfig:
    import av

    with av.open(str(path)) as src:
        cc = src.streams.video[0].codec_context
        if cc.name != "h264":
            raise SmartRenderImpossible(f"stream copy of {cc.name} video is not supported")
        if cc.format is None or cc.format.name not in ("yuv420p", "yuvj420p"):
            raise SmartRenderImpossible("stream copy needs 4:2:0 8-bit video")
        config = parse_avcc(cc.extradata)
    if config is None:
        raise SmartRenderImpossible("the video has no avcC parameter sets")
    dts = [p.dts for p in packets]
    if any(b <= a for a, b in zip(dts, dts[1:], strict=False)):
        raise SmartRenderImpossible("the video's timestamps are not monotonic")
    if not packets or not packets[0].keyframe:
        raise SmartRenderImpossible("the video does not start with a keyframe")
    return config


class _VideoPackets:
    """Yields the output's video packets: copied ones shifted by any cut, re-encoded spans in
    their place."""

    def __init__(
        self, path: Path, plan: EditPlan, mode: str, settings: EncoderSettings,
        config: AvcConfig | None, progress: ProgressCallback, total: float,
    ):  # fmt: skip
        self.path, self.plan, self.mode, self.settings = path, plan, mode, settings
        self.config, self.progress, self.total = config, progress, total
        self.encoded = 0
        #: seconds of span rendered so far (progress)
        self.done = 0.0
        self.last_dts: int | None = None
        #: the output stream's own encoder, used (with no packet rewriting) when the source is
        #: not H.264 and everything is re-encoded into a fresh H.264 stream
        self.shared = None

    def _out_ts(self, pts: int) -> int:
        return pts - self.plan.removed_before(pts) if self.mode == "cut" else pts

    def _place(self, packet, pts: int, dts: int, stream):
        if self.last_dts is not None and dts <= self.last_dts:
            raise SmartRenderImpossible("joined timestamps would not be monotonic")
        if dts > pts:
            raise SmartRenderImpossible("joined timestamps would decode after display")
        self.last_dts = dts
        packet.pts, packet.dts = pts, dts
        packet.time_base = self.plan.time_base
        packet.stream = stream
        return packet

    def encode_span(self, span: Span, stream) -> Iterator:
        import av

        plan = self.plan
        done_before = self.done
        length = self.config.length_size if self.config else 4
        with av.open(str(self.path)) as src:
            vs = src.streams.video[0]
            vs.thread_type = "AUTO"
            enc = self.shared or video_encoder(vs, self.settings)
            src.seek(span.decode_from, stream=vs, backward=True, any_frame=False)

            def encoded(frame) -> Iterator:
                for p in enc.encode(frame):
                    if self.shared is not None:
                        self.encoded += 1
                        yield self._place(p, p.pts, p.dts if p.dts is not None else p.pts, stream)
                        continue
                    out = av.Packet(annexb_to_length_prefixed(bytes(p), length))
                    out.is_keyframe = p.is_keyframe
                    out.duration = p.duration
                    self.encoded += 1
                    yield self._place(out, p.pts, p.pts - plan.delay, stream)

            def prepared() -> Iterator:
                """The span's frames ready for the encoder (blurred where redacted), with
                their source pts: made on a thread of their own, ahead of the encoder."""
                for frame in src.decode(vs):
                    if frame.pts is None or frame.pts < span.start:
                        continue
                    if span.end is not None and frame.pts >= span.end:
                        break
                    span_pts = frame.pts
                    ranges = plan.redacted.get(frame.pts)
                    if ranges and self.mode == "cut":
                        continue
                    if ranges:
                        boxes = [b for r in ranges if r.regions for b in r.regions]
                        whole = any(r.regions is None for r in ranges)
                        frame = blur_frame(frame, None if whole else boxes)
                    elif frame.format.name != "yuv420p":
                        frame = frame.reformat(format="yuv420p")
                    frame.pts = self._out_ts(frame.pts)
                    frame.time_base = plan.time_base
                    frame.pict_type = av.video.frame.PictureType.NONE
                    yield frame, span_pts

            for frame, span_pts in read_ahead(prepared(), PREPARE_AHEAD, name="span-decoder"):
                yield from encoded(frame)
                self.done = done_before + float((span_pts - span.start) * plan.time_base)
                self.progress(self.done, self.total)
            yield from encoded(None)

    def __call__(self, stream) -> Iterator:
        import av

        plan = self.plan
        spans = list(plan.spans)
        done: set[int] = set()
        span_ends = {s.end for s in spans if s.end is not None}
        with av.open(str(self.path)) as src:
            for packet in src.demux(src.streams.video[0]):
                if not packet.size or packet.pts is None:
                    continue
                span = next((s for s in spans if s.contains(packet.pts)), None)
                if span is not None:
                    if id(span) not in done:
                        done.add(id(span))
                        yield from self.encode_span(span, stream)
                    continue
                pts = packet.pts
                dts = packet.dts if packet.dts is not None else pts
                if pts in span_ends and packet.is_keyframe and self.config:
                    # the copied part after a span needs the source's parameter sets back
                    fresh = av.Packet(self.config.parameter_sets() + bytes(packet))
                    fresh.is_keyframe = True
                    fresh.duration = packet.duration
                    packet = fresh
                # a copied packet moves with its own frame: pts and dts by the same shift
                shift = pts - self._out_ts(pts)
                yield self._place(packet, pts - shift, dts - shift, stream)


def _copied_audio(path: Path, stream) -> Iterator:
    import av

    with av.open(str(path)) as src:
        for packet in src.demux(src.streams.audio[0]):
            if packet.size and packet.dts is not None:
                packet.stream = stream
                yield packet


def _render(
    source: Path, output: Path, plan: EditPlan, mode: str, mute: bool,
    settings: EncoderSettings, config: AvcConfig | None, progress: ProgressCallback,
    mute_spans: Sequence[tuple[float, float]] = (),
) -> _VideoPackets:  # fmt: skip
    import av

    removed = plan.removed_seconds()
    last = plan.frames[-1][0] + plan.frames[-1][1] if plan.frames else 0
    total = float(sum(((s.end or last) - s.start) * plan.time_base for s in plan.spans))
    video = _VideoPackets(source, plan, mode, settings, config, progress, total)
    with av.open(str(source)) as src:
        has_audio = bool(src.streams.audio)
        with av.open(str(output), "w", format="mp4", options={"movflags": "+faststart"}) as out:
            if config is not None:
                vout = out.add_stream_from_template(src.streams.video[0])
            else:
                # not H.264: a fresh H.264 stream whose own encoder renders every frame
                sv = src.streams.video[0]
                vout = out.add_stream("libx264", rate=sv.average_rate or sv.guessed_rate)
                vout.time_base = sv.time_base
                video.shared = video_encoder(sv, settings, vout.codec_context)
            aout = out.add_stream_from_template(src.streams.audio[0]) if has_audio else None
            streams = [video(vout)]
            if aout is not None:
                if mode == "cut" or mute or mute_spans:
                    cut = removed if mode == "cut" else []
                    muted = (removed if mute and mode == "blur" else []) + list(mute_spans)

                    def with_stream(packets):
                        for p in packets:
                            p.stream = aout
                            yield p

                    streams.append(with_stream(audio_reencoded(str(source), cut, muted)))
                else:
                    streams.append(_copied_audio(source, aout))
            for packet in heapq.merge(*streams, key=lambda p: float(p.dts * p.time_base)):
                out.mux(packet)
    return video


def _report(method: str, plan: EditPlan, mode: str, video: _VideoPackets) -> RenderReport:
    tb = plan.time_base
    spans = []
    for s in plan.spans:
        end = s.end if s.end is not None else plan.frames[-1][0] + plan.frames[-1][1]
        spans.append((float(s.start * tb), float(end * tb)))
    durations = sorted(d for _, d in plan.frames)
    return RenderReport(
        method=method,
        spans=spans,
        encoded_frames=video.encoded,
        redacted=plan.removed_seconds(),
        redacted_frames=len(plan.redacted),
        source_frames=len(plan.frames),
        frame_duration=float(durations[len(durations) // 2] * tb) if durations else 0.0,
        extra={"cut": mode == "cut"},
    )


def smart_render(
    source: Path, output: Path, ranges: Sequence[EditRange], *, mode: str = "blur",
    mute: bool = False, settings: EncoderSettings | None = None,
    progress: ProgressCallback = no_progress, mute_spans: Sequence[tuple[float, float]] = (),
) -> RenderReport:  # fmt: skip
    """Render `source` to `output` with `ranges` blurred or cut, re-encoding only the spans
    that must change; `mute_spans` (source seconds) are silenced in the audio alone. Falls back to `full_reencode` (the report's `notice` says why) when
    stream copy is impossible. Returns a RenderReport.

    Raises MediaError when decoding, encoding or muxing fails.
    """
    settings = settings or EncoderSettings()
    packets, tb = index_packets(source)
    try:
        config = _check_smart_possible(source, packets)
        plan = plan_edit(packets, tb, ranges)
        video = _render(source, output, plan, mode, mute, settings, config, progress, mute_spans)
    except SmartRenderImpossible as exc:
        log.info("smart render impossible: %s", exc.message)
        report = full_reencode(
            source, output, ranges, mode=mode, mute=mute, settings=settings, progress=progress,
            mute_spans=mute_spans,
        )  # fmt: skip
        report.notice = f"re-encoded the whole recording: {exc.message}"
        return report
    return _report("smart", plan, mode, video)


def full_reencode(
    source: Path, output: Path, ranges: Sequence[EditRange], *, mode: str = "blur",
    mute: bool = False, settings: EncoderSettings | None = None,
    progress: ProgressCallback = no_progress, mute_spans: Sequence[tuple[float, float]] = (),
) -> RenderReport:  # fmt: skip
    """Render the same edit as `smart_render` by re-encoding every frame with the same
    encoder settings. Returns a RenderReport. Raises MediaError on failure."""
    settings = settings or EncoderSettings()
    packets, tb = index_packets(source)
    plan = plan_edit(packets, tb, ranges)
    first = min(p.pts for p in packets)
    plan.spans = [Span(first, None, first)]
    import av

    with av.open(str(source)) as src:
        cc = src.streams.video[0].codec_context
        config = parse_avcc(cc.extradata) if cc.name == "h264" else None
    video = _render(source, output, plan, mode, mute, settings, config, progress, mute_spans)
    return _report("full", plan, mode, video)
