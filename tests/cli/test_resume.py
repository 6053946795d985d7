"""Killing `pipeline run` with SIGKILL mid-transcription, then running it again, finishes the
job without redoing finished stages and without leaving temp files."""

import json
import os
import signal
import subprocess
import sys

from pipeline.workspace import TEMP_MARK
from tests.conftest import run_pipeline


def test_sigkill_mid_transcription_then_resume(tmp_path, talk_copy):
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "run", str(talk_copy), "--out", str(out), "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        for line in proc.stderr:
            event = json.loads(line)
            # the first transcribed segment: the model is busy with the rest of the audio
            if (
                event.get("event") == "progress"
                and event["stage"] == "transcribe"
                and event["done"] > 0
            ):
                proc.send_signal(signal.SIGKILL)
                break
        else:
            raise AssertionError("transcription never reported progress")
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL

    workdir = out / "talk"
    manifest = json.loads((workdir / "manifest.json").read_text())
    assert manifest["stages"]["probe"]["status"] == "done"
    assert manifest["stages"]["transcribe"]["status"] == "running", "killed before it finished"
    assert not (workdir / "transcript.json").exists()

    again = run_pipeline("run", str(talk_copy), "--out", str(out), "--json")
    assert again.code == 0, again.stderr
    statuses = {s["name"]: s["status"] for s in json.loads(again.stdout)["stages"]}
    assert statuses["probe"] == "skipped", "finished stages are not redone"
    assert statuses["transcribe"] == "ran"
    assert set(statuses.values()) <= {"ran", "skipped", "not applicable"}
    transcript = json.loads((workdir / "transcript.json").read_text())
    assert "roadmap" in transcript["text"].lower()
    assert not [p for p in out.rglob("*") if TEMP_MARK in p.name]
    assert (
        json.loads((workdir / "manifest.json").read_text())["stages"]["transcribe"]["status"]
        == "done"
    )
