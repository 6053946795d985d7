"""The frame reader: sampled small frames (one ffmpeg) and frame-exact grabs, on real media."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from pipeline.errors import CorruptMediaError
from pipeline.media.frames import grab_frame, iter_frames, iter_frames_gated, scaled_size


def mad(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())


def test_samples_are_small_gray_and_timed(talk_mp4, talk_truth):
    frames = list(iter_frames(talk_mp4, fps=2.0, width=320))
    assert abs(len(frames) - talk_truth["duration"] * 2) <= 2
    assert all(f.image.shape == (180, 320) and f.image.dtype == np.uint8 for f in frames)
    assert [f.time for f in frames[:3]] == [0.0, 0.5, 1.0]
    change = talk_truth["slide_changes"][0]
    # the sample after the first change shows a different slide than the one before it
    before = next(f for f in reversed(frames) if f.time < change)
    after = next(f for f in frames if f.time > change)
    assert mad(before.image, after.image) > 1.0


def test_rgb_window_of_samples(talk_mp4):
    frames = list(iter_frames(talk_mp4, fps=1.0, width=160, gray=False, start=10.0, end=14.0))
    assert [f.time for f in frames] == [10.0, 11.0, 12.0, 13.0]
    assert frames[0].image.shape == (90, 160, 3)


def test_grab_is_frame_exact_at_a_slide_change(talk_mp4, talk_truth):
    change = talk_truth["slide_changes"][0]  # a frame boundary at 25 fps
    old = grab_frame(talk_mp4, change - 2.0, width=640).image
    new = grab_frame(talk_mp4, change + 2.0, width=640).image
    last_old = grab_frame(talk_mp4, change - 0.001, width=640)
    first_new = grab_frame(talk_mp4, change, width=640)
    assert last_old.time == pytest.approx(change - 1 / 25, abs=1e-3)
    assert first_new.time == pytest.approx(change, abs=1e-3)
    assert mad(last_old.image, old) < mad(last_old.image, new)
    assert mad(first_new.image, new) < mad(first_new.image, old)


def test_grab_full_size(talk_mp4):
    frame = grab_frame(talk_mp4, 1.0)
    assert frame.image.shape == (720, 1280, 3)


def test_scaled_size_keeps_aspect_and_even():
    assert scaled_size(1920, 1080, 320) == (320, 180)
    assert scaled_size(1280, 720, 0) == (1280, 720)
    w, h = scaled_size(1366, 768, 333)
    assert w % 2 == 0 and h % 2 == 0


def test_not_a_video_is_refused(tmp_path):
    bad = tmp_path / "x.mp4"
    bad.write_bytes(b"not a video at all" * 100)
    with pytest.raises(CorruptMediaError):
        list(iter_frames(bad))


def _ffmpeg_runs(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith("running ")]


def test_gated_sampling_decodes_only_what_changes(talk_mp4, caplog):
    from pipeline.media.probe import probe

    keyframes = probe(talk_mp4).video.keyframes
    assert len(keyframes) >= 5
    full = [f.time for f in iter_frames(talk_mp4, 2.0, 160)]
    caplog.set_level(logging.DEBUG, logger="pipeline.media.ffmpeg")
    everything = [
        f.time for f in iter_frames_gated(talk_mp4, keyframes, lambda a, b: True, 2.0, 160)
    ]
    assert everything == full
    # one decoder runs on through stretches that are all decoded: the keyframes, then one run
    runs = _ffmpeg_runs(caplog)
    assert len(runs) == 2 and "nokey" in runs[0]
    caplog.clear()
    asked = []

    def only_second_span(a, b):
        asked.append((a.time, b.time))
        return a.time == keyframes[1]

    gated = list(iter_frames_gated(talk_mp4, keyframes, only_second_span, 2.0, 160))
    times = [f.time for f in gated]
    assert asked == list(zip(keyframes, keyframes[1:], strict=False))
    assert times == sorted(times)
    inside = [t for t in times if keyframes[1] < t < keyframes[2]]
    assert len(inside) == round((keyframes[2] - keyframes[1]) * 2) - 1
    assert not [t for t in times if keyframes[0] < t < keyframes[1]]  # never decoded
    assert set(keyframes) <= set(times) and times[-1] > keyframes[-1]  # the tail is sampled
    assert gated[0].image.shape == (90, 160)
    assert len(_ffmpeg_runs(caplog)) == 3  # the keyframes, the second stretch, the tail


def test_gated_sampling_starts_again_after_a_skipped_stretch(talk_mp4):
    """Stretches decoded, skipped, decoded: the samples are those of a full decode in the
    decoded stretches, none in the skipped one."""
    from pipeline.media.probe import probe

    keyframes = probe(talk_mp4).video.keyframes
    full = {f.time: f.image for f in iter_frames(talk_mp4, 2.0, 160)}
    gated = list(
        iter_frames_gated(talk_mp4, keyframes, lambda a, b: a.time != keyframes[1], 2.0, 160)
    )
    times = [f.time for f in gated]
    assert times == sorted(times) and len(set(times)) == len(times)
    assert not [t for t in times if keyframes[1] < t < keyframes[2]]
    expected = [t for t in full if not keyframes[1] < t < keyframes[2]]
    assert times == [t for t in expected if t in set(times)] and len(times) == len(expected)
    for frame in gated:
        if frame.time not in keyframes:
            assert np.array_equal(frame.image, full[frame.time])


def test_reference_only_samples_are_exact_frames_at_most_two_early(tmp_path):
    """Skipping the B-frames nothing refers to (x264 defaults, 30 fps): every sample is
    bit-exact the full decode's frame at its time or one of the two before it, and frames
    were indeed skipped."""
    from pipeline.media.ffmpeg import run_ffmpeg

    clip = tmp_path / "counter.mp4"
    run_ffmpeg(
        ["-y", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=30:duration=4",
         "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", str(clip)],
        what="make a 30 fps clip with B-frames",
    )  # fmt: skip
    full = list(iter_frames(clip, fps=30, width=160))
    skipped = list(iter_frames(clip, fps=30, width=160, reference_only=True))
    assert len(skipped) == len(full) == 120
    repeats = 0
    for i, sample in enumerate(skipped):
        assert sample.time == full[i].time
        matches = [
            j for j in range(max(0, i - 2), i + 1) if np.array_equal(full[j].image, sample.image)
        ]
        assert matches, f"sample {i} is no frame at or up to two before its time"
        repeats += matches[-1] != i
    assert repeats >= 30, repeats  # about half the frames are B-frames nothing refers to
