"""One ffmpeg wrapper. Commands are built with ffmpeg-python (or given as argument lists),
logged quoted at debug level, run with stderr captured, and failures raise MediaError carrying
the meaningful stderr line. The binary is the one the imageio-ffmpeg wheel ships, unless
PIPELINE_FFMPEG names another."""

from __future__ import annotations

import logging
import os
import shlex
import subprocess
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

from pipeline.errors import MediaError, ToolMissingError

log = logging.getLogger(__name__)

_NOISE_PREFIXES = ("frame=", "size=", "video:", "audio:", "Press [q]", "  ")


@lru_cache(maxsize=4)
def _resolve_exe(override: str | None) -> str:
    if override:
        path = Path(override)
        if not (path.is_file() and os.access(path, os.X_OK)):
            raise ToolMissingError(
                f"PIPELINE_FFMPEG points to {override}, which is not an executable file",
                hint="unset PIPELINE_FFMPEG to use the ffmpeg bundled with imageio-ffmpeg",
            )
        return str(path)
    try:
        import imageio_ffmpeg
    except ImportError as exc:  # pragma: no cover - the dependency is declared
        raise ToolMissingError(
            "ffmpeg is not available: the imageio-ffmpeg package is not installed",
            hint="run `make install` (or `pip install imageio-ffmpeg`), or set PIPELINE_FFMPEG",
        ) from exc
    try:
        return imageio_ffmpeg.get_ffmpeg_exe()
    except RuntimeError as exc:
        raise ToolMissingError(
            "ffmpeg is not available: imageio-ffmpeg ships no binary for this platform",
            hint="set PIPELINE_FFMPEG to the path of an ffmpeg binary",
        ) from exc


def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary to run. Raises ToolMissingError if there is none."""
    return _resolve_exe(os.environ.get("PIPELINE_FFMPEG") or None)


def compile_args(spec: Any) -> list[str]:
    """Turn an ffmpeg-python stream spec or an argument list (without the binary) into the full
    command line, quiet banner and no stdin."""
    if isinstance(spec, (list, tuple)):
        args = list(spec)
    else:
        args = spec.compile(cmd="ffmpeg")[1:]
    head = ["-hide_banner", "-nostdin"]
    if "-loglevel" not in args and "-v" not in args:
        head += ["-loglevel", "warning"]
    return [ffmpeg_exe(), *head, *args]


def meaningful_line(stderr: str) -> str:
    """The stderr line that best explains a failure: the last line that says error, else the
    last line that is not progress output."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    lines = [ln for ln in lines if not ln.startswith(_NOISE_PREFIXES)]
    for line in reversed(lines):
        lowered = line.lower()
        if any(w in lowered for w in ("error", "invalid", "no such", "not found", "failed")):
            return line
    return lines[-1] if lines else "ffmpeg failed without a message"


def run_ffmpeg(spec: Any, *, what: str, input_bytes: bytes | None = None) -> str:
    """Run ffmpeg to completion. Returns its stderr (warnings included).

    Raises MediaError with the meaningful stderr line when ffmpeg exits non-zero.
    """
    cmd = compile_args(spec)
    log.debug("running %s", shlex.join(cmd))
    proc = subprocess.run(cmd, input=input_bytes, capture_output=True)
    stderr = proc.stderr.decode("utf-8", "replace")
    if proc.returncode != 0:
        raise MediaError(f"ffmpeg failed to {what}: {meaningful_line(stderr)}")
    return stderr


def ffmpeg_output(spec: Any, *, what: str) -> bytes:
    """Run ffmpeg to completion and return what it wrote to stdout (a small image, say).

    Raises MediaError when ffmpeg exits non-zero or writes nothing.
    """
    cmd = compile_args(spec)
    log.debug("running %s", shlex.join(cmd))
    proc = subprocess.run(cmd, capture_output=True)
    stderr = proc.stderr.decode("utf-8", "replace")
    if proc.returncode != 0 or not proc.stdout:
        raise MediaError(f"ffmpeg failed to {what}: {meaningful_line(stderr)}")
    return proc.stdout


class _StderrTail:
    """Drains a process's stderr in a thread, keeping the last lines for error messages."""

    def __init__(self, stream: IO[bytes]):
        self.lines: deque[str] = deque(maxlen=40)
        self._thread = threading.Thread(target=self._drain, args=(stream,), daemon=True)
        self._thread.start()

    def _drain(self, stream: IO[bytes]) -> None:
        for raw in iter(stream.readline, b""):
            self.lines.append(raw.decode("utf-8", "replace").rstrip())

    def text(self) -> str:
        self._thread.join(timeout=5)
        return "\n".join(self.lines)


@contextmanager
def ffmpeg_reader(spec: Any, *, what: str) -> Iterator[IO[bytes]]:
    """Start ffmpeg writing to stdout and yield that pipe for streaming reads.

    On leaving the block the process is waited for (or killed if the block raised) and a
    non-zero exit raises MediaError.
    """
    cmd = compile_args(spec)
    log.debug("running %s", shlex.join(cmd))
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    tail = _StderrTail(proc.stderr)
    try:
        yield proc.stdout
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    finally:
        proc.stdout.close()
    code = proc.wait()
    if code != 0:
        raise MediaError(f"ffmpeg failed to {what}: {meaningful_line(tail.text())}")


def ffmpeg_writer(args: Sequence[str]) -> subprocess.Popen:
    """Start ffmpeg reading raw input from stdin (used by the fixture and bench generators).
    The caller writes to .stdin, closes it and checks .wait()."""
    cmd = compile_args(list(args))
    log.debug("running %s", shlex.join(cmd))
    return subprocess.Popen(cmd, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
