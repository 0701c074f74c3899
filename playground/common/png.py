"""A picture as a PNG file, in the few lines of the format a chart's backdrop needs (one IDAT chunk, no
filtering), so the app imports no imaging library for it."""

from __future__ import annotations

import struct
import zlib

import numpy as np

_COLOUR_TYPE = {3: 2, 4: 6}  # channels -> PNG colour type: RGB, RGBA


def png(pixels: np.ndarray) -> bytes:
    """``pixels`` (rows, columns, 3 or 4 channels of uint8; row 0 at the top) as the bytes of a PNG file."""
    rows, columns, channels = pixels.shape
    if pixels.dtype != np.uint8 or channels not in _COLOUR_TYPE:
        raise ValueError("png() takes rows x columns x 3 or 4 channels of uint8")

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    lines = np.concatenate([np.zeros((rows, 1), np.uint8), pixels.reshape(rows, -1)], axis=1)  # filter 0 a row
    header = struct.pack(">IIBBBBB", columns, rows, 8, _COLOUR_TYPE[channels], 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(lines.tobytes(), 6))
            + chunk(b"IEND", b""))
