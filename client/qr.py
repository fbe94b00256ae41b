"""QR codes as Panda3D textures: the matrix from segno, one block of pixels per module, sharp when scaled."""

from __future__ import annotations

import segno
from panda3d.core import ATS_none, PNMImage, SamplerState, Texture

BORDER = 4
"""The quiet zone, in modules, that readers need around the symbol."""
SIZE = 256
"""Texture side in pixels (a power of two: never resampled by the graphics card)."""


def modules(text: str) -> list[list[bool]]:
    """The QR symbol of ``text`` (error correction M), quiet zone included: True for a dark module."""
    return [[bool(v) for v in row] for row in segno.make(text, error="m").matrix_iter(border=BORDER)]


def image(text: str, size: int = SIZE) -> PNMImage:
    """``text``'s QR code, black on white, centred in a ``size``-pixel square, whole pixels per module."""
    rows = modules(text)
    n = len(rows)
    k = max(1, size // n)
    offset = (size - n * k) // 2
    picture = PNMImage(size, size, 1)
    picture.fill(1.0)
    for j, row in enumerate(rows):
        for i, dark in enumerate(row):
            if dark:
                for y in range(offset + j * k, offset + (j + 1) * k):
                    for x in range(offset + i * k, offset + (i + 1) * k):
                        picture.set_gray(x, y, 0.0)
    return picture


def texture(text: str) -> Texture:
    """A texture of ``text``'s QR code, filtered to the nearest pixel (no blur between modules)."""
    tex = Texture("qr")
    tex.set_auto_texture_scale(ATS_none)
    tex.load(image(text))
    tex.set_magfilter(SamplerState.FT_nearest)
    tex.set_minfilter(SamplerState.FT_nearest)
    return tex
