"""Slides, chapters and thumbnail on the 10-minute 1080p recording: x-realtime per stage and
peak memory, against decoding every frame of the video (ffmpeg, the floor a detector that
looks at every frame would pay) measured in the same run. Also how many of the recording's
slide changes were found."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from bench.measure import measure, pipeline_cmd
from bench.recordings import TALK, bench_recording
from pipeline.media.ffmpeg import ffmpeg_exe


def run(minutes: int = 10) -> dict[str, float]:
    recording = bench_recording(minutes)
    duration = minutes * 60.0
    truth = json.loads(recording.with_suffix(".json").read_text())["slide_changes"]
    decode = measure(
        [ffmpeg_exe(), "-nostdin", "-v", "error", "-i", str(recording), "-an", "-f", "null", "-"]
    )
    with tempfile.TemporaryDirectory() as out:
        m = measure(pipeline_cmd("thumbnail", str(recording), "--out", out, "--quiet"))
        work = Path(out) / recording.stem
        stages = json.loads((work / "manifest.json").read_text())["stages"]
        found = [c["time"] for c in json.loads((work / "slides.json").read_text())["changes"][1:]]
        # the same commands on the 52 s fixture: memory must not grow with the length
        short = measure(
            pipeline_cmd("thumbnail", str(TALK), "--out", str(Path(out) / "short"), "--quiet")
        )
    slides_s = stages["slides"]["seconds"]
    matched = [min((abs(f - t) for f in found), default=99.0) for t in truth]
    return {
        f"decode_every_frame_s_{minutes}min": round(decode.seconds, 2),
        "decode_every_frame_x_realtime": round(duration / decode.seconds, 1),
        f"slides_s_{minutes}min": round(slides_s, 2),
        "slides_x_realtime": round(duration / slides_s, 1),
        "slides_vs_decode_every_frame": round(slides_s / decode.seconds, 2),
        f"chapters_s_{minutes}min": round(stages["chapters"]["seconds"], 2),
        f"thumbnail_s_{minutes}min": round(stages["thumbnail"]["seconds"], 2),
        "slides_chapters_thumbnail_x_realtime": round(duration / m.seconds, 1),
        f"slides_chapters_thumbnail_peak_rss_mb_{minutes}min": round(m.peak_rss_mb, 1),
        "slides_chapters_thumbnail_peak_rss_mb_52s_fixture": round(short.peak_rss_mb, 1),
        f"peak_rss_ratio_{minutes}min_vs_52s": round(m.peak_rss_mb / short.peak_rss_mb, 2),
        "slides_changes_found": sum(e <= 1.0 for e in matched),
        "slides_changes_expected": len(truth),
        "slides_false_changes": max(0, len(found) - sum(e <= 1.0 for e in matched)),
    }
