"""What a work folder says to publish on YouTube, and the refusal to expose a video that
still has unresolved secret findings."""

from __future__ import annotations

import datetime as dt
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
    Workspace,
)
from pipeline.youtube.rules import fit_plain_description, fit_title

PRIVACIES = ("private", "unlisted", "public")


@dataclass
class PublishInputs:
    """What the work folder says to publish."""

    video: Path
    title: str
    description: str
    tags: list[str]
    category_id: str
    #: privacy of a new upload (explicit choice > metadata.json > setting youtube.privacy)
    privacy: str
    #: privacy given explicitly (command line); an update keeps the video's own otherwise
    explicit_privacy: str | None
    thumbnail: Path | None
    captions: Path | None


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


def load_inputs(workdir: Path, settings: Settings, privacy: str | None) -> PublishInputs:
    """Read what to publish from the work folder. Raises InputError when the video is missing."""
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
    chosen = privacy or meta.get("privacy") or settings.youtube.privacy
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
    )


def _captions(ws: Workspace) -> Path | None:
    """The captions to upload: the ones that follow a redaction when there are, none when
    nothing was said (YouTube refuses a caption file without cues)."""
    if not ws.exists(CAPTIONS_SRT):
        return None
    path = ws.path(final_artifact(ws, CAPTIONS_SRT))
    return path if path.is_file() and path.read_text(encoding="utf-8").strip() else None
