"""Following a secret over samples: readings of one secret join, what is gone closes."""

from __future__ import annotations

from pipeline.leaks.screen_tracks import FindingTracker


def test_the_tracker_joins_readings_of_one_secret_and_closes_what_is_gone():
    tracker = FindingTracker()
    box = (100, 100, 200, 20)
    tracker.update(1.0, [("aws-access-key", "AK1AIOSFODNN7EXAMPLE", box, 0.8)])
    tracker.update(1.5, [("aws-access-key", "AKIAIOSFODNN7EXAMPLE", (101, 99, 200, 22), 0.95)])
    tracker.update(2.0, [])
    [track] = tracker.finish(5.0)
    assert (track.first, track.last, track.end) == (1.0, 1.5, 2.0)
    assert track.value == "AKIAIOSFODNN7EXAMPLE" and track.confidence == 0.95
    assert len(track.boxes) == 1
