"""`make quality`: how good the slide changes, chapters and thumbnail are on every committed
fixture that has ground truth (fixtures/*.json beside a .mp4), old and new.

For each fixture it runs the real command a user would, in a scratch folder:

    python -m pipeline run FIXTURE --out TMP --quiet [--features FIXTURE.features.yaml]

with scan.on_secret = hold (fixtures that show secrets stop before rendering, exit 11), and
`pipeline thumbnail` after it if no thumbnail was made. It then reads only the artifacts
(slides.json, chapters.json, thumbnail.jpg) and the fixture's video and truth: nothing from
the pipeline package is imported, so this keeps working while the package moves around.

Prints a table per fixture and overall (slide-change precision, recall and F1 at ±1 s,
chapter starts within ±1 s, chapter-title accuracy, demo-day feature start error, whether
the thumbnail is the deck and the expected slide), the misses underneath, and writes every
number to quality-results.json. How each is measured: bench/quality_metrics.py.

    python -m bench.quality [NAME ...] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.quality_metrics import (
    feature_errors,
    pair_times,
    thumbnail_verdict,
    title_checks,
)
from bench.quality_report import overall, print_report
from bench.quality_truth import Expectations, expectations, read_rgb, reference_pictures

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
RESULTS = ROOT / "quality-results.json"


def fixtures_with_truth() -> list[str]:
    """Names of the fixtures whose JSON says what is on screen when."""
    names = []
    for truth in sorted(FIXTURES.glob("*.json")):
        data = json.loads(truth.read_text())
        if truth.with_suffix(".mp4").is_file() and ("scenes" in data or "slides" in data):
            names.append(truth.stem)
    return names


def run_pipeline(recording: Path, out: Path, features: Path | None) -> dict:
    """Run `pipeline run` (then `pipeline thumbnail` if needed); returns exit codes and time."""
    env = {**os.environ, "PIPELINE_SCAN_ON_SECRET": "hold", "PYTHONUNBUFFERED": "1"}
    cmd = [sys.executable, "-m", "pipeline", "run", str(recording), "--out", str(out), "--quiet"]
    if features:
        cmd += ["--features", str(features)]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    info = {"exit": proc.returncode, "stderr": proc.stderr[-400:] if proc.returncode else ""}
    work = out / recording.stem
    if proc.returncode in (0, 11) and not (work / "thumbnail.jpg").is_file():
        thumb = subprocess.run(
            [
                sys.executable,
                "-m",
                "pipeline",
                "thumbnail",
                str(recording),
                "--out",
                str(out),
                "--quiet",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        info["thumbnail_exit"] = thumb.returncode
    info["seconds"] = round(time.perf_counter() - t0, 1)
    return info


def _load(path: Path) -> dict | None:
    return json.loads(path.read_text()) if path.is_file() else None


def score(exp: Expectations, work: Path) -> dict:
    """Every measure for one fixture, from the artifacts in its work folder."""
    slides = _load(work / "slides.json") or {"changes": []}
    found = [float(c["time"]) for c in slides.get("changes", [])[1:]]
    pairing = pair_times(exp.changes, found)
    result: dict = {
        "layout": exp.layout,
        "changes": {
            "truth": len(exp.changes),
            "found": len(found),
            "matched": len(pairing.pairs),
            "precision": pairing.precision,
            "recall": pairing.recall,
            "missed": pairing.missed,
            "extra": pairing.extra,
            "delays": [round(f - t, 2) for t, f in pairing.pairs],
        },
    }
    chapters = (_load(work / "chapters.json") or {}).get("chapters") or []
    result["chapters_found"] = [{"start": c["start"], "title": c.get("title")} for c in chapters]
    if exp.chapters is not None:
        starts = pair_times([c["start"] for c in exp.chapters], [c["start"] for c in chapters])
        checks = title_checks(exp.chapters, chapters, exp.duration)
        result["chapters"] = {
            "expected": len(exp.chapters),
            "starts_matched": len(starts.pairs),
            "titles_scored": len(checks),
            "titles_right": sum(c["right"] for c in checks),
            "checks": checks,
        }
    if exp.features is not None:
        result["features"] = feature_errors(exp.features, chapters)
    thumb_path = work / "thumbnail.jpg"
    if exp.thumbnail_scenes and thumb_path.is_file():
        deck, windows, whole = reference_pictures(exp)
        result["thumbnail"] = thumbnail_verdict(
            read_rgb(thumb_path), deck, windows, whole, exp.thumbnail_expected
        )
    elif exp.thumbnail_scenes:
        result["thumbnail"] = {
            "deck": False,
            "slide_right": False,
            "best_scene": None,
            "ncc": None,
            "note": "no thumbnail.jpg",
        }
    return result


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.quality",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("names", nargs="*", help="fixtures to measure (default: all with truth)")
    parser.add_argument("--keep", type=Path, help="keep the work folders here")
    args = parser.parse_args(argv)
    names = args.names or fixtures_with_truth()
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="quality-") as tmp:
        out = args.keep or Path(tmp)
        for name in names:
            exp = expectations(FIXTURES / f"{name}.json")
            print(f"== {name}: pipeline run ...", end="", flush=True)
            run = run_pipeline(exp.recording, out, exp.features_file)
            print(f" exit {run['exit']}, {run['seconds']} s", flush=True)
            result = {"pipeline": run}
            if run["exit"] in (0, 11):
                result.update(score(exp, out / exp.recording.stem))
            else:
                print(f"   failed: {run['stderr']}", flush=True)
            results[name] = result
    total = overall(results)
    print_report(results, total)
    RESULTS.write_text(json.dumps({"fixtures": results, "overall": total}, indent=2) + "\n")
    print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
