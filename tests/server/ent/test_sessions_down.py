"""Redis down (issue 15): a sign-in or a refresh is refused with a clear French message, never a 500, and nothing
is half-written; a logout still acts here. When Redis is back, sign-in works and her session is as it was."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import pytest
import redis.asyncio as redis
from aiohttp.test_utils import TestServer

from cybercollege.server.auth.ent.oidc import pkce_pair
from cybercollege.server.edge.app import build
from tests.server.conftest import make_settings
from tests.server.ent.flows import LOOPBACK
from tests.server.redis_server import PrivateRedis, private_redis

pytestmark = pytest.mark.redis

REFUSED = "Connexion impossible pour le moment"
AGAIN = "Réessayez dans une minute."


@pytest.fixture
async def broker(tmp_path: Path) -> AsyncIterator[PrivateRedis]:
    async with private_redis(tmp_path / "redis") as server:
        yield server


@pytest.fixture
async def server(tmp_path: Path, broker: PrivateRedis) -> AsyncIterator[str]:
    srv = TestServer(build(make_settings(tmp_path, broker_url=broker.url)), host="127.0.0.1")
    await srv.start_server()
    yield str(srv.make_url("")).rstrip("/")
    await srv.close()


async def post(http: aiohttp.ClientSession, url: str, body: dict, token: str = "") -> tuple[int, dict]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with http.post(url, json=body, headers=headers) as answer:
        return answer.status, await answer.json()


async def browser_sign_in(http: aiohttp.ClientSession, base: str, login: str) -> tuple[int, str]:
    """The desktop client's sign-in in a browser, with the demo list as the ENT: the status and the page."""
    _verifier, challenge = pkce_pair()
    query = urlencode({"redirect_uri": LOOPBACK, "code_challenge": challenge, "state": "s", "demo": "1"})
    async with http.get(f"{base}/auth/desktop/start?{query}") as page:
        assert page.status == 200, await page.text()
        request_id = page.url.query["req"]
    form = {"req": request_id, "login": login}
    async with http.post(f"{base}/auth/demo/pick", data=form, allow_redirects=False) as answer:
        return answer.status, await answer.text()


async def save_and_kill(broker: PrivateRedis) -> None:
    """Redis stops as a Redis with persistence would: what it held is there when it starts again."""
    client = redis.from_url(broker.url)
    await client.save()
    await client.aclose()
    broker.kill()


async def test_sign_in_is_refused_while_redis_is_down_then_works(server: str, broker: PrivateRedis) -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:  # cookies of 127.0.0.1
        status, lea = await post(http, f"{server}/auth/demo", {"login": "lea.martin"})
        assert status == 200, lea
        status, hugo = await post(http, f"{server}/auth/demo", {"login": "hugo.moreau"})
        assert status == 200, hugo
        status, nathan = await post(http, f"{server}/auth/demo", {"login": "nathan.roux"})
        assert status == 200, nathan
        await save_and_kill(broker)

        status, refused = await post(http, f"{server}/auth/demo", {"login": "chloe.garcia"})
        assert status == 503 and refused["error"] == "sessions_unavailable"
        assert REFUSED in refused["message"] and AGAIN in refused["message"]
        status, page = await browser_sign_in(http, server, "chloe.garcia")
        assert status == 503 and REFUSED in page and AGAIN in page  # the page her browser shows
        status, refused = await post(http, f"{server}/auth/refresh", {"refresh_token": lea["refresh_token"]})
        assert status == 503 and REFUSED in refused["message"]
        status, done = await post(http, f"{server}/auth/logout", {}, token=hugo["access_token"])
        assert status == 200 and done == {"ok": True}  # a logout acts here: his tokens are refused at once
        async with http.get(f"{server}/auth/me", headers={"Authorization": f"Bearer {hugo['access_token']}"}) as me:
            assert me.status == 401
        status, done = await post(http, f"{server}/auth/logout", {"refresh_token": nathan["refresh_token"]})
        assert status == 200 and done == {"ok": True}  # by refresh token too: this process gave it

        await broker.start()
        status, renewed = await post(http, f"{server}/auth/refresh", {"refresh_token": lea["refresh_token"]})
        assert status == 200, renewed  # the refused refresh rotated nothing: her token still works
        status, ines = await post(http, f"{server}/auth/demo", {"login": "chloe.garcia"})
        assert status == 200, ines
        status, page = await browser_sign_in(http, server, "chloe.garcia")
        assert status == 302 and REFUSED not in page
        status, refused = await post(http, f"{server}/auth/refresh", {"refresh_token": hugo["refresh_token"]})
        assert status == 401 and refused["error"] == "refresh_unknown"  # his logout held, Redis down or not
        status, refused = await post(http, f"{server}/auth/refresh", {"refresh_token": nathan["refresh_token"]})
        assert status == 401 and refused["error"] == "refresh_unknown"
