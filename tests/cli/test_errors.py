"""Bad input: one line on stderr, a non-zero exit, no traceback, nothing lost."""

import json

import pytest

from tests.conftest import run_pipeline


def _one_line_error(result):
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.stderr
    return lines[0]


@pytest.mark.parametrize(
    "variant, code, words",
    [
        ("empty", 2, "empty"),
        ("not_media", 2, "not a recognizable audio or video file"),
        ("truncated", 2, "truncated"),
    ],
)
def test_bad_recordings(tmp_path, media_variants, variant, code, words):
    source = media_variants[variant]
    before = source.read_bytes()
    result = run_pipeline("run", str(source), "--out", str(tmp_path / "out"))
    assert result.code == code
    assert words in _one_line_error(result)
    assert source.read_bytes() == before
    assert not (tmp_path / "out").exists(), "nothing is written for bad input"


def test_missing_file_and_directory(tmp_path):
    missing = run_pipeline("run", str(tmp_path / "nope.mp4"), "--out", str(tmp_path / "out"))
    assert missing.code == 2 and "not found" in _one_line_error(missing)
    directory = run_pipeline("run", str(tmp_path), "--out", str(tmp_path / "out"))
    assert directory.code == 2 and "is a directory" in _one_line_error(directory)


def test_unwritable_output_folder(tmp_path, media_variants):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = run_pipeline("run", str(media_variants["short"]), "--out", str(blocker / "out"))
    assert result.code == 5
    line = _one_line_error(result)
    assert "cannot write to output folder" in line and "--out" in line


def test_unknown_force_stage_names_the_stages(tmp_path, media_variants):
    result = run_pipeline(
        "run", str(media_variants["short"]), "--out", str(tmp_path), "--force", "nosuch"
    )
    assert result.code == 2
    assert "transcribe" in _one_line_error(result)


def test_debug_shows_the_traceback(tmp_path, media_variants):
    result = run_pipeline("run", str(media_variants["empty"]), "--out", str(tmp_path), "--debug")
    assert result.code == 2 and "Traceback" in result.stderr


def test_video_without_audio_skips_transcription_and_continues(tmp_path, media_variants):
    result = run_pipeline("run", str(media_variants["no_audio"]), "--out", str(tmp_path), "--json")
    assert result.code == 0, result.stderr
    summary = json.loads(result.stdout)
    statuses = {s["name"]: s["status"] for s in summary["stages"]}
    assert statuses["transcribe"] == "not applicable"
    assert statuses["probe"] == "ran"
    assert any("no audio" in w for w in summary["warnings"])
    assert not (tmp_path / "no_audio" / "transcript.json").exists()


def test_audio_only_file_is_transcribed(tmp_path, media_variants):
    result = run_pipeline(
        "run", str(media_variants["audio_only"]), "--out", str(tmp_path), "--json"
    )
    assert result.code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["has_video"] is False
    assert {s["name"]: s["status"] for s in summary["stages"]}["transcribe"] == "ran"
    transcript = json.loads((tmp_path / "audio_only" / "transcript.json").read_text())
    assert "office hours" in transcript["text"].lower()


def test_help_explains_every_command():
    for args in (["--help"], ["run", "--help"], ["transcribe", "--help"]):
        result = run_pipeline(*args)
        assert result.code == 0
        assert "Usage:" in result.stdout
    assert "--model" in run_pipeline("run", "--help").stdout
