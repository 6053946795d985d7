"""Zoom cloud recordings as the pipeline sees them: a meeting instance and its files, which
meetings the batch takes (topic, length, finished processing), and which one file of a meeting
is the video to publish, so the same talk is never uploaded twice from two camera views."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pipeline.errors import ConfigError

#: MP4 views in order of preference: the screen share with the speaker is what viewers want
VIDEO_PREFERENCE = (
    "shared_screen_with_speaker_view",
    "shared_screen_with_speaker_view(CC)",
    "shared_screen_with_gallery_view",
    "speaker_view",
    "active_speaker",
    "gallery_view",
    "shared_screen",
)
#: companion files fetched beside the video, by Zoom file_type -> name in the work folder
COMPANION_FILES = {"CHAT": "zoom_chat.txt", "TRANSCRIPT": "zoom_transcript.vtt"}


@dataclass(frozen=True)
class RecordingFile:
    id: str
    file_type: str
    recording_type: str
    download_url: str
    status: str
    file_size: int | None = None
    file_extension: str = ""

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RecordingFile:
        size = data.get("file_size")
        return cls(
            id=str(data.get("id", "")),
            file_type=str(data.get("file_type", "")),
            recording_type=str(data.get("recording_type", "")),
            download_url=str(data.get("download_url", "")),
            status=str(data.get("status", "")),
            file_size=int(size) if size not in (None, "") else None,
            file_extension=str(data.get("file_extension", "")),
        )

    @property
    def completed(self) -> bool:
        return self.status == "completed"


@dataclass(frozen=True)
class ZoomMeeting:
    """One meeting instance (a UUID) with its recording files."""

    uuid: str
    id: int
    topic: str
    start_time: datetime
    duration: int
    files: tuple[RecordingFile, ...] = field(default_factory=tuple)
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ZoomMeeting:
        start = datetime.fromisoformat(str(data["start_time"]).replace("Z", "+00:00"))
        return cls(
            uuid=str(data["uuid"]),
            id=int(data.get("id") or 0),
            topic=str(data.get("topic", "")),
            start_time=start.astimezone(UTC),
            duration=int(data.get("duration") or 0),
            files=tuple(RecordingFile.from_json(f) for f in data.get("recording_files", [])),
            raw=data,
        )

    @property
    def processing(self) -> bool:
        """True while any file Zoom lists is not finished yet (pick it up on a later run)."""
        return any(not f.completed for f in self.files)

    def slug(self) -> str:
        """A stable, file-system-safe name: `2026-11-20-office-hours-1a2b3c4d`."""
        words = re.sub(r"[^a-z0-9]+", "-", self.topic.lower()).strip("-")[:40].strip("-")
        digest = hashlib.sha256(self.uuid.encode()).hexdigest()[:8]
        return f"{self.start_time:%Y-%m-%d}-{words or 'meeting'}-{digest}"


def choose_video(meeting: ZoomMeeting) -> RecordingFile | None:
    """The one MP4 to publish: the most preferred view (VIDEO_PREFERENCE), then any other MP4
    (largest first). None when the meeting has no MP4."""
    videos = [f for f in meeting.files if f.file_type == "MP4"]
    if not videos:
        return None

    def rank(f: RecordingFile) -> tuple[int, int]:
        try:
            preference = VIDEO_PREFERENCE.index(f.recording_type)
        except ValueError:
            preference = len(VIDEO_PREFERENCE)
        return preference, -(f.file_size or 0)

    return min(videos, key=rank)


def companion_files(meeting: ZoomMeeting) -> dict[str, RecordingFile]:
    """The chat and Zoom transcript files (first of each), keyed by their work-folder name."""
    chosen: dict[str, RecordingFile] = {}
    for f in meeting.files:
        name = COMPANION_FILES.get(f.file_type)
        if name and name not in chosen:
            chosen[name] = f
    return chosen


@dataclass(frozen=True)
class MeetingFilter:
    """Which meetings the batch takes: topic pattern (searched, case-insensitive) and length."""

    topic_pattern: str = ""
    min_duration: int = 0

    def __post_init__(self) -> None:
        try:
            re.compile(self.topic_pattern)
        except re.error as exc:
            raise ConfigError(
                f"zoom.topic_pattern {self.topic_pattern!r} is not a valid regular expression: {exc}"
            ) from exc

    def rejects(self, meeting: ZoomMeeting) -> str | None:
        """Why `meeting` is not taken, or None when it is."""
        if self.topic_pattern and not re.search(self.topic_pattern, meeting.topic, re.IGNORECASE):
            return "topic does not match"
        if meeting.duration < self.min_duration:
            return f"shorter than {self.min_duration} min"
        if choose_video(meeting) is None:
            return "no video file"
        return None
