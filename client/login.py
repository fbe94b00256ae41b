"""Desktop login through the system browser (RFC 8252): the client half of ``/auth/desktop/*``.

:func:`login` listens on ``127.0.0.1:<free port>``, opens the browser on the server's login page, waits
for the one-time code on the loopback redirect and exchanges it (with the PKCE verifier) for tokens.
The user types their ENT password only on the ENT's own page, never in this application.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

import aiohttp
from aiohttp import web

DONE_PAGE = (
    '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Cybercollège</title></head>'
    "<body><h1>Connexion réussie</h1>"
    "<p>Vous pouvez fermer cet onglet et revenir à Cybercollège.</p></body></html>"
)
HTTP_TIMEOUT = aiohttp.ClientTimeout(total=20)


class LoginFailed(Exception):
    """The login did not complete; the message is French, for the user."""


@dataclass(frozen=True, slots=True)
class LoginTokens:
    access_token: str
    refresh_token: str
    expires_in: int


async def login(
    server_url: str,
    *,
    open_browser: Callable[[str], object] = webbrowser.open,
    timeout: float = 300.0,
    ent: str | None = None,
) -> LoginTokens:
    """Log in through the browser and return our tokens; raises :class:`LoginFailed`.

    ``ent`` skips the server's list of ENTs and goes straight to that one (``cybercollege ent try``)."""
    verifier = secrets.token_urlsafe(48)
    state = secrets.token_urlsafe(16)
    code_future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    runner, port = await _start_listener(state, code_future)
    try:
        redirect_uri = f"http://127.0.0.1:{port}/cb"
        params = {"redirect_uri": redirect_uri, "code_challenge": _s256(verifier), "state": state}
        query = urlencode({**params, "ent": ent} if ent else params)
        opened = await asyncio.to_thread(open_browser, f"{server_url.rstrip('/')}/auth/desktop/start?{query}")
        if opened is False and not code_future.done():  # no browser, or it ended without finishing the login
            raise LoginFailed("Le navigateur n'a pas pu être ouvert ou a été fermé avant la fin de la connexion.")
        try:
            code = await asyncio.wait_for(code_future, timeout)
        except TimeoutError:
            raise LoginFailed("La connexion n'a pas abouti à temps. Recommencez.") from None
    finally:
        await runner.cleanup()
    return await _post(server_url, "/auth/desktop/token", {"code": code, "code_verifier": verifier})


async def refresh(server_url: str, refresh_token: str) -> LoginTokens:
    """New tokens for a refresh token (which is then used up)."""
    return await _post(server_url, "/auth/refresh", {"refresh_token": refresh_token})


async def logout(server_url: str, access_token: str) -> None:
    """End the session on the server (the avatar leaves the world)."""
    headers = {"Authorization": f"Bearer {access_token}"}
    url = f"{server_url.rstrip('/')}/auth/logout"
    async with aiohttp.ClientSession(timeout=HTTP_TIMEOUT) as http, http.post(url, headers=headers) as resp:
        if resp.status not in (200, 401):  # 401: the session had already ended
            raise LoginFailed(f"Déconnexion impossible (HTTP {resp.status}).")


async def _start_listener(state: str, code_future: asyncio.Future[str]) -> tuple[web.AppRunner, int]:
    async def callback(request: web.Request) -> web.Response:
        if request.query.get("state") != state or not request.query.get("code"):
            return web.Response(status=400, text="Requête inattendue.")
        if not code_future.done():
            code_future.set_result(request.query["code"])
        return web.Response(text=DONE_PAGE, content_type="text/html")

    app = web.Application()
    app.router.add_get("/cb", callback)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, runner.addresses[0][1]


async def _post(server_url: str, path: str, body: dict) -> LoginTokens:
    url = f"{server_url.rstrip('/')}{path}"
    try:
        async with aiohttp.ClientSession(timeout=HTTP_TIMEOUT) as http, http.post(url, json=body) as resp:
            data = await resp.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, ValueError):
        raise LoginFailed("Le serveur Cybercollège ne répond pas.") from None
    if resp.status != 200 or not isinstance(data, dict):
        message = data.get("message") if isinstance(data, dict) else None
        raise LoginFailed(message or f"Connexion refusée (HTTP {resp.status}).")
    try:
        return LoginTokens(str(data["access_token"]), str(data["refresh_token"]), int(data["expires_in"]))
    except (KeyError, TypeError, ValueError):
        raise LoginFailed("Réponse inattendue du serveur Cybercollège.") from None


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
