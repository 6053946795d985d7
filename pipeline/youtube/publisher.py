"""Publishing a work folder to YouTube: upload (or update) the video, then thumbnail, captions
and playlist. Exactly once, whatever kills a run: the upload session is stored (youtube.json,
and the batch ledger when there is one) before the first byte is sent, the video ID the moment
YouTube returns it and before anything else; a rerun resumes that session or updates that
video, and with neither it looks for the recording's marker among the channel's uploads
before it uploads (see `pipeline.youtube.upload`). Thumbnail, captions and playlist are
idempotent: set, or looked for before they are inserted."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from pipeline.errors import AuthError, ServiceError
from pipeline.progress import ProgressCallback
from pipeline.services.youtube import YouTubeClient
from pipeline.services.youtube_uploads import plan_upload
from pipeline.settings import Settings
from pipeline.workspace import YOUTUBE_JSON, Workspace, fingerprint_artifact
from pipeline.youtube.inputs import (
    PublishInputs,
    load_inputs,
    refuse_if_leaking,
    utc_now,
    video_url,
)
from pipeline.youtube.lockdowns import locked_down_videos
from pipeline.youtube.rules import description_chapter_problems
from pipeline.youtube.upload import upload_once

log = logging.getLogger(__name__)

NEW_VIDEO = "NEW_VIDEO_ID"


class PublishLedger(Protocol):
    """Somewhere besides youtube.json that must know the upload session and the video ID the
    moment each is known (the batch's ledger row of the recording)."""

    def recorded(self) -> tuple[str | None, dict | None]:
        """(video ID, upload session) as recorded."""
        ...

    def session_opened(self, session: dict | None) -> None: ...

    def video_known(self, video_id: str) -> None:
        """Record the video ID (and forget the session) before returning."""
        ...


@dataclass
class PublishResult:
    video_id: str
    url: str
    uploaded: bool
    updated: bool
    #: the requests a dry run would have made, as printable text
    planned: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: how the video came to be: uploaded | resumed | finished earlier | adopted | updated
    how: str = ""


def snippet_body(inputs: PublishInputs, existing: dict | None = None) -> dict:
    """A Video snippet from the work folder, keeping the mutable fields we do not set; its
    tags always end with the recording's marker."""
    snippet = {k: v for k, v in (existing or {}).items() if k in ("defaultLanguage",)}
    snippet.update(
        title=inputs.title,
        description=inputs.description,
        tags=inputs.upload_tags,
        categoryId=inputs.category_id,
    )
    return snippet


def status_body(privacy: str, existing: dict | None = None) -> dict:
    """A Video status with `privacy`; the other mutable fields are sent back unchanged
    (videos.update clears what is not sent)."""
    keep = ("embeddable", "license", "publicStatsViewable", "selfDeclaredMadeForKids")
    status = {k: v for k, v in (existing or {}).items() if k in keep}
    status["privacyStatus"] = privacy
    if "selfDeclaredMadeForKids" not in status:
        status["selfDeclaredMadeForKids"] = False
    return status


def make_client(settings: Settings, *, dry_run: bool) -> YouTubeClient:
    """The client with stored credentials; a dry run without credentials still plans."""
    try:
        return YouTubeClient.from_settings(settings.youtube, dry_run=dry_run)
    except AuthError:
        if not dry_run:
            raise
        return YouTubeClient(settings.youtube, None, dry_run=True)


def check_credentials(settings: Settings) -> None:
    """Verify the stored YouTube credentials by refreshing the access token.

    Raises AuthError (with the command that fixes it) or TransientServiceError."""
    YouTubeClient.from_settings(settings.youtube).check()


def publish(
    workdir: Path,
    settings: Settings,
    *,
    privacy: str | None = None,
    video_id: str | None = None,
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
    ledger: PublishLedger | None = None,
    recording_key: str | None = None,
) -> PublishResult:
    """Publish the work folder: update the video that `video_id`, the ledger or youtube.json
    names, or else upload it exactly once (see `pipeline.youtube.upload`); then thumbnail,
    captions and playlist. A new upload is `privacy`, else the setting youtube.privacy
    (default private). `ledger` learns the upload session and the video ID the moment each is
    known; `recording_key` names the recording for its marker (default: its Zoom UUID or its
    fingerprint). Returns what happened (with `dry_run`, the requests it would have made).
    `progress(done, total)` is called in bytes of the video as the upload advances.

    Raises UnresolvedFindingsError before any write when the privacy would expose unresolved
    secret findings; AuthError, QuotaExceededError (everything stays ready to resume),
    TransientServiceError or ServiceError from YouTube; InputError for a bad work folder."""
    workdir = Path(workdir)
    inputs = load_inputs(workdir, settings, privacy, recording_key=recording_key)
    client = make_client(settings, dry_run=dry_run)
    publisher = Publisher(workdir, settings, client, inputs, progress, ledger=ledger)
    publisher.exclude |= locked_down_videos(settings)
    return publisher.run(video_id)


class Publisher:
    """One publish run over one work folder."""

    def __init__(
        self,
        workdir: Path,
        settings: Settings,
        client: YouTubeClient,
        inputs: PublishInputs,
        progress: ProgressCallback | None = None,
        *,
        ledger: PublishLedger | None = None,
    ):
        self.workspace = Workspace(workdir)
        self.settings = settings
        self.client = client
        self.inputs = inputs
        self.progress = progress
        self.ledger = ledger
        self.record: dict[str, Any] = (
            self.workspace.read_json(YOUTUBE_JSON) if self.workspace.exists(YOUTUBE_JSON) else {}
        )
        self.warnings: list[str] = []
        self.playlist_id = settings.youtube.playlist_id
        #: videos never adopted as this recording's (locked down, or replaced by a republish)
        self.exclude: set[str] = set()

    def save(self) -> None:
        if not self.client.dry_run:
            self.workspace.write_json(YOUTUBE_JSON, self.record)

    def warn(self, message: str) -> None:
        log.warning(message)
        self.warnings.append(message)

    # -- the session store of `upload_once` -------------------------------------------------
    def stored_sessions(self) -> list[dict]:
        sessions = []
        if self.ledger is not None:
            sessions.append(self.ledger.recorded()[1])
        sessions.append(self.record.get("upload_session"))
        unique = {s["uri"]: s for s in reversed(sessions) if s and s.get("uri")}
        return list(reversed(unique.values()))

    def store_session(self, session: dict | None) -> None:
        if self.ledger is not None:
            self.ledger.session_opened(session)
        self.record["upload_session"] = session
        self.save()

    # -- the run ----------------------------------------------------------------------------
    def run(self, video_id: str | None = None) -> PublishResult:
        if not self.client.dry_run:
            self.workspace.remove_stale_temp_files()
        problems = description_chapter_problems(self.inputs.description)
        if problems:
            self.warn("YouTube will show no chapters: " + "; ".join(problems))
        known = self.ledger.recorded()[0] if self.ledger is not None else None
        target = video_id or known or self.record.get("video_id")
        if target:
            self._update(target)
            how = "updated"
        else:
            refuse_if_leaking(self.workspace.root, self.inputs.privacy)
            target, how = self._upload()
        self._extras(target)
        if not self.client.dry_run:
            self.client.save_refreshed_token()
        new = target == NEW_VIDEO
        return PublishResult(
            video_id="" if new else target,
            url="" if new else video_url(target),
            uploaded=how != "updated",
            updated=how == "updated",
            planned=[p.describe() for p in self.client.planned],
            warnings=self.warnings,
            how=how,
        )

    def _known(self, video_id: str) -> None:
        """The video ID is known: into the ledger, then youtube.json, before anything else."""
        if self.client.dry_run:
            return
        if self.ledger is not None:
            self.ledger.video_known(video_id)
        self.save()

    def _upload(self) -> tuple[str, str]:
        video = self.inputs.video
        body = {
            "snippet": snippet_body(self.inputs),
            "status": status_body(self.inputs.privacy),
        }
        if self.client.dry_run:
            plan_upload(self.client, video, body)
            return NEW_VIDEO, "uploaded"
        outcome = upload_once(
            self.client,
            self,
            video,
            body,
            self.inputs.marker,
            since=self.inputs.recorded_at,
            exclude=frozenset(self.exclude),
            progress=self.progress,
        )
        for warning in outcome.warnings:
            self.warn(warning)
        video_id = outcome.video["id"]
        privacy = (outcome.video.get("status") or {}).get("privacyStatus", self.inputs.privacy)
        self.record.update(
            video_id=video_id,
            url=video_url(video_id),
            upload_session=None,
            privacy=privacy,
            published_at=utc_now(),
            source={"path": str(video), "fingerprint": fingerprint_artifact(video)},
        )
        self._known(video_id)
        return video_id, outcome.how

    def _update(self, video_id: str) -> None:
        existing = self.client.get_video(video_id)
        if existing is None:
            raise ServiceError(
                f"video {video_id} does not exist or is not visible to this account",
                hint="check the ID, or delete youtube.json in the work folder to upload anew",
            )
        status = existing.get("status") or {}
        privacy = self.inputs.explicit_privacy or status.get("privacyStatus", "private")
        refuse_if_leaking(self.workspace.root, privacy)
        body = {
            "id": video_id,
            "snippet": snippet_body(self.inputs, existing.get("snippet")),
            "status": status_body(privacy, status),
        }
        if self.record.get("video_id") != video_id:
            self.record = {"video_id": video_id, "url": video_url(video_id), "upload_session": None}
            self._known(video_id)
        self.client.update_video(body, "snippet,status")
        self.record.update(privacy=privacy, updated_at=utc_now())
        self.record.setdefault("published_at", utc_now())
        self.save()

    # -- thumbnail, captions, playlist ------------------------------------------------------
    def _extras(self, video_id: str) -> None:
        if self.inputs.thumbnail is not None:
            self._thumbnail(video_id, self.inputs.thumbnail)
        if self.inputs.captions is not None:
            self._captions(video_id, self.inputs.captions)
        if self.playlist_id and (self.record.get("playlist") or {}).get("id") != self.playlist_id:
            item, _ = self.client.add_to_playlist(self.playlist_id, video_id)
            self.record["playlist"] = {"id": self.playlist_id, "item_id": (item or {}).get("id")}
            self.save()

    def _thumbnail(self, video_id: str, image: Path) -> None:
        fingerprint = fingerprint_artifact(image)
        if (self.record.get("thumbnail") or {}).get("fingerprint") == fingerprint:
            return
        try:
            self.client.set_thumbnail(video_id, image)  # idempotent: sent again after a crash
        except ServiceError as exc:
            if "forbidden" not in exc.message:
                raise
            self.warn(f"thumbnail not set: {exc.one_line()}")
        else:
            self.record["thumbnail"] = {"fingerprint": fingerprint, "set_at": utc_now()}
            self.save()

    def _captions(self, video_id: str, srt: Path) -> None:
        """One track named `<language> (pipeline)`: inserted once, its file replaced when the
        captions changed. Before the track is looked for, youtube.json says which file is being
        sent, so a track found after a crash is known to hold that file."""
        language = self.settings.youtube.caption_language
        fingerprint = fingerprint_artifact(srt)
        previous = self.record.get("captions") or {}
        if previous.get("fingerprint") == fingerprint and previous.get("id"):
            return
        self.record["captions"] = {"id": None, "fingerprint": fingerprint, "language": language}
        self.save()
        track, existed = self.client.insert_caption(
            video_id, srt, language, f"{language} (pipeline)"
        )
        if existed and previous.get("fingerprint") != fingerprint:
            self.client.replace_caption(track["id"], srt)  # a track of another file
        self.record["captions"]["id"] = (track or {}).get("id")
        self.save()
