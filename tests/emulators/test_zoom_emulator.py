"""The Zoom emulator answers as the published OpenAPI spec says (accepting the spec's two
known faults), so that tests against it mean something."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest
import requests

from tests.emulators.zoom import EmulatedFile, ZoomEmulator

#: a copy of /work/shared/api/zoom-cloud-recording.openapi.json (Zoom API 2.0.0)
SPEC = Path(__file__).parent / "zoom-cloud-recording.openapi.json"


def _spec() -> dict:
    return json.loads(SPEC.read_text())


def _accept_known_faults(schema: dict) -> dict:
    """Real responses send a meeting's `type` as an integer and a file `status` of
    `processing`; the spec copy says otherwise."""
    schema = copy.deepcopy(schema)

    def walk(node):
        if isinstance(node, dict):
            props = node.get("properties", {})
            if "type" in props and props["type"].get("enum") and "uuid" in props:
                props["type"] = {"type": "integer", "enum": props["type"]["enum"]}
            if "status" in props and props["status"].get("enum") == ["completed"]:
                props["status"] = {"type": "string", "enum": ["completed", "processing"]}
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return schema


def _schema(path: str, status: str = "200") -> dict:
    op = _spec()["paths"][path]["get"]
    return _accept_known_faults(op["responses"][status]["content"]["application/json"]["schema"])


@pytest.fixture(scope="module")
def emulator():
    emu = ZoomEmulator().start()
    start = datetime(2026, 11, 3, 17, 0, tzinfo=UTC)
    emu.add_meeting(
        "Office Hours",
        start,
        [
            EmulatedFile("MP4", "shared_screen_with_speaker_view", b"v" * 1000),
            EmulatedFile("MP4", "gallery_view", b"g" * 900),
            EmulatedFile("CHAT", "chat_file", b"10:00:01 From Ann: hi\n"),
            EmulatedFile("TRANSCRIPT", "audio_transcript", b"WEBVTT\n\n"),
        ],
        uuid="/ab//cd+ef==",
    )
    emu.add_meeting(
        "Demo Day",
        start.replace(day=5),
        [EmulatedFile("MP4", "active_speaker", b"x" * 10, status="processing")],
    )
    for day in range(1, 8):
        emu.add_meeting(
            "Standup", start.replace(day=10 + day), [EmulatedFile("MP4", "active_speaker", b"s")]
        )
    yield emu
    emu.stop()


def _token(emu: ZoomEmulator) -> str:
    resp = requests.post(
        emu.oauth_url,
        params={"grant_type": "account_credentials", "account_id": emu.account_id},
        auth=(emu.client_id, emu.client_secret),
        timeout=10,
    )
    assert resp.status_code == 200
    return resp.json()["access_token"]


def test_list_pages_and_meeting_match_the_spec(emulator):
    headers = {"Authorization": f"Bearer {_token(emulator)}"}
    schema = _schema("/users/{userId}/recordings")
    seen, token = [], ""
    while True:
        resp = requests.get(
            f"{emulator.api_url}/users/me/recordings",
            params={
                "from": "2026-11-01",
                "to": "2026-11-30",
                "page_size": 4,
                "next_page_token": token,
            },
            headers=headers,
            timeout=10,
        )
        assert resp.status_code == 200
        jsonschema.validate(resp.json(), schema)
        seen += [m["uuid"] for m in resp.json()["meetings"]]
        token = resp.json()["next_page_token"]
        if not token:
            break
    assert len(seen) == len(set(seen)) == 9
    one = requests.get(
        f"{emulator.api_url}/meetings/{emulator.meetings[1].id}/recordings",
        headers=headers,
        timeout=10,
    )
    jsonschema.validate(one.json(), _schema("/meetings/{meetingId}/recordings"))
    assert one.json()["recording_files"][0]["status"] == "processing"


def test_the_unpatched_spec_rejects_integer_type_so_the_patch_is_needed(emulator):
    headers = {"Authorization": f"Bearer {_token(emulator)}"}
    body = requests.get(
        f"{emulator.api_url}/meetings/{emulator.meetings[0].id}/recordings",
        headers=headers,
        timeout=10,
    ).json()
    raw = _spec()["paths"]["/meetings/{meetingId}/recordings"]["get"]["responses"]["200"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(body, raw["content"]["application/json"]["schema"])


def test_requests_outside_the_spec_are_refused(emulator):
    headers = {"Authorization": f"Bearer {_token(emulator)}"}
    too_big = requests.get(
        f"{emulator.api_url}/users/me/recordings",
        params={"from": "2026-01-01", "to": "2026-11-30", "page_size": 301},
        headers=headers,
        timeout=10,
    )
    assert too_big.status_code == 400
    long_range = requests.get(
        f"{emulator.api_url}/users/me/recordings",
        params={"from": "2026-01-01", "to": "2026-11-30"},
        headers=headers,
        timeout=10,
    )
    assert long_range.status_code == 400
    assert requests.get(f"{emulator.api_url}/users/me/recordings", timeout=10).json()["code"] == 124


def test_uuid_with_slashes_needs_double_encoding(emulator):
    headers = {"Authorization": f"Bearer {_token(emulator)}"}
    once = requests.get(
        f"{emulator.api_url}/meetings/%2Fab%2F%2Fcd%2Bef%3D%3D/recordings",
        headers=headers,
        timeout=10,
    )
    twice = requests.get(
        f"{emulator.api_url}/meetings/%252Fab%252F%252Fcd%252Bef%253D%253D/recordings",
        headers=headers,
        timeout=10,
    )
    assert once.status_code == 404
    assert twice.status_code == 200 and twice.json()["uuid"] == "/ab//cd+ef=="


def test_download_redirects_and_honours_range(emulator):
    headers = {"Authorization": f"Bearer {_token(emulator)}"}
    f = emulator.meetings[0].files[0]
    first = requests.get(
        f"{emulator.url}/rec/download/{f.id}", headers=headers, allow_redirects=False, timeout=10
    )
    assert first.status_code == 302 and "/file/" in first.headers["Location"]
    part = requests.get(
        f"{emulator.url}/rec/download/{f.id}",
        headers={**headers, "Range": "bytes=600-"},
        timeout=10,
    )
    assert part.status_code == 206 and part.content == f.content[600:]
    assert part.headers["Content-Range"] == "bytes 600-999/1000"
