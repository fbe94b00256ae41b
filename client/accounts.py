"""Getting a session token: demo login, guest code, or the ENT (client/login.py, in the browser)."""

from __future__ import annotations

import logging

import aiohttp

log = logging.getLogger("client")


class SessionToken(str):
    """An access token; ``refresh_token`` is set when the login gave one (demo and ENT; guests get none)."""

    refresh_token: str | None = None


def _with_refresh(access_token: str, refresh_token: object) -> SessionToken:
    token = SessionToken(access_token)
    token.refresh_token = refresh_token if isinstance(refresh_token, str) else None
    return token


class LoginFailed(Exception):
    """We could not get a token; ``key`` is the catalogue key explaining why."""

    def __init__(self, key: str, detail: str = "") -> None:
        super().__init__(detail or key)
        self.key = key


async def token_for(http: aiohttp.ClientSession, url: str, kind: str, value: str, name: str = "") -> str:
    """A session token for a ``"demo"`` login, a ``"guest"`` code (and the guest's ``name``) or the ENT."""
    try:
        if kind == "demo":
            return await _post_token(http, f"{url}/auth/demo", {"login": value}, "err_demo_off",
                                     "err_unknown_user")
        if kind == "guest":
            body = {"code": value, "name": name or "Invité"}
            return await _post_token(http, f"{url}/auth/guest", body, "err_guest_off", "err_guest_code")
        return await _ent_token(http, url, value)
    except (aiohttp.ClientConnectionError, TimeoutError, OSError) as exc:
        raise LoginFailed("err_unreachable", str(exc)) from exc


async def _post_token(http: aiohttp.ClientSession, url: str, body: dict, off: str, refused: str) -> str:
    async with http.post(url, json=body, timeout=aiohttp.ClientTimeout(total=10)) as resp:
        if resp.status == 200:
            data = await resp.json()
            return _with_refresh(data["access_token"], data.get("refresh_token"))
        error = await _error_code(resp)
        if resp.status == 404 and not error:  # no such route: this server does not offer it
            raise LoginFailed(off)
        if resp.status == 429:
            raise LoginFailed("err_rate", error)
        if resp.status in (400, 401, 403, 404, 409, 410):
            raise LoginFailed(refused, error)
        raise LoginFailed("err_generic", f"HTTP {resp.status} {error}")


async def _error_code(resp: aiohttp.ClientResponse) -> str:
    """The ``error`` code of a JSON error body (``{"error", "message"}``), or ""."""
    try:
        data = await resp.json(content_type=None)
    except (ValueError, aiohttp.ContentTypeError):
        return ""
    return str(data.get("error", "")) if isinstance(data, dict) else ""


async def _ent_token(http: aiohttp.ClientSession, url: str, ent_id: str) -> str:
    """The desktop ENT login of client/login.py: the system browser, then a loopback redirect."""
    from cybercollege.client import login

    try:
        tokens = await login.login(url)
    except login.LoginFailed as exc:
        raise LoginFailed("err_ent", str(exc)) from exc
    except Exception as exc:  # a failed browser flow must not crash the client
        log.warning("ENT login failed", exc_info=True)
        raise LoginFailed("err_ent", str(exc)) from exc
    return _with_refresh(tokens.access_token, tokens.refresh_token)


async def list_ents(http: aiohttp.ClientSession, url: str) -> list[tuple[str, str]]:
    """The ENTs the server offers as (id, name); empty when none or unknown."""
    try:
        async with http.get(f"{url}/auth/ents", timeout=aiohttp.ClientTimeout(total=3)) as resp:
            if resp.status != 200:
                return []
            data = await resp.json()
        return [(str(e["id"]), str(e["name"])) for e in data.get("ents", data) if isinstance(e, dict)]
    except (aiohttp.ClientError, TimeoutError, OSError, ValueError, KeyError, AttributeError):
        return []
