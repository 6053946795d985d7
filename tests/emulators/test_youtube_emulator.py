"""The YouTube emulator answers as the discovery document says, lists a channel's uploads as
YouTube does, and holds the answer to a chosen request so that tests can kill a client at
that point. Driven by the real google-api-python-client, as the pipeline drives it."""

from __future__ import annotations

import json
import threading

import pytest
from google.oauth2.credentials import Credentials
from googleapiclient import discovery_cache
from googleapiclient.discovery import build_from_document
from googleapiclient.http import MediaInMemoryUpload

from tests.emulators.youtube import (
    CHANNEL_ID,
    UPLOADS_PLAYLIST,
    ApiError,
    YouTubeEmulator,
    validate_resource,
)

SRT = b"1\n00:00:00,000 --> 00:00:02,000\nHello.\n"


@pytest.fixture
def emu():
    emulator = YouTubeEmulator().start()
    emulator.add_playlist("PLtalks")
    yield emulator
    emulator.stop()


@pytest.fixture
def service(emu):
    doc = json.loads(discovery_cache.get_static_doc("youtube", "v3"))
    doc["rootUrl"] = doc["baseUrl"] = doc["mtlsRootUrl"] = emu.root
    info = emu.token_info()
    credentials = Credentials(
        token=info["token"],
        refresh_token=info["refresh_token"],
        client_id=info["client_id"],
        client_secret=info["client_secret"],
        token_uri=emu.token_uri,
    )
    return build_from_document(doc, credentials=credentials)


def _valid(kind: str, body: dict) -> dict:
    validate_resource(kind, body)  # raises ApiError when the answer breaks the schema
    return body


def _upload(service, data: bytes, tags: list[str], chunk: int = 256 * 1024):
    body = {
        "snippet": {"title": "A talk", "categoryId": "28", "tags": tags},
        "status": {"privacyStatus": "private"},
    }
    media = MediaInMemoryUpload(data, mimetype="video/mp4", chunksize=chunk, resumable=True)
    request = service.videos().insert(part="snippet,status", body=body, media_body=media)
    response = None
    while response is None:
        _, response = request.next_chunk()
    return response


def test_validation_rejects_a_wrong_answer():
    with pytest.raises(ApiError):
        _valid("PlaylistItemListResponse", {"items": [{"snippet": {"position": "first"}}]})


def test_uploads_playlist_lists_every_video_newest_first_in_pages(emu, service):
    older = emu.add_video("Streamed earlier", privacy="public")
    uploaded = [_upload(service, bytes([n]) * 1000, [f"pipeline-{n:016x}"])["id"] for n in (1, 2)]

    channels = _valid(
        "ChannelListResponse", service.channels().list(part="contentDetails", mine=True).execute()
    )
    (channel,) = channels["items"]
    assert channel["id"] == CHANNEL_ID
    assert channel["contentDetails"]["relatedPlaylists"]["uploads"] == UPLOADS_PLAYLIST

    seen, token, pages = [], None, 0
    while True:
        page = (
            service.playlistItems()
            .list(
                part="snippet,contentDetails,status",
                playlistId=UPLOADS_PLAYLIST,
                maxResults=2,
                pageToken=token,
            )
            .execute()
        )
        _valid("PlaylistItemListResponse", page)
        pages += 1
        seen += [item["contentDetails"]["videoId"] for item in page["items"]]
        token = page.get("nextPageToken")
        if not token:
            break
    assert seen == [uploaded[1], uploaded[0], older]  # private uploads included, newest first
    assert pages == 2
    # tags are not in a playlist item: videos.list tells them, 50 IDs a call
    videos = _valid(
        "VideoListResponse", service.videos().list(part="snippet", id=",".join(seen)).execute()
    )
    assert [v["snippet"].get("tags") for v in videos["items"]][:2] == [
        ["pipeline-0000000000000002"],
        ["pipeline-0000000000000001"],
    ]
    assert emu.videos_tagged("pipeline-0000000000000001") == [uploaded[0]]
    assert emu.quota_used == 2 * 1600 + 1 + 2 + 1


def test_playlist_membership_by_video_id(emu, service):
    first, second = emu.add_video("One"), emu.add_video("Two")
    service.playlistItems().insert(
        part="snippet",
        body={
            "snippet": {
                "playlistId": "PLtalks",
                "resourceId": {"kind": "youtube#video", "videoId": first},
            }
        },
    ).execute()
    found = service.playlistItems().list(part="id", playlistId="PLtalks", videoId=first).execute()
    assert len(_valid("PlaylistItemListResponse", found)["items"]) == 1
    none = service.playlistItems().list(part="id", playlistId="PLtalks", videoId=second).execute()
    assert none["items"] == [] and none["pageInfo"]["totalResults"] == 0


def test_caption_tracks_listed_and_updated(emu, service):
    video = emu.add_video("Talk")
    inserted = (
        service.captions()
        .insert(
            part="snippet",
            body={"snippet": {"videoId": video, "language": "en", "name": "en (pipeline)"}},
            media_body=MediaInMemoryUpload(SRT, mimetype="application/x-subrip"),
        )
        .execute()
    )
    _valid("Caption", inserted)
    listed = _valid(
        "CaptionListResponse", service.captions().list(part="snippet", videoId=video).execute()
    )
    (track,) = listed["items"]
    assert track["id"] == inserted["id"] and track["snippet"]["name"] == "en (pipeline)"
    service.captions().update(
        part="snippet",
        body={"id": track["id"], "snippet": {"videoId": video, "language": "en"}},
        media_body=MediaInMemoryUpload(
            SRT.replace(b"Hello", b"Bye"), mimetype="application/x-subrip"
        ),
    ).execute()
    assert len(emu.captions) == 1 and b"Bye" in emu.captions[0]["data"]
    assert emu.quota_used == 400 + 50 + 450


def _in_thread(func) -> tuple[threading.Thread, list]:
    outcome: list = []

    def run():
        try:
            outcome.append(func())
        except Exception as exc:  # noqa: BLE001 - the test looks at it
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def test_held_answer_after_the_last_chunk_made_the_video(emu, service):
    data = b"v" * (300 * 1024)  # two chunks: POST, PUT, PUT
    hold = emu.hold_request(3)
    _in_thread(lambda: _upload(service, data, ["x"]))
    assert hold.reached.wait(30)
    assert hold.method == "PUT" and "upload_id=" not in hold.path  # the path, no query
    (video_id,) = emu.videos  # carried out: the video exists, the client does not know it
    assert emu.video_bytes[video_id] == data
    assert emu.requests_seen == 3
    assert emu.request_log == [
        "POST /upload/youtube/v3/videos",
        "PUT /upload/youtube/v3/videos",
        "PUT /upload/youtube/v3/videos",
    ]
    hold.release.set()  # the connection closes unanswered


def test_held_before_anything_was_done(emu, service):
    hold = emu.hold_request(1, carried_out=False)
    thread, outcome = _in_thread(
        lambda: (
            service.playlistItems()
            .insert(
                part="snippet",
                body={
                    "snippet": {
                        "playlistId": "PLtalks",
                        "resourceId": {"kind": "youtube#video", "videoId": "nope"},
                    }
                },
            )
            .execute()
        )
    )
    assert hold.reached.wait(30)
    assert hold.describe().startswith("request 1 (POST /youtube/v3/playlistItems)")
    assert emu.received == [] and emu.quota_used == 0
    hold.release.set()
    thread.join(30)
    assert outcome
