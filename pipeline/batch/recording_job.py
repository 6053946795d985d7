"""What each task of the distributed batch does to one recording. Every method is
idempotent and assumes nothing about the machine the previous task ran on: the recording and
its work folder live under `general.out` (shared by every worker), a video that is missing
is fetched again, the runner skips stages whose outputs are already there, and the publish
resumes the upload session or updates the video the ledger and `youtube.json` name."""

from __future__ import annotations

import contextlib
import copy
import fcntl
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pipeline.batch.board import TaskBoard
from pipeline.batch.ledger import RecordingRow, RowLedger, StateDB, meeting_and_token
from pipeline.batch.quota import QuotaBudget, publish_cost
from pipeline.errors import QuotaExceededError, UsageError
from pipeline.leaks.policy import prepare_scan, review_findings
from pipeline.media.probe import probe
from pipeline.runner import Runner
from pipeline.services.zoom import ZoomClient
from pipeline.settings import Settings
from pipeline.stages import Stage, all_stages
from pipeline.workspace import YOUTUBE_JSON, Workspace
from pipeline.youtube import publisher
from pipeline.youtube.inputs import load_inputs, zoom_recording_key
from pipeline.zoom.fetch import fetch_recording, recording_paths
from pipeline.zoom.recordings import ZoomMeeting

log = logging.getLogger(__name__)

#: a webhook's download token lives 24 h; after this the app's own token is used
#: the stages each processing task runs; every run plans for all of them, so the screen pass
#: also reads the screen for the scan (one decode) as `pipeline run` does
TASK_STAGES = {
    "fetch": ("probe",),
    "transcribe": ("probe", "transcribe"),
    "screen_pass": ("probe", "slides"),
    "late_stages": ("chapters", "scan", "redact", "thumbnail", "describe"),
}


@dataclass
class JobOptions:
    """What `pipeline batch --distributed` passes along with each recording."""

    privacy: str | None = None
    delete_from_zoom: bool = False

    @classmethod
    def from_dict(cls, data: dict | None) -> JobOptions:
        return cls(**(data or {}))


class RecordingJob:
    """The tasks of one recording, run by one worker process."""

    def __init__(
        self,
        settings: Settings,
        state: StateDB,
        uuid: str,
        options: JobOptions,
        *,
        zoom: ZoomClient,
        budget: QuotaBudget | None = None,
        cores: int = 1,
    ):
        self.settings = settings
        self.state = state
        self.board = TaskBoard(state)
        self.uuid = uuid
        self.options = options
        self.zoom = zoom
        self.budget = budget
        self.cores = cores
        self.out = Path(settings.general.out)

    # -- what the ledger knows ----------------------------------------------------------------
    def row(self) -> RecordingRow:
        row = self.state.get(self.uuid)
        if row is None:
            raise UsageError(f"no recording {self.uuid} in the ledger {self.state.path}")
        return row

    def paths(self) -> tuple[ZoomMeeting, Path, Path]:
        meeting, _ = meeting_and_token(self.row(), self.zoom)
        video, workdir = recording_paths(meeting, self.out)
        return meeting, video, workdir

    # -- fetch --------------------------------------------------------------------------------
    def fetch(self) -> Path:
        """Download the video (resuming a partial one) and its chat and transcript, then
        probe it. Returns the video's path."""
        row = self.row()
        meeting, token = meeting_and_token(row, self.zoom)
        video, workdir = recording_paths(meeting, self.out)
        with _file_lock(video.with_name(video.name + ".lock")):
            self.state.set_step(self.uuid, "download", "running")
            fetched = fetch_recording(self.zoom, meeting, self.out, token=token)
            self.state.update(
                self.uuid,
                file_id=fetched.video_file.id,
                recording_type=fetched.video_file.recording_type,
                file_size=fetched.video_file.file_size,
                local_path=str(video),
                workdir=str(workdir),
            )
            self.state.set_step(self.uuid, "download", "done")
        self._run_stages("fetch", video)
        return video

    def _video_here(self) -> Path:
        """The video, fetched again when this machine does not see it (or it is partial)."""
        _, video, _ = self.paths()
        row = self.row()
        if not video.is_file() or (row.file_size and video.stat().st_size != row.file_size):
            log.info("%s: the recording is not under %s; fetching it again", self.uuid, self.out)
            return self.fetch()
        return video

    # -- processing ---------------------------------------------------------------------------
    def process(self, task: str) -> None:
        """Run the stages of `task` (transcribe, screen_pass or late_stages)."""
        video = self._video_here()
        if task == "late_stages":
            self._run_stages(task, video)
            self.state.set_step(self.uuid, "process", "done")
            return
        self.state.set_step(self.uuid, "process", "running")
        self._run_stages(task, video)

    def _run_stages(self, task: str, video: Path) -> None:
        """Run the stages of `task`; after the last ones, hold the recording as the secret
        policy says (SecretsHeldError with on_secret = hold and findings nobody resolved)."""
        wanted = TASK_STAGES[task]
        every = all_stages()
        chosen: list[Stage] = [s for s in every if s.name in wanted]
        media = probe(video)
        workspace = Workspace.for_recording(video, self.out)
        settings = copy.deepcopy(self.settings)  # the chat found is this recording's own
        prepare_scan(settings, video, workspace)
        Runner(
            recording=Path(media.path),
            media=media,
            workspace=workspace,
            settings=settings,
            cores=self.cores,
        ).run(chosen, planned=frozenset(s.name for s in every))
        if task == "late_stages":
            review_findings(workspace, settings).enforce()

    # -- publish ------------------------------------------------------------------------------
    def publish(self) -> str:
        """Publish once: reserve the quota, upload (or resume, or update the known video),
        then thumbnail, captions and playlist; move the recording to Zoom's trash when asked.
        Returns `published`, `already published` or `deferred` (quota spent: the task row
        says until when)."""
        row = self.row()
        if row.status == "done" and row.steps.get("publish") == "done":
            return "already published"
        _, video, workdir = self.paths()
        if row.steps.get("publish") != "done":
            inputs = load_inputs(
                workdir, self.settings, self.options.privacy,
                recording_key=zoom_recording_key(self.uuid),
            )  # fmt: skip
            known = row.video_id or _recorded_video_id(workdir)
            cost = publish_cost(
                upload=not known,
                thumbnail=inputs.thumbnail is not None,
                captions=inputs.captions is not None,
                playlist=bool(self.settings.youtube.playlist_id),
            )
            if self.budget is not None:
                reservation = self.budget.reserve(f"publish:{self.uuid}", cost)
                if not reservation.granted:
                    return self._defer(reservation.resets_at, f"{cost} units do not fit today")
            self.state.set_step(self.uuid, "publish", "running")
            try:
                # the row is the truth: it learns the upload session before the first byte
                # and the video ID before thumbnail, captions and playlist
                result = publisher.publish(
                    workdir, self.settings, privacy=self.options.privacy, video_id=row.video_id,
                    ledger=RowLedger(self.state, self.uuid),
                    recording_key=zoom_recording_key(self.uuid),
                )  # fmt: skip
            except QuotaExceededError as exc:
                resets = self.budget.exhaust() if self.budget is not None else None
                if exc.resets_at:
                    resets = datetime.fromisoformat(exc.resets_at)
                assert resets is not None
                return self._defer(resets, exc.one_line())
            self.state.update(self.uuid, video_id=result.video_id, video_url=result.url)
            self.state.set_step(self.uuid, "publish", "done")
            row = self.row()
        if self.options.delete_from_zoom and row.video_id and row.steps.get("trash") != "done":
            self.state.set_step(self.uuid, "trash", "running")
            self.zoom.trash_meeting_recordings(self.uuid)
            self.state.set_step(self.uuid, "trash", "done")
        self.state.update(self.uuid, status="done", last_error=None)
        return "published"

    def _defer(self, until: datetime, why: str) -> str:
        log.info("%s: publish deferred until %s: %s", self.uuid, until.isoformat(), why)
        self.board.deferred(self.uuid, "publish", until)
        self.state.update(self.uuid, status="deferred", last_error=None)
        self.state.set_step(self.uuid, "publish", "deferred")
        return "deferred"


def _recorded_video_id(workdir: Path) -> str | None:
    workspace = Workspace(workdir)
    if not workspace.exists(YOUTUBE_JSON):
        return None
    return workspace.read_json(YOUTUBE_JSON).get("video_id")


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """An exclusive `flock` on `path` for the block (two workers never write one download)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
