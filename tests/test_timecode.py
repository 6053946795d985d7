import pytest

from pipeline.errors import UsageError
from pipeline.timecode import format_clock, parse_time


@pytest.mark.parametrize(
    "text, seconds",
    [
        ("75", 75.0),
        ("75.5", 75.5),
        ("1:15", 75.0),
        ("12:03", 723.0),
        ("1:02:03.5", 3723.5),
        ("0:00,25", 0.25),
    ],
)
def test_parse_time(text, seconds):
    assert parse_time(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "abc", "1:75", "1:60:00", "-3", "1::2"])
def test_parse_time_refuses(text):
    with pytest.raises(UsageError):
        parse_time(text)


@pytest.mark.parametrize(
    "seconds, text", [(0, "0:00"), (9.9, "0:09"), (723, "12:03"), (3723.5, "1:02:03")]
)
def test_format_clock(seconds, text):
    assert format_clock(seconds) == text
