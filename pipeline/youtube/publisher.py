"""Publishing a work folder to YouTube: upload (or update) the video, then thumbnail, captions
and playlist. Exactly once: `youtube.json` in the work folder records the upload session as
soon as it exists and the video ID as soon as YouTube returns it, so a crashed or repeated run
resumes that upload or updates that video instead of uploading a second copy."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import AuthError, ServiceError
from pipeline.progress import ProgressCallback
from pipeline.services.youtube import YouTubeClient
from pipeline.settings import Settings
from pipeline.workspace import YOUTUBE_JSON, Workspace, fingerprint_artifact
from pipeline.youtube.inputs import (
    PublishInputs,
    load_inputs,
    refuse_if_leaking,
    utc_now,
    video_url,
)
from pipeline.youtube.rules import description_chapter_problems

log = logging.getLogger(__name__)

NEW_VIDEO = "NEW_VIDEO_ID"


@dataclass
class PublishResult:
    video_id: str
    url: str
    uploaded: bool
    updated: bool
    #: the requests a dry run would have made, as printable text
    planned: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def snippet_body(inputs: PublishInputs, existing: dict | None = None) -> dict:
    """A Video snippet from the work folder, keeping the mutable fields we do not set."""
    snippet = {k: v for k, v in (existing or {}).items() if k in ("defaultLanguage",)}
    snippet.update(
        title=inputs.title,
        description=inputs.description,
        tags=inputs.tags,
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
) -> PublishResult:
    """Publish the work folder: upload the video (resuming a stored session) or, when
    youtube.json or `video_id` names one, update that video; then thumbnail, captions and
    playlist. Returns what happened (with `dry_run`, the requests it would have made).
    `progress(done, total)` is called in bytes of the video as the upload advances.

    Raises UnresolvedFindingsError before any write when the privacy would expose unresolved
    secret findings; AuthError, QuotaExceededError (everything stays ready to resume),
    TransientServiceError or ServiceError from YouTube; InputError for a bad work folder."""
    workdir = Path(workdir)
    inputs = load_inputs(workdir, settings, privacy)
    client = make_client(settings, dry_run=dry_run)
    return Publisher(workdir, settings, client, inputs, progress).run(video_id)


class Publisher:
    """One publish run over one work folder."""

    def __init__(
        self,
        workdir: Path,
        settings: Settings,
        client: YouTubeClient,
        inputs: PublishInputs,
        progress: ProgressCallback | None = None,
    ):
        self.workspace = Workspace(workdir)
        self.settings = settings
        self.client = client
        self.inputs = inputs
        self.progress = progress
        self.record: dict[str, Any] = (
            self.workspace.read_json(YOUTUBE_JSON) if self.workspace.exists(YOUTUBE_JSON) else {}
        )
        self.warnings: list[str] = []
        self.playlist_id = settings.youtube.playlist_id

    def save(self) -> None:
        if not self.client.dry_run:
            self.workspace.write_json(YOUTUBE_JSON, self.record)

    def warn(self, message: str) -> None:
        log.warning(message)
        self.warnings.append(message)

    def run(self, video_id: str | None = None) -> PublishResult:
        problems = description_chapter_problems(self.inputs.description)
        if problems:
            self.warn("YouTube will show no chapters: " + "; ".join(problems))
        target = video_id or self.record.get("video_id")
        if target:
            self._update(target)
            uploaded, updated = False, True
        else:
            refuse_if_leaking(self.workspace.root, self.inputs.privacy)
            target = self._upload()
            uploaded, updated = True, False
        self._extras(target)
        if not self.client.dry_run:
            self.client.save_refreshed_token()
        return PublishResult(
            video_id=target if target != NEW_VIDEO else "",
            url=video_url(target) if target != NEW_VIDEO else "",
            uploaded=uploaded,
            updated=updated,
            planned=[p.describe() for p in self.client.planned],
            warnings=self.warnings,
        )

    def _upload(self) -> str:
        video = self.inputs.video
        fingerprint = fingerprint_artifact(video)
        session = self.record.get("upload_session") or {}
        uri = session.get("uri") if session.get("fingerprint") == fingerprint else None

        def remember(new_uri: str) -> None:
            self.record["upload_session"] = {
                "uri": new_uri,
                "fingerprint": fingerprint,
                "size": video.stat().st_size,
                "started_at": utc_now(),
            }
            self.save()

        body = {
            "snippet": snippet_body(self.inputs),
            "status": status_body(self.inputs.privacy),
        }
        resource = self.client.upload_video(
            video, body, session_uri=uri, on_session=remember, progress=self.progress
        )
        if resource is None:  # dry run
            return NEW_VIDEO
        self.record.update(
            video_id=resource["id"],
            url=video_url(resource["id"]),
            upload_session=None,
            privacy=self.inputs.privacy,
            published_at=utc_now(),
            source={"path": str(video), "fingerprint": fingerprint},
        )
        self.save()
        return resource["id"]

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
        self.client.update_video(body, "snippet,status")
        if self.record.get("video_id") != video_id:
            self.record = {"video_id": video_id, "url": video_url(video_id), "upload_session": None}
        self.record.update(privacy=privacy, updated_at=utc_now())
        self.record.setdefault("published_at", utc_now())
        self.save()

    def _extras(self, video_id: str) -> None:
        inputs, yt = self.inputs, self.settings.youtube
        if inputs.thumbnail is not None:
            fingerprint = fingerprint_artifact(inputs.thumbnail)
            if (self.record.get("thumbnail") or {}).get("fingerprint") != fingerprint:
                try:
                    self.client.set_thumbnail(video_id, inputs.thumbnail)
                except ServiceError as exc:
                    if "forbidden" not in exc.message:
                        raise
                    self.warn(f"thumbnail not set: {exc.one_line()}")
                else:
                    self.record["thumbnail"] = {"fingerprint": fingerprint, "set_at": utc_now()}
                    self.save()
        if inputs.captions is not None:
            fingerprint = fingerprint_artifact(inputs.captions)
            if (self.record.get("captions") or {}).get("fingerprint") != fingerprint:
                name = f"{yt.caption_language} (pipeline)"
                caption = self.client.insert_caption(
                    video_id, inputs.captions, yt.caption_language, name
                )
                self.record["captions"] = {
                    "id": (caption or {}).get("id"),
                    "fingerprint": fingerprint,
                    "language": yt.caption_language,
                }
                self.save()
        if self.playlist_id and (self.record.get("playlist") or {}).get("id") != self.playlist_id:
            item = self.client.add_to_playlist(self.playlist_id, video_id)
            self.record["playlist"] = {"id": self.playlist_id, "item_id": (item or {}).get("id")}
            self.save()
