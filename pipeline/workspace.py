"""The work folder of one recording: artifact paths, atomic writes, and the manifest that
records, per stage, the parameters and input fingerprints that made its outputs, so that a
re-run skips what is still valid and redoes what is not.

Several processes (on several machines sharing the folder) may work in one folder at once:
the distributed batch transcribes and reads the screen of a recording in parallel. The
manifest is therefore changed under an `flock` of `.manifest.lock`, and temp files are only
swept up by a process that finds no other one working in the folder (`.run.lock`)."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from pipeline import __version__
from pipeline.errors import InputError, OutputError

# -- the artifacts of a work folder, by stage (names used everywhere, typed once) -------------
MANIFEST_JSON = "manifest.json"
MEDIA_JSON = "media.json"  # probe
ACTIVITY_JSON = "activity.json"  # probe: packet sizes per keyframe interval
TRANSCRIPT_JSON = "transcript.json"  # transcribe
CAPTIONS_SRT = "captions.srt"
CAPTIONS_VTT = "captions.vtt"
SLIDES_JSON = "slides.json"  # slides
SLIDES_DIR = "slides"  # slides/NNNN.jpg
SCREEN_FINDINGS_JSON = "screen-findings.json"  # the screen pass's secret findings
CHAPTERS_JSON = "chapters.json"  # chapters
FLAGS_JSON = "flags.json"  # scan
SCAN_REVIEW_JSON = "scan-review.json"  # a person's dismissals
REDACTED_MP4 = "redacted.mp4"  # redact
REDACTIONS_JSON = "redactions.json"
REDACTED_DIR = "redacted"  # transcript, captions and chapters that follow a cut
THUMBNAIL_JPG = "thumbnail.jpg"  # thumbnail
THUMBNAIL_JSON = "thumbnail.json"
TITLE_TXT = "title.txt"  # describe
DESCRIPTION_TXT = "description.txt"
METADATA_JSON = "metadata.json"
YOUTUBE_JSON = "youtube.json"  # publish: the video ID and the upload session
ZOOM_MEETING_JSON = "zoom_meeting.json"  # fetch: the Zoom meeting it came from
REVIEW_JSON = "review.json"  # review
REVIEW_HTML = "review.html"
MANIFEST_LOCK = ".manifest.lock"
RUN_LOCK = ".run.lock"
TEMP_MARK = ".tmp-"
DEFAULT_OUT_ROOT = Path("pipeline-out")
_PARTIAL_CHUNK = 1 << 20


def fingerprint_file(path: Path, *, partial: bool = False) -> str:
    """A content fingerprint of a file: sha256 of all of it, or (`partial`, for recordings
    that may be gigabytes) of its size, first MiB and last MiB."""
    digest = hashlib.sha256()
    size = path.stat().st_size
    with path.open("rb") as fh:
        if partial and size > 4 * _PARTIAL_CHUNK:
            digest.update(f"size={size}".encode())
            digest.update(fh.read(_PARTIAL_CHUNK))
            fh.seek(-_PARTIAL_CHUNK, os.SEEK_END)
            digest.update(fh.read(_PARTIAL_CHUNK))
            return "p:" + digest.hexdigest()
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fingerprint_artifact(path: Path) -> str:
    """Fingerprint of an artifact: whole-content for small files, partial for large media."""
    return fingerprint_file(path, partial=path.stat().st_size > 64 * _PARTIAL_CHUNK)


def fingerprint_value(value: Any) -> str:
    """sha256 of a JSON-serialisable value in canonical form."""
    blob = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside `target`; on success it is fsynced and renamed over
    `target`, on failure it is removed. Readers never see a half-written file."""
    target = Path(target)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}{TEMP_MARK}", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        with tmp.open("rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def write_bytes_atomic(target: Path, data: bytes) -> None:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


def write_text_atomic(target: Path, text: str) -> None:
    write_bytes_atomic(target, text.encode("utf-8"))


def write_json_atomic(target: Path, value: Any) -> None:
    write_text_atomic(target, json.dumps(value, indent=2, ensure_ascii=False) + "\n")


class Workspace:
    """One folder per recording holding every artifact and `manifest.json`."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self._lock = threading.Lock()
        #: a shared lock on RUN_LOCK held from prepare() to close(): "a process works here"
        self._run_fh: IO[str] | None = None

    @classmethod
    def for_recording(cls, recording: Path, out_root: Path | None = None) -> Workspace:
        """The work folder of `recording`: `<out_root>/<recording stem>/`."""
        return cls(Path(out_root or DEFAULT_OUT_ROOT) / Path(recording).stem)

    # -- set-up -----------------------------------------------------------------------------
    def prepare(self) -> None:
        """Create the folder, check it is writable and remove temp files a killed run left.

        Raises OutputError when the folder cannot be created or written.
        """
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.root, prefix=f".probe{TEMP_MARK}"):
                pass
        except OSError as exc:
            raise OutputError(
                f"cannot write to output folder {self.root}: {exc.strerror or exc}",
                hint="choose a writable folder with --out",
            ) from exc
        if self._run_fh is None:
            self._run_fh = self.path(RUN_LOCK).open("a")
        try:
            fcntl.flock(self._run_fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pass  # another process works here: its temp files are live, not stale
        else:
            self.remove_stale_temp_files()
        fcntl.flock(self._run_fh.fileno(), fcntl.LOCK_SH)

    def close(self) -> None:
        """Say this process no longer works in the folder (drops the `.run.lock` share)."""
        if self._run_fh is not None:
            self._run_fh.close()
            self._run_fh = None

    def remove_stale_temp_files(self) -> list[Path]:
        """Delete `.*.tmp-*` files left by an interrupted write. Returns what was removed."""
        removed = []
        for path in self.root.rglob(f".*{TEMP_MARK}*"):
            with contextlib.suppress(OSError):
                path.unlink()
                removed.append(path)
        return removed

    # -- artifacts --------------------------------------------------------------------------
    def path(self, name: str) -> Path:
        return self.root / name

    def exists(self, name: str) -> bool:
        return self.path(name).is_file()

    def read_json(self, name: str) -> Any:
        return json.loads(self.path(name).read_text(encoding="utf-8"))

    def write_json(self, name: str, value: Any) -> Path:
        target = self.path(name)
        write_json_atomic(target, value)
        return target

    def write_text(self, name: str, text: str) -> Path:
        target = self.path(name)
        write_text_atomic(target, text)
        return target

    def atomic(self, name: str) -> contextlib.AbstractContextManager[Path]:
        """Temp path that becomes artifact `name` when the block succeeds."""
        return atomic_path(self.path(name))

    # -- manifest ---------------------------------------------------------------------------
    def load_manifest(self) -> dict[str, Any]:
        path = self.path(MANIFEST_JSON)
        if not path.is_file():
            return {"version": 1, "tool": f"pipeline {__version__}", "stages": {}}
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError):
            # A manifest is only ever replaced atomically; an unreadable one was edited by
            # hand. Start over rather than trust it.
            return {"version": 1, "tool": f"pipeline {__version__}", "stages": {}}
        data.setdefault("stages", {})
        return data

    @contextlib.contextmanager
    def _manifest_locked(self) -> Iterator[None]:
        """This thread alone, and this process alone, may change the manifest in the block."""
        with self._lock, self.path(MANIFEST_LOCK).open("a") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            yield

    def update_manifest(self, **fields: Any) -> dict[str, Any]:
        """Set top-level manifest fields (e.g. `recording=`)."""
        with self._manifest_locked():
            manifest = self.load_manifest()
            manifest.update(fields)
            write_json_atomic(self.path(MANIFEST_JSON), manifest)
            return manifest

    def recording_path(self) -> Path | None:
        """The recording this work folder was made from, as the manifest records it."""
        recording = self.load_manifest().get("recording") or {}
        path = recording.get("path") if isinstance(recording, dict) else recording
        return Path(path) if path else None

    def recording_fingerprint(self) -> str:
        """The recording's content fingerprint ("" before the first run)."""
        recording = self.load_manifest().get("recording") or {}
        return str(recording.get("fingerprint", "")) if isinstance(recording, dict) else ""

    def stage_records(self) -> dict[str, dict[str, Any]]:
        """What the manifest knows about every stage that ran here, by stage name."""
        return dict(self.load_manifest()["stages"])

    def stage_record(self, stage: str) -> dict[str, Any] | None:
        return self.load_manifest()["stages"].get(stage)

    def record_stage(self, stage: str, record: dict[str, Any] | None) -> None:
        """Store (or with None, forget) what the manifest knows about a stage."""
        with self._manifest_locked():
            manifest = self.load_manifest()
            if record is None:
                manifest["stages"].pop(stage, None)
            else:
                manifest["stages"][stage] = record
            manifest["tool"] = f"pipeline {__version__}"
            write_json_atomic(self.path(MANIFEST_JSON), manifest)

    def refresh_output(self, stage: str, name: str) -> None:
        """Record the current content of output `name` of `stage` (changed by a person's
        decision, not because the stage's inputs did), so that the stage stays cached."""
        record = self.stage_record(stage)
        if record and name in record.get("outputs", {}):
            record["outputs"][name] = fingerprint_artifact(self.path(name))
            self.record_stage(stage, record)

    def outputs_intact(self, record: dict[str, Any]) -> bool:
        """True when every output a stage recorded is present with the recorded content."""
        for name, digest in record.get("outputs", {}).items():
            path = self.path(name)
            if not path.is_file() or fingerprint_artifact(path) != digest:
                return False
        return True


def resolve_workdir(target: Path, out_root: Path) -> Workspace:
    """The work folder named by `target`: a work folder itself, or a recording processed
    into `out_root`. Raises InputError when it is neither."""
    target = Path(target)
    if target.is_dir():
        return Workspace(target)
    if target.is_file():
        ws = Workspace.for_recording(target, out_root)
        if ws.root.is_dir():
            return ws
        raise InputError(
            f"{target.name} has not been processed yet (no {ws.path(MANIFEST_JSON)})",
            hint=f"run `pipeline run {target}` first, or pass its work folder",
        )
    raise InputError(
        f"{target} is neither a work folder nor a processed recording",
        hint="pass the folder `pipeline run` printed, e.g. pipeline-out/<name>",
    )


def latest_recording(out_root: Path) -> Path:
    """The recording most recently processed in `out_root` (by its work folder's manifest or
    redaction log), for commands whose RECORDING may be left out.

    Raises InputError when there is none."""
    best: tuple[float, Path] | None = None
    found = [(m, "recording") for m in Path(out_root).glob(f"*/{MANIFEST_JSON}")]
    found += [(m, "source") for m in Path(out_root).glob(f"*/{REDACTIONS_JSON}")]
    for record, key in found:
        try:
            path = Path(json.loads(record.read_text(encoding="utf-8"))[key]["path"])
        except (ValueError, KeyError, TypeError, OSError):
            continue
        stamp = record.stat().st_mtime
        if path.is_file() and (best is None or stamp > best[0]):
            best = (stamp, path)
    if best is None:
        raise InputError(
            f"no processed recording found in {out_root}",
            hint="name the recording: pipeline redact RECORDING --from ... --to ...",
        )
    return best[1]
