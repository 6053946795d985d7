"""Keeping peak memory flat in the recording's length.

The vision and speech stages allocate many large, short-lived buffers (1080p frames of 2 MB,
OCR and model activations of a few MB). glibc serves those from its heap once it has raised
its mmap threshold (it does so after the first large buffer is freed), and freed heap pages
are kept: on a 10-minute recording the scan stage peaked at twice its 2-minute figure with
nothing held (869 MB against 427 MB). Handing the free pages back now and then
(`HeapTrimmer`, a malloc_trim every two seconds of work) keeps the peak near the working set;
mapping every large buffer on its own (a fixed mmap threshold) did as well but made the scan
stage 40 % slower (each new mapping is zero-filled). Trimming is not free either: pages handed
back are faulted in again, zero-filled, when the heap next grows. Every 0.25 s cost 10 CPU-s
(most of it system time) on the 10-minute Zoom-layout bench run; every 2 s costs about 2."""

from __future__ import annotations

import ctypes
import logging
import sys
import time

log = logging.getLogger(__name__)


def _libc():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
        return libc if hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


def release_free_memory() -> bool:
    """Hand the heap's free pages back to the system (glibc malloc_trim). Returns whether
    anything was released; False off Linux or on a C library without malloc_trim."""
    libc = _libc()
    return bool(libc.malloc_trim(0)) if libc is not None else False


#: glibc mallopt parameter: the most malloc arenas the process may create
M_ARENA_MAX = -8


def limit_malloc_arenas(arenas: int = 2) -> bool:
    """Let glibc make at most `arenas` malloc arenas. By default each thread that allocates
    may get an arena of its own (up to 8 per core), and buffers made by one thread and freed
    by another (frames read ahead by the screen pass's decoder thread) leave every arena
    holding its own free pages: 975 MB peak against 847 MB with two arenas on the 10-minute
    benchmark run, at the same speed. Call it before the threads start. Returns whether it
    took effect (False off glibc)."""
    libc = _libc()
    return bool(libc.mallopt(M_ARENA_MAX, arenas)) if libc is not None else False


class HeapTrimmer:
    """Call `tick()` from a stage's main loop: at most every `every` seconds it releases
    the heap's free pages (release_free_memory)."""

    def __init__(self, every: float = 2.0):
        self.every = every
        self._last = time.monotonic()
        self.trims = 0

    def tick(self) -> None:
        now = time.monotonic()
        if now - self._last >= self.every:
            self._last = now
            release_free_memory()
            self.trims += 1
