"""The read-ahead shared by the screen pass and redaction: decoding runs ahead of the
consumer, in order, and a failure or an early stop on either side is not lost or left
hanging."""

from __future__ import annotations

import threading

import pytest

from pipeline.media.read_ahead import read_ahead


def test_items_come_in_order():
    assert list(read_ahead(iter(range(50)), 3)) == list(range(50))


def test_the_producer_runs_ahead_by_at_most_its_depth():
    produced = []

    def items():
        for i in range(20):
            produced.append(i)
            yield i

    seen = read_ahead(items(), 2)
    assert next(seen) == 0
    # the producer may hold `depth` items in the queue and one in hand
    for _ in range(100):
        if len(produced) >= 4:
            break
        threading.Event().wait(0.01)
    assert len(produced) <= 4
    seen.close()


def test_an_error_while_decoding_reaches_the_consumer():
    def items():
        yield 1
        raise RuntimeError("ffmpeg failed")

    got = []
    with pytest.raises(RuntimeError, match="ffmpeg failed"):
        for item in read_ahead(items(), 2):
            got.append(item)
    assert got == [1]


def test_stopping_early_stops_the_producer():
    closed = threading.Event()

    def items():
        try:
            yield from range(10_000)
        finally:
            closed.set()

    for item in read_ahead(items(), 2, name="stopped-early"):
        if item == 3:
            break
    assert closed.is_set()
    assert not any(t.name == "stopped-early" and t.is_alive() for t in threading.enumerate())
