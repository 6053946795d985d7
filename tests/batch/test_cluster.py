"""The distributed batch end to end: a real Redis broker, two real `pipeline worker`
processes (Celery) against the Zoom and YouTube emulators, the real stages on a 3 s clip.
One worker is SIGKILLed mid-upload; every meeting is still published exactly once, private,
with its thumbnail and one caption track, and the ledger agrees with YouTube. A quota budget
that fits two uploads publishes two meetings, defers two to the reset (shown by `pipeline
status`) and publishes them once the clock has passed the reset. The first runs with the
ledger in PostgreSQL, the second with the SQLite file (both ledgers run tests/batch/test_ledger
in full)."""

from __future__ import annotations

import collections
import json
from datetime import UTC, datetime

import pytest

from pipeline.batch.board import TaskBoard
from pipeline.batch.ledger import StateDB
from pipeline.batch.quota import UNIT_COSTS
from pipeline.media.ffmpeg import run_ffmpeg
from pipeline.services.youtube import quota_reset_time
from tests.batch.cluster_world import FAKETIME_LIB, ClusterWorld, faketime_env, wait_for

#: seconds before the broker hands a dead worker's task to another one (kept short here)
VISIBILITY_S = 12


@pytest.fixture(scope="module")
def clip(tmp_path_factory, talk_mp4) -> bytes:
    """The first 3 s of the talk fixture, made with the real ffmpeg."""
    target = tmp_path_factory.mktemp("clip") / "clip.mp4"
    run_ffmpeg(["-y", "-i", str(talk_mp4), "-t", "3", "-c", "copy", str(target)], what="clip")
    return target.read_bytes()


@pytest.fixture
def world(tmp_path, redis_url):
    made: list[ClusterWorld] = []

    def make(**env: str) -> ClusterWorld:
        w = ClusterWorld(tmp_path, redis_url, PIPELINE_BATCH_VISIBILITY_TIMEOUT=str(VISIBILITY_S),
                         **env)
        made.append(w)
        return w

    yield make
    for w in made:
        w.stop()


def _enqueue(world: ClusterWorld, *args: str, env: dict[str, str] | None = None) -> dict:
    result = world.pipeline("batch", "--distributed", "--json", *args, env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _wait(world: ClusterWorld, env: dict[str, str] | None = None):
    return world.pipeline("status", "--wait", "--json", "--timeout", "240", env=env)


def test_killed_worker_mid_upload_still_publishes_every_meeting_once(world, clip, postgres_url):
    # the ledger in PostgreSQL, as workers on several machines would share it
    w = world(PIPELINE_STATE_DB=postgres_url)
    meetings = w.add_meetings(clip, 4)
    w.youtube.hold_chunk(1)  # the first upload chunk hangs until the test lets it go
    first, second = w.start_worker("w1"), w.start_worker("w2")
    first.wait_ready(), second.wait_ready()

    enqueued = _enqueue(w, "--privacy", "private")
    assert sorted(o["result"] for o in enqueued["recordings"]) == ["enqueued"] * 4

    assert w.youtube.held.wait(180), "no upload reached YouTube"
    state = StateDB(w.env["PIPELINE_STATE_DB"])
    board = TaskBoard(state)

    def uploading():
        for uuid, runs in board.runs().items():
            for run in runs:
                if run.task == "publish" and run.state == "running":
                    return uuid, run.worker
        return None

    victim_uuid, worker_text = wait_for(uploading, 30, "the publish in progress in the ledger")
    name, _, pid = worker_text.partition(" pid ")
    victim = next(x for x in (first, second) if name == f"{x.name}@cluster-test")
    survivor = second if victim is first else first
    victim.kill(int(pid))
    w.youtube.released.set()

    done = _wait(w)
    assert done.returncode == 0, done.stderr + done.stdout
    report = json.loads(done.stdout)["recordings"]
    assert sorted(r["status"] for r in report) == ["done"] * 4
    assert all(r["where"] == "done" for r in report)

    # YouTube: four videos, one per meeting, each private with a thumbnail and one caption
    videos = w.youtube.videos
    assert len(videos) == 4
    # the killed upload left at most an empty session behind (its URI is only known to the
    # client after the first chunk: resuming it is issue 16's work), never a second video
    finished = [s for s in w.youtube.sessions.values() if s.video_id]
    assert sorted(s.video_id for s in finished) == sorted(videos)
    assert all(not s.ranges for s in w.youtube.sessions.values() if not s.video_id)
    assert {v["status"]["privacyStatus"] for v in videos.values()} == {"private"}
    assert set(w.youtube.thumbnails) == set(videos)
    captions = collections.Counter(c["snippet"]["videoId"] for c in w.youtube.captions)
    assert captions == dict.fromkeys(videos, 1)
    assert all(data == clip for data in w.youtube.video_bytes.values())

    # the ledger: every meeting done once, with the video YouTube has
    rows = {r.uuid: r for r in state.rows()}
    assert set(rows) == {m.uuid for m in meetings}
    assert {r.video_id for r in rows.values()} == set(videos)
    for row in rows.values():
        assert row.status == "done" and row.attempts == 1
        assert row.steps == {"download": "done", "process": "done", "publish": "done"}
    runs = board.runs()
    assert all(run.state == "done" for uuid in rows for run in runs[uuid])
    assert runs[victim_uuid][-1].worker.startswith(f"{survivor.name}@")
    # both workers worked, and each recording's video was fetched once
    assert {r.worker.split(" pid ")[0] for rs in runs.values() for r in rs} == {
        "w1@cluster-test", "w2@cluster-test"
    }
    assert sorted(fid for fid, start in w.zoom.downloads if start == 0) == sorted(
        m.files[0].id for m in meetings
    )

    again = _enqueue(w)  # the next night: nothing new, nothing published twice
    assert again["recordings"] == []
    assert len(w.youtube.videos) == 4
    state.close()


def test_quota_budget_defers_to_the_reset_and_publishes_after_it(world, clip):
    upload = UNIT_COSTS["videos.insert"] + UNIT_COSTS["thumbnails.set"] + UNIT_COSTS[
        "captions.insert"
    ]
    w = world(PIPELINE_YOUTUBE_DAILY_QUOTA=str(2 * upload + upload // 2))  # room for two
    w.add_meetings(clip, 4)
    workers = [w.start_worker("q1"), w.start_worker("q2")]
    for worker in workers:
        worker.wait_ready()
    _enqueue(w, "--privacy", "private")
    done = _wait(w)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)["recordings"]
    assert sorted(r["status"] for r in report) == ["deferred", "deferred", "done", "done"]
    assert len(w.youtube.videos) == 2
    reset = quota_reset_time(datetime.now(UTC)).isoformat(timespec="seconds")
    for row in report:
        if row["status"] == "deferred":
            assert row["where"] == f"waiting for quota until {reset}"
            assert row["steps"]["process"] == "done"
    table = w.pipeline("status")
    assert table.stdout.count("waiting for quota until") == 2, table.stdout

    if not FAKETIME_LIB.exists():
        pytest.skip("libfaketime is not installed (make services): cannot pass the reset")
    # the next day: workers and the nightly batch whose clocks are past the reset
    for worker in workers:
        worker.stop()
    tomorrow = faketime_env("+26h")
    w.start_worker("q3", env=tomorrow).wait_ready()
    released = _enqueue(w, env=tomorrow)
    assert sorted(o["result"] for o in released["recordings"]) == ["publish enqueued"] * 2
    after = _wait(w, env=tomorrow)
    assert after.returncode == 0, after.stderr
    assert sorted(r["status"] for r in json.loads(after.stdout)["recordings"]) == ["done"] * 2
    assert len(w.youtube.videos) == 4
    assert sorted(r["status"] for r in w.status()["recordings"]) == ["done"] * 4
