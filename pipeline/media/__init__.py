"""The media layer: the only code that starts ffmpeg or opens a container."""

from pipeline.media.probe import AudioStream, MediaInfo, VideoStream, probe

__all__ = ["AudioStream", "MediaInfo", "VideoStream", "probe"]
