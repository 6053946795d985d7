"""The nightly batch: list new Zoom recordings since the watermark, and for each one that the
filter takes, download it, run every stage, publish it (exactly once: the upload session is
in the state database before the first byte is sent, the YouTube video ID before anything
else happens), and optionally move it to Zoom's trash.

One failing recording never stops the others. Failures whose error is `retryable` are tried
again on later runs until `zoom.max_attempts`; the others are marked `permanent`. A spent
YouTube quota or refused YouTube credentials stop the publishing for the rest of the run
(the recordings left wait, their attempts untouched). The watermark only moves over
recordings that are finished."""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from pipeline.batch.ledger import (
    RecordingRow,
    RowLedger,
    StateDB,
    ledger_location,
    meeting_and_token,
)
from pipeline.batch.lock import batch_lock
from pipeline.errors import (
    AuthError,
    InputError,
    MediaError,
    PipelineError,
    QuotaExceededError,
    SecretsHeldError,
    UsageError,
)
from pipeline.leaks.policy import PolicyReport, prepare_scan, review_findings
from pipeline.progress import QuietReporter, Reporter
from pipeline.runner import Runner
from pipeline.services.zoom import ZoomClient
from pipeline.settings import Settings
from pipeline.stages import all_stages
from pipeline.youtube import publisher as publishing
from pipeline.youtube.inputs import zoom_recording_key
from pipeline.zoom.fetch import fetch_recording, recording_paths
from pipeline.zoom.recordings import MeetingFilter, ZoomMeeting, choose_video

log = logging.getLogger(__name__)


@dataclass
class RecordingOutcome:
    uuid: str
    topic: str
    start_time: str
    #: published | already published | would process | waiting | held | failed | permanent |
    #: deferred
    result: str
    video_url: str | None = None
    error: str | None = None
    #: the secret findings of the recording and what was done about them
    secrets: PolicyReport | None = None

    def to_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k != "secrets"}
        data["secrets"] = self.secrets.to_dict() if self.secrets else None
        return data


@dataclass
class BatchReport:
    since: date
    until: date
    outcomes: list[RecordingOutcome] = field(default_factory=list)
    #: meetings listed but not taken, with the reason
    skipped: list[tuple[str, str]] = field(default_factory=list)
    watermark: datetime | None = None
    took_over_lock: str | None = None

    @property
    def failed(self) -> list[RecordingOutcome]:
        """Recordings that did not get published this run and need a person: failed ones and
        ones held for secret review."""
        return [o for o in self.outcomes if o.result in ("failed", "permanent", "held")]

    def to_dict(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "watermark": self.watermark.isoformat() if self.watermark else None,
            "recordings": [o.to_dict() for o in self.outcomes],
            "skipped": [{"topic": t, "reason": r} for t, r in self.skipped],
        }


def parse_since(value: str | None) -> date | None:
    """`--since YYYY-MM-DD`. Raises UsageError."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--since {value!r} is not a date", hint="use YYYY-MM-DD") from None


def run_batch(
    settings: Settings,
    *,
    since: str | None = None,
    dry_run: bool = False,
    delete_from_zoom: bool = False,
    privacy: str | None = None,
    reporter: Reporter | None = None,
    echo: Callable[[str], None] = lambda line: None,
) -> BatchReport:
    """One batch over the account of `settings`, holding the batch lock. Returns its report.

    Raises BatchLockedError when another batch runs, and the errors that stop a whole batch
    (credentials, Zoom unreachable while listing)."""
    state_path = ledger_location(settings)
    lock = batch_lock(state_path).acquire()
    state = StateDB(state_path)
    try:
        batch = Batch(
            settings, ZoomClient(settings.zoom), state, since=parse_since(since),
            dry_run=dry_run, delete_from_zoom=delete_from_zoom, privacy=privacy,
            reporter=reporter, echo=echo,
        )  # fmt: skip
        report = batch.run()
    finally:
        state.close()
        lock.release()
    report.took_over_lock = lock.took_over
    return report


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, PipelineError):
        return f"{type(exc).__name__}: {exc.one_line()}"
    return f"{type(exc).__name__}: {exc}"


def _stops_the_batch(exc: BaseException) -> str | None:
    """Why nothing more can be published in this run, or None: YouTube's daily quota is spent
    (until it resets), or YouTube refused the credentials (until a person renews them). Not
    the recording's fault: it keeps its attempts."""
    if isinstance(exc, QuotaExceededError):
        return "YouTube quota exhausted earlier in this run"
    if isinstance(exc, AuthError):
        return "YouTube refused the credentials earlier in this run (pipeline auth youtube)"
    return None


class Batch:
    """One run of the batch over an account. The caller holds the lock."""

    def __init__(
        self,
        settings: Settings,
        client: ZoomClient,
        state: StateDB,
        *,
        since: date | None = None,
        dry_run: bool = False,
        delete_from_zoom: bool = False,
        privacy: str | None = None,
        reporter: Reporter | None = None,
        echo: Callable[[str], None] = lambda line: None,
    ):
        self.settings = settings
        self.client = client
        self.state = state
        self.since = since
        self.dry_run = dry_run
        self.delete_from_zoom = delete_from_zoom
        self.privacy = privacy
        self.reporter = reporter or QuietReporter()
        self.echo = echo
        self.filter = MeetingFilter(settings.zoom.topic_pattern, settings.zoom.min_duration)
        self.out = Path(settings.general.out)
        #: why the run stopped publishing (quota spent, credentials refused), if it did
        self._stopped: str | None = None
        #: the secret findings of the recording being processed, once its stages ran
        self._secrets: PolicyReport | None = None
        #: the video of the recording being processed (removed when it proves damaged)
        self._video: Path | None = None
        self._step = ""

    # -- the run ----------------------------------------------------------------------------
    def check_credentials(self) -> None:
        """Zoom first, then YouTube (not in a dry run). Raises the service's error."""
        self.client.token()
        if not self.dry_run:
            publishing.check_credentials(self.settings)

    def window(self) -> tuple[date, date]:
        until = datetime.now(UTC).date()
        if self.since is not None:
            return self.since, until
        mark = self.state.watermark()
        if mark is not None:
            return mark.date(), until
        return until - timedelta(days=self.settings.zoom.lookback_days), until

    def run(self) -> BatchReport:
        """List, queue and process. Returns the report; raises only for errors that stop the
        whole batch (credentials, Zoom unreachable while listing)."""
        self.check_credentials()
        since, until = self.window()
        report = BatchReport(since, until)
        self.resume_interrupted()
        listed = self._list(since, until, report)
        if self.dry_run:
            for meeting in listed:
                row = self.state.get(meeting.uuid)
                done = row is not None and row.status in ("done", "permanent")
                result = "waiting" if meeting.processing else "would process"
                if not done:
                    report.outcomes.append(
                        RecordingOutcome(
                            meeting.uuid, meeting.topic, meeting.start_time.isoformat(), result
                        )
                    )
            return report
        for meeting in listed:
            self.state.upsert_meeting(
                meeting.raw, status="waiting" if meeting.processing else "queued"
            )
        for row in self.state.rows(("waiting",)):
            if row.source == "webhook" and not ZoomMeeting.from_json(row.meeting or {}).processing:
                self.state.update(row.uuid, status="queued")
            elif row.uuid in {m.uuid for m in listed}:
                report.outcomes.append(
                    RecordingOutcome(row.uuid, row.topic, row.start_time, "waiting")
                )
        for row in self.state.rows(("queued", "failed")):
            report.outcomes.append(self._process(row))
        report.watermark = self._advance_watermark()
        return report

    def resume_interrupted(self) -> None:
        """Rows left `running` by a killed batch go back in the queue."""
        for row in self.state.rows(("running",)):
            self.state.update(row.uuid, status="queued")

    def _list(self, since: date, until: date, report: BatchReport) -> list[ZoomMeeting]:
        taken = []
        for meeting in self.client.list_recordings(since, until):
            reason = self.filter.rejects(meeting)
            if reason:
                report.skipped.append((meeting.topic, reason))
            else:
                taken.append(meeting)
        return taken

    # -- one recording ----------------------------------------------------------------------
    def _process(self, row: RecordingRow) -> RecordingOutcome:
        outcome = RecordingOutcome(row.uuid, row.topic, row.start_time, "published")
        if self._stopped:
            outcome.result = "deferred"
            outcome.error = self._stopped
            return outcome
        attempts = row.attempts + 1
        self._video, self._step = None, ""
        self.state.update(row.uuid, status="running", attempts=attempts)
        self.echo(f"{row.topic} ({row.start_time}): attempt {attempts}")
        self._secrets = None
        try:
            outcome.video_url = self._process_steps(row)
        except SecretsHeldError as exc:
            # waits for a person: `pipeline scan --dismiss` or a redaction, then `pipeline retry`
            self.state.set_step(row.uuid, "process", "held")
            self.state.update(
                row.uuid, status="held", attempts=row.attempts, last_error=exc.one_line()
            )
            outcome.result, outcome.error, outcome.secrets = "held", exc.one_line(), self._secrets
            return outcome
        except Exception as exc:  # one recording never stops the others
            text = _error_text(exc)
            if self._step:
                self.state.set_step(row.uuid, self._step, "failed")
            retryable = bool(getattr(exc, "retryable", False)) or not isinstance(exc, PipelineError)
            stop = _stops_the_batch(exc)
            if stop:
                # not the recording's fault: it keeps its attempts, the others wait
                self._stopped, retryable = stop, True
                attempts = row.attempts
                self.state.update(row.uuid, attempts=attempts)
            if (
                self._step == "process"
                and isinstance(exc, MediaError | InputError)
                and self._video is not None
            ):
                # a damaged download: `pipeline retry` must fetch it again, not reuse it
                self._video.unlink(missing_ok=True)
                self.state.set_step(row.uuid, "download", "discarded")
            permanent = not retryable or attempts >= self.settings.zoom.max_attempts
            if retryable and permanent:
                text += f" (gave up after {attempts} attempts)"
            status = "permanent" if permanent else "failed"
            self.state.update(row.uuid, status=status, last_error=text)
            log.debug("batch: %s failed", row.uuid, exc_info=True)
            outcome.result, outcome.error = status, text
            return outcome
        self.state.update(row.uuid, status="done", last_error=None)
        outcome.secrets = self._secrets
        return outcome

    def _process_steps(self, row: RecordingRow) -> str | None:
        steps = dict(row.steps)
        meeting, token = meeting_and_token(row, self.client)
        video_file = choose_video(meeting)
        video, workdir = recording_paths(meeting, self.out)
        self._video = video
        if video_file is not None:
            self.state.update(
                row.uuid,
                file_id=video_file.id,
                recording_type=video_file.recording_type,
                file_size=video_file.file_size,
                local_path=str(video),
                workdir=str(workdir),
            )

        def step(name: str, status: str) -> None:
            self._step = name
            steps[name] = status
            self.state.set_step(row.uuid, name, status)

        if steps.get("publish") != "done":
            step("download", "running")
            progress = self.reporter.stage_started("download", None)
            fetched = fetch_recording(
                self.client, meeting, self.out, token=token, progress=progress
            )
            self.reporter.stage_finished("download", "ran", 0.0, fetched.video.name)
            step("download", "done")

            step("process", "running")
            settings = copy.deepcopy(self.settings)  # the chat found is this recording's own
            runner = Runner.for_recording(fetched.video, settings, reporter=self.reporter)
            prepare_scan(settings, fetched.video, runner.workspace)
            runner.run(all_stages())
            self._secrets = review_findings(runner.workspace, settings)
            self._secrets.enforce()  # on_secret = hold: nothing is published
            step("process", "done")

            step("publish", "running")
            # the row is the truth: it holds the upload session before the first byte and
            # the video ID before thumbnail, captions and playlist
            result = publishing.publish(
                workdir,
                self.settings,
                privacy=self.privacy,
                ledger=RowLedger(self.state, row.uuid),
                recording_key=zoom_recording_key(row.uuid),
            )
            step("publish", "done")
            url, video_id = result.url, result.video_id
        else:
            url, video_id = row.video_url, row.video_id

        # only a recording whose upload YouTube confirmed with a video ID leaves Zoom
        if self.delete_from_zoom and video_id and steps.get("trash") != "done":
            step("trash", "running")
            self.client.trash_meeting_recordings(row.uuid)
            step("trash", "done")
        return url

    # -- watermark --------------------------------------------------------------------------
    def _advance_watermark(self) -> datetime | None:
        """Move the watermark to the oldest unfinished recording, or past the newest finished
        one when none is open; never backwards."""
        old = self.state.watermark()
        rows = self.state.rows()
        open_starts = [
            r.start_time
            for r in rows
            if r.status in ("queued", "waiting", "failed", "running", "deferred")
        ]
        done_starts = [r.start_time for r in rows if r.status in ("done", "permanent", "held")]
        if open_starts:
            candidate = datetime.fromisoformat(min(open_starts).replace("Z", "+00:00"))
        elif done_starts:
            candidate = datetime.fromisoformat(max(done_starts).replace("Z", "+00:00"))
        else:
            return old
        if old is None or candidate > old:
            self.state.set_watermark(candidate)
            return candidate
        return old
