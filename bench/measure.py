"""Measuring a command: wall time and peak RSS of a child process (os.wait4 rusage)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
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
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
        errfile.seek(0)
        err = errfile.read().decode("utf-8", "replace")
    code = os.waitstatus_to_exitcode(status)
    proc.returncode = code
    if code not in ok:
        raise RuntimeError(f"{' '.join(cmd)} failed ({code}): {err[-800:]}")
    return Measurement(seconds, usage.ru_maxrss / 1024, code)


def pipeline_cmd(*args: str) -> list[str]:
    """The real `pipeline` command, run with this interpreter."""
    return [sys.executable, "-m", "pipeline", *args]
