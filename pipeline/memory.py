"""Keeping peak memory flat in the recording's length.

The vision and speech stages allocate many large, short-lived buffers (1080p frames of 2 MB,
OCR and model activations of a few MB). Freed heap pages that are kept make the peak grow with
the recording: on a 10-minute recording the scan stage once peaked at twice its 2-minute
figure with nothing held (869 MB against 427 MB). Handing every free page back at once costs
as much the other way: each buffer allocated again is faulted in anew, zero-filled, and the
models allocate the same buffers over and over (a malloc_trim every 0.25 s cost 10 CPU-s, most
of it system time, on the 10-minute Zoom-layout bench run; mapping every large buffer on its
own made the scan stage 40 % slower).

So the heap keeps what it frees (`keep_freed_pages`: no separate mappings for buffers up to
512 MB, no automatic shrinking), and a `HeapTrimmer` in each long stage loop hands the free
pages back every two seconds of work once more than SLACK_BYTES lie free: between trims the
buffers in steady use are not faulted in again, and the peak stays flat in the recording's
length (1.07x from 10 to 60 minutes on the Zoom-layout bench recordings)."""

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


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd",
            "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost",
        )
    ]  # fmt: skip


def free_heap_bytes() -> int | None:
    """Bytes the heap holds free (glibc mallinfo2's fordblks, all arenas); None off glibc
    or before glibc 2.33."""
    libc = _libc()
    if libc is None or not hasattr(libc, "mallinfo2"):
        return None
    libc.mallinfo2.restype = _MallInfo2
    return int(libc.mallinfo2().fordblks)


def release_free_memory() -> bool:
    """Hand the heap's free pages back to the system (glibc malloc_trim). Returns whether
    anything was released; False off Linux or on a C library without malloc_trim."""
    libc = _libc()
    return bool(libc.malloc_trim(0)) if libc is not None else False


#: glibc mallopt parameter: the most malloc arenas the process may create
M_ARENA_MAX = -8


def limit_malloc_arenas(arenas: int = 1) -> bool:
    """Let glibc make at most `arenas` malloc arenas: one, the main heap, for every thread.
    By default each thread that allocates may get an arena of its own (up to 8 per core),
    and buffers made by one thread and freed by another (frames read ahead by the screen
    pass's decoder thread) leave every arena holding its own free pages: 975 MB peak against
    847 MB with two arenas on the 10-minute benchmark run. With two, the stages' threads
    still share a second arena, built of 64 MB heaps that glibc unmaps as soon as they fall
    free, whatever the trim threshold, and maps again at the next large buffer: the speech
    model's buffers were faulted in anew all run long (2.2 million page faults and 9.5 s of
    system time on the 10-minute Zoom-layout bench run, against 1.1 million and 6.0 s with
    one arena, at the same peak). Call it before the threads start. Returns whether it took
    effect (False off glibc)."""
    libc = _libc()
    return bool(libc.mallopt(M_ARENA_MAX, arenas)) if libc is not None else False


#: glibc mallopt parameters: when free heap top is handed back, and from what size a buffer
#: gets a mapping of its own
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
#: buffers up to this size come from the heap (glibc's own dynamic threshold stops at 32 MB,
#: under some of the speech model's buffers)
MMAP_THRESHOLD_MAX = 512 * 1024 * 1024


def keep_freed_pages(trim_threshold: int = 1 << 30) -> bool:
    """Serve buffers up to MMAP_THRESHOLD_MAX from the heap and let the heap keep its free
    pages until `HeapTrimmer` hands them back. By default glibc maps large buffers on their
    own and shrinks the heap as soon as its top is free, so every buffer a model allocates
    again is faulted in anew, zero-filled: transcribing the 10-minute Zoom-layout bench
    recording took 1.9 million page faults and 5.3 s of system time, against 0.28 million and
    1.4 s with this (21.8 s against 26.1 s in all). Call it before the threads start. Returns
    whether both settings took effect (False off glibc)."""
    libc = _libc()
    if libc is None:
        return False
    return bool(libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_MAX)) and bool(
        libc.mallopt(M_TRIM_THRESHOLD, trim_threshold)
    )


#: free heap memory a HeapTrimmer lets be before it trims: at 64 MB the 10-minute Zoom-layout
#: bench run peaked at 1.15 GB, at 256 MB at 1.21 GB, at the same speed
SLACK_BYTES = 128 << 20


class HeapTrimmer:
    """Call `tick()` from a stage's main loop: at most every `every` seconds it looks at how
    much the heap holds free, and releases the free pages (release_free_memory) when that is
    `slack` bytes or more. A trim hands back the free pages of every thread's heap, so below
    the slack other stages keep the buffers they allocate again and again.

    The free total counts pages already handed back too, so once the heap has fragmented
    past the slack this trims at every interval: 17 trims in the 10-minute Zoom-layout bench
    run (141-470 MB free at each). Trimming on the growth of resident memory since the last
    trim instead did 6 trims at the same speed, but peaked at 1.28-1.37 GB against
    1.19-1.23 GB."""

    def __init__(self, every: float = 2.0, slack: int = SLACK_BYTES):
        self.every = every
        self.slack = slack
        self._last = time.monotonic()
        self.trims = 0

    def tick(self) -> None:
        now = time.monotonic()
        if now - self._last >= self.every:
            self._last = now
            free = free_heap_bytes()
            if free is None or free >= self.slack:
                release_free_memory()
                self.trims += 1
