"""`redact()` on the committed fixtures with the real ffmpeg/x264, decoder and OCR: smart
render edges frame by frame, OCR before/after, durations, A/V sync, cut at the start and end,
two ranges, mute, downstream transcript/captions/chapters, the log, idempotent re-runs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import av
import numpy as np
import pytest

from pipeline.errors import InputError, UsageError
from pipeline.media.verify import decode_window, stream_facts
from pipeline.redaction.checks import read_text
from pipeline.redaction.ranges import RedactionRange
from pipeline.redaction.redact import redact
from pipeline.workspace import Workspace
from tests.conftest import FIXTURES  # noqa: E402

SECRET = FIXTURES / "secret.mp4"
TRUTH = json.loads((FIXTURES / "secret.json").read_text())
KEY = TRUTH["secret"]["text"]
FPS = TRUTH["fps"]
FRAME = 1 / FPS


def frames_by_index(path: Path, start: float, end: float) -> dict[int, np.ndarray]:
    window = decode_window(
        path,
        start,
        end,
        [k * FRAME + FRAME / 2 for k in range(round(start * FPS), round(end * FPS))],
    )
    return {
        round((t - FRAME / 2) * FPS): pic.astype(np.int16) for t, pic in window.pictures.items()
    }


def mad(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a - b).mean())


def crop(pic: np.ndarray, box) -> np.ndarray:
    x, y, w, h = box
    return pic[y : y + h, x : x + w]


def frame_rgb(path: Path, t: float) -> np.ndarray:
    return decode_window(path, t - 0.5, t + 0.2, [t], rgb=True).pictures[t]


def audio_rms(path: Path, start: float, end: float) -> float:
    with av.open(str(path)) as c:
        chunks = []
        for f in c.decode(audio=0):
            t = float(f.pts * f.time_base)
            data = f.to_ndarray().reshape(-1)
            n = f.samples
            ts = t + np.arange(n) / f.sample_rate
            chunks.append(data[:n][(ts >= start) & (ts < end)])
        return float(np.sqrt(np.mean(np.concatenate(chunks) ** 2)))


@pytest.fixture(scope="module")
def blurred(tmp_path_factory):
    """The fake key blurred in its box only (4.0-8.0 s)."""
    ws = Workspace(tmp_path_factory.mktemp("blur") / "secret")
    box = tuple(TRUTH["secret"]["box"])
    result = redact(ws, SECRET, [RedactionRange(4.0, 8.0, (box,))])
    return ws, result


def test_ocr_reads_the_key_before_and_not_after(blurred):
    ws, result = blurred
    box = TRUTH["secret"]["box"]
    before = " ".join(read_text(crop(frame_rgb(SECRET, 6.02), box)))
    after = " ".join(read_text(crop(frame_rgb(result.output, 6.02), box)))
    assert KEY[:8] in before.replace(" ", "")
    assert KEY[:4] not in after and not after.strip()


def test_blur_edges_are_frame_exact(blurred):
    ws, result = blurred
    box = TRUTH["secret"]["box"]
    first, last = TRUTH["secret"]["first_frame"], TRUTH["secret"]["last_frame"]
    src = frames_by_index(SECRET, 3.6, 8.6)
    out = frames_by_index(result.output, 3.6, 8.6)
    assert set(src) == set(out)
    for k in sorted(src):
        inside = first <= k <= last
        diff = mad(crop(src[k], box), crop(out[k], box))
        if inside:
            assert diff > 8, f"frame {k} inside the range is not blurred ({diff:.2f})"
        else:
            assert diff < 2, f"frame {k} outside the range was changed ({diff:.2f})"
    # outside the box the picture is untouched even inside the range
    x, y, w, h = box
    assert mad(src[first][: y - 20], out[first][: y - 20]) < 2


def test_smart_render_reencodes_only_to_the_next_keyframe(blurred):
    ws, result = blurred
    assert result.report.method == "smart"
    assert result.report.spans == [(4.0, 10.0)]
    assert result.report.encoded_frames == 6 * FPS
    facts, src = stream_facts(result.output), stream_facts(SECRET)
    assert (facts.codec, facts.profile, facts.width, facts.height, facts.fps) == (
        src.codec,
        src.profile,
        src.width,
        src.height,
        src.fps,
    )
    assert facts.video_frames == src.video_frames
    assert abs(facts.video_end - src.video_end) <= FRAME
    assert abs((facts.audio_end - facts.video_end) - (src.audio_end - src.video_end)) < 0.07
    # frames after the span are stream-copied: bit-identical decode
    out, ref = frames_by_index(result.output, 10.0, 10.4), frames_by_index(SECRET, 10.0, 10.4)
    assert all(np.array_equal(out[k], ref[k]) for k in ref)


def test_log_records_the_redaction(blurred):
    ws, result = blurred
    log = ws.read_json("redactions.json")
    assert log["source"]["path"] == str(SECRET.resolve())
    assert log["output"] == "redacted.mp4" and log["mode"] == "blur" and log["mute"] is False
    assert log["ranges"] == [{"start": 4.0, "end": 8.0, "regions": [TRUTH["secret"]["box"]]}]
    assert log["tool"].startswith("pipeline ") and log["created_at"]
    assert all(c["ok"] for c in log["checks"].values()) and "ocr_blurred" in log["checks"]


def test_rerun_is_a_noop_and_adding_a_range_renders_from_the_source(blurred, tmp_path):
    ws, first = blurred
    copy = Workspace(tmp_path / "secret")
    shutil.copytree(ws.root, copy.root)
    stamp = copy.path("redacted.mp4").stat().st_mtime_ns
    again = redact(copy, SECRET, [RedactionRange(4.0, 8.0, (tuple(TRUTH["secret"]["box"]),))])
    assert again.skipped and copy.path("redacted.mp4").stat().st_mtime_ns == stamp
    # adding a range, naming the redacted file: rendered from the original, both ranges kept
    more = redact(copy, copy.path("redacted.mp4"), [RedactionRange(1.0, 1.5)])
    assert not more.skipped and any("already redacted" in n for n in more.notices)
    assert [(r["start"], r["end"]) for r in copy.read_json("redactions.json")["ranges"]] == [
        (1.0, 1.5),
        (4.0, 8.0),
    ]
    assert stream_facts(copy.path("redacted.mp4")).video_frames == 12 * FPS
    src, out = (
        frames_by_index(SECRET, 0.96, 1.56),
        frames_by_index(copy.path("redacted.mp4"), 0.96, 1.56),
    )
    assert (
        mad(src[24], out[24]) < 2
        and mad(src[25], out[25]) > 3
        and mad(src[37], out[37]) > 3
        and mad(src[38], out[38]) < 2
    )


def test_whole_frame_blur_with_mute(tmp_path, talk_mp4):
    ws = Workspace(tmp_path / "talk")
    ws.prepare()
    ws.write_json("transcript.json", fake_transcript())
    result = redact(ws, talk_mp4, [RedactionRange(1.0, 3.0)], mute=True)
    assert audio_rms(talk_mp4, 1.2, 2.8) > 0.01
    assert audio_rms(result.output, 1.2, 2.8) < 0.002
    assert audio_rms(result.output, 3.2, 5.0) > 0.01
    words = [
        w["word"].strip()
        for s in ws.read_json("redacted/transcript.json")["segments"]
        for w in s["words"]
    ]
    # words even partly inside the muted range are dropped
    assert words == ["Welcome", "community"]
    assert "everyone" not in ws.path("redacted/captions.srt").read_text()
    src, out = frames_by_index(talk_mp4, 0.9, 3.1), frames_by_index(result.output, 0.9, 3.1)
    assert mad(src[24], out[24]) < 2 and mad(src[25], out[25]) > 5 and mad(src[74], out[74]) > 5
    assert mad(src[75], out[75]) < 2


def fake_transcript() -> dict:
    words = [
        (0.6, 0.9, " Welcome"),
        (0.9, 1.2, " everyone"),
        (1.3, 2.0, " to"),
        (2.9, 3.2, " the"),
        (14.0, 14.5, " community"),
    ]
    seg_words = [{"start": a, "end": b, "word": w, "probability": 0.9} for a, b, w in words]
    return {
        "language": "en",
        "duration": 52.16,
        "model": {},
        "options": {},
        "text": "Welcome everyone to the community",
        "segments": [
            {
                "id": 0,
                "start": 0.6,
                "end": 14.5,
                "text": "Welcome everyone to the community",
                "words": seg_words,
            }
        ],
    }


@pytest.fixture(scope="module")
def cut_two(tmp_path_factory, talk_mp4):
    """Two ranges cut from the talk, with a transcript and chapters in the work folder."""
    ws = Workspace(tmp_path_factory.mktemp("cut") / "talk")
    ws.prepare()
    ws.write_json("transcript.json", fake_transcript())
    ws.write_json("chapters.json", {"chapters": [
        {"start": 0.0, "end": 9.92, "title": "Intro", "source": "ocr"},
        {"start": 9.92, "end": 20.28, "title": "Roadmap", "source": "ocr"},
        {"start": 20.28, "end": 31.64, "title": "Tips", "source": "ocr"},
        {"start": 31.64, "end": 41.08, "title": "Demo", "source": "ocr"},
        {"start": 41.08, "end": 52.16, "title": "Questions", "source": "ocr"},
    ], "reason": None})  # fmt: skip
    result = redact(
        ws, talk_mp4, [RedactionRange(1.0, 3.0), RedactionRange(40.5, 41.3)], mode="cut"
    )
    return ws, result


def test_cut_two_ranges_keeps_av_in_sync(cut_two, talk_mp4):
    ws, result = cut_two
    removed = 50 + 21  # 1.00-3.00 s and the frames shown during 40.5-41.3 s (40.48-41.32)
    facts, src = stream_facts(result.output), stream_facts(talk_mp4)
    assert facts.video_frames == src.video_frames - removed
    assert abs(facts.video_end - (src.video_end - removed * FRAME)) <= FRAME
    assert abs((facts.audio_end - facts.video_end) - (src.audio_end - src.video_end)) < 0.07
    out = frames_by_index(result.output, 0.8, 1.2)
    ref = frames_by_index(talk_mp4, 0.8, 3.2)
    assert mad(out[24], ref[24]) < 2 and mad(out[25], ref[75]) < 2 and mad(out[26], ref[76]) < 2
    # around the second cut (source frames 1012-1032 removed): output 961 = source 1011,
    # output 962 = source 1033
    out = frames_by_index(result.output, 38.4, 38.56)
    ref = frames_by_index(talk_mp4, 40.4, 41.4)
    assert mad(out[961], ref[1011]) < 2 and mad(out[962], ref[1033]) < 2
    assert mad(out[962], ref[1012]) > mad(out[962], ref[1033])
    # speech after the first cut starts 2 s earlier
    assert audio_rms(talk_mp4, 3.0, 4.0) > 0.01 and audio_rms(result.output, 1.0, 2.0) > 0.01


def test_cut_shifts_transcript_captions_and_chapters(cut_two):
    ws, result = cut_two
    transcript = ws.read_json("redacted/transcript.json")
    words = [(w["word"].strip(), w["start"]) for s in transcript["segments"] for w in s["words"]]
    assert words == [("Welcome", 0.6), ("community", 12.0)]
    assert transcript["duration"] == pytest.approx(52.16 - 2.84, abs=0.01)
    assert "00:00:12,000" in ws.path("redacted/captions.srt").read_text()
    chapters = ws.read_json("redacted/chapters.json")["chapters"]
    # Intro (7.92 s) and Demo (8.84 s) fell under YouTube's 10 s minimum: merged into neighbours
    assert [c["title"] for c in chapters] == ["Intro", "Tips", "Questions"]
    assert [c["start"] for c in chapters] == pytest.approx([0.0, 18.28, 38.48])
    assert all(c["end"] - c["start"] >= 10 for c in chapters)
    assert chapters[-1]["end"] == pytest.approx(52.16 - 2.84, abs=0.01)
    # the originals are untouched
    assert ws.read_json("transcript.json")["segments"][0]["words"][4]["start"] == 14.0
    assert ws.read_json("redactions.json")["followed"]["chapters.json"] == "redacted/chapters.json"


@pytest.mark.parametrize(
    "span", [(0.0, 2.0), (10.0, 12.0), (8.0, 10.0)], ids=["start", "end", "up-to-keyframe"]
)
def test_cut_at_the_very_start_and_end(tmp_path, span):
    ws = Workspace(tmp_path / "secret")
    result = redact(ws, SECRET, [RedactionRange(*span)], mode="cut")
    assert result.report.method == "smart" and not result.notices
    facts = stream_facts(result.output)
    assert facts.video_frames == 10 * FPS
    assert abs(facts.video_end - 10.0) <= FRAME
    assert abs(facts.audio_end - facts.video_end) < 0.1
    # the first frame after the cut (or the last frame before it) is the source's
    at, src_at = {0.0: (0.0, 2.0), 10.0: (9.96, 9.96), 8.0: (8.0, 10.0)}[span[0]]
    out = frames_by_index(result.output, at, at + 0.04)
    ref = frames_by_index(SECRET, src_at, src_at + 0.04)
    assert mad(out[min(out)], ref[min(ref)]) < 2


@pytest.mark.parametrize(
    ("ranges", "error"),
    [
        ([RedactionRange(5.0, 5.0)], UsageError),
        ([RedactionRange(11.0, 20.0)], UsageError),
        ([RedactionRange(1.0, 2.0, ((1200, 0, 200, 50),))], UsageError),
        ([], UsageError),
    ],
    ids=["empty", "outside", "region-outside", "none"],
)
def test_bad_ranges_write_nothing(tmp_path, ranges, error):
    ws = Workspace(tmp_path / "secret")
    with pytest.raises(error):
        redact(ws, SECRET, ranges)
    assert not ws.root.exists()


def test_missing_recording(tmp_path):
    ws = Workspace(tmp_path / "nope")
    with pytest.raises(InputError):
        redact(ws, tmp_path / "nope.mp4", [RedactionRange(1.0, 2.0)])
    assert not ws.root.exists()


def test_a_codec_that_cannot_be_copied_falls_back_to_a_full_reencode(tmp_path):
    from pipeline.media.ffmpeg import run_ffmpeg

    source = tmp_path / "mpeg4.mp4"
    run_ffmpeg(
        ["-i", str(SECRET), "-c:v", "mpeg4", "-q:v", "4", "-c:a", "copy", str(source)],
        what="make an MPEG-4 Part 2 copy",
    )
    result = redact(Workspace(tmp_path / "mpeg4"), source, [RedactionRange(4.0, 8.0)])
    assert result.report.method == "full" and result.report.encoded_frames == 12 * FPS
    assert any("re-encoded the whole recording" in n for n in result.notices)
    facts = stream_facts(result.output)
    assert facts.codec == "h264" and facts.video_frames == 12 * FPS
    assert all(c["ok"] for c in result.checks.values())
    out = frames_by_index(result.output, 3.9, 4.1)
    assert mad(out[99], frames_by_index(source, 3.9, 4.0)[99]) < 3


def test_checks_fail_on_a_file_that_was_not_redacted(blurred, cut_two, talk_mp4):
    from pipeline.media.probe import probe
    from pipeline.redaction.checks import verify_render

    ws, result = blurred
    # the unredacted source handed in as the "rendered" file: the key is still readable
    checks = verify_render(probe(SECRET), SECRET, result.report, result.ranges, mode="blur")
    assert not checks["ocr_blurred"]["ok"] and not checks["blurred_smooth"]["ok"]
    assert checks["frame_count"]["ok"] and checks["decodes"]["ok"]
    # an uncut file checked against a cut: frame count and duration are wrong
    ws, cut = cut_two
    checks = verify_render(probe(talk_mp4), talk_mp4, cut.report, cut.ranges, mode="cut")
    assert not checks["frame_count"]["ok"] and not checks["duration"]["ok"]
