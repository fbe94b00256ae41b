"""No secret reaches the server's log, at any level: a real ``cybercollege serve`` at DEBUG, its log in a file,
asked with tickets, codes, states, tokens and credential headers in well-formed requests, in requests aiohttp
cannot parse (a bad request line, a header too long, a bad header character, a bad method on a kept-alive
connection) and in a WebSocket upgrade; a request it cannot parse is one warning, without a traceback."""

from __future__ import annotations

import asyncio
import secrets
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp

from cybercollege.client.network import WorldConnection, fetch_demo_token
from tests.server.test_lifecycle import ROOT, free_port
from tests.server.waits import HANG


def secret() -> str:
    return "zq" + secrets.token_hex(8)  # a value that appears nowhere unless it leaked


async def start(tmp_path: Path, log: Path) -> tuple[subprocess.Popen[bytes], str, int]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "cybercollege.server", "serve", "--demo", "true", "--port", str(port),
         "--secret", "s" * 40, "--database-url", f"sqlite+aiosqlite:///{tmp_path}/db.sqlite",
         "--log-level", "DEBUG"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
    )
    base = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession() as http:
        for _ in range(600):  # a hang detector (60 s): a loaded machine takes a while to start
            assert proc.poll() is None, log.read_text()
            try:
                async with http.get(f"{base}/health") as r:
                    if r.status == 200:
                        return proc, base, port
            except aiohttp.ClientError:
                await asyncio.sleep(0.1)
    proc.kill()
    raise AssertionError(f"server did not start: {log.read_text()}")


async def raw(port: int, data: bytes) -> bytes:
    """Send ``data`` on a fresh TCP connection; what the server answers before it closes."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(data)
    await writer.drain()
    try:
        answer = await asyncio.wait_for(reader.read(65536), HANG)
    finally:
        writer.close()
    return answer


async def test_no_secret_reaches_the_log_at_any_level(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    proc, base, port = await start(tmp_path, log)
    leaks: list[str] = []

    def s() -> str:
        leaks.append(value := secret())
        return value

    try:
        async with aiohttp.ClientSession() as http:
            # well-formed requests: a CAS ticket, an OIDC code and state, a token, an invitation code in a path
            for url in (
                f"/auth/cas/ent/callback?ticket=ST-{s()}&state={s()}",
                f"/auth/oidc/ent/callback?code={s()}&state={s()}&session_state={s()}",
                f"/nothing/here?token={s()}&resume={s()}",
                f"/invite/{s()}",
            ):
                async with http.get(base + url, headers={"Authorization": f"Bearer {s()}", "Cookie": f"sid={s()}"}):
                    pass
            # a WebSocket upgrade with a token in the query, then a real session token in HELLO
            async with http.ws_connect(f"{base}/ws?token={s()}", headers={"X-Auth-Token": s()}) as ws:
                await ws.close()
            token = await fetch_demo_token(http, base, "lea.martin")
            leaks.append(token)
            lea = WorldConnection(http, base, token)
            await lea.connect()
            await lea.close()
        # what aiohttp cannot parse
        answers = [
            await raw(port, f"GET /auth/cas/x/callback?ticket=ST-{s()} HTTP/1.1 junk\r\nHost: x\r\n\r\n".encode()),
            await raw(port, f"G\x01T /cb?code={s()} HTTP/1.1\r\nHost: x\r\n\r\n".encode()),
            await raw(port, f"GET /ws?token={s()} HTTP/1.1\r\nX-Auth-Token: {s()}{'A' * 9000}\r\n\r\n".encode()),
            await raw(port, f"GET /?state={s()} HTTP/1.1\r\nAuthorization: Bearer {s()}\x01\r\n\r\n".encode()),
            await raw(port, f"GET /health HTTP/1.1\r\nHost: x\r\n\r\nP\x02ST /cb?code={s()} HTTP/1.1\r\n\r\n".encode()),
            await raw(port, f"GET /%zz?code={s()} HTTP/1.1\r\nHost: x\r\nCookie: sid={s()}\r\n\r\n".encode()),
        ]
        assert all(a.startswith(b"HTTP/1.") for a in answers), answers  # each was answered (a 400; a 200 then a 400)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(HANG)
    text = log.read_text("utf-8", errors="replace")
    assert " DEBUG " in text  # the level asked for: the test would prove nothing at INFO
    assert "bad_http_request" in text  # the unparsable requests were logged, as one warning each
    assert "Traceback" not in text, text
    found = [value for value in leaks if value in text]
    assert found == [], f"in the log: {found}\n{text}"
