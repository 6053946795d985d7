"""Where the screen pass's time goes: `python -m bench.profile_screen RECORDING [SECONDS]`
runs probe + slides + scan (the slides stage's pass carries the secret scanner, as in
`pipeline run`) on one core over the first SECONDS of RECORDING (cut without re-encoding),
timing the parts by wrapping them: the low-resolution views, the slide detector and its
keyframe gate, the scanner's gate, its change finding, OCR detection and recognition (and
what triggered them: changed bands or busy areas such as webcam tiles), the line cache; the
decoder's CPU is ffmpeg's (children's CPU time), and the pass's wall time not spent in a
watcher is time waiting for decoded pictures. Prints one table; not part of `make bench`."""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

TIMES: dict[str, float] = defaultdict(float)
CALLS: dict[str, int] = defaultdict(int)


def _timed(owner: object, attr: str, label: str) -> None:
    """Replace owner.attr by a wrapper adding its wall time to TIMES[label]."""
    original: Callable = getattr(owner, attr)

    def wrapper(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            TIMES[label] += time.perf_counter() - t0
            CALLS[label] += 1

    setattr(owner, attr, wrapper)


def _instrument() -> None:
    from pipeline.leaks import ocr, screen_gate, screen_scan
    from pipeline.leaks.line_cache import LineCache
    from pipeline.slides import changes
    from pipeline.stages import slides

    _timed(ocr.ScreenReader, "_detect", "ocr detect (model)")
    _timed(ocr.ScreenReader, "detect", "ocr detect (with ink crop)")
    _timed(ocr.ScreenReader, "recognise", "ocr recognise (with cache)")
    _timed(LineCache, "get", "line cache get")
    _timed(screen_scan.ScreenScanner, "feed", "scanner feed (all)")
    _timed(screen_scan.ScreenScanner, "_regions", "scanner change finding")
    _timed(screen_scan.ScreenScanner, "_read_band", "scanner: changed bands")
    _timed(screen_scan.ScreenScanner, "_read_busy", "scanner: busy areas")
    _timed(screen_gate.ScreenGate, "__call__", "scanner keyframe gate")
    _timed(changes.SlideChangeDetector, "feed", "slide detector feed")
    _timed(changes.KeyframeGate, "__call__", "slide keyframe gate")
    _timed(slides.SlideWatcher, "feed", "slide watcher feed (with low view)")
    _timed(slides.SlidesStage, "_save_slide_frames", "slide frames saved")


def cut(recording: Path, seconds: float, out: Path) -> Path:
    from pipeline.media.ffmpeg import ffmpeg_exe

    target = out / f"{recording.stem}-{seconds:g}s.mp4"
    subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-y", "-i", str(recording), "-t", f"{seconds:g}",
         "-c", "copy", str(target)],
        check=True,
    )  # fmt: skip
    return target


def profile(recording: Path, out: Path) -> dict[str, float]:
    from pipeline.media.probe import probe
    from pipeline.runner import Runner
    from pipeline.settings import load_settings
    from pipeline.stages.probe import ProbeStage
    from pipeline.stages.scan import ScanStage
    from pipeline.stages.slides import SlidesStage
    from pipeline.workspace import Workspace

    _instrument()
    media = probe(recording)
    settings = load_settings(None, env={})
    runner = Runner(recording, media, Workspace.for_recording(recording, out), settings, cores=1)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    runner.run([ProbeStage(), SlidesStage(), ScanStage()])
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    children = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return {"wall": wall, "ffmpeg_cpu": children, "duration": media.duration}


def main(argv: list[str]) -> None:
    recording = Path(argv[0])
    seconds = float(argv[1]) if len(argv) > 1 else 0.0
    with tempfile.TemporaryDirectory() as tmp:
        source = cut(recording, seconds, Path(tmp)) if seconds else recording
        totals = profile(source, Path(tmp) / "out")
    wall, duration = totals["wall"], totals["duration"]
    print(f"{source.name}: {duration:.0f} s of video, probe+slides+scan {wall:.1f} s wall "
          f"({duration / wall:.1f}x realtime), ffmpeg CPU {totals['ffmpeg_cpu']:.1f} s")  # fmt: skip
    for label, seconds_in in sorted(TIMES.items(), key=lambda kv: -kv[1]):
        print(
            f"  {label:<38} {seconds_in:7.2f} s  {seconds_in / wall:6.1%}  {CALLS[label]:6d} calls"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
