"""Bringing one Zoom meeting's files home: the chosen MP4 to `<out>/zoom/<slug>.mp4` and the
chat and Zoom transcript into the work folder that `pipeline run` will use for that video
(`<out>/<slug>/zoom_chat.txt`, `zoom_transcript.vtt`), where later stages find them, with
`zoom_meeting.json` (uuid, id, topic, start_time, duration) for titles and descriptions."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.errors import ZoomError
from pipeline.progress import ProgressCallback, no_progress
from pipeline.services.zoom import ZoomClient
from pipeline.services.zoom_download import download_file
from pipeline.workspace import Workspace, write_json_atomic
from pipeline.youtube.title import ZOOM_JSON
from pipeline.zoom.recordings import RecordingFile, ZoomMeeting, choose_video, companion_files

log = logging.getLogger(__name__)

DOWNLOADS = "zoom"
MEETING_RECORD = ZOOM_JSON


@dataclass
class FetchedRecording:
    meeting: ZoomMeeting
    video_file: RecordingFile
    video: Path
    workdir: Path
    companions: dict[str, Path] = field(default_factory=dict)


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
