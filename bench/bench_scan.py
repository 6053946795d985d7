"""Scan speed on a 10-minute 1080p screen share: x-realtime of the scan stage alone (screen
OCR where the picture changed, plus the text detectors), with how many sampled frames were
OCR'd, against decoding every frame (the floor: the scan decodes each frame once) measured
in the same run."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from bench.measure import measure
from bench.recordings import bench_recording
from pipeline.media.ffmpeg import ffmpeg_exe


def scan_only(recording: str, out: str) -> None:
    """Probe and scan `recording` into `out` (no transcription), as `pipeline scan` would."""
    from pipeline.media.probe import probe
    from pipeline.runner import Runner
    from pipeline.settings import load_settings
    from pipeline.stages.probe import ProbeStage
    from pipeline.stages.scan import ScanStage
    from pipeline.workspace import Workspace

    media = probe(Path(recording))
    runner = Runner(
        Path(media.path), media, Workspace.for_recording(Path(recording), Path(out)),
        load_settings(None, env={}),
    )  # fmt: skip
    runner.run([ProbeStage(), ScanStage()])


def run(minutes: int = 10) -> dict[str, float]:
    recording = bench_recording(minutes)
    duration = minutes * 60.0
    decode = measure(
        [ffmpeg_exe(), "-nostdin", "-v", "error", "-threads", "0", "-i", str(recording),
         "-map", "0:v:0", "-f", "null", "-"]
    )  # fmt: skip
    with tempfile.TemporaryDirectory() as out:
        code = f"from bench.bench_scan import scan_only; scan_only({str(recording)!r}, {out!r})"
        m = measure([sys.executable, "-c", code], cwd=Path(__file__).resolve().parent.parent)
        manifest = json.loads((Path(out) / recording.stem / "manifest.json").read_text())
        summary = manifest["stages"]["scan"]["summary"]
    return {
        f"scan_s_{minutes}min": round(m.seconds, 2),
        "scan_x_realtime": round(duration / m.seconds, 1),
        f"scan_peak_rss_mb_{minutes}min": round(m.peak_rss_mb, 1),
        f"video_decode_s_{minutes}min": round(decode.seconds, 2),
        "video_decode_x_realtime": round(duration / decode.seconds, 1),
        "scan_vs_video_decode": round(m.seconds / decode.seconds, 2),
        "scan_frames_sampled": summary["frames_sampled"],
        "scan_frames_ocr": summary["frames_ocr"],
        "scan_regions_read": summary["regions_read"],
        "scan_lines_recognised": summary["lines_recognised"],
        "scan_findings": summary["findings"],
    }
