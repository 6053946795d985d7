"""`pipeline batch --distributed`: list new Zoom recordings as the nightly batch does, and
enqueue one chain of Celery tasks per recording instead of running it; release publishes the
YouTube quota deferred once it has reset; wait until every enqueued recording has finished.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pipeline.batch.board import IN_FLIGHT, LAST_BATCH, TaskBoard
from pipeline.batch.cluster import ROUTES, app, configure, recording_chain, transcribe_queue
from pipeline.batch.ledger import RecordingRow, StateDB, state_db_path
from pipeline.batch.nightly import Batch, BatchReport, RecordingOutcome
from pipeline.batch.ratelimit import ClusterZoomGate
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


def enqueue_new_recordings(settings: Settings, **kwargs) -> BatchReport:
    """One distributed batch with `settings` (what Celery beat runs nightly). The caller
    holds the batch lock when two could start at once."""
    configure(settings)
    state = StateDB(state_db_path(settings))
    gate = ClusterZoomGate(settings.batch.broker_url)
    try:
        client = ZoomClient(settings.zoom, gate=gate)
        return DistributedBatch(settings, client, state, **kwargs).run()
    finally:
        state.close()
        gate.close()


def release_due_publishes(state: StateDB, now: datetime | None = None) -> list[str]:
    """Queue the publishes that the quota deferred and whose reset time has passed.
    Returns their UUIDs."""
    from pipeline.batch import tasks

    board = TaskBoard(state)
    released = []
    for uuid in board.due_publishes(now):
        options = board.options(uuid)
        board.requeued(uuid, "publish")
        state.update(uuid, status="queued")
        tasks.publish.apply_async((uuid, options))
        released.append(uuid)
    return released


__all__ = ["DistributedBatch", "app", "enqueue_new_recordings", "release_due_publishes"]
