"""Probe stage: what the recording holds (streams, duration, keyframes) -> media.json, and
where its video stream may change (keyframes plus packet-size spikes, read without decoding)
-> activity.json, which the vision stages use to decode only what may hold a change.

The CLI probes every recording before a run (that is how bad input is refused before anything
is written); this stage records that result in the work folder for the stages after it."""

from __future__ import annotations

from pipeline.media.activity import StreamActivity, stream_activity
from pipeline.media.probe import probe
from pipeline.stages.base import Stage, StageContext, StageResult
from pipeline.workspace import ACTIVITY_JSON, MEDIA_JSON, Workspace


def load_activity(workspace: Workspace, keyframes: list[float]) -> StreamActivity:
    """The recording's StreamActivity from activity.json; without that file, every stretch
    between `keyframes` counts as active (nothing is skipped on a guess)."""
    if workspace.exists(ACTIVITY_JSON):
        return StreamActivity.from_dict(workspace.read_json(ACTIVITY_JSON))
    bounds = [*keyframes, float("inf")]
    return StreamActivity(list(keyframes), list(zip(bounds, bounds[1:], strict=False)))


class ProbeStage(Stage):
    name = "probe"
    version = 2

    def progress_total(self, ctx: StageContext) -> float | None:
        return None

    def run(self, ctx: StageContext) -> StageResult:
        info = ctx.media or probe(ctx.recording)
        ctx.workspace.write_json(MEDIA_JSON, info.to_dict())
        ctx.media = info
        outputs = [MEDIA_JSON]
        summary: dict = {}
        if info.has_video:
            activity = stream_activity(ctx.recording, info.duration)
            ctx.workspace.write_json(ACTIVITY_JSON, activity.to_dict())
            outputs.append(ACTIVITY_JSON)
            summary["active_seconds"] = round(activity.active_seconds(), 1)
        kinds = [
            k for k, present in (("video", info.has_video), ("audio", info.has_audio)) if present
        ]
        return StageResult(
            outputs=outputs, summary={"duration": info.duration, "streams": kinds, **summary}
        )
