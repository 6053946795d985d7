"""Probing a recording: streams, duration, frame rate, resolution, creation time and keyframe
times, read with PyAV (the imageio-ffmpeg wheel ships no ffprobe). Probing also demuxes every
packet once, which is cheap (no decoding) and is what catches a truncated file whose index
survived: such a file opens fine and even decodes with exit code 0."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pipeline.errors import CorruptMediaError, InputError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class VideoStream:
    codec: str
    profile: str | None
    width: int
    height: int
    fps: float
    frame_count: int
    pix_fmt: str | None
    time_base: float
    keyframes: list[float] = field(default_factory=list)


@dataclass(frozen=True)
class AudioStream:
    codec: str
    sample_rate: int
    channels: int


@dataclass(frozen=True)
class MediaInfo:
    """What probing learned about one recording. Times in seconds."""

    path: str
    size: int
    format_name: str
    duration: float
    creation_time: str | None
    video: VideoStream | None
    audio: AudioStream | None
    #: the container's title tag (Zoom and OBS often write the meeting's name and date there)
    title: str | None = None

    @property
    def has_video(self) -> bool:
        return self.video is not None

    @property
    def has_audio(self) -> bool:
        return self.audio is not None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MediaInfo:
        video = VideoStream(**data["video"]) if data.get("video") else None
        audio = AudioStream(**data["audio"]) if data.get("audio") else None
        return cls(**{**data, "video": video, "audio": audio})


def check_recording_path(path: Path) -> Path:
    """Check that a recording path names a readable, non-empty file.

    Returns the resolved path. Raises InputError otherwise.
    """
    if not path.exists():
        raise InputError(f"recording not found: {path}", hint="check the path and spelling")
    if path.is_dir():
        raise InputError(
            f"{path} is a directory, not a recording", hint="name a video or audio file"
        )
    if not path.is_file():
        raise InputError(f"{path} is not a regular file")
    if path.stat().st_size == 0:
        raise InputError(f"{path} is empty (0 bytes)", hint="the download or copy may have failed")
    try:
        with path.open("rb"):
            pass
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from exc
    return path.resolve()


def _creation_time(container) -> str | None:
    raw = container.metadata.get("creation_time")
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00")).isoformat()
    except ValueError:
        return None


def _is_cover_art(stream) -> bool:
    import av

    flag = getattr(getattr(av.stream, "Disposition", None), "attached_pic", None)
    return bool(flag is not None and stream.disposition & flag)


def _open(path: Path):
    import av

    try:
        return av.open(str(path), metadata_errors="ignore")
    except av.error.InvalidDataError as exc:
        raise InputError(
            f"{path.name} is not a recognizable audio or video file",
            hint="pass the MP4/M4A recording itself",
        ) from exc
    except av.error.FFmpegError as exc:
        raise CorruptMediaError(f"cannot open {path.name}: {exc}") from exc


@dataclass
class _PacketCount:
    """What demuxing every packet of the chosen streams found."""

    keyframes: list[float] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: {"video": 0, "audio": 0})
    last_end: dict[str, float] = field(default_factory=lambda: {"video": 0.0, "audio": 0.0})


def _count_packets(container, streams: list, name: str) -> _PacketCount:
    """Demux every packet of `streams`. Raises CorruptMediaError for a damaged file."""
    import av

    found = _PacketCount()
    try:
        for packet in container.demux(streams):
            if packet.size == 0 or packet.pts is None:
                continue
            if packet.is_corrupt:
                raise CorruptMediaError(
                    f"{name} is damaged: a corrupt packet at "
                    f"{float(packet.pts * packet.time_base):.2f} s",
                    hint="download the recording again",
                )
            kind = packet.stream.type
            t = float(packet.pts * packet.time_base)
            found.counts[kind] += 1
            dur = float((packet.duration or 0) * packet.time_base)
            found.last_end[kind] = max(found.last_end[kind], t + dur)
            if kind == "video" and packet.is_keyframe:
                found.keyframes.append(round(t, 6))
    except av.error.FFmpegError as exc:
        raise CorruptMediaError(
            f"{name} is damaged: {exc}", hint="download the recording again"
        ) from exc
    return found


def _check_complete(streams: dict[str, Any], found: _PacketCount, name: str) -> None:
    """Raise CorruptMediaError for a stream with no packets or fewer than it declares."""
    for kind, stream in streams.items():
        if stream is None:
            continue
        declared = stream.frames or 0
        if found.counts[kind] == 0:
            raise CorruptMediaError(
                f"{name} is damaged: its {kind} stream holds no data",
                hint="download the recording again",
            )
        if declared and found.counts[kind] < declared:
            raise CorruptMediaError(
                f"{name} is truncated: {found.counts[kind]} of {declared} {kind} packets "
                f"are present (ends at {found.last_end[kind]:.1f} s)",
                hint="the download or copy was cut short; fetch the recording again",
            )


def _video_stream(vstream, found: _PacketCount) -> VideoStream:
    rate = vstream.average_rate or vstream.guessed_rate or 0
    cc = vstream.codec_context
    return VideoStream(
        codec=cc.name,
        profile=cc.profile,
        width=cc.width,
        height=cc.height,
        fps=float(rate),
        frame_count=found.counts["video"],
        pix_fmt=cc.format.name if cc.format else None,
        time_base=float(vstream.time_base),
        keyframes=sorted(found.keyframes),
    )


def probe(path: Path) -> MediaInfo:
    """Probe a recording. Returns MediaInfo.

    Raises InputError for a missing, empty or non-media file and CorruptMediaError for a
    damaged one (truncated, packets missing, no decodable stream).
    """
    path = check_recording_path(Path(path))
    with _open(path) as container:
        vstream = next((s for s in container.streams.video if s.codec_context), None)
        astream = next((s for s in container.streams.audio if s.codec_context), None)
        if vstream is not None and _is_cover_art(vstream):
            vstream = None  # cover art in an audio file is not a video
        if vstream is None and astream is None:
            raise InputError(f"{path.name} has neither a video nor an audio stream")
        wanted = [s for s in (vstream, astream) if s is not None]
        found = _count_packets(container, wanted, path.name)
        _check_complete({"video": vstream, "audio": astream}, found, path.name)
        duration = (container.duration or 0) / 1_000_000 or max(found.last_end.values())
        audio = None
        if astream is not None:
            cc = astream.codec_context
            audio = AudioStream(codec=cc.name, sample_rate=cc.sample_rate, channels=cc.channels)
        return MediaInfo(
            path=str(path),
            size=path.stat().st_size,
            format_name=container.format.name,
            duration=round(float(duration), 6),
            creation_time=_creation_time(container),
            title=(container.metadata.get("title") or "").strip() or None,
            video=_video_stream(vstream, found) if vstream is not None else None,
            audio=audio,
        )
