"""The board texture: strokes painted in place, only where the new segment goes."""

from __future__ import annotations

import numpy as np

from cybercollege.client.canvas import Canvas

WHITE, RED = (1.0, 1.0, 1.0, 1.0), (0.8, 0.1, 0.1, 1.0)


def texels(canvas: Canvas) -> np.ndarray:
    """The board's tile textures put together, rows bottom-up as Panda3D keeps them."""
    whole = np.zeros((canvas.height, canvas.width, 4), dtype=np.uint8)
    for t in canvas.tiles:
        raw = np.frombuffer(memoryview(t.texture.get_ram_image()), dtype=np.uint8)
        whole[canvas.height - t.y1 : canvas.height - t.y0, t.x0 : t.x1] = raw.reshape(t.y1 - t.y0, t.x1 - t.x0, 4)
    return whole


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


def test_a_segment_reuploads_only_the_tiles_it_touches():
    canvas = Canvas("b", 1 / 3, WHITE)
    assert len(canvas.tiles) > 2, "a board is drawn as several tiles"
    before = {t.texture.get_name(): t.texture.get_image_modified() for t in canvas.tiles}
    canvas.stroke([500, 500, 900, 600], RED, 40)  # near the top-left corner: the first tile only
    changed = [t for t in canvas.tiles if t.texture.get_image_modified() != before[t.texture.get_name()]]
    assert [(t.x0, t.y0) for t in changed] == [(0, 0)]
    assert canvas.colour_at(700, 550) == (204, 26, 26)


def test_a_stroke_across_tiles_is_whole_on_each():
    canvas = Canvas("b", 1 / 3, WHITE)
    canvas.stroke([1000, 1500, 9000, 1500], RED, 60)  # across the board
    for x in range(1000, 9001, 250):
        assert canvas.colour_at(x, 1500) == (204, 26, 26), x
