"""A connection lasts as long as its token: closed with 4013 when it expires, unless REAUTH brought a fresh one
of the same user (issue 12). Deadlines are checked by the tick's once-a-second housekeeping."""

from __future__ import annotations

import asyncio
import time

import aiohttp
from aiohttp.test_utils import TestServer

from cybercollege.client.network import WorldConnection, fetch_demo_tokens, refresher, token_times
from cybercollege.protocol import CloseCode, ErrorCode
from cybercollege.protocol.messages import Error, Reauth, Reauthed
from cybercollege.server.edge.services import Services
from tests.server.waits import HANG, caught_up, until

SHORT = 3
"""Seconds the first token lives (its ``exp`` is whole seconds: 2 to 3 s from the handshake)."""
REAUTH = Reauth.__protocol__.code  # type: ignore[attr-defined]


def short_token(services: Services, token: str, ttl: int = SHORT) -> str:
    """The same user and login session as ``token``, expiring in ``ttl`` seconds."""
    identity, sid = services.tokens.verify(token)
    return services.tokens.issue(identity, sid=sid, ttl_seconds=ttl)


async def past_the_deadline(services: Services, token: str) -> None:
    """Two housekeeping passes have run since ``token`` expired."""
    times = token_times(token)
    assert times is not None
    await until(lambda: time.time() > times[1], "the first token's expiry")
    world = services.world
    tick = world.tick_no
    await until(lambda: world.tick_no >= tick + 2 * world.settings.tick_hz, "two seconds of ticks")


async def test_a_connection_is_closed_when_its_token_expires(
    server: TestServer, services: Services, http: aiohttp.ClientSession
) -> None:
    url = str(server.make_url("")).rstrip("/")
    token, _ = await fetch_demo_tokens(http, url, "lea.martin")
    lea = WorldConnection(http, url, short_token(services, token))
    await lea.connect()
    async with asyncio.timeout(HANG):
        assert await lea.wait_closed() == CloseCode.SESSION_EXPIRED
    assert "demo:lea.martin" not in services.world.by_user


async def test_reauth_in_time_keeps_the_connection_open(
    server: TestServer, services: Services, http: aiohttp.ClientSession
) -> None:
    url = str(server.make_url("")).rstrip("/")
    token, _ = await fetch_demo_tokens(http, url, "lea.martin")
    first = short_token(services, token)
    lea = WorldConnection(http, url, first)
    seen: list[object] = []
    lea.mirror.listeners.append(seen.append)
    await lea.connect()
    await lea.send(Reauth(token))  # the 15-minute token of the same login
    await lea.wait_for(lambda m: any(isinstance(x, Reauthed) for x in seen), HANG)
    reauthed = next(x for x in seen if isinstance(x, Reauthed))
    assert reauthed.expires_at == token_times(token)[1]  # type: ignore[index]
    await past_the_deadline(services, first)
    await caught_up(lea, services)
    assert not lea.closed and "demo:lea.martin" in services.world.by_user
    await lea.close()


async def test_reauth_with_another_users_or_a_revoked_token_is_refused(
    server: TestServer, services: Services, http: aiohttp.ClientSession
) -> None:
    url = str(server.make_url("")).rstrip("/")
    token, _ = await fetch_demo_tokens(http, url, "lea.martin")
    hugo, _ = await fetch_demo_tokens(http, url, "hugo.moreau")
    revoked, _ = await fetch_demo_tokens(http, url, "lea.martin")  # another login of hers, then logged out
    services.tokens.revoke(services.tokens.verify(revoked)[1])
    lea = WorldConnection(http, url, short_token(services, token))
    await lea.connect()
    await lea.send(Reauth(hugo))
    await lea.send(Reauth(revoked))
    await lea.wait_for(lambda m: len([e for e in m.errors if e.ref == REAUTH]) == 2, HANG)
    errors = [e for e in lea.mirror.errors if e.ref == REAUTH]
    assert [e.code for e in errors] == [ErrorCode.TOKEN_INVALID, ErrorCode.TOKEN_INVALID]
    assert "autre compte" in errors[0].message and "déconnexion" in errors[1].message
    async with asyncio.timeout(HANG):  # neither moved the deadline
        assert await lea.wait_closed() == CloseCode.SESSION_EXPIRED
    assert not any(isinstance(e, Error) and e.code == ErrorCode.INTERNAL for e in lea.mirror.errors)


async def test_the_client_refreshes_before_expiry(
    server: TestServer, services: Services, http: aiohttp.ClientSession
) -> None:
    """client/network.py with a refresh callback: POST /auth/refresh before the token expires, then REAUTH."""
    url = str(server.make_url("")).rstrip("/")
    token, refresh_token = await fetch_demo_tokens(http, url, "lea.martin")
    first = short_token(services, token)
    lea = WorldConnection(http, url, first, refresh=refresher(http, url, refresh_token))
    await lea.connect()
    await lea.wait_for(lambda m: lea.reauthed >= 1, HANG)
    assert lea.token != first
    await past_the_deadline(services, first)
    await caught_up(lea, services)
    assert not lea.closed and "demo:lea.martin" in services.world.by_user
    await lea.close()


async def test_the_desktop_client_keeps_the_refresh_token_of_its_login(
    server: TestServer, services: Services, http: aiohttp.ClientSession
) -> None:
    """The Panda3D client's login (client/accounts.py) hands its connection the refresh token (guests get none)."""
    from cybercollege.client import accounts

    url = str(server.make_url("")).rstrip("/")
    token = await accounts.token_for(http, url, "demo", "lea.martin")
    assert isinstance(token, accounts.SessionToken) and token.refresh_token
    fresh = await refresher(http, url, token.refresh_token)()  # the login's refresh token works
    assert services.tokens.verify(fresh)[0].user_id == "demo:lea.martin"
