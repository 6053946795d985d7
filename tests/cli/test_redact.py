"""`pipeline redact` as a user runs it: bad input gives one line, a non-zero exit and no
files; a good run prints what it did and writes redacted.mp4 and redactions.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

SECRET = Path(__file__).resolve().parents[2] / "fixtures" / "secret.mp4"


@pytest.mark.parametrize(
    "args",
    [
        ["--from", "0:08", "--to", "0:04"],
        ["--range", "0:05-0:50"],
        ["--range", "five-six"],
        ["--from", "1:75", "--to", "2:00"],
        ["--range", "1-2", "--region", "1200,700,200,100"],
        ["--range", "1-2", "--region", "10,10"],
        ["--from", "1"],
    ],
    ids=[
        "from-after-to",
        "outside",
        "unparsable",
        "bad-seconds",
        "region-outside",
        "region-short",
        "no-to",
    ],
)
def test_bad_input_one_line_nothing_written(cli, tmp_path, args):
    result = cli("redact", str(SECRET), *args, "--out", str(tmp_path / "out"))
    assert result.code == 2
    assert result.stderr.startswith("error: ") and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_missing_recording(cli, tmp_path):
    result = cli(
        "redact", str(tmp_path / "gone.mp4"), "--range", "1-2", "--out", str(tmp_path / "out")
    )
    assert result.code == 2 and "not found" in result.stderr
    assert not (tmp_path / "out").exists()


def test_ranges_from_flags_and_default_recording(cli, tmp_path):
    flags = tmp_path / "flags.json"
    flags.write_text(json.dumps({"findings": [
        {"id": "f1", "start": 4.0, "end": 8.0, "boxes": [[108, 266, 826, 59]], "rule": "aws",
         "source": "screen", "confidence": 0.9, "preview": "AKIA****MPLE", "status": "unresolved"},
        {"id": "f2", "start": 1.0, "end": 2.0, "boxes": [], "rule": "x", "source": "screen",
         "confidence": 0.5, "preview": "xxxx****xxxx", "status": "dismissed"},
    ]}))  # fmt: skip
    out = tmp_path / "out"
    first = cli("redact", str(SECRET), "--ranges", str(flags), "--out", str(out), "--json")
    assert first.code == 0, first.stderr
    log = json.loads(first.stdout)
    # padded as on_secret = blur pads it: 12 px around the box, 0.5 s either side
    assert log["ranges"] == [{"start": 3.5, "end": 8.5, "regions": [[96, 254, 850, 83]]}]
    assert (out / "secret" / "redacted.mp4").is_file()
    # no recording named: the most recent one in the output folder, said on stderr
    again = cli("redact", "--ranges", str(flags), "--out", str(out))
    assert again.code == 0 and "secret.mp4" in again.stderr
    assert "already redacted" in again.stdout
