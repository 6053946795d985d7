"""The distributed batch against the in-process one: the same four recordings (the 52 s talk
fixture, four meetings) through `pipeline batch` on this machine's cores, and through two
single-core `pipeline worker`s (each pinned to one core with taskset) over a real Redis, both
against the Zoom and YouTube emulators. Then one recording alone through the idle cluster,
to time the queue between its tasks: the gap from one task's end to the next one's start
(message, broker, worker dispatch) against the recording's processing time."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from bench.recordings import TALK
from tests.batch.cluster_world import DAY, ClusterWorld
from tests.emulators.zoom import EmulatedFile
from tests.servers import start_redis

MEETINGS = 4


def _seconds(a: str, b: str) -> float:
    return (datetime.fromisoformat(b) - datetime.fromisoformat(a)).total_seconds()


def _run_local(root: Path, redis_url: str, clip: bytes) -> float:
    world = ClusterWorld(root, redis_url)
    try:
        world.add_meetings(clip, MEETINGS)
        t0 = time.perf_counter()
        result = world.pipeline("batch", "--json", "--privacy", "private", timeout=3600)
        wall = time.perf_counter() - t0
        assert result.returncode == 0, result.stderr
        assert len(world.youtube.videos) == MEETINGS
        return wall
    finally:
        world.stop()


def _queue_gaps(runs: list[dict]) -> tuple[list[float], float]:
    """(gaps between a task's predecessor ending and its start, summed task durations)."""
    by = {r["task"]: r for r in runs}
    fetch, tr, sp, late, pub = (by[t] for t in ("fetch", "transcribe", "screen_pass",
                                                 "late_stages", "publish"))
    joined = max(tr["finished_at"], sp["finished_at"])
    gaps = [
        _seconds(fetch["enqueued_at"], fetch["started_at"]),
        _seconds(fetch["finished_at"], tr["started_at"]),
        _seconds(fetch["finished_at"], sp["started_at"]),
        _seconds(joined, late["started_at"]),
        _seconds(late["finished_at"], pub["started_at"]),
    ]
    work = sum(_seconds(r["started_at"], r["finished_at"]) for r in runs)
    return gaps, work


def _run_cluster(root: Path, redis_url: str, clip: bytes) -> tuple[float, list[float], float]:
    # five publishes pass YouTube's default 10,000 units: the bench is not about the quota
    world = ClusterWorld(root, redis_url, PIPELINE_YOUTUBE_DAILY_QUOTA="1000000")
    try:
        world.add_meetings(clip, MEETINGS)
        for core, name in enumerate(("b1", "b2")):
            world.start_worker(name, core=core % max(1, len(_cores())))
        for worker in world.workers:
            worker.wait_ready()
        t0 = time.perf_counter()
        enqueued = world.pipeline("batch", "--distributed", "--json", "--privacy", "private")
        assert enqueued.returncode == 0, enqueued.stderr
        done = world.pipeline("status", "--wait", "--json", timeout=3600)
        wall = time.perf_counter() - t0
        assert done.returncode == 0, done.stderr
        assert len(world.youtube.videos) == MEETINGS
        # one more recording alone through the idle cluster: the queue between its tasks
        alone = world.zoom.add_meeting(
            "Office Hours alone", DAY + timedelta(hours=1),
            [EmulatedFile("MP4", "shared_screen_with_speaker_view", clip)],
        )
        assert world.pipeline("batch", "--distributed", "--privacy", "private").returncode == 0
        assert world.pipeline("status", "--wait", timeout=3600).returncode == 0
        rows = {r["uuid"]: r for r in world.status()["recordings"]}
        runs = rows[alone.uuid]["tasks"]
        if any(not r["finished_at"] for r in runs):
            raise RuntimeError(f"unfinished task rows: {json.dumps(runs, indent=1)}")
        gaps, work = _queue_gaps(runs)
        return wall, gaps, work
    finally:
        world.stop()


def _cores() -> set[int]:
    import os

    return os.sched_getaffinity(0)


def run() -> dict[str, float]:
    clip = TALK.read_bytes()
    scratch = Path(tempfile.mkdtemp(prefix="bench-cluster-"))
    redis = start_redis(scratch / "redis")
    try:
        local = 1.0 if os.environ.get("BENCH_SKIP_LOCAL") else _run_local(
            scratch / "local", redis.url(0), clip
        )
        redis_client_url = redis.url(1)
        wall, gaps, work = _run_cluster(scratch / "cluster", redis_client_url, clip)
    finally:
        redis.process.terminate()
        redis.process.wait(30)
        shutil.rmtree(scratch, ignore_errors=True)
    overhead = sum(gaps)
    figures = {
        "cluster_in_process_batch_s_4x52s": round(local, 1),
        "cluster_two_single_core_workers_s_4x52s": round(wall, 1),
        "cluster_wall_ratio_workers_vs_in_process": round(wall / local, 3),
        "cluster_queue_gap_per_task_ms": round(1000 * overhead / len(gaps), 1),
        "cluster_queue_gaps_ms": json.dumps([round(1000 * g) for g in gaps]),
        "cluster_recording_task_time_s": round(work, 2),
        "cluster_queue_overhead_pct_of_processing": round(100 * overhead / work, 2),
    }
    return figures
