"""Resumable video uploads whose session the caller opens and stores before the first byte,
and the search of the channel's uploads for the video of a recording.

An upload goes: `open_session` (the POST with `uploadType=resumable`: YouTube answers with the
session URI and nothing of the video is sent yet), the caller stores the URI, then `send`
(PUTs of chunks against it, from the first byte the server has not confirmed). After any
interruption, in this process or a new one, `query_session` asks the session how far it got
(`Content-Range: bytes */SIZE`): 308 resumes, 200/201 is the finished video, 404/410 means it
is gone. A session URI lets anyone upload into it: it is never printed or logged in full."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from googleapiclient.errors import HttpError

from pipeline.services.youtube import (
    CHUNK_UNIT,
    ChunkedFile,
    PlannedRequest,
    YouTubeClient,
    translate_error,
)

log = logging.getLogger(__name__)

#: pages of 50 uploads looked through for a recording's video before uploading it
UPLOAD_PAGES = 20
VIDEO_MIMETYPE = "video/mp4"


@dataclass
class SessionState:
    """What an upload session says: the finished video, or how many bytes it holds, or
    neither (the session is gone)."""

    video: dict | None = None
    offset: int | None = None

    @property
    def gone(self) -> bool:
        return self.video is None and self.offset is None


def masked(uri: str) -> str:
    """A session URI fit for messages: its host and path, not its upload ID."""
    parts = urlsplit(uri)
    return f"{parts.scheme}://{parts.netloc}{parts.path}?upload_id=****"


def chunk_size(client: YouTubeClient) -> int:
    """The upload chunk: the setting rounded up to a multiple of 256 KiB."""
    return max(CHUNK_UNIT, -(-client.settings.chunk_size // CHUNK_UNIT) * CHUNK_UNIT)


def _insert_request(client: YouTubeClient, video: Path, body: dict):
    media = ChunkedFile(
        str(video), mimetype=VIDEO_MIMETYPE, chunksize=chunk_size(client), resumable=True
    )
    return client.service.videos().insert(part="snippet,status", body=body, media_body=media)


def plan_upload(client: YouTubeClient, video: Path, body: dict) -> None:
    """Record, for a dry run, the requests an upload of `video` would make."""
    request = _insert_request(client, video, body)
    size, chunk = video.stat().st_size, chunk_size(client)
    note = (
        f"{video}, {size} bytes, {VIDEO_MIMETYPE}; then {-(-size // chunk)} PUT(s) of up to "
        f"{chunk} bytes to the upload session YouTube returns"
    )
    client.planned.append(PlannedRequest(request.method, request.uri, body, note))


def open_session(client: YouTubeClient, video: Path, body: dict) -> str:
    """Open a resumable upload session for `video` with the metadata `body` and return its
    URI; no byte of the video is sent. A retried POST can leave an unused session behind,
    which never becomes a video.

    Raises QuotaExceededError (uploadLimitExceeded arrives here), AuthError, ServiceError or
    TransientServiceError."""
    request = _insert_request(client, video, body)
    headers = dict(request.headers)
    headers["X-Upload-Content-Type"] = VIDEO_MIMETYPE
    headers["X-Upload-Content-Length"] = str(video.stat().st_size)
    headers["content-length"] = str(len(request.body or b""))

    def post() -> str:
        resp, content = client.http.request(
            request.uri, method="POST", body=request.body, headers=headers
        )
        if resp.status == 200 and "location" in resp:
            return resp["location"]
        raise HttpError(resp, content, uri=request.uri)

    return client.call("opening the upload session", post)


def query_session(client: YouTubeClient, uri: str, size: int) -> SessionState:
    """Ask an upload session of a `size`-byte file how far it got.

    Raises AuthError, TransientServiceError (server away: ask again later)."""

    def ask():
        resp, content = client.http.request(
            uri, "PUT", headers={"Content-Range": f"bytes */{size}", "Content-Length": "0"}
        )
        if resp.status >= 500 or resp.status == 429:
            raise HttpError(resp, content, uri=masked(uri))
        return resp, content

    resp, content = client.call("asking YouTube how far the upload got", ask)
    if resp.status in (200, 201):
        return SessionState(video=json.loads(content.decode("utf-8")))
    if resp.status == 308:
        confirmed = resp.get("range")
        return SessionState(offset=int(confirmed.split("-")[1]) + 1 if confirmed else 0)
    if resp.status in (401, 403):
        raise translate_error(HttpError(resp, content, uri=masked(uri)), "resuming the upload")
    log.warning("upload session %s is gone (%s)", masked(uri), resp.status)
    return SessionState()


def send(
    client: YouTubeClient,
    uri: str,
    video: Path,
    body: dict,
    offset: int,
    progress: Callable[[float, float | None], None] | None = None,
) -> dict:
    """Send `video` into the session `uri` from byte `offset`, chunk by chunk, and return the
    finished Video resource. After an error the next chunk first asks the session how far it
    got. Raises QuotaExceededError, AuthError, TransientServiceError or ServiceError; the
    session stays resumable by `query_session` and `send`."""
    size = video.stat().st_size
    request = _insert_request(client, video, body)
    request.resumable_uri = uri
    request.resumable_progress = offset
    if offset:
        log.info("resuming the upload at byte %d of %d", offset, size)
    response = None
    while response is None:
        status, response = client.call("uploading the video", request.next_chunk)
        if progress:
            progress(float(status.resumable_progress if status else size), float(size))
    return response


def _published(item: dict) -> dt.datetime | None:
    text = (item.get("snippet") or {}).get("publishedAt")
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def find_marked_video(
    client: YouTubeClient,
    marker: str,
    *,
    exclude: frozenset[str] = frozenset(),
    since: dt.datetime | None = None,
    max_pages: int = UPLOAD_PAGES,
) -> dict | None:
    """The newest video of the channel tagged `marker` and not in `exclude`, or None.

    Walks the uploads playlist newest first, 50 videos a page (playlistItems.list and
    videos.list, 1 quota unit each; never search.list at 100), and stops at its end, after
    `max_pages`, or at a page reaching back before `since` (no upload of the recording can be
    older than the recording)."""
    playlist = client.uploads_playlist()
    token = None
    for _ in range(max_pages):
        page = client.list_playlist_page(playlist, token)
        items = page.get("items") or []
        ids = [item["snippet"]["resourceId"]["videoId"] for item in items]
        for video in client.get_videos(ids) if ids else []:
            tags = (video.get("snippet") or {}).get("tags") or []
            if marker in tags and video["id"] not in exclude:
                return video
        token = page.get("nextPageToken")
        oldest = _published(items[-1]) if items else None
        if not token or (since and oldest and oldest < since):
            return None
    return None
