import numpy as np
import pytest

from pipeline.media.audio import (
    SPEECH_SAMPLE_RATE,
    iter_speech_windows,
    quietest_cut,
    read_speech_audio,
)


def test_windows_cover_the_audio_exactly_and_cut_in_quiet(talk_mp4, talk_truth):
    full = read_speech_audio(talk_mp4)
    windows = list(iter_speech_windows(talk_mp4, window_seconds=15, search_seconds=3))
    assert len(windows) >= 3
    assert np.array_equal(np.concatenate([w.samples for w in windows]), full)
    for a, b in zip(windows, windows[1:], strict=False):
        assert a.end == pytest.approx(b.start)
        cut = b.start
        # no cut lands inside a spoken clip's loud part: the 0.1 s around it is quiet
        i = int(cut * SPEECH_SAMPLE_RATE)
        assert float(np.abs(full[i - 800 : i + 800]).max()) < 0.05, (
            f"cut at {cut:.2f} s is not quiet"
        )


def test_quietest_cut_finds_the_gap():
    samples = np.ones(16000 * 4, dtype=np.float32)
    samples[16000 * 2 : 16000 * 2 + 3200] = 0
    cut = quietest_cut(samples, 16000, 16000 * 3)
    assert 16000 * 2 <= cut <= 16000 * 2 + 3200
