"""Reading a rendered file back: a decoded window reports the decoder's complaints, whether
it is decoded in one piece or in two halves at once."""

from __future__ import annotations

import shutil

import av
import pytest

from pipeline.media.verify import SPLIT_SECONDS, decode_window


@pytest.fixture(scope="module")
def damaged(tmp_path_factory, talk_mp4):
    """A copy of the talk with garbage written over the middle of the video packets shown
    from 30 to 31 s."""
    path = tmp_path_factory.mktemp("damaged") / "talk.mp4"
    shutil.copyfile(talk_mp4, path)
    with av.open(str(path)) as src:
        v = src.streams.video[0]
        hits = [
            (p.pos, p.size)
            for p in src.demux(v)
            if p.pts is not None and 30.0 <= float(p.pts * v.time_base) < 31.0 and p.size > 64
        ]
    with open(path, "r+b") as f:
        for pos, size in hits:
            f.seek(pos + size // 3)
            f.write(bytes((i * 97 + 13) % 256 for i in range(size // 3)))
    return path


def test_a_long_window_splits_and_reads_every_frame_once(talk_mp4):
    assert SPLIT_SECONDS <= 40.0 - 20.0  # decoded in two halves
    whole = decode_window(talk_mp4, 20.0, 40.0, [21.0, 35.0])
    halves = [decode_window(talk_mp4, a, b) for a, b in ((20.0, 26.0), (26.0, 33.0), (33.0, 40.0))]
    assert whole.times == [t for h in halves for t in h.times]
    assert len(whole.times) == 20 * 25
    assert not whole.errors
    assert set(whole.pictures) == {21.0, 35.0}


def test_damage_in_either_half_is_reported(talk_mp4, damaged):
    assert not decode_window(talk_mp4, 20.0, 40.0).errors
    assert decode_window(damaged, 20.0, 40.0).errors  # in the second half
    assert decode_window(damaged, 25.0, 45.0).errors  # in the first half
    assert decode_window(damaged, 29.0, 33.0).errors  # a short window, one piece
