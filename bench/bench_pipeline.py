"""The whole `pipeline run` (probe, transcribe, slides, chapters, scan, thumbnail, describe) on
the cached 10- and 60-minute 1080p30 recordings: per stage and in total wall time and
x-realtime, peak RSS of the run, against decoding every video frame once with ffmpeg (the
floor any analysis of every frame pays), measured in the same run just before.

The recordings show a fake key, so the run is made with scan.on_secret = hold: everything is
analysed and the run stops (exit 11) before rendering a redacted copy, which is the run the
target is set for ("no secrets found"); the redaction's cost is bench_redact's. Per stage,
peak RSS is the process's high-water mark when the stage ended (stages that overlap share
the process).

BENCH_MINUTES (default "10,60") picks the lengths: the 60-minute recording takes about half
an hour to generate the first time and the run several minutes on 2 cores."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from bench.measure import measure, pipeline_cmd
from bench.recordings import bench_recording
from pipeline.media.ffmpeg import ffmpeg_exe
from pipeline.workspace import MANIFEST_JSON

STAGES = (
    "probe", "transcribe", "slides", "chapters", "scan", "redact", "thumbnail", "describe",
)  # fmt: skip


def minutes_to_run() -> list[int]:
    return [int(m) for m in os.environ.get("BENCH_MINUTES", "10,60").split(",") if m.strip()]


def decode_once_cmd(recording: Path) -> list[str]:
    """ffmpeg decoding every video frame once (all cores), writing nothing."""
    return [
        ffmpeg_exe(), "-nostdin", "-v", "error", "-threads", "0", "-i", str(recording),
        "-map", "0:v:0", "-f", "null", "-",
    ]  # fmt: skip


def run_once(minutes: int) -> dict[str, float]:
    """Figures for one length: decode-once baseline, then the whole run."""
    return measure_run(bench_recording(minutes), minutes * 60.0, f"{minutes}min")


def measure_run(
    recording: Path,
    duration: float,
    tag: str,
    inspect: Callable[[Path, dict], dict[str, float]] | None = None,
) -> dict[str, float]:
    """Decode `recording` once, then `pipeline run` it (on_secret = hold); the figures are
    suffixed with `tag`. `inspect(work folder, manifest stages)` adds figures of its own
    while the work folder still exists."""
    decode = measure(decode_once_cmd(recording))
    with tempfile.TemporaryDirectory() as out:
        m = measure(
            pipeline_cmd("run", str(recording), "--out", out, "--quiet"),
            env={"PIPELINE_SCAN_ON_SECRET": "hold"},
            ok=(0, 11),
        )
        work = Path(out) / recording.stem
        stages = json.loads((work / MANIFEST_JSON).read_text())["stages"]
        extra = inspect(work, stages) if inspect else {}
    figures = {
        f"decode_once_s_{tag}": round(decode.seconds, 2),
        f"decode_once_x_realtime_{tag}": round(duration / decode.seconds, 1),
        f"total_s_{tag}": round(m.seconds, 2),
        f"total_x_realtime_{tag}": round(duration / m.seconds, 1),
        f"total_vs_decode_once_{tag}": round(m.seconds / decode.seconds, 2),
        f"peak_rss_mb_{tag}": round(m.peak_rss_mb, 1),
    }
    for name in STAGES:
        seconds = float(stages.get(name, {}).get("seconds", 0.0))
        figures[f"{name}_s_in_run_{tag}"] = round(seconds, 2)
        if seconds > 0:
            figures[f"{name}_x_realtime_in_run_{tag}"] = round(duration / seconds, 1)
        rss = stages.get(name, {}).get("peak_rss_mb")
        if rss is not None:
            figures[f"{name}_peak_rss_mb_in_run_{tag}"] = rss
    for name in ("slides", "scan"):
        decoded = stages.get(name, {}).get("summary", {}).get("decoded_seconds")
        if decoded is not None:
            figures[f"{name}_decoded_share_{tag}"] = round(float(decoded) / duration, 3)
    return {**figures, **extra}


def run() -> dict[str, float]:
    results: dict[str, float] = {}
    lengths = minutes_to_run()
    for minutes in lengths:
        results.update(run_once(minutes))
    if len(lengths) > 1:
        short, long = min(lengths), max(lengths)
        results[f"peak_rss_ratio_{long}min_vs_{short}min"] = round(
            results[f"peak_rss_mb_{long}min"] / results[f"peak_rss_mb_{short}min"], 2
        )
    return results
