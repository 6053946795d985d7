"""What a work folder says to publish on YouTube, and the refusal to expose a video that
still has unresolved secret findings."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import InputError, UnresolvedFindingsError
from pipeline.leaks.findings import effective_findings, exposing
from pipeline.redaction.followups import final_artifact
from pipeline.settings import Settings
from pipeline.timecode import format_clock
from pipeline.workspace import (
    CAPTIONS_SRT,
    DESCRIPTION_TXT,
    METADATA_JSON,
    REDACTED_MP4,
    THUMBNAIL_JPG,
    TITLE_TXT,
    ZOOM_MEETING_JSON,
    Workspace,
    fingerprint_artifact,
)
from pipeline.youtube.rules import fit_plain_description, fit_title

PRIVACIES = ("private", "unlisted", "public")
MARKER_PREFIX = "pipeline-"
#: YouTube's limit on the tags of a video, in characters
TAGS_LIMIT = 500


@dataclass
class PublishInputs:
    """What the work folder says to publish."""

    video: Path
    title: str
    description: str
    tags: list[str]
    category_id: str
    #: privacy of a new upload: the explicit choice, else the setting youtube.privacy
    privacy: str
    #: privacy given explicitly (command line); an update keeps the video's own otherwise
    explicit_privacy: str | None
    thumbnail: Path | None
    captions: Path | None
    #: the tag every upload of this recording carries (see `recording_marker`)
    marker: str = ""
    #: no upload of the recording can be older than this (its start, when known)
    recorded_at: dt.datetime | None = None

    @property
    def upload_tags(self) -> list[str]:
        """The tags to send: the work folder's, then the marker, within YouTube's 500
        characters (a tag with a space counts its quotes; the comma between tags counts)."""
        marker = [self.marker] if self.marker else []

        def length(names: list[str]) -> int:
            return sum(len(t) + (2 if " " in t else 0) for t in names) + len(names) - 1

        fitted: list[str] = []
        for tag in self.tags:
            if tag.startswith(MARKER_PREFIX):
                continue  # the marker of another recording never comes along
            if length([*fitted, tag, *marker]) > TAGS_LIMIT:
                break
            fitted.append(tag)
        return fitted + marker


def recording_marker(recording_key: str) -> str:
    """The tag that names a recording on YouTube: `pipeline-` and 16 hex digits of the
    sha256 of its key (`zoom:<meeting UUID>` or `file:<fingerprint>`)."""
    return MARKER_PREFIX + hashlib.sha256(recording_key.encode()).hexdigest()[:16]


def zoom_recording_key(uuid: str) -> str:
    return f"zoom:{uuid}"


def recording_key_of(ws: Workspace, video: Path) -> str:
    """What names the recording across work folders and runs: its Zoom meeting UUID when it
    came from Zoom, else the fingerprint of the recording the work folder was made from (the
    video to upload when that is gone)."""
    if ws.exists(ZOOM_MEETING_JSON):
        uuid = ws.read_json(ZOOM_MEETING_JSON).get("uuid")
        if uuid:
            return zoom_recording_key(str(uuid))
    source = ws.recording_path()
    return "file:" + fingerprint_artifact(source if source and source.is_file() else video)


def _recorded_at(ws: Workspace) -> dt.datetime | None:
    if not ws.exists(ZOOM_MEETING_JSON):
        return None
    start = ws.read_json(ZOOM_MEETING_JSON).get("start_time")
    try:
        moment = dt.datetime.fromisoformat(str(start).replace("Z", "+00:00"))
    except ValueError:
        return None
    # an hour of slack for clocks that disagree
    return moment - dt.timedelta(hours=1) if moment.tzinfo else None


def video_url(video_id: str) -> str:
    return f"https://www.youtube.com/watch?v={video_id}"


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")




def unresolved_findings(workdir: Path) -> list[dict]:
    """Secret findings that publishing would expose: on screen or said aloud, neither hidden
    by the work folder's redaction nor dismissed by a person."""
    return [f.to_dict() for f in exposing(effective_findings(Workspace(workdir)))]


def refuse_if_leaking(workdir: Path, privacy: str) -> None:
    """Raise UnresolvedFindingsError when `privacy` would show a video that still has
    unresolved secret findings."""
    if privacy not in ("public", "unlisted"):
        return
    findings = unresolved_findings(workdir)
    if findings:
        first = findings[0]
        raise UnresolvedFindingsError(
            f"refusing to make the video {privacy}: {len(findings)} unresolved secret "
            f"finding(s) in flags.json (first: {first.get('rule', '?')} at "
            f"{format_clock(float(first.get('start', 0)))}, {first.get('preview', '****')})",
            hint="redact or dismiss them first, or publish with --privacy private",
        )


def load_inputs(
    workdir: Path,
    settings: Settings,
    privacy: str | None,
    *,
    recording_key: str | None = None,
) -> PublishInputs:
    """Read what to publish from the work folder. The privacy of a new upload is `privacy`,
    else the setting youtube.privacy (default private); what metadata.json says is not used.
    `recording_key` names the recording (default: `recording_key_of`). Raises InputError
    when the video is missing."""
    ws = Workspace(workdir)
    meta: dict[str, Any] = ws.read_json(METADATA_JSON) if ws.exists(METADATA_JSON) else {}
    if ws.exists(REDACTED_MP4):
        video = ws.path(REDACTED_MP4)
    else:
        source = ws.recording_path()
        if source is None or not source.is_file():
            raise InputError(
                f"no video to publish in {workdir}: no {REDACTED_MP4} and the recording "
                f"{source or '(unknown)'} is missing",
                hint="run `pipeline run RECORDING` to create the work folder",
            )
        video = source
    title = ws.path(TITLE_TXT).read_text("utf-8") if ws.exists(TITLE_TXT) else ""
    title = title.strip() or meta.get("title") or video.stem
    if ws.exists(DESCRIPTION_TXT):
        description = ws.path(DESCRIPTION_TXT).read_text("utf-8")
    else:
        description = meta.get("description", "")
    chosen = privacy or settings.youtube.privacy
    if chosen not in PRIVACIES:
        raise InputError(f"unknown privacy {chosen!r}", hint=f"use one of {', '.join(PRIVACIES)}")
    return PublishInputs(
        video=video,
        title=fit_title(title),
        description=fit_plain_description(description),
        tags=[str(t) for t in meta.get("tags") or []],
        category_id=str(meta.get("category_id") or settings.youtube.category_id),
        privacy=chosen,
        explicit_privacy=privacy,
        thumbnail=ws.path(THUMBNAIL_JPG) if ws.exists(THUMBNAIL_JPG) else None,
        captions=_captions(ws),
        marker=recording_marker(recording_key or recording_key_of(ws, video)),
        recorded_at=_recorded_at(ws),
    )


def _captions(ws: Workspace) -> Path | None:
    """The captions to upload: the ones that follow a redaction when there are, none when
    nothing was said (YouTube refuses a caption file without cues)."""
    if not ws.exists(CAPTIONS_SRT):
        return None
    path = ws.path(final_artifact(ws, CAPTIONS_SRT))
    return path if path.is_file() and path.read_text(encoding="utf-8").strip() else None
