"""Helpers: a lesson in salle-103 (a teacher and two pupils, seated), files to upload, what clients saw."""

from __future__ import annotations

import io
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from PIL import Image

from cybercollege.client.network import WorldConnection
from cybercollege.server.edge.services import Services
from tests.server.conftest import Connect
from tests.server.test_invitation import bearer
from tests.server.whiteboard.conftest import BOARD, seat

RED, BLUE, GREEN = (255, 0, 0), (0, 0, 255), (0, 160, 0)


class Seen:
    """Every message one client applied, to look for those of a type."""

    def __init__(self, conn: WorldConnection) -> None:
        self.messages: list[Any] = []
        conn.mirror.listeners.append(self.messages.append)

    def of(self, kind: type) -> list[Any]:
        return [m for m in self.messages if isinstance(m, kind)]


def seen(conn: WorldConnection) -> Seen:
    return conn.seen  # type: ignore[attr-defined,no-any-return]


async def enter(conn: WorldConnection, services: Services) -> WorldConnection:
    conn.seen = Seen(conn)  # type: ignore[attr-defined]
    await seat(conn, services)
    return conn


@pytest.fixture
async def lesson(connect: Connect, services: Services) -> tuple[WorldConnection, WorldConnection, WorldConnection]:
    """Mme Durand, Léa and Hugo (4A) in salle-103, each knowing the others are there."""
    prof = await enter(await connect("mme.durand"), services)
    lea = await enter(await connect("lea.martin"), services)
    hugo = await enter(await connect("hugo.moreau"), services)
    await prof.wait_for(lambda m: {lea.mirror.me, hugo.mirror.me} <= set(m.members))
    return prof, lea, hugo


def pdf(*colours: tuple[int, int, int], size: tuple[int, int] = (400, 300)) -> bytes:
    """A PDF with one plain page per colour."""
    pages = [Image.new("RGB", size, c) for c in colours]
    out = io.BytesIO()
    pages[0].save(out, "PDF", save_all=True, append_images=pages[1:])
    return out.getvalue()


def image(colour: tuple[int, int, int], fmt: str = "PNG", size: tuple[int, int] = (300, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, fmt)
    return out.getvalue()


def png_pixel(data: bytes, x: float, y: float) -> tuple[int, ...]:
    """The pixel at fractions ``x, y`` of a PNG's width and height."""
    with Image.open(io.BytesIO(data)) as im:
        rgb = im.convert("RGB")
        return rgb.getpixel((min(rgb.width - 1, int(x * rgb.width)), min(rgb.height - 1, int(y * rgb.height))))


async def upload(
    http: aiohttp.ClientSession, server: TestServer, data: bytes | aiohttp.FormData, login: str = "mme.durand",
    board: str = BOARD, query: str = "",
) -> tuple[int, dict[str, Any]]:  # fmt: skip
    headers = await bearer(http, server, login)
    async with http.post(server.make_url(f"/api/boards/{board}/slides{query}"), data=data, headers=headers) as r:
        return r.status, await r.json()


async def export(
    http: aiohttp.ClientSession, server: TestServer, fmt: str, login: str = "mme.durand", board: str = BOARD,
    query: str = "",
) -> tuple[int, bytes]:  # fmt: skip
    headers = await bearer(http, server, login)
    async with http.get(server.make_url(f"/api/boards/{board}/export.{fmt}{query}"), headers=headers) as r:
        return r.status, await r.read()


def near(pixel: tuple[int, ...], colour: tuple[int, int, int], tolerance: int = 12) -> bool:
    """Same colour, give or take JPEG rounding (Pillow's PDFs hold JPEG images)."""
    return all(abs(p - c) <= tolerance for p, c in zip(pixel, colour, strict=False))
