"""Probe stage: what the recording holds (streams, duration, keyframes) -> media.json.

The CLI probes every recording before a run (that is how bad input is refused before anything
is written); this stage records that result in the work folder for the stages after it."""

from __future__ import annotations

from pipeline.media.probe import probe
from pipeline.stages.base import Stage, StageContext, StageResult

MEDIA_JSON = "media.json"


class ProbeStage(Stage):
    name = "probe"
    version = 1

    def progress_total(self, ctx: StageContext) -> float | None:
        return None

    def run(self, ctx: StageContext) -> StageResult:
        info = ctx.media or probe(ctx.recording)
        ctx.workspace.write_json(MEDIA_JSON, info.to_dict())
        ctx.media = info
        kinds = [
            k for k, present in (("video", info.has_video), ("audio", info.has_audio)) if present
        ]
        return StageResult(
            outputs=[MEDIA_JSON], summary={"duration": info.duration, "streams": kinds}
        )
