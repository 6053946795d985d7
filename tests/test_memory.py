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


def test_with_one_arena_the_stage_threads_allocate_from_the_main_heap():
    """In a fresh interpreter with the CLI's heap policy, a buffer a stage thread allocates
    comes from the main heap by default (glibc's malloc_stats lists Arena 0 alone): no second arena,
    whose 64 MB heaps glibc unmaps as they fall free (the speech model's buffers faulted in
    anew: see limit_malloc_arenas). With two arenas allowed, the thread gets Arena 1."""
    import subprocess

    script = """
import ctypes, sys, threading
import numpy as np
from pipeline.memory import keep_freed_pages, limit_malloc_arenas
assert keep_freed_pages() and limit_malloc_arenas(*map(int, sys.argv[1:]))
held = []
thread = threading.Thread(target=lambda: held.append(np.ones(48 << 20, dtype=np.uint8)))
thread.start()
thread.join()
ctypes.CDLL("libc.so.6").malloc_stats()
"""

    def arenas(*limit: int) -> list[str]:
        run = subprocess.run(
            [sys.executable, "-c", script, *map(str, limit)],
            capture_output=True,
            text=True,
            check=True,
        )
        return [line for line in run.stderr.splitlines() if line.startswith("Arena ")]

    assert arenas() == arenas(1) == ["Arena 0:"]  # the CLI's default
    assert arenas(2) == ["Arena 0:", "Arena 1:"]
