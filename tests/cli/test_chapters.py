"""`pipeline chapters`: slides and chapters (with the transcript they need) from the CLI."""

from __future__ import annotations

import json


def test_chapters_command_on_a_demo_day(cli, tmp_path):
    root = __import__("pathlib").Path(__file__).resolve().parents[2]
    result = cli(
        "chapters", str(root / "fixtures/demoday.mp4"),
        "--features", str(root / "fixtures/demoday.features.yaml"),
        "--out", str(tmp_path), "--json",
    )  # fmt: skip
    assert result.code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert [s["name"] for s in summary["stages"]] == ["probe", "transcribe", "slides", "chapters"]
    data = json.loads((tmp_path / "demoday" / "chapters.json").read_text())
    assert [c["source"] for c in data["chapters"]] == ["ocr", "features", "features", "features"]


def test_missing_features_file_is_refused(cli, tmp_path):
    result = cli("chapters", "fixtures/demoday.mp4", "--features", str(tmp_path / "nope.yaml"))
    assert result.code == 2 and "nope.yaml" in result.stderr


def test_help_explains(cli):
    result = cli("chapters", "--help")
    assert result.code == 0 and "YouTube" in result.stdout and "--features" in result.stdout
