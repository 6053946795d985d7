import pytest

from pipeline.errors import MediaError, ToolMissingError
from pipeline.media import ffmpeg as ff
from pipeline.media.audio import SPEECH_SAMPLE_RATE, read_speech_audio


def test_failure_carries_the_meaningful_stderr_line(tmp_path):
    with pytest.raises(MediaError) as caught:
        ff.run_ffmpeg(["-i", str(tmp_path / "missing.mp4"), "-f", "null", "-"], what="read it")
    assert "read it" in caught.value.message
    assert "No such file" in caught.value.message


def test_meaningful_line_prefers_errors_over_progress():
    stderr = "frame=  10 fps=0.0\n[h264 @ 0x1] Invalid NAL unit size\nsize=  1kB time=00:00:01\n"
    assert ff.meaningful_line(stderr) == "[h264 @ 0x1] Invalid NAL unit size"


def test_override_must_be_an_executable(monkeypatch, tmp_path):
    monkeypatch.setenv("PIPELINE_FFMPEG", str(tmp_path / "no-ffmpeg"))
    with pytest.raises(ToolMissingError) as caught:
        ff.ffmpeg_exe()
    assert "PIPELINE_FFMPEG" in caught.value.one_line()


def test_override_is_used(monkeypatch):
    real = ff.ffmpeg_exe()
    monkeypatch.setenv("PIPELINE_FFMPEG", real)
    assert ff.compile_args(["-version"])[0] == real


def test_speech_audio_is_16k_mono(talk_mp4, talk_truth):
    samples = read_speech_audio(talk_mp4)
    assert samples.dtype.name == "float32"
    assert len(samples) / SPEECH_SAMPLE_RATE == pytest.approx(talk_truth["duration"], abs=0.1)
    assert float(abs(samples).max()) > 0.1  # there is speech in it
