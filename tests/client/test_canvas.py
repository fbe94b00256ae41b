"""The board texture: strokes painted in place, only where the new segment goes."""

from __future__ import annotations

import numpy as np

from cybercollege.client.canvas import Canvas

WHITE, RED = (1.0, 1.0, 1.0, 1.0), (0.8, 0.1, 0.1, 1.0)


def texels(canvas: Canvas) -> np.ndarray:
    raw = np.frombuffer(memoryview(canvas.texture.get_ram_image()), dtype=np.uint8)
    return raw.reshape(canvas.height, canvas.width, 4).copy()


def test_a_stroke_is_painted_under_its_points_only():
    canvas = Canvas("b", 1 / 3, WHITE)
    canvas.stroke([1000, 1000, 4000, 1000, 4000, 2500], RED, 60)
    for x, y in ((1000, 1000), (2500, 1000), (4000, 1000), (4000, 1800), (4000, 2500)):
        assert canvas.colour_at(x, y) == (204, 26, 26), (x, y)
    for x, y in ((2500, 1200), (5000, 1000), (500, 500), (3000, 2500)):
        assert canvas.colour_at(x, y) == (255, 255, 255), (x, y)


def test_new_points_touch_only_the_new_segment():
    canvas = Canvas("b", 1 / 3, WHITE)
    points = [1000, 1000, 2000, 1000]
    canvas.stroke(points, RED, 40)
    before = texels(canvas)
    points += [2000, 2000]
    canvas.stroke(points, RED, 40, start=2)
    changed_rows, changed_cols = np.nonzero((texels(canvas) != before).any(axis=2))
    scale = canvas.width / 10_000
    assert len(changed_rows) > 0
    assert changed_cols.min() >= int((2000 - 40) * scale) and changed_cols.max() <= int((2000 + 40) * scale) + 1
    top = canvas.height - 1 - changed_rows  # Panda3D keeps rows bottom-up
    assert top.min() >= int((1000 - 40) * scale) and top.max() <= int((2000 + 40) * scale) + 1
    assert canvas.colour_at(2000, 1500) == (204, 26, 26) and canvas.colour_at(1500, 1000) == (204, 26, 26)


def test_clear_paints_the_background_back():
    canvas = Canvas("b", 1 / 3, WHITE)
    canvas.stroke([5000, 1500], RED, 300)
    assert canvas.colour_at(5000, 1500) == (204, 26, 26)
    canvas.clear()
    assert canvas.colour_at(5000, 1500) == (255, 255, 255) and canvas.segments == 0
