"""A user the school's administrator disables: connections closed, every token refused, no refresh, no login
(``cybercollege user disable``, docs/adr/0011), and the same after a restart; ``enable`` lets them back in."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from cybercollege.client.network import ConnectionRefused, WorldConnection, fetch_demo_tokens
from cybercollege.protocol import CloseCode, ErrorCode
from cybercollege.server.auth.ent.service import DISABLED
from cybercollege.server.auth.tokens import MESSAGES
from cybercollege.server.edge.services import SERVICES
from tests.server.auth.conftest import Start
from tests.server.auth.test_revocations import invitations, url_of
from tests.server.waits import HANG, until

SCRIPT = Path(sys.executable).parent / "cybercollege"
LEA = "demo:lea.martin"


def cybercollege(*args: str) -> subprocess.CompletedProcess[str]:
    """The installed command, in its own process (as the school's administrator runs it)."""
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, timeout=120, check=False)


async def post(http: aiohttp.ClientSession, url: str, body: dict) -> tuple[int, dict]:
    async with http.post(url, json=body) as resp:
        return resp.status, await resp.json()


async def test_a_disabled_user_is_closed_and_refused_everywhere(start: Start, db_url: str) -> None:
    server = await start()
    async with aiohttp.ClientSession() as http:
        url = url_of(server)
        token, refresh = await fetch_demo_tokens(http, url, "lea.martin")
        lea = WorldConnection(http, url, token)
        await lea.connect()
        hugo = WorldConnection(http, url, (await fetch_demo_tokens(http, url, "hugo.moreau"))[0])
        await hugo.connect()

        done = await asyncio.to_thread(cybercollege, "user", "disable", LEA, "--database-url", db_url)
        assert done.returncode == 0, done.stderr
        assert f"{LEA} disabled" in done.stdout
        async with asyncio.timeout(HANG):  # the server reads the disabled users every few seconds
            assert await lea.wait_closed() == CloseCode.ACCOUNT_DISABLED
        assert LEA not in server.app[SERVICES].world.by_user and not hugo.closed

        with pytest.raises(ConnectionRefused) as refused:
            await WorldConnection(http, url, token).connect()
        assert (refused.value.code, refused.value.close_code) == (ErrorCode.ACCOUNT_DISABLED, CloseCode.UNAUTHORIZED)
        assert str(refused.value) == MESSAGES["account_disabled"]
        assert await invitations(http, url, token) == (
            401, {"error": "account_disabled", "message": MESSAGES["account_disabled"]}
        )
        assert await post(http, f"{url}/auth/refresh", {"refresh_token": refresh}) == (
            403, {"error": "account_disabled", "message": DISABLED}
        )
        assert await post(http, f"{url}/auth/demo", {"login": "lea.martin"}) == (
            403, {"error": "account_disabled", "message": DISABLED}
        )
        await hugo.close()
        await server.close()

        server = await start()  # still disabled after a restart
        url = url_of(server)
        with pytest.raises(ConnectionRefused) as refused:
            await WorldConnection(http, url, token).connect()
        assert refused.value.code == ErrorCode.ACCOUNT_DISABLED

        again = await asyncio.to_thread(cybercollege, "user", "disable", LEA, "--database-url", db_url)
        assert again.returncode == 0 and "already disabled" in again.stdout
        enabled = await asyncio.to_thread(cybercollege, "user", "enable", LEA, "--database-url", db_url)
        assert enabled.returncode == 0 and f"{LEA} enabled" in enabled.stdout
        tokens = server.app[SERVICES].tokens
        await until(lambda: not tokens.is_disabled(LEA), "the server read the enabled user")
        fresh, _ = await fetch_demo_tokens(http, url, "lea.martin")
        back = WorldConnection(http, url, fresh)
        await back.connect()
        await back.close()
        events = await server.app[SERVICES].store.audit_log(LEA)
        assert [e.event for e in events if e.event.startswith("user_")] == ["user_disabled", "user_enabled"]
