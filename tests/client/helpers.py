"""Shared steps of the client tests."""

from __future__ import annotations

import asyncio
import time

from panda3d.core import PNMImage


async def until(predicate, timeout: float = 5.0, what: str = "condition") -> None:
    """Wait (rendering goes on) until ``predicate()`` is true. ``timeout`` only detects a hang, so it is never
    shorter than 15 s: on a shared 2-core machine one frame of software GL can take a second."""
    deadline = time.monotonic() + max(timeout, 15.0)
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


def screenshot(base) -> PNMImage:
    image = PNMImage()
    assert base.win.get_screenshot(image)
    return image


def count_pixels(image: PNMImage, rgb: tuple[float, float, float], tolerance: float = 0.06) -> int:
    """Pixels within ``tolerance`` of the colour ``rgb`` (sampled every other pixel)."""
    n = 0
    for x in range(0, image.get_x_size(), 2):
        for y in range(0, image.get_y_size(), 2):
            r, g, b = image.get_xel(x, y)
            if abs(r - rgb[0]) < tolerance and abs(g - rgb[1]) < tolerance and abs(b - rgb[2]) < tolerance:
                n += 1
    return n
