"""Journey (issue 15): two collèges on one platform, and nothing crosses between them.

Collège Jean Moulin (A, the default world, school 0699990Z) and Collège Victor Hugo (B, a copy of it serving
school 0750002B) run as two real ``cybercollege serve`` processes on one PostgreSQL, one Redis and one secret,
with one ENT (LemonLDAP::NG over CAS). Zoé, a pupil of A, tries B's address: the ENT signs her in, and B says in a
sentence which collège this is and that her account belongs to another; her A session is refused by B's world and
API, and B's invitation of its class 4A does not open A's amphitheatre to A's 4A. Hélène, a teacher of A, draws on
A's Salle 103 board; B admits A's staff as visitors (``visiting_roles``), yet neither Hélène nor A's director has a
teacher's tool or a classroom in B; and Victor, B's teacher, finds B's Salle 103 board empty of A's strokes.
"""

from __future__ import annotations

import signal
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import asyncpg
import pytest

from cybercollege import worlds
from cybercollege.client.network import ConnectionRefused, WorldConnection
from cybercollege.protocol import CloseCode, ErrorCode
from cybercollege.protocol.teacher import Freeze, Lock
from cybercollege.server.auth.ent.oidc import pkce_pair
from tests.idp import browser, lemonldap
from tests.idp.chromium import chromium
from tests.journeys.providers import lemonldap_sign_in
from tests.server.conftest import another_college
from tests.server.persistence.conftest import fresh_pg_database
from tests.server.processes import Process, serve
from tests.server.redis_server import private_redis
from tests.server.test_lifecycle import free_port
from tests.server.test_world_flow import walk_to
from tests.server.waits import HANG, eventually

WORLD = worlds.load_world(worlds.default_world_path())
BOARD = "tableau-103"  # Salle 103's board, in both copies of the world
B_ID, B_NAME, B_UAI = "college-victor-hugo", "Collège Victor Hugo", "0750002B"
ENT = "llng"
WAIT_MS = HANG * 1000


@dataclass
class Platform:
    a: Process
    b: Process
    pg_dsn: str


def ent_file(path: Path, cas_url: str, visitors: tuple[str, ...] = ()) -> Path:
    lines = ["[[ent]]", f'id = "{ENT}"', 'name = "ENT de l\'académie"', 'protocol = "cas"', f'server_url = "{cas_url}"']
    if visitors:
        lines.append(f"visiting_roles = {list(visitors)!r}".replace("'", '"'))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def college_b(directory: Path) -> Path:
    world = another_college(directory, B_ID, (B_UAI,))
    header = world / "world.toml"
    header.write_text(header.read_text("utf-8").replace("Collège Jean Moulin", B_NAME), "utf-8")
    return world


@pytest.fixture
async def platform(tmp_path: Path) -> AsyncIterator[Platform]:
    port_a, port_b = free_port(), free_port()
    llng = lemonldap.start_portal(tmp_path / "llng", f"http://127.0.0.1:{port_a}")  # CAS: any service of ours
    try:
        async with fresh_pg_database() as database, private_redis(tmp_path / "redis") as redis:
            a = await serve(database.url, redis.url, "--ent-config", str(ent_file(tmp_path / "a.toml", llng.cas_url)),
                            "--public-url", f"http://127.0.0.1:{port_a}", port=port_a)  # fmt: skip
            b = await serve(database.url, redis.url, "--world", str(college_b(tmp_path / "b")),
                            "--ent-config", str(ent_file(tmp_path / "b.toml", llng.cas_url, ("teacher", "staff"))),
                            "--public-url", f"http://127.0.0.1:{port_b}", port=port_b)  # fmt: skip
            try:
                async with aiohttp.ClientSession() as http:
                    await a.wait_serving(http)
                    await b.wait_serving(http)
                yield Platform(a, b, database.url.replace("postgresql+asyncpg", "postgresql"))
            finally:
                for process in (b, a):
                    await process.stop(signal.SIGTERM)
    finally:
        llng.stop()


def start_url(base: str) -> tuple[str, str]:
    """A desktop login's first URL at ``base`` (straight to the ENT), and its PKCE verifier."""
    verifier, challenge = pkce_pair()
    query = urlencode({"redirect_uri": LOOPBACK, "code_challenge": challenge, "state": "s", "ent": ENT})
    return f"{base}/auth/desktop/start?{query}", verifier


LOOPBACK = "http://127.0.0.1:53682/cb"


async def sign_in(http: aiohttp.ClientSession, base: str, login: str) -> str:
    """Through the ENT's own login form (a scripted browser), then the client's code exchange: an access token."""
    url, verifier = start_url(base)
    b = browser.Browser(login, ent=ENT)
    try:
        final = await b.run(url, stop_at=LOOPBACK)
    finally:
        await b.close()
    code = browser.query_of(final)["code"]
    async with http.post(f"{base}/auth/desktop/token", json={"code": code, "code_verifier": verifier}) as answer:
        assert answer.status == 200, await answer.text()
        return str((await answer.json())["access_token"])


async def enter(http: aiohttp.ClientSession, base: str, token: str) -> WorldConnection:
    conn = WorldConnection(http, base, token)
    await conn.connect()
    await conn.wait_for(lambda m: m.tick > 0 and m.room is not None, timeout=HANG)
    return conn


async def through(conn: WorldConnection, door_id: str) -> None:
    """Walk to a door and use it; returns once in the room behind it."""
    door = WORLD.doors[door_id]
    here = conn.mirror.room
    await walk_to(conn, *door.landing(here)[:2])
    await conn.use_door(door_id)
    target = door.rooms[1] if door.rooms[0] == here else door.rooms[0]
    await conn.wait_for(lambda m: m.room == target, timeout=HANG)


async def refused_at(conn: WorldConnection, door_id: str) -> str:
    """Walk to a door and try it: the refusal's sentence (the avatar stays where it was)."""
    door = WORLD.doors[door_id]
    here = conn.mirror.room
    await walk_to(conn, *door.landing(here)[:2])
    before = len(conn.mirror.errors)
    await conn.use_door(door_id)
    await conn.wait_for(lambda m: len(m.errors) > before, timeout=HANG)
    error = conn.mirror.errors[-1]
    assert error.code == ErrorCode.ACCESS_DENIED and conn.mirror.room == here
    return str(error.message)


async def tool_refused(conn: WorldConnection, message: object) -> str:
    before = len(conn.mirror.errors)
    await conn.send(message)
    await conn.wait_for(lambda m: len(m.errors) > before, timeout=HANG)
    error = conn.mirror.errors[-1]
    assert error.code == ErrorCode.ACCESS_DENIED
    return str(error.message)


async def board_rows(dsn: str, college: str) -> int:
    connection = await asyncpg.connect(dsn)
    try:
        query = "SELECT count(*) FROM board_ops WHERE college = $1 AND board_id = $2"
        return int(await connection.fetchval(query, college, BOARD))
    finally:
        await connection.close()


async def saved(dsn: str, college: str) -> None:
    """Wait until the college's board has a saved operation (the write-behind flushes every second)."""
    await eventually(lambda: board_rows(dsn, college), f"{college}'s stroke saved", every=0.1)


async def test_a_pupil_and_teachers_of_one_college_cannot_cross_into_another(platform: Platform, shots: Path):
    a, b = platform.a.base, platform.b.base

    # 1. Zoé (pupil of A) signs in at B's address through the ENT: B tells her, in a page, why not.
    async with chromium() as context:
        page = await context.new_page()
        page.set_default_timeout(WAIT_MS)
        await page.goto(start_url(b)[0])
        await lemonldap_sign_in(page, lemonldap.ACCOUNTS["rtyler"])
        await page.wait_for_url(f"{b}/auth/cas/{ENT}/callback*")
        text = await page.inner_text("body")
        await page.screenshot(path=str(shots / "1-pupil-of-a-at-b.png"))
    assert f"Ici, c'est le collège virtuel « {B_NAME} »" in text
    assert "Votre compte ENT appartient à un autre établissement (établissement 0699990Z)" in text

    async with aiohttp.ClientSession() as http:
        # 2. Signed in at A, her session is refused by B's world and B's API, each with its sentence.
        zoe_token = await sign_in(http, a, "rtyler")
        zoe = await enter(http, a, zoe_token)
        with pytest.raises(ConnectionRefused) as refused:
            await WorldConnection(http, b, zoe_token).connect()
        assert (refused.value.code, refused.value.close_code) == (ErrorCode.WRONG_COLLEGE, CloseCode.UNAUTHORIZED)
        assert "ouverte dans un autre collège virtuel, pas dans celui-ci" in str(refused.value)
        async with http.get(f"{b}/api/lessons/next", headers={"Authorization": f"Bearer {zoe_token}"}) as answer:
            assert answer.status == 403
            assert "autre collège virtuel" in (await answer.json())["message"]

        # 3. Victor, B's teacher, invites B's 4A into B's amphitheatre: A's amphitheatre stays closed to A's 4A.
        victor_token = await sign_in(http, b, "vhugo")
        invitation = {"room": "amphi", "classes": ["4A"], "partner_school": "Gymnasium Köln", "country": "Allemagne",
                      "language": "allemand", "max_guests": 5, "valid_until": time.time() + 3600}  # fmt: skip
        async with http.post(f"{b}/api/invitations", json=invitation,
                             headers={"Authorization": f"Bearer {victor_token}"}) as answer:  # fmt: skip
            assert answer.status in (200, 201), await answer.text()
        assert "Amphithéâtre" in await refused_at(zoe, "hall-amphi")

        # 4. Hélène (teacher of A) draws on A's Salle 103 board; the stroke is saved, as A's.
        helene = await enter(http, a, await sign_in(http, a, "dwho"))
        await through(helene, "hall-couloir")
        await through(helene, "porte-103")
        await helene.wait_for(lambda m: BOARD in m.boards, timeout=HANG)
        cid = await helene.draw(BOARD, [100, 100, 400, 300, 700, 200])
        await helene.wait_for(lambda m: cid in m.boards[BOARD].acks, timeout=HANG)
        await saved(platform.pg_dsn, "college-jean-moulin")

        # 5. Victor enters B's Salle 103: B's board of the same name shows none of A's strokes.
        victor = await enter(http, b, victor_token)
        await through(victor, "hall-couloir")
        await through(victor, "porte-103")
        await victor.wait_for(lambda m: BOARD in m.boards and len(m.boards[BOARD].items) >= m.boards[BOARD].expected)
        assert victor.mirror.boards[BOARD].items == {}
        assert await board_rows(platform.pg_dsn, B_ID) == 0

        # 6. Hélène and A's director, visitors at B (its ENT admits A's staff): the hall, but no classroom and no
        #    teacher's tool — what a teacher of B may do there is refused to them.
        helene_at_b = await enter(http, b, await sign_in(http, b, "dwho"))
        assert "réservé aux enseignants de la salle" in await tool_refused(helene_at_b, Lock(True))
        director_at_b = await enter(http, b, await sign_in(http, b, "jbrun"))
        assert "réservé aux enseignants de la salle" in await tool_refused(director_at_b, Freeze(True))
        await through(director_at_b, "hall-couloir")
        assert "Salle 103" in await refused_at(director_at_b, "porte-103")
        assert len(victor.mirror.boards[BOARD].items) == 0
        for conn in (zoe, helene, victor, helene_at_b, director_at_b):
            await conn.close()
