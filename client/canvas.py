"""A whiteboard's texture, painted in place: each new segment is rasterised into the texture's RAM image.

Coordinates are board units (docs/whiteboard.md): 0..10000 across the width, (0, 0) the top-left corner.
Painting touches only the pixels under the new segment (discs stamped along it, with numpy); Panda3D uploads the
modified image at the next frame. Only a cleared or re-ordered page is repainted whole.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from panda3d.core import SamplerState, Texture

from cybercollege.protocol.whiteboard import BOARD_UNITS

TEXTURE_WIDTH = 1024
"""Pixels across a board (3.5 mm a pixel on a 3.6 m board)."""

Colour = tuple[float, float, float, float]


class Canvas:
    """``TEXTURE_WIDTH`` pixels across; ``aspect`` is the board's height over its width."""

    def __init__(self, name: str, aspect: float, background: Colour, width: int = TEXTURE_WIDTH) -> None:
        self.width, self.height = width, max(1, round(width * aspect))
        self.scale = width / BOARD_UNITS  # pixels per board unit
        self.background = _bgra(background)
        self.texture = Texture(name)
        self.texture.setup_2d_texture(self.width, self.height, Texture.T_unsigned_byte, Texture.F_rgba8)
        self.texture.set_minfilter(SamplerState.FT_linear)  # no mipmaps to rebuild on each change
        self.texture.set_magfilter(SamplerState.FT_linear)
        self.texture.set_ram_image(bytes(self.width * self.height * 4))
        self.segments = 0
        """Segments painted since the last clear (tests and benchmarks count them)."""
        self.slide: np.ndarray | None = None
        """The page's background picture (rows from the top, B, G, R, A), or None: plain background."""
        self.clear()

    def _pixels(self) -> np.ndarray:
        """The RAM image as rows from the top of the board (Panda3D stores them bottom-up), marked modified."""
        raw = np.frombuffer(memoryview(self.texture.modify_ram_image()), dtype=np.uint8)
        return raw.reshape(self.height, self.width, 4)[::-1]

    def clear(self) -> None:
        """The page's background: its slide, or the plain colour."""
        self._pixels()[:] = self.slide if self.slide is not None else self.background
        self.segments = 0

    def stroke(self, points: list[int], colour: Colour | None, width: int, start: int = 0) -> None:
        """Paint ``points`` (flat ``[x0, y0, ...]``) from point index ``start`` on, joined to the one before;
        ``colour`` None is the eraser: the page's background (its slide) comes back.

        Discs of the stroke's width are stamped along it, every half radius, in one numpy operation.
        """
        first = max(0, start - 1)
        xy = np.asarray(points[2 * first :], dtype=np.float64).reshape(-1, 2) * self.scale
        if not len(xy):
            return
        radius = max(0.7, width * self.scale / 2)
        centres = np.rint(_along(xy, max(0.5, radius / 2))).astype(np.int64)
        disc = _disc(round(radius * 4) / 4)
        ys = (centres[:, 1, None] + disc[None, :, 0]).ravel()
        xs = (centres[:, 0, None] + disc[None, :, 1]).ravel()
        inside = (xs >= 0) & (xs < self.width) & (ys >= 0) & (ys < self.height)
        ys, xs = ys[inside], xs[inside]
        if colour is not None:
            self._pixels()[ys, xs] = _bgra(colour)
        elif self.slide is not None:
            self._pixels()[ys, xs] = self.slide[ys, xs]
        else:
            self._pixels()[ys, xs] = self.background
        self.segments += max(1, len(xy) - 1)

    def fit(self, picture: np.ndarray) -> np.ndarray:
        """A page-sized background with ``picture`` (rows from the top, B, G, R, A, already scaled to fit)
        centred on the plain colour."""
        page = np.empty((self.height, self.width, 4), dtype=np.uint8)
        page[:] = self.background
        h, w = min(self.height, picture.shape[0]), min(self.width, picture.shape[1])
        top, left = (self.height - h) // 2, (self.width - w) // 2
        page[top : top + h, left : left + w] = picture[:h, :w]
        return page

    def polyline(self, points: list[tuple[int, int]], colour: Colour, width: int) -> None:
        self.stroke([v for p in points for v in p], colour, width)

    def colour_at(self, x: int, y: int) -> tuple[int, int, int]:
        """The painted RGB (0..255) at board point ``(x, y)`` (tests)."""
        raw = np.frombuffer(memoryview(self.texture.get_ram_image()), dtype=np.uint8)
        row = self.height - 1 - min(self.height - 1, int(y * self.scale))
        b, g, r, _ = raw.reshape(self.height, self.width, 4)[row, min(self.width - 1, int(x * self.scale))]
        return int(r), int(g), int(b)


def _along(xy: np.ndarray, step: float) -> np.ndarray:
    """Points every ``step`` pixels along the polyline ``xy`` (both ends included)."""
    if len(xy) == 1:
        return xy
    a, d = xy[:-1], np.diff(xy, axis=0)
    n = np.maximum(1, np.ceil(np.hypot(d[:, 0], d[:, 1]) / step).astype(np.int64))
    seg = np.repeat(np.arange(len(n)), n)
    t = (np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)) / n[seg]
    return np.vstack([a[seg] + d[seg] * t[:, None], xy[-1:]])


@cache
def _disc(radius: float) -> np.ndarray:
    """Integer offsets ``(dy, dx)`` of the pixels within ``radius`` of a centre."""
    r = int(np.ceil(radius))
    dy, dx = np.mgrid[-r : r + 1, -r : r + 1]
    inside = dy * dy + dx * dx <= radius * radius + 0.25
    return np.stack([dy[inside], dx[inside]], axis=1)


def _bgra(colour: Colour) -> np.ndarray:
    """Panda3D keeps 8-bit RGBA texels as B, G, R, A."""
    r, g, b, a = colour
    return np.array([round(b * 255), round(g * 255), round(r * 255), round(a * 255)], dtype=np.uint8)
