"""A whiteboard's texture, painted in place: each new segment is rasterised into the board's image.

Coordinates are board units (docs/whiteboard.md): 0..10000 across the width, (0, 0) the top-left corner.
Painting touches only the pixels under the new segment (discs stamped along it, with numpy). The board is drawn
as tiles of ``TILE`` pixels, each its own texture: a segment copies the tiles it touched into their RAM images
and Panda3D uploads only those at the next frame. Only a cleared or re-ordered page is repainted whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
from panda3d.core import SamplerState, Texture

from cybercollege.protocol.whiteboard import BOARD_UNITS

TEXTURE_WIDTH = 1024
"""Pixels across a board (3.5 mm a pixel on a 3.6 m board)."""
TILE = 256
"""Pixels of a tile's side. On software GL a whole 1024-pixel board took ≈ 1.1 ms of the frame to upload, a
256-pixel tile ≈ 0.07 ms (docs/benchmarks.md), and a stroke's new points touch one or two tiles."""

Colour = tuple[float, float, float, float]


@dataclass(frozen=True)
class Tile:
    """A texture showing the pixels ``x0 <= x < x1``, ``y0 <= y < y1`` of the board (rows from the top)."""

    texture: Texture
    x0: int
    y0: int
    x1: int
    y1: int


class Canvas:
    """``TEXTURE_WIDTH`` pixels across; ``aspect`` is the board's height over its width."""

    def __init__(self, name: str, aspect: float, background: Colour, width: int = TEXTURE_WIDTH) -> None:
        self.width, self.height = width, max(1, round(width * aspect))
        self.scale = width / BOARD_UNITS  # pixels per board unit
        self.background = _bgra(background)
        self.image = np.empty((self.height, self.width, 4), dtype=np.uint8)
        """What is painted: rows from the top of the board, B, G, R, A."""
        self.tiles = [
            _tile(f"{name}-{x0}-{y0}", x0, y0, min(x0 + TILE, self.width), min(y0 + TILE, self.height))
            for y0 in range(0, self.height, TILE)
            for x0 in range(0, self.width, TILE)
        ]
        self.uploads = 0
        """Tiles copied to their textures (each uploaded at the next frame; benchmarks count them)."""
        self.segments = 0
        """Segments painted since the last clear (tests and benchmarks count them)."""
        self.slide: np.ndarray | None = None
        """The page's background picture (rows from the top, B, G, R, A), or None: plain background."""
        self.clear()

    def _touched(self, y0: int, y1: int, x0: int, x1: int) -> None:
        """Copy the tiles overlapping the pixels ``y0 <= y < y1``, ``x0 <= x < x1`` to their textures."""
        for tile in self.tiles:
            if tile.x0 < x1 and x0 < tile.x1 and tile.y0 < y1 and y0 < tile.y1:
                raw = np.frombuffer(memoryview(tile.texture.modify_ram_image()), dtype=np.uint8)
                rows = raw.reshape(tile.y1 - tile.y0, tile.x1 - tile.x0, 4)
                rows[:] = self.image[tile.y0 : tile.y1, tile.x0 : tile.x1][::-1]  # Panda3D keeps rows bottom-up
                self.uploads += 1

    def clear(self) -> None:
        """The page's background: its slide, or the plain colour."""
        self.image[:] = self.slide if self.slide is not None else self.background
        self._touched(0, self.height, 0, self.width)
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
        self.segments += max(1, len(xy) - 1)
        if not len(ys):
            return
        if colour is not None:
            self.image[ys, xs] = _bgra(colour)
        elif self.slide is not None:
            self.image[ys, xs] = self.slide[ys, xs]
        else:
            self.image[ys, xs] = self.background
        self._touched(int(ys.min()), int(ys.max()) + 1, int(xs.min()), int(xs.max()) + 1)

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
        """The RGB (0..255) the board's texture shows at board point ``(x, y)`` (tests)."""
        px, py = min(self.width - 1, int(x * self.scale)), min(self.height - 1, int(y * self.scale))
        tile = next(t for t in self.tiles if t.x0 <= px < t.x1 and t.y0 <= py < t.y1)
        raw = np.frombuffer(memoryview(tile.texture.get_ram_image()), dtype=np.uint8)
        rows = raw.reshape(tile.y1 - tile.y0, tile.x1 - tile.x0, 4)
        b, g, r, _ = rows[tile.y1 - 1 - py, px - tile.x0]
        return int(r), int(g), int(b)


def _tile(name: str, x0: int, y0: int, x1: int, y1: int) -> Tile:
    texture = Texture(name)
    texture.setup_2d_texture(x1 - x0, y1 - y0, Texture.T_unsigned_byte, Texture.F_rgba8)
    texture.set_minfilter(SamplerState.FT_linear)  # no mipmaps to rebuild on each change
    texture.set_magfilter(SamplerState.FT_linear)
    texture.set_wrap_u(SamplerState.WM_clamp)  # tiles meet without the opposite edge bleeding in
    texture.set_wrap_v(SamplerState.WM_clamp)
    texture.set_ram_image(bytes((x1 - x0) * (y1 - y0) * 4))
    return Tile(texture, x0, y0, x1, y1)


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
