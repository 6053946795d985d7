"""Measuring a command: wall time and peak RSS of a child process.

The peak is the child's own high-water mark (VmHWM in /proc/<pid>/status, read while it
runs), not wait4's ru_maxrss: Linux carries the RSS of the process that forked the child
across exec into ru_maxrss, so a benchmark process that had grown to 557 MB reported 557 MB
for every command it ran after that. Where /proc is missing, ru_maxrss is used."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Measurement:
    seconds: float
    peak_rss_mb: float
    returncode: int


def measure(
    cmd: list[str],
    *,
    cwd: Path | None = None,
    env: dict | None = None,
    quiet: bool = True,
    ok: tuple[int, ...] = (0,),
) -> Measurement:
    """Run `cmd`, returning its wall time and peak resident memory. Raises when it exits
    with a code not in `ok`."""
    # stderr goes to a file, not a pipe: nobody reads a pipe until the command exits, and a
    # chatty command (progress as JSON lines) would block once the pipe's buffer is full
    with tempfile.TemporaryFile() as errfile:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            cmd,
            cwd=cwd,
            env={**os.environ, **(env or {})},
            stdout=subprocess.DEVNULL if quiet else None,
            stderr=errfile,
        )
        watcher = HighWaterMark(proc.pid)
        watcher.start()
        _, status, usage = os.wait4(proc.pid, 0)
        watcher.stop()
        seconds = time.perf_counter() - t0
        errfile.seek(0)
        err = errfile.read().decode("utf-8", "replace")
    code = os.waitstatus_to_exitcode(status)
    proc.returncode = code
    if code not in ok:
        raise RuntimeError(f"{' '.join(cmd)} failed ({code}): {err[-800:]}")
    peak_kb = watcher.peak_kb if watcher.peak_kb else usage.ru_maxrss
    return Measurement(seconds, peak_kb / 1024, code)


class HighWaterMark(threading.Thread):
    """Reads a running process's VmHWM (its own peak resident memory, in kB) every 50 ms;
    `peak_kb` is the last (largest) value read, 0 when none could be."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.path = Path(f"/proc/{pid}/status")
        self.peak_kb = 0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            self._read()
            self._done.wait(0.05)

    def _read(self) -> None:
        try:
            for line in self.path.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    self.peak_kb = max(self.peak_kb, int(line.split()[1]))
        except (OSError, ValueError, IndexError):
            pass

    def stop(self) -> None:
        self._done.set()
        self.join()


def pipeline_cmd(*args: str) -> list[str]:
    """The real `pipeline` command, run with this interpreter."""
    return [sys.executable, "-m", "pipeline", *args]
