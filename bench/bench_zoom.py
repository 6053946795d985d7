"""The whole `pipeline run` on recordings laid out as Zoom records a meeting (1280x720 25 fps
speaker view: the share in its rectangle beside a strip of three webcam tiles whose pixels
change every frame, a cursor; see bench/zoom_recording.py), with the same figures as
bench_pipeline against ffmpeg decoding every frame once in the same run, plus the screen
pass (slides + scan stages) in x realtime, slide changes found against the truth (±1 s) and
whether the fake key typed in the terminal parts was found on screen each time it showed.

Figures carry `zoom_<n>min`. BENCH_ZOOM_MINUTES (default "10,60") picks the lengths; the
60-minute recording takes over half an hour to generate on 2 cores (encoding is most of it)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from bench.bench_pipeline import measure_run
from bench.quality_metrics import pair_times
from bench.zoom_recording import zoom_bench_recording
from pipeline.workspace import FLAGS_JSON, SLIDES_JSON


def minutes_to_run() -> list[int]:
    lengths = os.environ.get("BENCH_ZOOM_MINUTES", "10,60").split(",")
    return [int(m) for m in lengths if m.strip()]


def screen_figures(truth: dict, tag: str, duration: float):
    """An `inspect` for measure_run: the screen pass's speed, slide changes and key finds."""

    def inspect(work: Path, stages: dict) -> dict[str, float]:
        screen_s = sum(float(stages.get(n, {}).get("seconds", 0.0)) for n in ("slides", "scan"))
        found = [c["time"] for c in json.loads((work / SLIDES_JSON).read_text())["changes"][1:]]
        pairing = pair_times(truth["slide_changes"], found)
        findings = json.loads((work / FLAGS_JSON).read_text())["findings"]
        screen = [f for f in findings if f["source"] == "screen"]
        keys = [f for f in screen if f["rule"] == "aws-access-key"]
        shown = truth["screen_secrets"]
        seen = sum(
            any(f["start"] <= s["end"] and f["end"] >= s["start"] for f in keys) for s in shown
        )
        delays = [
            min((f["start"] - s["start"] for f in keys if f["end"] >= s["start"]), default=None)
            for s in shown
        ]
        return {
            f"screen_pass_s_in_run_{tag}": round(screen_s, 2),
            f"screen_pass_x_realtime_in_run_{tag}": round(duration / screen_s, 1),
            f"slides_changes_found_{tag}": len(pairing.pairs),
            f"slides_changes_expected_{tag}": len(truth["slide_changes"]),
            f"slides_false_changes_{tag}": len(pairing.extra),
            f"fake_key_shown_{tag}": len(shown),
            f"fake_key_found_{tag}": seen,
            f"fake_key_worst_delay_s_{tag}": max(
                (round(d, 2) for d in delays if d is not None), default=-1
            ),
            f"screen_findings_{tag}": len(screen),
            f"screen_findings_other_than_key_{tag}": len(screen) - len(keys),
            f"scan_frames_ocr_{tag}": stages.get("scan", {})
            .get("summary", {})
            .get("frames_ocr", 0),
            f"scan_lines_recognised_{tag}": stages.get("scan", {})
            .get("summary", {})
            .get("lines_recognised", 0),
        }

    return inspect


def run() -> dict[str, float]:
    results: dict[str, float] = {}
    lengths = minutes_to_run()
    for minutes in lengths:
        recording = zoom_bench_recording(minutes)
        truth = json.loads(recording.with_suffix(".json").read_text())
        tag, duration = f"zoom_{minutes}min", minutes * 60.0
        results.update(measure_run(recording, duration, tag, screen_figures(truth, tag, duration)))
    if len(lengths) > 1:
        short, long = min(lengths), max(lengths)
        results[f"peak_rss_ratio_zoom_{long}min_vs_{short}min"] = round(
            results[f"peak_rss_mb_zoom_{long}min"] / results[f"peak_rss_mb_zoom_{short}min"], 2
        )
    return results
