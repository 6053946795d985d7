"""H.264 bitstream details needed to join stream-copied and re-encoded packets in one MP4:
the parameter sets of an `avcC` record, and the conversion of Annex B (start-code) packets,
as libx264 writes them, to the length-prefixed form MP4 samples use."""

from __future__ import annotations

import re
from dataclasses import dataclass

_START_CODE = re.compile(b"\x00\x00\x01")


@dataclass(frozen=True)
class AvcConfig:
    """What an `avcC` record (MP4 H.264 extradata) holds."""

    length_size: int
    sps: tuple[bytes, ...]
    pps: tuple[bytes, ...]

    def parameter_sets(self) -> bytes:
        """SPS and PPS as length-prefixed NAL units, ready to put in front of a sample."""
        return b"".join(_prefix(nal, self.length_size) for nal in (*self.sps, *self.pps))


def parse_avcc(extradata: bytes | None) -> AvcConfig | None:
    """Parse an `avcC` record. Returns None when the extradata is not one (e.g. Annex B)."""
    if not extradata or len(extradata) < 7 or extradata[0] != 1:
        return None
    length_size = (extradata[4] & 0x03) + 1
    pos = 5
    sets: list[list[bytes]] = [[], []]
    for which in (0, 1):
        count = extradata[pos] & (0x1F if which == 0 else 0xFF)
        pos += 1
        for _ in range(count):
            size = int.from_bytes(extradata[pos : pos + 2], "big")
            sets[which].append(bytes(extradata[pos + 2 : pos + 2 + size]))
            pos += 2 + size
    return AvcConfig(length_size, tuple(sets[0]), tuple(sets[1]))


def _prefix(nal: bytes, length_size: int) -> bytes:
    return len(nal).to_bytes(length_size, "big") + nal


def annexb_nals(data: bytes) -> list[bytes]:
    """Split an Annex B buffer into NAL units (start codes and trailing zeros removed)."""
    starts = [m.end() for m in _START_CODE.finditer(data)]
    nals = []
    for i, begin in enumerate(starts):
        end = starts[i + 1] - 3 if i + 1 < len(starts) else len(data)
        nal = data[begin:end].rstrip(b"\x00") if i + 1 < len(starts) else data[begin:end]
        if nal:
            nals.append(nal)
    return nals


def annexb_to_length_prefixed(data: bytes, length_size: int = 4) -> bytes:
    """Convert an Annex B packet to MP4's length-prefixed NAL units."""
    return b"".join(_prefix(nal, length_size) for nal in annexb_nals(data))
