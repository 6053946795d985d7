"""Redaction ranges: parsing, flags.json, merging and the checks against the recording."""

from __future__ import annotations

import pytest

from pipeline.errors import UsageError
from pipeline.media.probe import probe
from pipeline.redaction.ranges import (
    RedactionRange,
    check_ranges,
    merge_ranges,
    parse_range,
    parse_region,
)
from tests.conftest import FIXTURES

SECRET = FIXTURES / "secret.mp4"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12:03-12:41", (723.0, 761.0)),
        ("75.5-80", (75.5, 80.0)),
        ("1:02:03.5-1:02:05", (3723.5, 3725.0)),
    ],
)
def test_parse_range(text, expected):
    assert parse_range(text) == expected


@pytest.mark.parametrize("text", ["12:03", "a-b", "1-2-3", "-5", "1:75-2:00"])
def test_parse_range_rejects(text):
    with pytest.raises(UsageError):
        parse_range(text)


def test_parse_region():
    assert parse_region("10,20,300,40") == (10, 20, 300, 40)
    for bad in ("10,20,300", "a,b,c,d", "0,0,0,10", "-1,0,10,10"):
        with pytest.raises(UsageError):
            parse_region(bad)


def test_overlapping_ranges_merge_and_regions_unite():
    merged = merge_ranges(
        [
            RedactionRange(10, 20, ((0, 0, 10, 10),)),
            RedactionRange(15, 25, ((5, 5, 10, 10),)),
            RedactionRange(30, 31),
            RedactionRange(30.5, 32, ((1, 1, 2, 2),)),
            RedactionRange(40, 41),
        ]
    )
    assert merged == [
        RedactionRange(10, 25, ((0, 0, 10, 10), (5, 5, 10, 10))),
        RedactionRange(30, 32, None),
        RedactionRange(40, 41),
    ]


def test_check_ranges_against_the_recording():
    media = probe(SECRET)
    assert check_ranges([RedactionRange(11.0, 12.02)], media) == [RedactionRange(11.0, 12.0)]
    for bad in (
        [RedactionRange(3, 2)],
        [RedactionRange(12.5, 13)],
        [RedactionRange(1, 2, ((1000, 0, 300, 10),))],
        [],
    ):
        with pytest.raises(UsageError):
            check_ranges(bad, media)

