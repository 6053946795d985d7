"""Responding to a secret shown in a published video: lock it down (private at once, live
broadcasts included), republish the redacted version as a new video carrying over what the
old one had, or restore the original after a false alarm.

The privacy a video had before its lockdown is recorded (`pipeline.youtube.lockdowns`), so
`republish` and `--restore` know what to go back to; `--restore` without a record refuses."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pipeline.errors import InputError, ServiceError, UsageError
from pipeline.progress import ProgressCallback
from pipeline.services.youtube import YouTubeClient
from pipeline.settings import Settings
from pipeline.workspace import REDACTED_MP4, YOUTUBE_JSON, Workspace
from pipeline.youtube.inputs import load_inputs, refuse_if_leaking, utc_now
from pipeline.youtube.lockdowns import (
    ledger_path,
    locked_down_videos,
    read_lockdowns,
    write_lockdowns,
)
from pipeline.youtube.publisher import Publisher, PublishResult, make_client, status_body

_LIVE = ("live", "upcoming")


@dataclass
class PrivacyChange:
    video_id: str
    previous: str
    current: str
    changed: bool
    planned: list[str] = field(default_factory=list)


def _read(client: YouTubeClient, video_id: str) -> dict:
    video = client.get_video(video_id)
    if video is None:
        raise ServiceError(f"video {video_id} does not exist or is not visible to this account")
    return video


def _set_privacy(client: YouTubeClient, video: dict, privacy: str) -> None:
    """Change privacy only; a running or scheduled broadcast goes through liveBroadcasts."""
    if (video.get("snippet") or {}).get("liveBroadcastContent") in _LIVE:
        client.update_broadcast_status(video["id"], {"privacyStatus": privacy})
    else:
        status = status_body(privacy, video.get("status"))
        client.update_video({"id": video["id"], "status": status}, "status")


def _lockdown(client: YouTubeClient, video_id: str, settings: Settings) -> PrivacyChange:
    video = _read(client, video_id)
    previous = (video.get("status") or {}).get("privacyStatus", "public")
    if previous != "private":
        _set_privacy(client, video, "private")
    ledger = read_lockdowns(settings)
    if not client.dry_run and video_id not in ledger:
        ledger[video_id] = {"previous_privacy": previous, "locked_at": utc_now()}
        write_lockdowns(settings, ledger)
    recorded = ledger.get(video_id, {}).get("previous_privacy", previous)
    return PrivacyChange(video_id, recorded, "private", previous != "private")


def lockdown(video_id: str, settings: Settings, *, dry_run: bool = False) -> PrivacyChange:
    """Make the video private now and record its previous privacy. Returns the change.

    Raises AuthError, QuotaExceededError or ServiceError (unknown video)."""
    client = make_client(settings, dry_run=dry_run)
    change = _lockdown(client, video_id, settings)
    change.planned = [p.describe() for p in client.planned]
    return change


def restore(
    video_id: str, settings: Settings, *, privacy: str | None = None, dry_run: bool = False
) -> PrivacyChange:
    """Undo a lockdown after a false alarm: the privacy recorded at lockdown comes back, or
    `privacy` when given. Returns the change.

    Raises UsageError, before anything is sent, when no lockdown of the video was recorded
    and no `privacy` was given: a video is never made public on a guess."""
    ledger = read_lockdowns(settings)
    target = privacy or ledger.get(video_id, {}).get("previous_privacy")
    if target is None:
        raise UsageError(
            f"no lockdown of {video_id} is recorded in {ledger_path(settings)}, so its "
            "earlier privacy is unknown; nothing was changed",
            hint=f"say which privacy to give it: pipeline republish {video_id} --restore "
            "--privacy public (or unlisted, private)",
        )
    client = make_client(settings, dry_run=dry_run)
    video = _read(client, video_id)
    current = (video.get("status") or {}).get("privacyStatus", "private")
    if current != target:
        _set_privacy(client, video, target)
    if not dry_run and video_id in ledger:
        del ledger[video_id]
        write_lockdowns(settings, ledger)
    planned = [p.describe() for p in client.planned]
    return PrivacyChange(video_id, current, target, current != target, planned)


def republish(
    video_id: str,
    workdir: Path,
    settings: Settings,
    *,
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
) -> PublishResult:
    """Lock the old video down, then upload the work folder's redacted.mp4 as a new video with
    the old one's title, description, tags and category, the work folder's thumbnail and
    captions, the old playlist membership and the old privacy. The old video stays private.

    Raises InputError without redacted.mp4, UnresolvedFindingsError when the old privacy would
    expose unresolved findings (the old video is locked down all the same), and the errors of
    `publish`. Running it again resumes or updates the same new video."""
    workspace = Workspace(workdir)
    if not workspace.exists(REDACTED_MP4):
        raise InputError(
            f"no redacted.mp4 in {workdir}", hint="redact the recording first (pipeline redact)"
        )
    client = make_client(settings, dry_run=dry_run)
    change = _lockdown(client, video_id, settings)
    old = _read(client, video_id).get("snippet") or {}
    inputs = load_inputs(Path(workdir), settings, change.previous)
    inputs.title = old.get("title") or inputs.title
    inputs.description = old.get("description", inputs.description)
    inputs.tags = old.get("tags") or inputs.tags
    inputs.category_id = old.get("categoryId") or inputs.category_id
    refuse_if_leaking(Path(workdir), inputs.privacy)

    publisher = Publisher(Path(workdir), settings, client, inputs, progress)
    publisher.exclude |= locked_down_videos(settings) | {video_id}
    record = publisher.record
    old_playlist = (record.get("playlist") or {}).get("id")
    if record.get("replaces") != video_id:
        publisher.record = {"replaces": video_id, "replaced_record": record or None}
    if old_playlist:
        publisher.playlist_id = old_playlist
    publisher.save()
    result = publisher.run()
    if not dry_run:
        workspace.write_json(YOUTUBE_JSON, publisher.record)
    return result
