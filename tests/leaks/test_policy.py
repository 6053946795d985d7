"""The secret policy: findings -> padded redaction ranges and muted spans, what `on_secret`
decides after a run (with the finding list it reports), and the chat that goes with a
recording."""

from __future__ import annotations

import json

import pytest

from pipeline.errors import ConfigError, InputError, SecretsHeldError
from pipeline.leaks.findings import write_findings
from pipeline.leaks.policy import (
    BOX_PAD,
    TIME_PAD,
    chat_for,
    findings_to_ranges,
    flags_redaction,
    mute_ranges,
    prepare_scan,
    review_findings,
)
from pipeline.media.probe import probe
from pipeline.settings import Settings
from pipeline.workspace import Workspace
from tests.conftest import FIXTURES
from tests.leaks.factories import finding


def test_ranges_pad_boxes_and_times_and_clamp_to_the_frame():
    ranges = findings_to_ranges(
        [finding(boxes=[[5, 2, 100, 20]])], pad=10, pad_s=0.5, frame_size=(1280, 720)
    )
    assert [(r.start, r.end, r.regions) for r in ranges] == [(4.5, 8.5, ((0, 0, 115, 32),))]
    assert ranges[0].to_dict() == {"start": 4.5, "end": 8.5, "regions": [[0, 0, 115, 32]]}


def test_overlapping_findings_split_into_non_overlapping_ranges():
    a = finding("a", 0.0, 10.0, [[0, 0, 10, 10]])
    b = finding("b", 5.0, 15.0, [[100, 100, 10, 10]])
    ranges = findings_to_ranges([a, b], pad=0, pad_s=0.0, duration=12.0)
    assert [(r.start, r.end, len(r.regions)) for r in ranges] == [
        (0.0, 5.0, 1),
        (5.0, 10.0, 2),
        (10.0, 12.0, 1),
    ]
    assert all(x.end <= y.start for x, y in zip(ranges, ranges[1:], strict=False))


def test_only_unresolved_screen_findings_become_blur_ranges():
    found = [
        finding("a", status="dismissed"),
        finding("b", status="redacted"),
        finding("c", source="speech", boxes=[]),
        finding("d", source="chat", boxes=[]),
    ]
    assert findings_to_ranges(found) == []
    assert mute_ranges(found, pad_s=0.0) == [(5.0, 8.0)]


def test_a_flags_file_is_hidden_as_on_secret_blur_hides_it(tmp_path):
    media = probe(FIXTURES / "secret.mp4")
    found = [
        finding("a", 4.0, 8.0, [[108, 266, 826, 59]]),
        finding("b", 1.0, 2.0, [[0, 0, 50, 50]], status="dismissed"),
        finding("c", 9.0, 9.5, [], source="speech"),
    ]
    flags = tmp_path / "flags.json"
    flags.write_text(json.dumps({"findings": [f.to_dict() for f in found]}))
    ranges, muted = flags_redaction(flags, media)
    frame = (media.video.width, media.video.height)
    assert ranges == findings_to_ranges(found, frame_size=frame, duration=media.duration)
    assert muted == mute_ranges(found)
    box = ranges[0].regions[0]
    assert box == (108 - BOX_PAD, 266 - BOX_PAD, 826 + 2 * BOX_PAD, 59 + 2 * BOX_PAD)
    assert ranges[0].start == 4.0 - TIME_PAD
    (tmp_path / "bad.json").write_text('{"nope": 1}')
    with pytest.raises(InputError):
        flags_redaction(tmp_path / "bad.json", media)
    with pytest.raises(InputError):
        flags_redaction(tmp_path / "missing.json", media)


def _scanned(tmp_path, findings) -> Workspace:
    ws = Workspace(tmp_path / "work")
    ws.prepare()
    write_findings(ws, findings)
    return ws


def test_hold_refuses_with_masked_previews_and_blur_lets_it_pass(tmp_path):
    ws = _scanned(
        tmp_path,
        [finding("a"), finding("b", status="dismissed"), finding("c", source="chat", boxes=[])],
    )
    settings = Settings()
    settings.scan.on_secret = "blur"
    blur = review_findings(ws, settings)
    blur.enforce()
    assert [r.action for r in blur.findings] == ["exposed", "dismissed", "reported"]
    settings.scan.on_secret = "hold"
    held = review_findings(ws, settings)
    assert [r.action for r in held.findings] == ["held", "dismissed", "reported"]
    with pytest.raises(SecretsHeldError) as err:
        held.enforce()
    assert err.value.exit_code == 11
    assert "1 unresolved" in err.value.message and "AKIA************MPLE" in err.value.message
    assert held.to_dict()["findings"][0]["action_text"].startswith("held")


def test_hold_passes_when_only_the_chat_has_a_secret(tmp_path):
    ws = _scanned(tmp_path, [finding("c", source="chat", boxes=[])])
    settings = Settings()
    settings.scan.on_secret = "hold"
    review_findings(ws, settings).enforce()  # a chat is never uploaded


def test_an_unscanned_recording_reports_nothing(tmp_path):
    assert review_findings(Workspace(tmp_path), Settings()).findings == []


def test_the_chat_fetched_from_zoom_wins_over_the_one_beside_the_recording(tmp_path):
    recording = tmp_path / "talk.mp4"
    recording.write_bytes(b"")
    ws = Workspace(tmp_path / "out" / "talk")
    ws.prepare()
    assert chat_for(recording, ws) is None
    beside = tmp_path / "talk.chat.txt"
    beside.write_text("10:00:00 From A to Everyone: hi\n")
    assert chat_for(recording, ws) == beside
    fetched = ws.path("zoom_chat.txt")
    fetched.write_text("10:00:00 From A to Everyone: hello\n")
    assert chat_for(recording, ws) == fetched
    settings = prepare_scan(Settings(), recording, ws)
    assert settings.scan.chat == str(fetched.resolve()) == settings.describe.chat


def test_bad_scan_settings_are_refused(tmp_path):
    settings = Settings()
    settings.scan.on_secret = "ignore"
    with pytest.raises(ConfigError):
        prepare_scan(settings, tmp_path / "x.mp4", Workspace(tmp_path))
