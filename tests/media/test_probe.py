import pytest

from pipeline.errors import CorruptMediaError, InputError
from pipeline.media.probe import MediaInfo, probe


def test_probe_reads_the_fixture(talk_mp4, talk_truth):
    info = probe(talk_mp4)
    assert info.duration == pytest.approx(talk_truth["duration"], abs=0.1)
    assert info.video is not None and info.audio is not None
    assert (info.video.width, info.video.height) == (1280, 720)
    assert info.video.fps == pytest.approx(25)
    assert info.video.codec == "h264"
    assert info.video.frame_count == round(talk_truth["duration"] * 25)
    # the fixture is encoded with a keyframe every 10 s, as Zoom writes them
    assert info.video.keyframes == [0.0, 10.0, 20.0, 30.0, 40.0, 50.0]
    assert info.creation_time.startswith("2026-11-19T17:00:00")
    assert MediaInfo.from_dict(info.to_dict()) == info


def test_probe_audio_only_and_video_only(media_variants):
    audio = probe(media_variants["audio_only"])
    assert audio.video is None and audio.audio is not None
    assert audio.duration == pytest.approx(12, abs=0.2)
    video = probe(media_variants["no_audio"])
    assert video.audio is None and video.video is not None


@pytest.mark.parametrize(
    "variant, error, words",
    [
        ("truncated", CorruptMediaError, "truncated"),
        ("empty", InputError, "empty"),
        ("not_media", InputError, "not a recognizable"),
    ],
)
def test_probe_refuses_bad_input(media_variants, variant, error, words):
    with pytest.raises(error) as caught:
        probe(media_variants[variant])
    assert words in caught.value.message


def test_probe_refuses_missing_file_and_directory(tmp_path):
    with pytest.raises(InputError, match="not found"):
        probe(tmp_path / "nope.mp4")
    with pytest.raises(InputError, match="directory"):
        probe(tmp_path)
