"""Downloading a Zoom recording file: into `<target>.part`, resumed with an HTTP Range from the
size already on disk (not from what the server claims it sent), checked against the size Zoom
listed, refusing the HTML page Zoom sometimes serves with status 200, renamed into place only
when complete. Failures that may pass (5xx, 429, dropped connections, short files) are retried
with the client's backoff and raised as ZoomTransientError when they persist."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import requests

from pipeline.errors import ZoomError, ZoomTransientError
from pipeline.progress import ProgressCallback, no_progress
from pipeline.services.zoom import ZoomClient, redact_url, transient_from_response
from pipeline.zoom.recordings import RecordingFile

log = logging.getLogger(__name__)

#: small enough that a killed download leaves most of what arrived on disk
CHUNK = 1 << 14
PART_SUFFIX = ".part"


def part_path(target: Path) -> Path:
    return target.with_name(target.name + PART_SUFFIX)


def download_file(
    client: ZoomClient,
    file: RecordingFile,
    target: Path,
    *,
    token: str | None = None,
    progress: ProgressCallback = no_progress,
) -> Path:
    """Download `file` to `target` (resuming a `.part` left by an earlier try). `token` is a
    webhook download token to use instead of the app's access token. Returns `target`.

    Raises ZoomTransientError when it keeps failing in a way that may pass, ZoomError when
    Zoom says the file is gone or refuses access."""
    target = Path(target)
    if target.is_file() and (file.file_size is None or target.stat().st_size == file.file_size):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    for attempt in client.retrying():
        with attempt:
            _attempt(client, file, target, token, progress)
    return target


def _attempt(
    client: ZoomClient,
    file: RecordingFile,
    target: Path,
    token: str | None,
    progress: ProgressCallback,
) -> None:
    part = part_path(target)
    expected = file.file_size
    offset = part.stat().st_size if part.exists() else 0
    if expected is not None and offset > expected:
        part.unlink()
        offset = 0
    if expected is not None and offset == expected and offset > 0:
        os.replace(part, target)
        return
    headers = {"Range": f"bytes={offset}-"} if offset else {}
    what = f"the download of {file.file_type} {file.id}"
    resp = client.get_file(file.download_url, headers, token)
    with resp:
        if resp.status_code == 429 or resp.status_code >= 500:
            raise transient_from_response(resp, what)
        if resp.status_code == 416:
            part.unlink(missing_ok=True)
            raise ZoomTransientError(f"Zoom refused to resume {what}; starting over")
        if resp.status_code in (401, 403, 404):
            raise ZoomError(
                f"Zoom refused {what}: {resp.status_code}",
                hint="the recording may have been deleted, or the app lacks the recording scopes",
            )
        if resp.status_code not in (200, 206):
            raise ZoomTransientError(f"Zoom answered {resp.status_code} to {what}")
        content_type = resp.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if content_type == "text/html":
            raise ZoomTransientError(
                f"Zoom served an HTML page instead of {what}",
                hint="usually an expired session or a file that is not ready; the next try "
                "asks again",
            )
        if resp.status_code == 200 and offset:
            log.info("zoom: server ignored the range request; downloading from the start")
            offset = 0
        mode = "ab" if offset else "wb"
        done = offset
        try:
            with part.open(mode) as fh:
                for block in resp.iter_content(CHUNK):
                    fh.write(block)
                    done += len(block)
                    progress(done, expected)
                fh.flush()
                os.fsync(fh.fileno())
        except (
            requests.ConnectionError,
            requests.Timeout,
            requests.exceptions.ChunkedEncodingError,
        ) as exc:
            raise ZoomTransientError(
                f"connection lost during {what} at {part.stat().st_size} bytes "
                f"({type(exc).__name__})",
                hint="the next try resumes from the partial file",
            ) from None
    size = part.stat().st_size
    if expected is not None and size != expected:
        if size > expected:
            part.unlink()
        raise ZoomTransientError(
            f"{what} has {size} bytes, Zoom listed {expected}",
            hint="the next try resumes or starts over",
        )
    os.replace(part, target)
    log.debug("zoom: downloaded %s to %s from %s", file.id, target, redact_url(file.download_url))
