"""From the ENT's login form to an avatar in the world, then out by a logout AT THE IdP: SAML single logout
(the portal's front-channel LogoutRequest) and OpenID Connect back-channel logout (the portal's Logout Token,
signed with its key: LemonLDAP::NG 2.16 cannot send one itself, see test_backchannel_logout.py).

A real LemonLDAP::NG portal, the real world server (``cybercollege.server.edge.app.build``), real WebSocket clients.
"""

from __future__ import annotations

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from cybercollege.client.network import WorldConnection, fetch_demo_token
from cybercollege.protocol import CloseCode
from cybercollege.server.auth.ent.routes import LOGIN_SERVICE
from cybercollege.server.auth.tokens import TokenError
from tests.idp import browser
from tests.server.waits import until

from .flows import desktop_login, idp_logout, post_json, redeem
from .test_backchannel_logout import logout_token
from .test_world_sign_on import enter, world  # noqa: F401  (world is a fixture)


async def _in_world(sp_url: str, http, b: browser.Browser, ent: str):
    got = await desktop_login(sp_url, b.login, ent, b)
    status, body = await redeem(sp_url, got["code"], got["verifier"])
    assert status == 200, body
    demo = await enter(sp_url, http, await fetch_demo_token(http, sp_url, "mme.durand"))
    conn = await enter(sp_url, http, body["access_token"])
    await demo.wait_for(lambda m: conn.mirror.me in m.avatars)
    return body, demo, conn


async def _assert_gone(
    server: TestServer, sp_url: str, body: dict, demo: WorldConnection, conn: WorldConnection
) -> None:
    await until(lambda: conn.closed, "the logged-out connection closed")
    assert conn.close_code == CloseCode.LOGGED_OUT
    await demo.wait_for(lambda m: conn.mirror.me not in m.members)
    service = server.app[LOGIN_SERVICE]
    with pytest.raises(TokenError):
        service.tokens.verify(body["access_token"])
    status, refused = await post_json(f"{sp_url}/auth/refresh", {"refresh_token": body["refresh_token"]})
    assert status == 401 and refused["error"] == "refresh_unknown"


async def test_saml_logout_at_the_idp_removes_the_avatar(world: TestServer, sp_url: str, llng) -> None:  # noqa: F811
    b = browser.Browser("rtyler", ent="llng-saml")
    async with aiohttp.ClientSession() as http:
        try:
            body, demo, rose = await _in_world(sp_url, http, b, "llng-saml")
            seen = await idp_logout(b, llng.url)  # the portal's logout page and its SLO iframe
        finally:
            await b.close()
        assert seen.frames and seen.frames[0][-1].endswith("/common/icons/ok.png")
        await _assert_gone(world, sp_url, body, demo, rose)
        await demo.close()


async def test_oidc_backchannel_logout_removes_the_avatar(world: TestServer, sp_url: str, llng) -> None:  # noqa: F811
    b = browser.Browser("dwho", ent="llng-oidc")
    async with aiohttp.ClientSession() as http:
        try:
            body, demo, who = await _in_world(sp_url, http, b, "llng-oidc")
            await idp_logout(b, llng.url)  # LemonLDAP::NG 2.16 ends its session but sends no Logout Token…
        finally:
            await b.close()
        assert not who.closed
        form = {"logout_token": logout_token(llng, sub="dwho")}  # …so POST the one it would send
        async with http.post(f"{sp_url}/auth/oidc/llng-oidc/backchannel-logout", data=form) as resp:
            assert resp.status == 200
        await _assert_gone(world, sp_url, body, demo, who)
        await demo.close()


async def test_client_logout_removes_the_avatar(world: TestServer, sp_url: str, llng) -> None:  # noqa: F811
    """The other half of the issue: « Se déconnecter » in the client (``POST /auth/logout``)."""
    b = browser.Browser("rtyler", ent="llng-cas")
    async with aiohttp.ClientSession() as http:
        try:
            body, demo, rose = await _in_world(sp_url, http, b, "llng-cas")
        finally:
            await b.close()
        auth = {"Authorization": f"Bearer {body['access_token']}"}
        status, _ = await post_json(f"{sp_url}/auth/logout", {}, headers=auth)
        assert status == 200
        await _assert_gone(world, sp_url, body, demo, rose)
        await demo.close()
