"""`pipeline fetch`, `pipeline batch --dry-run`, the batch lock, `pipeline status` and
`pipeline retry`, run as a user would (subprocess) against the Zoom emulator."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest

from pipeline.batch.ledger import StateDB
from pipeline.zoom.recordings import ZoomMeeting
from tests.emulators.zoom import EmulatedFile, ZoomEmulator

TODAY = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0)
VIEWS = {
    "gallery_view": os.urandom(50_000),
    "shared_screen_with_speaker_view": os.urandom(200_000),
    "active_speaker": os.urandom(60_000),
}
CHAT = b"10:01:02\t From Ann to Everyone:\thttps://example.org/slides\n"


@pytest.fixture
def emulator():
    emu = ZoomEmulator().start()
    emu.add_meeting(
        "Community Office Hours",
        TODAY - timedelta(days=3),
        [EmulatedFile("MP4", kind, data) for kind, data in VIEWS.items()]
        + [
            EmulatedFile("CHAT", "chat_file", CHAT),
            EmulatedFile(
                "TRANSCRIPT", "audio_transcript", b"WEBVTT\n\n00:00.000 --> 00:01.000\nhi\n"
            ),
        ],
        uuid="/xY//z+w==",
        meeting_id=81111111111,
    )
    emu.add_meeting(
        "Team sync", TODAY - timedelta(days=2), [EmulatedFile("MP4", "active_speaker", b"v" * 10)]
    )
    emu.add_meeting(
        "Demo Day",
        TODAY - timedelta(days=1),
        [EmulatedFile("MP4", "shared_screen_with_speaker_view", b"v" * 10, status="processing")],
    )
    yield emu
    emu.stop()


def env_for(emu: ZoomEmulator, tmp_path, **extra) -> dict:
    return {
        **os.environ,
        **emu.env(),
        "PIPELINE_ZOOM_RETRY_BACKOFF": "0",
        "PIPELINE_ZOOM_TOPIC_PATTERN": "office hours|demo day",
        "PIPELINE_STATE_DB": str(tmp_path / "state" / "state.db"),
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


def wait_until(condition, timeout: float = 60.0) -> bool:
    """Poll `condition` until it holds (True) or `timeout` passes (False)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def emulator_slug(emu: ZoomEmulator) -> str:
    return ZoomMeeting.from_json(emu.meeting_json(emu.meetings[0])).slug()


def pipeline(*args, env, cwd) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_fetch_by_uuid_picks_one_view_and_companions(emulator, tmp_path):
    result = pipeline(
        "fetch",
        "/xY//z+w==",
        "--out",
        "out",
        "--json",
        env=env_for(emulator, tmp_path),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    assert info["recording_type"] == "shared_screen_with_speaker_view"
    video = tmp_path / info["video"]
    assert video.read_bytes() == VIEWS["shared_screen_with_speaker_view"]
    assert list(video.parent.iterdir()) == [video]  # one view only, no .part left
    assert (tmp_path / info["companions"]["zoom_chat.txt"]).read_bytes() == CHAT
    assert (tmp_path / info["workdir"]) == (tmp_path / "out" / video.stem)
    record = json.loads((tmp_path / info["workdir"] / "zoom_meeting.json").read_text())
    assert (record["uuid"], record["topic"]) == ("/xY//z+w==", "Community Office Hours")
    by_id = pipeline(
        "fetch", "81111111111", "--out", "out", "-q", env=env_for(emulator, tmp_path), cwd=tmp_path
    )
    assert by_id.stdout.strip() == info["video"]


def test_fetch_killed_mid_download_resumes_without_refetching(emulator, tmp_path):
    video_file = emulator.meetings[0].files[1]
    stall = emulator.stall_download(video_file.id, after_bytes=120_000)
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "fetch", "81111111111", "--out", "out"],
        env=env_for(emulator, tmp_path),
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    assert stall.reached.wait(60)
    # the server has sent 120 kB; kill once the client has some of it on disk
    part_file = tmp_path / "out" / "zoom" / f"{emulator_slug(emulator)}.mp4.part"
    assert wait_until(lambda: part_file.is_file() and part_file.stat().st_size >= 65_536)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    stall.release.set()
    parts = list((tmp_path / "out" / "zoom").glob("*.part"))
    assert len(parts) == 1 and 0 < parts[0].stat().st_size <= 120_000
    kept = parts[0].stat().st_size
    result = pipeline(
        "fetch", "81111111111", "--out", "out", "-q", env=env_for(emulator, tmp_path), cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / result.stdout.strip()).read_bytes() == VIEWS[
        "shared_screen_with_speaker_view"
    ]
    assert [start for fid, start in emulator.downloads if fid == video_file.id] == [0, kept]


def test_fetch_refuses_a_recording_zoom_is_still_processing(emulator, tmp_path):
    demo = emulator.meetings[2]
    result = pipeline("fetch", demo.uuid, env=env_for(emulator, tmp_path), cwd=tmp_path)
    assert result.returncode == 7 and "still processing" in result.stderr
    assert emulator.downloads == []


def test_fetch_unknown_meeting_and_bad_credentials(emulator, tmp_path):
    missing = pipeline("fetch", "123", env=env_for(emulator, tmp_path), cwd=tmp_path)
    assert missing.returncode == 7 and "no cloud recording for meeting 123" in missing.stderr
    bad = pipeline(
        "fetch", "123", env=env_for(emulator, tmp_path, ZOOM_CLIENT_SECRET="nope"), cwd=tmp_path
    )
    assert bad.returncode == 7 and "refused the credentials" in bad.stderr
    assert "nope" not in bad.stderr


def test_batch_dry_run_lists_and_changes_nothing(emulator, tmp_path):
    result = pipeline(
        "batch",
        "--dry-run",
        "--json",
        "--out",
        "out",
        env=env_for(emulator, tmp_path),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert {(o["topic"], o["result"]) for o in report["recordings"]} == {
        ("Community Office Hours", "would process"),
        ("Demo Day", "waiting"),
    }
    assert report["skipped"] == [{"topic": "Team sync", "reason": "topic does not match"}]
    assert emulator.downloads == []
    state = StateDB(tmp_path / "state" / "state.db")
    assert state.rows() == [] and state.watermark() is None


def test_batch_checks_zoom_credentials_first(emulator, tmp_path):
    env = env_for(emulator, tmp_path, ZOOM_CLIENT_ID="")
    result = pipeline("batch", "--out", "out", env=env, cwd=tmp_path)
    assert result.returncode == 2 and "ZOOM_CLIENT_ID" in result.stderr
    assert not any("/recordings" in p for _, p, _ in emulator.requests)


HOLDER = """
import sys
from pipeline.batch.lock import BatchLock
lock = BatchLock(sys.argv[1]).acquire()
print("held", flush=True)
sys.stdin.read()
"""


def test_a_second_batch_exits_with_a_clear_message(emulator, tmp_path):
    lock_path = tmp_path / "state" / "state.db.lock"
    lock_path.parent.mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(lock_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        second = pipeline(
            "batch", "--dry-run", "--out", "out", env=env_for(emulator, tmp_path), cwd=tmp_path
        )
        assert second.returncode == 21
        assert f"another batch is running (pid {holder.pid}" in second.stderr
        assert emulator.token_requests == 0
    finally:
        holder.kill()
        holder.wait()
    third = pipeline(
        "batch", "--dry-run", "--out", "out", env=env_for(emulator, tmp_path), cwd=tmp_path
    )
    assert third.returncode == 0, third.stderr
    assert f"took over a stale lock (pid {holder.pid}" in third.stderr


def test_status_and_retry(emulator, tmp_path):
    env = env_for(emulator, tmp_path)
    none_yet = pipeline("status", env=env, cwd=tmp_path)
    assert none_yet.returncode == 2 and "no batch has run" in none_yet.stderr
    state = StateDB(tmp_path / "state" / "state.db")
    state.upsert_meeting(
        {
            "uuid": "u-1",
            "id": 1,
            "topic": "Office Hours",
            "start_time": "2026-11-03T17:00:00Z",
            "duration": 40,
        },
        status="queued",
    )
    state.update(
        "u-1", status="permanent", attempts=3, last_error="MediaError: bad file", video_url=None
    )
    shown = pipeline("status", env=env, cwd=tmp_path)
    assert shown.returncode == 0 and "permanent" in shown.stdout and "bad file" in shown.stdout
    assert pipeline("retry", "u-1", env=env, cwd=tmp_path).returncode == 0
    rows = json.loads(pipeline("status", "--json", env=env, cwd=tmp_path).stdout)["recordings"]
    assert [(r["uuid"], r["status"], r["attempts"]) for r in rows] == [("u-1", "queued", 0)]
    unknown = pipeline("retry", "nope", env=env, cwd=tmp_path)
    assert unknown.returncode == 2 and "no recording nope" in unknown.stderr
