"""client/login.py: the desktop half of the login, with a scripted browser in place of the real one."""

from __future__ import annotations

import asyncio

import pytest

from cybercollege.client.login import LoginFailed, login, logout, refresh
from cybercollege.server.core.identity import Role
from tests.idp import browser


def scripted_browser(user: str, ent: str, tasks: list):
    """An ``open_browser`` replacement: logs in like a user would, then visits the loopback redirect."""

    async def drive(url: str) -> None:
        b = browser.Browser(user, ent=ent)
        try:
            final = await b.run(url, stop_at=browser.query_of(url)["redirect_uri"])
            async with await b.get(final) as answer:
                assert answer.status == 200 and "Connexion réussie" in await answer.text()
        finally:
            await b.close()

    loop = asyncio.get_running_loop()

    def open_browser(url: str) -> bool:
        tasks.append(asyncio.run_coroutine_threadsafe(drive(url), loop))
        return True

    return open_browser


async def test_login_through_the_ent_returns_verified_tokens(sp, sp_url, tokens, logouts):
    tasks: list = []
    got = await login(sp_url, open_browser=scripted_browser("dwho", "llng-cas", tasks), timeout=20)
    tasks[0].result(timeout=5)
    identity, sid = tokens.verify(got.access_token)
    assert identity.role is Role.TEACHER and identity.user_id == "llng-cas:LLNG-DWHO"
    renewed = await refresh(sp_url, got.refresh_token)
    assert tokens.verify(renewed.access_token)[1] == sid
    await logout(sp_url, renewed.access_token)
    assert logouts.sids == [sid]


async def test_demo_login_through_the_client(sp, sp_url, tokens):
    tasks: list = []
    got = await login(sp_url, open_browser=scripted_browser("mme.durand", "demo", tasks), timeout=20)
    assert tokens.verify(got.access_token)[0].user_id == "demo:mme.durand"


async def test_abandoned_login_times_out_with_a_french_message(sp, sp_url):
    with pytest.raises(LoginFailed, match="à temps"):
        await login(sp_url, open_browser=lambda url: True, timeout=0.3)


async def test_refused_refresh_gives_the_server_message(sp, sp_url):
    with pytest.raises(LoginFailed, match="renouvellement invalide"):
        await refresh(sp_url, "not-a-token")


async def test_unreachable_server(unused_tcp_port):
    with pytest.raises(LoginFailed, match="ne répond pas"):
        await refresh(f"http://127.0.0.1:{unused_tcp_port}", "x")
