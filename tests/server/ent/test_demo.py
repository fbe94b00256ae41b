"""Demo mode: the account picker (same one-time-code path) and the bot endpoint."""

from __future__ import annotations

import aiohttp
from aiohttp import web

from cybercollege.server.auth.ent.routes import setup_ent
from cybercollege.server.core.identity import Role
from tests.idp import browser

from .conftest import start_server
from .flows import desktop_login, post_json, redeem, start_url


async def test_login_page_labels_the_demo(sp, sp_url):
    b = browser.Browser()
    try:
        login = await b.run(start_url(sp_url).url, stop_at=f"{sp_url}/auth/login")
        async with await b.get(login) as page:
            html = await page.text()
    finally:
        await b.close()
    assert "Se connecter avec ENT de test (CAS 3)" in html
    assert "Démonstration" in html and "comptes fictifs" in html


async def test_picking_a_demo_pupil_gives_her_tokens(sp, sp_url, tokens):
    got = await desktop_login(sp_url, "lea.martin", "demo")
    status, body = await redeem(sp_url, got["code"], got["verifier"])
    assert status == 200
    identity, _ = tokens.verify(body["access_token"])
    assert identity.user_id == "demo:lea.martin"
    assert identity.display_name == "Léa M."
    assert identity.role is Role.PUPIL


async def test_bots_log_in_with_a_post(sp, sp_url, tokens):
    status, body = await post_json(f"{sp_url}/auth/demo", {"login": "bot-17"})
    assert status == 200
    identity, _ = tokens.verify(body["access_token"])
    assert identity.display_name == "Bot 17"


async def test_unknown_demo_login_is_a_clear_error(sp, sp_url):
    status, body = await post_json(f"{sp_url}/auth/demo", {"login": "nobody"})
    assert status == 404
    assert body == {"error": "demo_unknown_user", "message": "Ce compte de démonstration n'existe pas."}
    status, body = await post_json(f"{sp_url}/auth/demo", {"user": 3})
    assert status == 404


async def test_bad_json_is_a_clear_error(sp, sp_url):
    async with aiohttp.ClientSession() as http, http.post(f"{sp_url}/auth/demo", data=b"{nope") as resp:
        assert resp.status == 400 and (await resp.json())["error"] == "bad_json"


async def test_no_demo_routes_without_demo_mode(tokens):
    app = web.Application()
    setup_ent(app, [], tokens, public_url="http://127.0.0.1", demo=None, on_logout=None)
    server = await start_server(app)
    try:
        url = str(server.make_url("/auth/demo"))
        async with aiohttp.ClientSession() as http, http.post(url, json={"login": "bot-1"}) as resp:
            status = resp.status
    finally:
        await server.close()
    assert status == 404
