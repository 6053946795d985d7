"""`pipeline batch` end to end, as cron runs it: the real command in a subprocess, the real
stages on a 3 s clip of the talk fixture, the real publish code against the YouTube emulator,
an emulated Zoom account. Each matching meeting is published exactly once, reruns publish
nothing, killed runs (mid-download, mid-upload) finish without duplicates or re-downloads,
a second batch exits while one runs, and the watermark only passes finished recordings."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from pipeline.batch.ledger import StateDB
from pipeline.batch.webhook import signature
from pipeline.media.ffmpeg import run_ffmpeg
from pipeline.youtube.inputs import recording_marker, zoom_recording_key
from tests.conftest import FIXTURES
from tests.emulators.youtube import YouTubeEmulator
from tests.emulators.zoom import EmulatedFile, ZoomEmulator

DAY = datetime.now(UTC).replace(hour=16, minute=0, second=0, microsecond=0)


@pytest.fixture(scope="module")
def clip(tmp_path_factory, talk_mp4) -> bytes:
    """The first 3 s of the talk fixture, made with the real ffmpeg."""
    target = tmp_path_factory.mktemp("clip") / "clip.mp4"
    run_ffmpeg(["-y", "-i", str(talk_mp4), "-t", "3", "-c", "copy", str(target)], what="clip")
    return target.read_bytes()


class World:
    """An emulated Zoom account, an emulated YouTube channel, and a folder to run in."""

    def __init__(self, root: Path):
        self.root = root
        self.zoom = ZoomEmulator().start()
        self.youtube = YouTubeEmulator().start()
        token_file = root / "youtube-token.json"
        token_file.write_text(json.dumps(self.youtube.token_info()))
        token_file.chmod(0o600)
        self.env = {
            **os.environ,
            **self.zoom.env(),
            "PIPELINE_ZOOM_RETRY_BACKOFF": "0",
            "PIPELINE_ZOOM_TOPIC_PATTERN": "office hours|demo day",
            "PIPELINE_ZOOM_MIN_DURATION": "10",
            "PIPELINE_ZOOM_MAX_ATTEMPTS": "2",
            "PIPELINE_STATE_DB": str(root / "state.db"),
            "PIPELINE_GENERAL_OUT": str(root / "out"),
            "PIPELINE_YOUTUBE_API_ROOT": self.youtube.root,
            "PIPELINE_YOUTUBE_TOKEN_URI": self.youtube.token_uri,
            "PIPELINE_YOUTUBE_TOKEN_FILE": str(token_file),
            "PIPELINE_YOUTUBE_CHUNK_SIZE": str(256 * 1024),
            "PIPELINE_YOUTUBE_BACKOFF": "0",
            "PIPELINE_YOUTUBE_TIMEOUT": "5",
            "PYTHONUNBUFFERED": "1",
        }

    def stop(self) -> None:
        self.zoom.stop()
        self.youtube.stop()

    def batch(self, *args: str, as_json: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "pipeline", "batch", *(["--json"] if as_json else []), *args],
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    def start_batch(self) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "pipeline", "batch", "--quiet"],
            cwd=self.root,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    @property
    def state(self) -> StateDB:
        return StateDB(self.root / "state.db")

    def downloads_of(self, file: EmulatedFile) -> list[int]:
        return [start for fid, start in self.zoom.downloads if fid == file.id]


def wait_until(condition, timeout: float = 120.0) -> bool:
    """Poll `condition` until it holds (True) or `timeout` passes (False)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def talk(clip: bytes, kind: str = "shared_screen_with_speaker_view", **kw) -> EmulatedFile:
    return EmulatedFile("MP4", kind, clip, **kw)


# -- one account, several nights --------------------------------------------------------------


@pytest.fixture(scope="module")
def nights(tmp_path_factory, clip):
    """Runs the batch on successive "nights" over one account and keeps every result."""
    world = World(tmp_path_factory.mktemp("account"))
    z = world.zoom
    views = z.add_meeting(
        "Community Office Hours",
        DAY - timedelta(days=6),
        [
            EmulatedFile("MP4", "gallery_view", b"not this view" * 100),
            talk(clip),
            EmulatedFile("MP4", "active_speaker", b"nor this one" * 100),
            EmulatedFile(
                "CHAT", "chat_file", b"10:01:02\t From Ann to Everyone:\thttps://example.org\n"
            ),
            EmulatedFile(
                "TRANSCRIPT", "audio_transcript", b"WEBVTT\n\n00:00.000 --> 00:02.000\nhi\n"
            ),
        ],
    )
    z.add_meeting("Team sync", DAY - timedelta(days=5), [talk(clip)])
    processing = z.add_meeting(
        "Demo Day", DAY - timedelta(days=4), [talk(clip, status="processing")]
    )
    z.add_meeting("Office Hours teaser", DAY - timedelta(days=3), [talk(clip)], duration=3)
    flaky = z.add_meeting("Office Hours: plugins", DAY - timedelta(days=2), [talk(clip)])
    # each try gets 20 kB before the connection drops; the client keeps whole 16 KiB blocks
    z.drop_download(flaky.files[0].id, after_bytes=20_000, times=2)

    # older than the listing window: only a webhook event (with its download token) knows it
    archive = z.add_meeting("Office Hours archive", DAY - timedelta(days=60), [talk(clip)])
    event = z.webhook_event(archive)
    world.state.upsert_meeting(
        event["payload"]["object"],
        status="queued",
        source="webhook",
        download_token=event["download_token"],
    )

    results = {"first": world.batch(), "videos_after_first": len(world.youtube.videos)}
    results["watermark_after_first"] = world.state.watermark()
    results["downloads_after_first"] = len(z.downloads)
    results["second"] = world.batch()
    results["downloads_after_second"] = len(z.downloads)
    results["videos_after_second"] = len(world.youtube.videos)
    processing.files[0].status = "completed"
    results["third"] = world.batch()
    results["watermark_after_third"] = world.state.watermark()
    broken = z.add_meeting("Office Hours: broken", DAY - timedelta(days=1), [talk(clip)])
    z.html_download(broken.files[0].id, times=1000)
    corrupt = z.add_meeting(
        "Office Hours: corrupt", DAY - timedelta(hours=20), [talk(b"\x00garbage" * 3000)]
    )
    fine = z.add_meeting("Demo Day II", DAY - timedelta(hours=5), [talk(clip)])
    results["fourth"] = world.batch()
    results["watermark_after_fourth"] = world.state.watermark()
    results["fifth"] = world.batch()
    results["watermark_after_fifth"] = world.state.watermark()
    results.update(
        world=world,
        views=views,
        archive=archive,
        event=event,
        processing=processing,
        flaky=flaky,
        broken=broken,
        corrupt=corrupt,
        fine=fine,
    )
    yield results
    world.stop()


def report(result: subprocess.CompletedProcess) -> dict:
    return json.loads(result.stdout)


def by_topic(result: subprocess.CompletedProcess) -> dict[str, str]:
    return {o["topic"]: o["result"] for o in report(result)["recordings"]}


def test_first_night_publishes_each_matching_meeting_once(nights):
    first = nights["first"]
    assert first.returncode == 0, first.stderr
    assert by_topic(first) == {
        "Office Hours archive": "published",
        "Community Office Hours": "published",
        "Demo Day": "waiting",
        "Office Hours: plugins": "published",
    }
    assert sorted(r["reason"] for r in report(first)["skipped"]) == [
        "shorter than 10 min",
        "topic does not match",
    ]
    assert nights["videos_after_first"] == 3


def test_webhook_queued_meeting_is_downloaded_with_its_download_token(nights):
    world, archive, event = nights["world"], nights["archive"], nights["event"]
    asked = [
        headers.get("Authorization")
        for method, path, headers in world.zoom.requests
        if path.startswith(f"/rec/download/{archive.files[0].id}")
    ]
    assert asked == [f"Bearer {event['download_token']}"]
    assert world.state.get(archive.uuid).status == "done"


def test_only_the_preferred_view_was_downloaded(nights):
    world, views = nights["world"], nights["views"]
    assert world.downloads_of(views.files[1]) == [0]
    assert world.downloads_of(views.files[0]) == world.downloads_of(views.files[2]) == []
    workdir = Path(world.state.get(views.uuid).workdir)
    assert (workdir / "zoom_chat.txt").is_file() and (workdir / "zoom_transcript.vtt").is_file()
    assert (workdir / "transcript.json").is_file()


def test_failing_download_was_retried_and_resumed(nights):
    world, flaky = nights["world"], nights["flaky"]
    starts = world.downloads_of(flaky.files[0])
    assert len(starts) == 3 and starts[0] == 0
    assert 0 < starts[1] <= 20_000 and starts[1] < starts[2] <= starts[1] + 20_000


def test_second_night_publishes_nothing(nights):
    second = nights["second"]
    assert second.returncode == 0, second.stderr
    assert by_topic(second) == {"Demo Day": "waiting"}
    assert nights["downloads_after_second"] == nights["downloads_after_first"]
    assert nights["videos_after_second"] == nights["videos_after_first"] == 3


def test_processing_meeting_is_published_when_zoom_is_done(nights):
    third = nights["third"]
    assert third.returncode == 0, third.stderr
    assert by_topic(third) == {"Demo Day": "published"}


def test_every_published_video_is_one_meeting_once(nights):
    world = nights["world"]
    rows = {r.topic: r for r in world.state.rows()}
    published = {r.video_id for r in rows.values() if r.status == "done"}
    assert published == set(world.youtube.videos)
    assert len(published) == 5  # archive, office hours, plugins, demo day, demo day II
    clip = nights["flaky"].files[0].content
    assert all(data == clip for data in world.youtube.video_bytes.values())
    # private unless told otherwise, and tagged with the meeting they came from
    assert {v["status"]["privacyStatus"] for v in world.youtube.videos.values()} == {"private"}
    for row in rows.values():
        if row.status == "done":
            marker = recording_marker(zoom_recording_key(row.uuid))
            assert world.youtube.videos_tagged(marker) == [row.video_id]
    assert rows["Community Office Hours"].steps == {
        "download": "done",
        "process": "done",
        "publish": "done",
    }
    assert rows["Community Office Hours"].recording_type == "shared_screen_with_speaker_view"


def test_one_failure_does_not_stop_the_others_and_sets_the_exit_code(nights):
    fourth = nights["fourth"]
    assert fourth.returncode == 20
    assert by_topic(fourth) == {
        "Office Hours: broken": "failed",
        "Office Hours: corrupt": "permanent",
        "Demo Day II": "published",
    }
    errors = {o["topic"]: o["error"] for o in report(fourth)["recordings"]}
    assert "HTML page" in errors["Office Hours: broken"]
    assert "2 of 3 recording(s) failed" in fourth.stderr
    corrupt = nights["world"].state.get(nights["corrupt"].uuid)
    assert corrupt.attempts == 1 and corrupt.steps["download"] == "discarded"
    assert not Path(corrupt.local_path).exists()  # `pipeline retry` will download it again
    fifth = nights["fifth"]
    assert fifth.returncode == 20
    assert by_topic(fifth) == {"Office Hours: broken": "permanent"}
    row = nights["world"].state.get(nights["broken"].uuid)
    assert row.status == "permanent" and row.attempts == 2 and "gave up after 2" in row.last_error
    assert row.steps == {"download": "failed"}


def test_watermark_only_passes_finished_recordings(nights):
    processing, flaky, broken, fine = (nights[k] for k in ("processing", "flaky", "broken", "fine"))
    assert nights["watermark_after_first"] == processing.start_time  # Demo Day still processing
    assert nights["watermark_after_third"] == flaky.start_time  # newest finished
    assert nights["watermark_after_fourth"] == broken.start_time  # broken will be retried
    assert nights["watermark_after_fifth"] == fine.start_time  # broken given up: marked


# -- killed runs and two at once ---------------------------------------------------------------


@pytest.fixture
def one_meeting(tmp_path, clip):
    world = World(tmp_path)
    meeting = world.zoom.add_meeting("Office Hours", DAY - timedelta(days=1), [talk(clip)])
    yield world, meeting
    world.stop()


def test_killed_mid_download_with_a_second_batch_refused_then_resumed(one_meeting):
    world, meeting = one_meeting
    file = meeting.files[0]
    stall = world.zoom.stall_download(file.id, after_bytes=len(file.content) // 2)
    first = world.start_batch()
    try:
        assert stall.reached.wait(120)
        parts = world.root / "out" / "zoom"
        assert wait_until(lambda: any(p.stat().st_size >= 16384 for p in parts.glob("*.part")))
        second = world.batch()
        assert second.returncode == 21
        assert f"another batch is running (pid {first.pid}" in second.stderr
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
        stall.release.set()
    kept = next(parts.glob("*.part")).stat().st_size
    rerun = world.batch("--delete-from-zoom")
    assert rerun.returncode == 0, rerun.stderr
    assert "took over a stale lock" in rerun.stderr
    assert world.zoom.deleted == [meeting.uuid]  # after YouTube confirmed the upload
    assert world.state.get(meeting.uuid).steps["trash"] == "done"
    assert by_topic(rerun) == {"Office Hours": "published"}
    assert world.downloads_of(file) == [0, kept]
    assert len(world.youtube.videos) == 1


def test_killed_mid_upload_resumes_the_same_upload(one_meeting):
    world, meeting = one_meeting
    world.youtube.hold_chunk(1)
    first = world.start_batch()
    try:
        assert world.youtube.held.wait(120)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
        world.youtube.released.set()
    assert world.state.get(meeting.uuid).steps.get("publish") == "running"
    rerun = world.batch(as_json=False)
    assert rerun.returncode == 0, rerun.stderr
    assert len(world.youtube.videos) == 1
    (video_id,) = world.youtube.videos
    table = rerun.stdout
    assert "Office Hours" in table and "published" in table and video_id in table
    assert world.downloads_of(meeting.files[0]) == [0]  # the finished download was kept
    assert world.state.get(meeting.uuid).video_id == video_id
    assert world.youtube.video_bytes[video_id] == meeting.files[0].content


def test_youtube_credentials_are_checked_before_anything_is_downloaded(one_meeting):
    world, meeting = one_meeting
    world.youtube.revoke_refresh_token()
    result = world.batch()
    assert result.returncode == 8, result.stderr
    assert world.zoom.downloads == []
    assert not any("/recordings" in path for _, path, _ in world.zoom.requests)
    assert world.state.rows() == []


def test_webhook_with_process_publishes_at_once(one_meeting):
    world, meeting = one_meeting
    secret = "whsec-batch-0123456789"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pipeline",
            "webhook",
            "--port",
            "0",
            "--host",
            "127.0.0.1",
            "--process",
        ],
        cwd=world.root,
        env={**world.env, "ZOOM_WEBHOOK_SECRET_TOKEN": secret},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    watchdog = threading.Timer(240, proc.kill)  # a hung worker fails the test, not the suite
    watchdog.start()
    try:
        url = proc.stdout.readline().split()[2]
        event = world.zoom.webhook_event(meeting)
        body = json.dumps(event).encode()
        stamp = str(int(time.time()))
        reply = requests.post(
            url,
            data=body,
            headers={
                "x-zm-request-timestamp": stamp,
                "x-zm-signature": signature(secret, stamp, body),
            },
            timeout=10,
        )
        assert reply.json() == {"status": "queued", "uuid": meeting.uuid}
        assert proc.stdout.readline().strip() == f"queued {meeting.uuid}"
        result = proc.stdout.readline().strip()
    finally:
        watchdog.cancel()
        proc.kill()
        proc.wait()
    (video_id,) = world.youtube.videos
    assert result.startswith("published: Office Hours") and video_id in result
    auth = {
        h.get("Authorization") for _, p, h in world.zoom.requests if p.startswith("/rec/download/")
    }
    assert auth == {f"Bearer {event['download_token']}"}


def test_spent_youtube_quota_defers_the_rest_without_using_up_attempts(tmp_path, clip):
    world = World(tmp_path)
    try:
        first = world.zoom.add_meeting("Office Hours 1", DAY - timedelta(days=2), [talk(clip)])
        second = world.zoom.add_meeting("Office Hours 2", DAY - timedelta(days=1), [talk(clip)])
        world.youtube.exhaust_quota()
        result = world.batch()
        assert result.returncode == 20
        assert by_topic(result) == {"Office Hours 1": "failed", "Office Hours 2": "deferred"}
        assert "quota" in report(result)["recordings"][0]["error"].lower()
        rows = {r.uuid: r for r in world.state.rows()}
        assert (rows[first.uuid].status, rows[first.uuid].attempts) == ("failed", 0)
        assert rows[second.uuid].status == "queued"
        assert world.downloads_of(second.files[0]) == []
        assert world.state.watermark() == first.start_time
        world.youtube.clear_faults()
        again = world.batch()
        assert again.returncode == 0, again.stdout[-3000:]
        assert by_topic(again) == {"Office Hours 1": "published", "Office Hours 2": "published"}
        assert len(world.youtube.videos) == 2
    finally:
        world.stop()


def test_refused_youtube_credentials_stop_the_batch_without_using_up_attempts(tmp_path, clip):
    """The refresh token dies mid-batch (an app in Testing mode, 7 days): the recording being
    published fails without losing an attempt, the rest wait, none is marked permanent; once
    the credentials are renewed the next batch publishes both, once each."""
    world = World(tmp_path)
    try:
        first = world.zoom.add_meeting("Office Hours 1", DAY - timedelta(days=2), [talk(clip)])
        second = world.zoom.add_meeting("Office Hours 2", DAY - timedelta(days=1), [talk(clip)])
        world.youtube.revoke_after_refreshes(1)  # the credential check's refresh is the last
        result = world.batch()
        assert result.returncode == 20, result.stderr
        assert by_topic(result) == {"Office Hours 1": "failed", "Office Hours 2": "deferred"}
        errors = {o["topic"]: o["error"] for o in report(result)["recordings"]}
        assert errors["Office Hours 1"].startswith("AuthError")
        assert "pipeline auth youtube" in errors["Office Hours 2"]
        rows = {r.uuid: r for r in world.state.rows()}
        assert (rows[first.uuid].status, rows[first.uuid].attempts) == ("failed", 0)
        assert rows[second.uuid].status == "queued"
        assert world.downloads_of(second.files[0]) == [] and not world.youtube.videos

        world.youtube.clear_faults()
        world.youtube.refresh_token = "1//renewed"  # `pipeline auth youtube` again
        (world.root / "youtube-token.json").write_text(json.dumps(world.youtube.token_info()))
        again = world.batch()
        assert again.returncode == 0, again.stderr
        assert by_topic(again) == {"Office Hours 1": "published", "Office Hours 2": "published"}
        assert len(world.youtube.videos) == 2
    finally:
        world.stop()


CHAT_WITH_A_TOKEN = (FIXTURES / "leak.chat.txt").read_bytes()


def test_the_batch_scans_the_downloaded_chat_and_holds_on_hold(tmp_path):
    """on_secret = hold in the batch: a key shown on screen holds the recording (nothing is
    published, the ledger says `held`), a token typed into the meeting's chat (downloaded
    from Zoom with the recording) is found and reported, and once a person dismissed the
    screen finding, `pipeline retry` lets the next batch publish it."""
    world = World(tmp_path)
    try:
        world.env["PIPELINE_SCAN_ON_SECRET"] = "hold"
        secret_clip = (FIXTURES / "secret.mp4").read_bytes()
        meeting = world.zoom.add_meeting(
            "Office Hours", DAY - timedelta(days=1),
            [talk(secret_clip), EmulatedFile("CHAT", "chat_file", CHAT_WITH_A_TOKEN)],
        )  # fmt: skip
        result = world.batch()
        assert result.returncode == 20, result.stderr
        (outcome,) = report(result)["recordings"]
        assert outcome["result"] == "held"
        actions = {f["source"]: f["action"] for f in outcome["secrets"]["findings"]}
        assert actions == {"screen": "held", "chat": "reported"}
        assert "AKIAIOSFODNN7EXAMPLE" not in result.stdout + result.stderr
        assert "glpat-FAKEfake0123456789ab" not in result.stdout + result.stderr
        assert world.youtube.videos == {}
        assert world.state.get(meeting.uuid).status == "held"

        (screen,) = [f for f in outcome["secrets"]["findings"] if f["source"] == "screen"]
        video = Path(world.state.get(meeting.uuid).local_path)
        for args in (("scan", str(video), "--dismiss", screen["id"]), ("retry", meeting.uuid)):
            done = subprocess.run(
                [sys.executable, "-m", "pipeline", *args], cwd=world.root, env=world.env,
                capture_output=True, text=True, timeout=120,
            )  # fmt: skip
            assert done.returncode == 0, done.stderr
        again = world.batch()
        assert again.returncode == 0, again.stdout[-3000:]
        assert by_topic(again) == {"Office Hours": "published"}
        (video_id,) = world.youtube.videos
        assert world.youtube.videos[video_id]["status"]["privacyStatus"] == "private"
    finally:
        world.stop()
