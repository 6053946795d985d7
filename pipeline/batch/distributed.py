"""`pipeline batch --distributed`: list new Zoom recordings as the nightly batch does, and
enqueue one chain of Celery tasks per recording instead of running it; release publishes the
YouTube quota deferred once it has reset; wait until every enqueued recording has finished.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from pipeline.batch.board import IN_FLIGHT, LAST_BATCH, TaskBoard
from pipeline.batch.cluster import (
    ROUTES,
    app,
    configure,
    recording_chain,
    task_signature,
    transcribe_queue,
)
from pipeline.batch.ledger import RecordingRow, StateDB, ledger_location
from pipeline.batch.lock import batch_lock
from pipeline.batch.nightly import Batch, BatchReport, RecordingOutcome, parse_since
from pipeline.batch.ratelimit import ClusterZoomGate
from pipeline.progress import Reporter
from pipeline.services.zoom import ZoomClient
from pipeline.settings import Settings


class DistributedBatch(Batch):
    """The nightly batch with `_process` replaced by enqueueing. Rows a worker is running
    belong to that worker: they are not put back in the queue at the start."""

    def __init__(self, settings: Settings, client: ZoomClient, state: StateDB, **kwargs):
        super().__init__(settings, client, state, **kwargs)
        self.board = TaskBoard(state)
        self.options = {"privacy": self.privacy, "delete_from_zoom": self.delete_from_zoom}
        self._transcribe_on: str | None = None

    def resume_interrupted(self) -> None:
        """Nothing to resume here: Celery hands a dead worker's task to another worker."""

    def run(self) -> BatchReport:
        if not self.dry_run:
            self.board.set_meta(LAST_BATCH, datetime.now(UTC).isoformat(timespec="seconds"))
        report = super().run()
        if not self.dry_run:
            for uuid in release_due_publishes(self.state):
                row = self.state.get(uuid)
                assert row is not None
                report.outcomes.append(
                    RecordingOutcome(uuid, row.topic, row.start_time, "publish enqueued")
                )
        return report

    def _process(self, row: RecordingRow) -> RecordingOutcome:
        outcome = RecordingOutcome(row.uuid, row.topic, row.start_time, "enqueued")
        runs = self.board.runs(row.uuid).get(row.uuid, [])
        if row.status == "queued" and any(r.state in IN_FLIGHT for r in runs):
            outcome.result = "in flight"  # enqueued by an earlier batch, not finished yet
            return outcome
        if self._transcribe_on is None:
            self._transcribe_on = transcribe_queue(self.settings)
        queues = {**ROUTES, "transcribe": self._transcribe_on}
        self.state.update(row.uuid, status="queued", attempts=row.attempts + 1, last_error=None)
        self.board.enqueued(row.uuid, queues, self.options)
        recording_chain(row.uuid, self.options, self._transcribe_on).apply_async()
        self.echo(f"{row.topic} ({row.start_time}): enqueued")
        return outcome


def run_distributed_batch(
    settings: Settings,
    *,
    since: str | None = None,
    dry_run: bool = False,
    delete_from_zoom: bool = False,
    privacy: str | None = None,
    reporter: Reporter | None = None,
    echo: Callable[[str], None] = lambda line: None,
) -> BatchReport:
    """One distributed batch over the account of `settings` (what `pipeline batch
    --distributed` and Celery beat's nightly listing run), holding the batch lock. Returns
    its report (`enqueued` per recording). Raises as `run_batch` does, and ConfigError when
    no broker is set."""
    configure(settings)
    state_path = ledger_location(settings)
    lock = batch_lock(state_path).acquire()
    state = StateDB(state_path)
    gate = ClusterZoomGate(settings.batch.broker_url)
    try:
        batch = DistributedBatch(
            settings, ZoomClient(settings.zoom, gate=gate), state, since=parse_since(since),
            dry_run=dry_run, delete_from_zoom=delete_from_zoom, privacy=privacy,
            reporter=reporter, echo=echo,
        )  # fmt: skip
        report = batch.run()
    finally:
        gate.close()
        state.close()
        lock.release()
    report.took_over_lock = lock.took_over
    return report


def release_due_publishes(state: StateDB, now: datetime | None = None) -> list[str]:
    """Queue the publishes that the quota deferred and whose reset time has passed.
    Returns their UUIDs."""
    board = TaskBoard(state)
    released = []
    for uuid in board.due_publishes(now):
        options = board.options(uuid)
        board.requeued(uuid, "publish")
        state.update(uuid, status="queued")
        task_signature("publish", uuid, options).apply_async()
        released.append(uuid)
    return released


__all__ = ["DistributedBatch", "app", "run_distributed_batch", "release_due_publishes"]
