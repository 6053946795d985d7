"""Heap policy (pipeline.memory) on this machine's glibc: freed buffers stay in the heap
until a HeapTrimmer finds more than its slack free, then they are handed back."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from pipeline.memory import HeapTrimmer, free_heap_bytes, keep_freed_pages

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or free_heap_bytes() is None,
    reason="glibc's malloc only",
)

MB = 1 << 20


def _allocate_and_free(size: int) -> None:
    buffer = np.ones(size, dtype=np.uint8)  # written, so its pages are really there
    del buffer


def test_a_freed_buffer_stays_in_the_heap_until_the_slack_is_passed():
    assert keep_freed_pages()
    _allocate_and_free(96 * MB)
    free = free_heap_bytes()
    assert free is not None and free >= 96 * MB  # kept, not unmapped
    lenient = HeapTrimmer(every=0.0, slack=free + 64 * MB)
    lenient.tick()
    assert lenient.trims == 0 and free_heap_bytes() >= 96 * MB
    strict = HeapTrimmer(every=0.0, slack=32 * MB)
    strict.tick()
    assert strict.trims == 1
    assert free_heap_bytes() < free  # handed back


def test_a_trimmer_looks_at_most_every_so_often():
    trimmer = HeapTrimmer(every=3600.0, slack=0)
    _allocate_and_free(8 * MB)
    trimmer.tick()
    assert trimmer.trims == 0
