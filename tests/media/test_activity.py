"""The stream's packet sizes, read without decoding: spikes mark the keyframe intervals where
something came or went, also when both keyframes look alike (A -> B -> A)."""

from __future__ import annotations

import pytest

from fixtures.synth_transient import transient_clip
from pipeline.media.activity import StreamActivity, activity_from_packets, stream_activity
from tests.conftest import FIXTURES


@pytest.fixture(scope="module")
def transient(tmp_path_factory):
    path = tmp_path_factory.mktemp("transient") / "transient.mp4"
    return path, transient_clip(path)


def test_a_flash_between_alike_keyframes_marks_only_its_interval(transient):
    path, truth = transient
    activity = stream_activity(path, 30.0)
    assert activity.keyframes == pytest.approx([0.0, 10.0, 20.0])
    assert activity.active == [(0.0, 10.0)]
    assert activity.active_between(truth["start"], truth["end"])
    assert not activity.active_between(10.0, 20.0)


def test_steady_noise_is_no_spike_and_one_big_packet_is():
    # a webcam-like steady cost of ~3 kB a frame with jitter; one frame with new content
    times = [i / 30 for i in range(900)]
    sizes = [3300 + (i * 37) % 120 for i in range(900)]
    keys = [i % 300 == 0 for i in range(900)]
    sizes[450] += 4000  # in the interval 10..20 s
    activity = activity_from_packets(times, sizes, keys, 30.0)
    assert activity.keyframes == [0.0, 10.0, 20.0]
    assert activity.active == [(10.0, 20.0)]


def test_round_trip_and_keyframes_match_probe():
    from pipeline.media.probe import probe

    info = probe(FIXTURES / "leak.mp4")
    activity = stream_activity(FIXTURES / "leak.mp4", info.duration)
    assert activity.keyframes == pytest.approx(info.video.keyframes)
    assert StreamActivity.from_dict(activity.to_dict()).active == activity.active
    # the typing in the leak fixture spikes every interval that holds it
    assert activity.active_between(7.0, 18.0)


def test_anchors_and_b_frames_are_measured_apart():
    # with B-frames, anchors (P) cost ~2.5x a B-frame: alternating levels are no spike ...
    times = [i / 30 for i in range(900)]
    anchors = [i % 3 == 1 for i in range(900)]
    sizes = [(260 if a else 100) + (i * 37) % 60 for i, a in enumerate(anchors)]
    keys = [i % 300 == 0 for i in range(900)]
    assert activity_from_packets(times, sizes, keys, 30.0, anchors=anchors).active == []
    # ... which one median for both kinds takes for activity everywhere
    assert activity_from_packets(times, sizes, keys, 30.0).active != []
    # a line of text appearing on a B-frame is a spike
    sizes[620] += 2500  # frame 620 is a B-frame
    assert activity_from_packets(times, sizes, keys, 30.0, anchors=anchors).active == [
        (20.0, 30.0)
    ]


def test_anchor_packets_follow_decoding_order():
    from pipeline.media.activity import anchor_packets

    # decoding order I P B B P B B: the P-frames are shown after the B-frames sent after them
    assert anchor_packets([0, 3, 1, 2, 6, 4, 5]) == [False, True, False, False, True, False, False]
    assert anchor_packets([0, 1, 2, 3]) == [False] * 4
