"""Producing an iterator's items on a thread of their own, a few ahead of the consumer: the
decoding of the next pictures overlaps the work on this one (OCR in the screen pass, the
encoder in redaction). Both sides spend their time in native code that releases the GIL
(ffmpeg, PyAV, OpenCV, onnxruntime, x264), so the two threads really run at once."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")


def read_ahead(items: Iterator[T], depth: int, name: str = "read-ahead") -> Iterator[T]:
    """Yield `items`, produced by a thread that stays up to `depth` items ahead. An error in
    the producer is raised here; stopping early stops the producer."""
    box: queue.Queue = queue.Queue(maxsize=depth)
    done = object()
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        box.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            box.put(done)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            box.put(exc)

    worker = threading.Thread(target=produce, name=name, daemon=True)
    worker.start()
    try:
        while True:
            item = box.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while worker.is_alive():
            try:
                box.get_nowait()
            except queue.Empty:
                worker.join(timeout=0.1)
        close = getattr(items, "close", None)
        if close is not None:
            close()
