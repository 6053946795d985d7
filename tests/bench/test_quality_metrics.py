"""The measures of `make quality` (bench/quality_metrics.py), on made-up times and titles and
on real frames of the zoom_speaker fixture: a thumbnail cut from the share is the deck, a
thumbnail of the whole meeting window is not."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from bench.quality_metrics import (
    feature_errors,
    normalise_title,
    pair_times,
    thumbnail_verdict,
    title_checks,
)
from bench.quality_truth import expectations, frames_at, reference_pictures

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def test_changes_pair_one_to_one_within_a_second():
    p = pair_times([10.0, 20.0, 30.0], [10.4, 10.6, 21.2, 29.5, 45.0])
    assert p.pairs == [(10.0, 10.4), (30.0, 29.5)]
    assert p.missed == [20.0]
    assert p.extra == [10.6, 21.2, 45.0]
    assert (p.precision, p.recall) == (2 / 5, 2 / 3)
    assert pair_times([], []).precision is None


def test_titles_match_after_case_space_and_quote_normalisation_only():
    assert normalise_title("  What\u2019s  New in 0.9 ") == normalise_title("what's new in 0.9")
    assert normalise_title("Pipeline's Office Hours") != normalise_title("Pipelines Office Hours")
    expected = [
        {"start": 0.0, "title": "Intro"},
        {"start": 20.0, "title": "Terminal"},
        {"start": 40.0, "title": None},
    ]
    produced = [
        {"start": 0.0, "title": "intro"},
        {"start": 24.0, "title": "$ ls -la"},
        {"start": 38.0, "title": "Questions"},
    ]
    checks = title_checks(expected, produced, 60.0)
    assert [(c["expected"], c["got"], c["right"]) for c in checks] == [
        ("Intro", "intro", True),
        ("Terminal", "$ ls -la", False),
    ]


def test_feature_error_is_the_start_of_the_chapter_named_after_it():
    features = [{"title": "Schema Alerts", "start": 20.0}, {"title": "Faster State", "start": 30.0}]
    produced = [{"start": 0.0, "title": "Intro"}, {"start": 23.5, "title": "schema alerts"}]
    assert [f["error"] for f in feature_errors(features, produced)] == [3.5, None]
    produced = [
        {"start": 20.5, "title": "Schema Alerts (Priya Nair)"},
        {"start": 29.0, "title": "Faster Statement"},
    ]
    assert [f["error"] for f in feature_errors(features, produced)] == [0.5, None]
    expected = [
        {"start": 0.0, "title": "Intro"},
        {"start": 20.0, "title": "Schema Alerts", "presenter": "Priya Nair"},
    ]
    checks = title_checks(expected, [{"start": 0.0, "title": "Intro"}, *produced], 31.0)
    assert [c["right"] for c in checks] == [True, True]


def _as_thumbnail(picture: np.ndarray) -> np.ndarray:
    """Scaled to 1280x720 and through JPEG, as thumbnail.jpg is."""
    small = cv2.resize(picture, (1280, 720), interpolation=cv2.INTER_AREA)
    ok, data = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, 85])
    assert ok
    return cv2.imdecode(data, cv2.IMREAD_COLOR)


def test_thumbnail_of_the_share_is_the_deck_and_of_the_window_is_not():
    exp = expectations(FIXTURES / "zoom_speaker.json")
    deck, windows, whole = reference_pictures(exp)
    title = exp.scenes[exp.thumbnail_expected]
    frame = frames_at(exp.recording, [title["start"] + 2.0])[title["start"] + 2.0]
    r = title["share"]
    share = frame[r["y"] : r["y"] + r["h"], r["x"] : r["x"] + r["w"]]
    verdict = thumbnail_verdict(_as_thumbnail(share), deck, windows, whole, exp.thumbnail_expected)
    assert verdict["deck"] and verdict["slide_right"], verdict
    window = thumbnail_verdict(_as_thumbnail(frame), deck, windows, whole, exp.thumbnail_expected)
    assert not window["deck"], window
    other = next(i for i in deck if i != exp.thumbnail_expected)
    wrong = thumbnail_verdict(deck[other], deck, windows, whole, exp.thumbnail_expected)
    assert wrong["deck"] and not wrong["slide_right"], wrong
