"""Slides behind the board's pages (docs/classroom.md §1): fetched by hash, decoded and scaled off the loop.

``PAGE_BACKGROUND`` names a PNG by its sha256 (``GET /slides/<sha256>``, no token: the hash is the
capability). It is decoded and scaled to fit the board's texture in a worker thread, then kept by hash.
"""

from __future__ import annotations

import asyncio

import aiohttp
import numpy as np
from panda3d.core import PNMImage, StringStream, Texture


class SlideError(Exception):
    """The picture could not be fetched or decoded."""


def decode(data: bytes, width: int, height: int) -> np.ndarray:
    """A PNG (or JPEG) scaled to fit inside ``width`` x ``height``, aspect kept: rows from the top, B, G, R, A."""
    src = PNMImage()
    if not src.read(StringStream(data)) or not src.get_x_size() or not src.get_y_size():
        raise SlideError("unreadable picture")
    scale = min(width / src.get_x_size(), height / src.get_y_size())
    w, h = max(1, round(src.get_x_size() * scale)), max(1, round(src.get_y_size() * scale))
    dst = PNMImage(w, h, src.get_num_channels())
    dst.gaussian_filter_from(0.6, src)  # box_filter_from leaves black rows on this build
    texture = Texture("slide")
    texture.load(dst)
    return np.frombuffer(texture.get_ram_image_as("BGRA"), dtype=np.uint8).reshape(h, w, 4)[::-1].copy()


class Slides:
    """Decoded slides by (hash, size)."""

    def __init__(self, http: aiohttp.ClientSession) -> None:
        self.http = http
        self.cache: dict[tuple[str, int, int], np.ndarray] = {}

    async def get(self, url: str, sha256: str, width: int, height: int) -> np.ndarray:
        key = (sha256, width, height)
        if key not in self.cache:
            try:
                async with self.http.get(f"{url}/slides/{sha256}") as resp:
                    if resp.status != 200:
                        raise SlideError(f"slide {sha256}: HTTP {resp.status}")
                    data = await resp.read()
            except (aiohttp.ClientError, OSError) as exc:
                raise SlideError(str(exc)) from exc
            self.cache[key] = await asyncio.to_thread(decode, data, width, height)
        return self.cache[key]
