"""A flood of sign-in starts from one address cannot stop anyone else signing in (issue 12).

Pending logins are bounded per client address (a school behind one NAT address fits: 2,000 by default) and,
when the store is full, new ones are refused instead of evicting someone else's. Here the bounds are made
small; the attacker is 127.0.0.1, Léa's browser 127.0.0.2 (the whole 127/8 is loopback on Linux).
"""

from __future__ import annotations

from urllib.parse import urlencode

import aiohttp
from aiohttp.test_utils import TestServer

from cybercollege.server.auth.ent.oidc import pkce_pair
from cybercollege.server.auth.ent.routes import LOGIN_SERVICE
from cybercollege.server.auth.ent.service import REQUEST_TTL
from cybercollege.server.auth.ent.store import OneTimeStore

LOOPBACK = "http://127.0.0.1:53682/cb"


def start_url(server: TestServer) -> str:
    query = urlencode({"redirect_uri": LOOPBACK, "code_challenge": pkce_pair()[1], "state": "s"})
    return str(server.make_url(f"/auth/desktop/start?{query}"))


async def test_a_flood_from_one_address_refuses_it_and_keeps_the_others(server: TestServer) -> None:
    service = server.app[LOGIN_SERVICE]
    service.requests = OneTimeStore(REQUEST_TTL, max_items=40, max_per_owner=10)
    lea_browser = aiohttp.ClientSession(  # a browser: it keeps the cookie the login start sets
        connector=aiohttp.TCPConnector(local_addr=("127.0.0.2", 0)), cookie_jar=aiohttp.CookieJar(unsafe=True)
    )
    attacker = aiohttp.ClientSession()
    try:
        async with lea_browser.get(start_url(server), allow_redirects=False) as r:
            assert r.status == 302
            lea_page = r.headers["Location"]
        statuses = []
        for _ in range(30):
            async with attacker.get(start_url(server), allow_redirects=False) as r:
                statuses.append(r.status)
                page = await r.text()
        assert statuses == [302] * 10 + [429] * 20
        assert "Trop de connexions en cours depuis cette adresse" in page  # a page, in French, not a traceback
        async with lea_browser.get(str(server.make_url(lea_page))) as r:  # her login page still works
            assert r.status == 200 and "Connexion impossible" not in await r.text()
        async with lea_browser.get(start_url(server), allow_redirects=False) as r:
            assert r.status == 302  # and she may start another one
    finally:
        await lea_browser.close()
        await attacker.close()
