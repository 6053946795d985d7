"""Bringing one Zoom meeting's files home: the chosen MP4 to `<out>/zoom/<slug>.mp4` and the
chat and Zoom transcript into the work folder that `pipeline run` will use for that video
(`<out>/<slug>/zoom_chat.txt`, `zoom_transcript.vtt`), where later stages find them, with
`zoom_meeting.json` (uuid, id, topic, start_time, duration) for titles and descriptions."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import ZoomError
from pipeline.progress import ProgressCallback, no_progress
from pipeline.services.zoom import ZoomClient
from pipeline.services.zoom_download import download_file
from pipeline.settings import Settings
from pipeline.workspace import ZOOM_MEETING_JSON, Workspace, write_json_atomic
from pipeline.zoom.recordings import RecordingFile, ZoomMeeting, choose_video, companion_files

log = logging.getLogger(__name__)

DOWNLOADS = "zoom"
MEETING_RECORD = ZOOM_MEETING_JSON


@dataclass
class FetchedRecording:
    meeting: ZoomMeeting
    video_file: RecordingFile
    video: Path
    workdir: Path
    companions: dict[str, Path] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "uuid": self.meeting.uuid,
            "topic": self.meeting.topic,
            "video": str(self.video),
            "recording_type": self.video_file.recording_type,
            "workdir": str(self.workdir),
            "companions": {k: str(v) for k, v in self.companions.items()},
        }


def recording_paths(meeting: ZoomMeeting, out: Path) -> tuple[Path, Path]:
    """Where a meeting's video goes and the work folder `pipeline run` gives it."""
    video = Path(out) / DOWNLOADS / f"{meeting.slug()}.mp4"
    return video, Workspace.for_recording(video, Path(out)).root


def fetch_recording(
    client: ZoomClient,
    meeting: ZoomMeeting,
    out: Path,
    *,
    token: str | None = None,
    progress: ProgressCallback = no_progress,
) -> FetchedRecording:
    """Download the meeting's one video (by view preference) and its chat and transcript.
    Returns the paths. Raises ZoomError when the meeting has no MP4 or is still processing,
    ZoomTransientError when downloads keep failing."""
    video_file = choose_video(meeting)
    if video_file is None:
        raise ZoomError(f"meeting {meeting.uuid} ({meeting.topic}) has no MP4 recording")
    if not video_file.completed:
        raise ZoomError(
            f"Zoom is still processing the recording of {meeting.topic}",
            hint="try again later; the batch picks it up on a later run",
        )
    video, workdir = recording_paths(meeting, out)
    download_file(client, video_file, video, token=token, progress=progress)
    workdir.mkdir(parents=True, exist_ok=True)
    write_json_atomic(
        workdir / MEETING_RECORD,
        {
            "uuid": meeting.uuid,
            "id": meeting.id,
            "topic": meeting.topic,
            "start_time": meeting.start_time.isoformat(),
            "duration": meeting.duration,
            "recording_type": video_file.recording_type,
        },
    )
    companions = {}
    for name, file in companion_files(meeting).items():
        if not file.completed:
            log.info("zoom: %s of %s is not ready; skipped", file.file_type, meeting.topic)
            continue
        companions[name] = download_file(client, file, workdir / name, token=token)
    return FetchedRecording(meeting, video_file, video, workdir, companions)


def fetch_meeting(settings: Settings, meeting: str) -> FetchedRecording:
    """`pipeline fetch`: one meeting (an ID or an instance UUID) brought home under setting
    general.out with the Zoom account of `settings`. Raises ZoomError."""
    client = ZoomClient(settings.zoom)
    return fetch_recording(client, client.get_meeting(meeting), Path(settings.general.out))
