"""Make the client's detail textures: ``python assets/make_textures.py`` writes assets/textures/*.png.

Greyscale pictures, multiplied by a surface's own colour in the shader (client/lighting.py): one repeat
covers 2 m (client/mesh.py ``UV_TILE``). Deterministic (fixed seeds): running it again gives the same files.
Made from nothing but numpy noise, so they are ours (assets/LICENSE.md).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from PIL import Image

OUT = Path(__file__).resolve().parent / "textures"


def noise(size: int, cells: int, rng: np.random.Generator) -> np.ndarray:
    """Smooth value noise in [0, 1], tileable: ``cells`` random values across, bilinearly interpolated."""
    grid = rng.random((cells, cells))
    t = np.arange(size) * cells / size
    i0 = np.floor(t).astype(int)
    f = t - i0
    f = f * f * (3 - 2 * f)
    i1 = (i0 + 1) % cells
    rows = grid[i0][:, i0] * (1 - f)[None, :] + grid[i0][:, i1] * f[None, :]
    rows1 = grid[i1][:, i0] * (1 - f)[None, :] + grid[i1][:, i1] * f[None, :]
    return rows * (1 - f)[:, None] + rows1 * f[:, None]


def fractal(size: int, rng: np.random.Generator, octaves: tuple[int, ...] = (4, 8, 16, 32, 64)) -> np.ndarray:
    out = np.zeros((size, size))
    weight = 1.0
    for cells in octaves:
        out += noise(size, cells, rng) * weight
        weight *= 0.55
    return (out - out.min()) / (out.max() - out.min())


def floor(size: int = 256) -> np.ndarray:
    """Parquet: staggered planks 12.5 cm × 1 m, each a little lighter or darker, with grain and seams."""
    rng = np.random.default_rng(1)
    y, x = np.mgrid[0:size, 0:size] / size * 2.0  # metres
    row = np.floor(x / 0.125).astype(int)
    along = y + (row % 4) * 0.25
    plank = np.floor(along / 1.0).astype(int)
    shade = rng.uniform(0.86, 1.0, (64, 8))[row % 64, plank % 8]
    grain = fractal(size, rng, (8, 64, 128))
    grain = 0.93 + 0.07 * np.sin(grain * 40.0)
    seam = (np.minimum(x % 0.125, 0.125 - x % 0.125) < 0.004) | (np.minimum(along % 1.0, 1.0 - along % 1.0) < 0.004)
    return np.where(seam, 0.62, shade * grain)


def wall(size: int = 256) -> np.ndarray:
    """Painted plaster: a faint, fine grain."""
    rng = np.random.default_rng(2)
    return 0.94 + 0.06 * fractal(size, rng, (16, 32, 64, 128))


def wood(size: int = 256) -> np.ndarray:
    """Wood grain along x: warped rings."""
    rng = np.random.default_rng(3)
    y = np.mgrid[0:size, 0:size][0] / size
    warp = fractal(size, rng, (4, 8, 16))
    rings = np.sin((y * 12 + warp * 2.5) * np.pi * 2)
    fine = fractal(size, rng, (32, 128))
    return 0.88 + 0.04 * rings + 0.08 * fine


def metal(size: int = 256) -> np.ndarray:
    """Brushed metal: streaks along x."""
    rng = np.random.default_rng(4)
    streaks = rng.random(size)
    return np.tile((0.88 + 0.12 * streaks)[:, None], (1, size))


def fabric(size: int = 256) -> np.ndarray:
    """Woven cloth: a fine over-under pattern."""
    rng = np.random.default_rng(5)
    y, x = np.mgrid[0:size, 0:size]
    weave = np.where(((x // 2) + (y // 2)) % 2 == 0, 0.95, 0.85)
    return weave * (0.92 + 0.08 * fractal(size, rng, (8, 32)))


MAKERS = {"floor.png": floor, "wall.png": wall, "wood.png": wood, "metal.png": metal, "fabric.png": fabric}


def main(out: Path = OUT) -> int:
    out.mkdir(parents=True, exist_ok=True)
    for name, make in MAKERS.items():
        pixels = np.clip(make() * 255.0, 0, 255).astype(np.uint8)
        Image.fromarray(pixels, mode="L").save(out / name, optimize=True)
        print(f"{out / name}: {pixels.shape[1]}x{pixels.shape[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT))
