"""The stages, in the order data flows through them."""

from __future__ import annotations

from pipeline.stages.base import Stage, StageContext, StageResult
from pipeline.stages.chapters import ChaptersStage
from pipeline.stages.describe import DescribeStage
from pipeline.stages.probe import ProbeStage
from pipeline.stages.redact import RedactStage
from pipeline.stages.scan import ScanStage
from pipeline.stages.slides import SlidesStage
from pipeline.stages.thumbnail import ThumbnailStage
from pipeline.stages.transcribe import TranscribeStage


def all_stages() -> list[Stage]:
    """Every stage `pipeline run` runs, in order."""
    return [
        ProbeStage(),
        TranscribeStage(),
        SlidesStage(),
        ChaptersStage(),
        ScanStage(),
        RedactStage(),
        ThumbnailStage(),
        DescribeStage(),
    ]


def stage_names() -> list[str]:
    return [s.name for s in all_stages()]


__all__ = ["Stage", "StageContext", "StageResult", "all_stages", "stage_names"]
