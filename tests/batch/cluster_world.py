"""A distributed batch to test against: an emulated Zoom account and YouTube channel, a real
Redis (the broker), the SQLite ledger, and `pipeline worker` processes started as a user
would start them. Used by the cluster tests and by `make bench`."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.emulators.youtube import YouTubeEmulator
from tests.emulators.zoom import EmulatedFile, EmulatedMeeting, ZoomEmulator

ROOT = Path(__file__).resolve().parents[2]
DAY = datetime.now(UTC).replace(hour=16, minute=0, second=0, microsecond=0)
FAKETIME_LIB = Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1")


def wait_for(condition: Callable[[], object], timeout: float, what: str) -> object:
    """Poll `condition` until it returns something true; raise AssertionError naming `what`
    after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)


class Worker:
    """One `pipeline worker` process."""

    def __init__(self, name: str, proc: subprocess.Popen, log: Path):
        self.name = name
        self.proc = proc
        self.log = log

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def wait_ready(self, timeout: float = 90.0) -> Worker:
        def ready() -> bool:
            if self.proc.poll() is not None:
                raise AssertionError(f"worker {self.name} exited:\n{self.output()[-3000:]}")
            return " ready." in self.output()

        wait_for(ready, timeout, f"worker {self.name} to be ready")
        return self

    def kill(self, *pids: int) -> None:
        """SIGKILL the worker and the given pool processes of it (a machine lost)."""
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.proc.kill()
        self.proc.wait(30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(30)


class ClusterWorld:
    """Zoom and YouTube emulators, a folder for `general.out` and the ledger, and the
    environment every `pipeline` process of the cluster gets."""

    def __init__(self, root: Path, redis_url: str, **env: str):
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.zoom = ZoomEmulator().start()
        self.youtube = YouTubeEmulator().start()
        token_file = root / "youtube-token.json"
        token_file.write_text(json.dumps(self.youtube.token_info()))
        token_file.chmod(0o600)
        self.workers: list[Worker] = []
        self.env = {
            **os.environ,
            **self.zoom.env(),
            "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
            "PIPELINE_BROKER_URL": redis_url,
            "PIPELINE_STATE_DB": str(root / "state.db"),
            "PIPELINE_GENERAL_OUT": str(root / "out"),
            "PIPELINE_ZOOM_RETRY_BACKOFF": "0",
            "PIPELINE_ZOOM_TOPIC_PATTERN": "office hours",
            "PIPELINE_YOUTUBE_API_ROOT": self.youtube.root,
            "PIPELINE_YOUTUBE_TOKEN_URI": self.youtube.token_uri,
            "PIPELINE_YOUTUBE_TOKEN_FILE": str(token_file),
            "PIPELINE_YOUTUBE_CHUNK_SIZE": str(256 * 1024),
            "PIPELINE_YOUTUBE_BACKOFF": "0",
            "PIPELINE_YOUTUBE_TIMEOUT": "10",
            "PIPELINE_YOUTUBE_PRIVACY": "private",
            "PYTHONUNBUFFERED": "1",
            **env,
        }

    def add_meetings(self, clip: bytes, count: int) -> list[EmulatedMeeting]:
        return [
            self.zoom.add_meeting(
                f"Office Hours {i + 1}",
                DAY - timedelta(days=count - i),
                [EmulatedFile("MP4", "shared_screen_with_speaker_view", clip)],
            )
            for i in range(count)
        ]

    def start_worker(self, name: str, *, queues: str = "fetch,cpu,publish",
                     concurrency: int = 1, env: dict[str, str] | None = None,
                     core: int | None = None) -> Worker:
        """Start `pipeline worker` (pinned to CPU `core` with taskset when given)."""
        log = self.root / f"worker-{name}.log"
        pin = ["taskset", "-c", str(core)] if core is not None else []
        proc = subprocess.Popen(
            [*pin, sys.executable, "-m", "pipeline", "worker", "--queues", queues,
             "--concurrency", str(concurrency), "--name", f"{name}@cluster-test"],
            cwd=self.root,
            env={**self.env, **(env or {})},
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        worker = Worker(name, proc, log)
        self.workers.append(worker)
        return worker

    def pipeline(self, *args: str, env: dict[str, str] | None = None,
                 timeout: float = 300) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "pipeline", *args],
            cwd=self.root,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def status(self) -> dict:
        result = self.pipeline("status", "--json")
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    def stop(self) -> None:
        for worker in self.workers:
            worker.stop()
        self.zoom.stop()
        self.youtube.stop()


def faketime_env(offset: str) -> dict[str, str]:
    """Environment that runs a process with its wall clock moved by `offset` (libfaketime,
    e.g. "+26h"); the monotonic clock stays true."""
    return {
        "LD_PRELOAD": str(FAKETIME_LIB),
        "FAKETIME": offset,
        "FAKETIME_DONT_FAKE_MONOTONIC": "1",
        "FAKETIME_DONT_RESET": "1",
    }
