"""Lighting (client/lighting.py): the shaders compile on this GL, software GL gets the fast quality, and the full
looks draw the sun's shadows, detail textures and windows with the sky (screenshots in var/journeys/)."""

from __future__ import annotations

from pathlib import Path

from panda3d.core import PNMImage

from cybercollege import worlds
from cybercollege.client import lighting
from cybercollege.client.view import WorldView
from tests.client.helpers import count_pixels, screenshot

ROOT = Path(__file__).resolve().parents[2]


def luminance(image: PNMImage, x: int, y: int) -> float:
    r, g, b = image.get_xel(x, y)
    return 0.3 * r + 0.59 * g + 0.11 * b


async def classroom(base, driver, looks: str, name: str) -> PNMImage:
    """Salle 103 from the back in ``looks``; the screenshot, also saved under var/journeys/test_lighting/."""
    lighting.LOOKS = looks
    view = WorldView(base, worlds.load_world(worlds.default_world_path()))
    try:
        view.start(1, "Test", "pupil", "salle-103", 42.3, 15.0, 90.0)
        await driver.frames_later(12)  # the sun aims at the room on its first frame
        folder = ROOT / "var" / "journeys" / "test_lighting"
        folder.mkdir(parents=True, exist_ok=True)
        image = screenshot(base)
        image.write(str(folder / name))
        if looks == "full":
            shadow = [base.graphicsEngine.get_window(i) for i in range(base.graphicsEngine.get_num_windows())]
            assert any(w.get_name() == "sun" and w.get_x_size() == lighting.SHADOW_SIZE for w in shadow), \
                "the sun renders its shadow map"
        return image
    finally:
        view.destroy()
        lighting.LOOKS = "new"


def test_software_gl_gets_the_fast_quality(base):
    assert "llvmpipe" in base.win.gsg.get_driver_renderer().lower(), "this test machine renders in software"
    assert lighting.quality() == "fast"


async def test_full_looks_cast_shadows_and_show_the_sky_through_windows(base, driver):
    full = await classroom(base, driver, "full", "full.png")
    fast = await classroom(base, driver, "fast", "fast.png")
    for quality in ("full", "fast"):
        for shader in (lighting.lit_shader(quality), lighting.figure_shader(quality)):
            assert not shader.get_error_flag(), f"the {quality} shaders compile on {base.win.gsg.get_driver_renderer()}"
    w, h = full.get_x_size(), full.get_y_size()
    darker = sum(1 for x in range(0, w, 2) for y in range(h // 2, h, 2)
                 if luminance(fast, x, y) - luminance(full, x, y) > 0.15)
    assert darker > w * h // 4 // 100, f"shadows darken the floor and desks ({darker} pixels of the lower half)"
    for image in (full, fast):
        assert count_pixels(image, lighting.SKY_TOP[:3], tolerance=0.05) > 50, "the sky through a window"
