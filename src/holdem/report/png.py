"""A spot's 13x13 grid as a PNG (``report --png``), drawn with numpy and written with zlib:
no plotting library. Each cell is a horizontal stack of its actions' colours in proportion
to their probabilities, with the hand in a 5x7 pixel font; blocked cells are grey."""
from __future__ import annotations

import struct
import zlib
from pathlib import Path
from typing import Any

import numpy as np

CELL = 44       # pixels per cell
SCALE = 2       # font pixels per glyph pixel
LEGEND = 28     # pixels of the legend strip below the grid
GREY = (200, 200, 200)

# 5x7 glyphs of the characters a hand label uses, one string of 7 rows of 5 bits each
_GLYPHS = {
    "A": "01110 10001 10001 11111 10001 10001 10001", "K": "10001 10010 10100 11000 10100 10010 10001",
    "Q": "01110 10001 10001 10001 10101 10010 01101", "J": "00111 00010 00010 00010 00010 10010 01100",
    "T": "11111 00100 00100 00100 00100 00100 00100", "9": "01110 10001 10001 01111 00001 00010 01100",
    "8": "01110 10001 10001 01110 10001 10001 01110", "7": "11111 00001 00010 00100 01000 01000 01000",
    "6": "00110 01000 10000 11110 10001 10001 01110", "5": "11111 10000 11110 00001 00001 10001 01110",
    "4": "00010 00110 01010 10010 11111 00010 00010", "3": "11111 00010 00100 00010 00001 10001 01110",
    "2": "01110 10001 00001 00010 00100 01000 11111", "s": "00000 00000 01110 10000 01110 00001 11110",
    "o": "00000 00000 01110 10001 10001 10001 01110",
}


def _rgb(hex_color: str) -> tuple[int, int, int]:
    return tuple(int(hex_color[i:i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def _text(img: np.ndarray, text: str, x: int, y: int, color: tuple[int, int, int]) -> None:
    for ch in text:
        rows = _GLYPHS[ch].split()
        for r, bits in enumerate(rows):
            for c, bit in enumerate(bits):
                if bit == "1":
                    img[y + r * SCALE:y + (r + 1) * SCALE, x + c * SCALE:x + (c + 1) * SCALE] = color
        x += 6 * SCALE


def grid_image(spot: dict[str, Any]) -> np.ndarray:
    """The grid of a spot record as an RGB array [height, width, 3]."""
    actions = spot["actions"]
    colors = [_rgb(a["color"]) for a in actions]
    img = np.full((13 * CELL + LEGEND, 13 * CELL, 3), 255, dtype=np.uint8)
    for k, cell in enumerate(spot["cells"]):
        y, x = (k // 13) * CELL, (k % 13) * CELL
        probs = cell["probs"]
        if probs is None:
            img[y:y + CELL, x:x + CELL] = GREY
        else:
            edges = np.round(np.cumsum([0.0] + list(probs)) * (CELL - 1)).astype(int)
            for a, (lo, hi) in enumerate(zip(edges[:-1], edges[1:])):
                img[y:y + CELL, x + lo:x + hi] = colors[a]
        img[y:y + CELL, x + CELL - 1] = 255  # cell borders
        img[y + CELL - 1, x:x + CELL] = 255
        _text(img, cell["hand"], x + 3, y + 3, (0, 0, 0))
    x = 4
    for color in colors:  # the legend: one swatch per action, in the table's order
        img[13 * CELL + 6:13 * CELL + 22, x:x + 40] = color
        x += 48
    return img


def write_png(path: Path, img: np.ndarray) -> Path:
    """Write an RGB uint8 array as a PNG file."""
    h, w, _ = img.shape
    raw = b"".join(b"\x00" + img[r].tobytes() for r in range(h))  # filter byte 0 per row

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))
    Path(path).write_bytes(png)
    return Path(path)
