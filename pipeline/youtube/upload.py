"""The one upload of a recording, whatever killed the runs before this one. In order:

1. every stored upload session (the batch ledger's, youtube.json's) is asked how far it got,
   one stored for another version of the file too: a finished session is the recording's
   video, an unfinished one of another file is dropped;
2. an unfinished session of this very file is resumed from the last byte YouTube confirmed;
3. otherwise the channel's uploads are searched for a video tagged with the recording's
   marker, which is adopted;
4. otherwise a new session is opened and stored (youtube.json and ledger) before the first
   byte of the video is sent."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from pipeline.services.youtube import YouTubeClient
from pipeline.services.youtube_uploads import (
    find_marked_video,
    open_session,
    query_session,
    send,
)
from pipeline.workspace import fingerprint_artifact

log = logging.getLogger(__name__)


class SessionStore(Protocol):
    """Where upload sessions are kept between runs."""

    def stored_sessions(self) -> list[dict]:
        """Every stored session: `{uri, fingerprint, size, started_at}`."""
        ...

    def store_session(self, session: dict | None) -> None:
        """Keep `session` (None: forget it) durably before returning."""
        ...


@dataclass
class UploadOutcome:
    video: dict
    #: uploaded | resumed | finished earlier | adopted
    how: str
    warnings: list[str] = field(default_factory=list)


def upload_once(
    client: YouTubeClient,
    store: SessionStore,
    video: Path,
    body: dict,
    marker: str,
    *,
    since: dt.datetime | None = None,
    exclude: frozenset[str] = frozenset(),
    progress: Callable[[float, float | None], None] | None = None,
) -> UploadOutcome:
    """Make sure the recording's video exists on YouTube exactly once and return it.

    `body` (snippet and status; its tags carry `marker`) is sent with a new upload only.
    `exclude` names videos never to adopt (one a republish replaces). Raises the errors of
    `pipeline.services.youtube_uploads`; whatever was stored stays resumable."""
    size = video.stat().st_size
    fingerprint = fingerprint_artifact(video)
    warnings: list[str] = []
    resume: tuple[dict, int] | None = None
    for session in store.stored_sessions():
        state = query_session(client, session["uri"], int(session.get("size") or size))
        same_file = session.get("fingerprint") == fingerprint and session.get("size") == size
        if state.video is not None:
            if not same_file:
                warnings.append(
                    "an upload of an earlier version of the video had finished; that video "
                    "was kept (to replace it: pipeline lockdown, then pipeline republish)"
                )
            return UploadOutcome(state.video, "finished earlier", warnings)
        if state.offset is not None and same_file and resume is None:
            resume = (session, state.offset)
    if resume is not None:
        session, offset = resume
        store.store_session(session)  # in both places, if it was known in one
        return UploadOutcome(send(client, session["uri"], video, body, offset, progress), "resumed")
    found = find_marked_video(client, marker, exclude=exclude, since=since)
    if found is not None:
        log.info("adopting video %s, uploaded earlier for this recording", found["id"])
        return UploadOutcome(found, "adopted")
    uri = open_session(client, video, body)
    started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    store.store_session(
        {"uri": uri, "fingerprint": fingerprint, "size": size, "started_at": started}
    )
    return UploadOutcome(send(client, uri, video, body, 0, progress), "uploaded")
