"""Helpers of the ENT tests: run the desktop login like the client and a browser would."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape
from urllib.parse import urlencode, urljoin

import aiohttp
from yarl import URL

from cybercollege.server.auth.ent.oidc import pkce_pair
from cybercollege.server.core.identity import Identity
from tests.idp import browser
from tests.idp.people import SCHOOL_UAI, Person

LOOPBACK = "http://127.0.0.1:53682/cb"


@dataclass
class Started:
    """A desktop login in progress: the PKCE verifier and the URL the client opened."""

    verifier: str
    url: str


def start_url(sp_url: str, state: str = "client-state-1", redirect_uri: str = LOOPBACK) -> Started:
    verifier, challenge = pkce_pair()
    query = urlencode({"redirect_uri": redirect_uri, "code_challenge": challenge, "state": state})
    return Started(verifier, f"{sp_url}/auth/desktop/start?{query}")


async def desktop_login(sp_url: str, user: str, ent: str, b=None) -> dict[str, str]:
    """The browser part of a login; returns ``{code, state, verifier}`` as the loopback receives them."""
    started = start_url(sp_url)
    own = b is None
    b = b or browser.Browser(user, ent=ent)
    try:
        final = await b.run(started.url, stop_at=LOOPBACK)
    finally:
        if own:
            await b.close()
    return {**browser.query_of(final), "verifier": started.verifier}


async def post_json(url: str, body: dict, headers: dict | None = None) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as http, http.post(url, json=body, headers=headers) as resp:
        return resp.status, await resp.json()


async def redeem(sp_url: str, code: str, verifier: str) -> tuple[int, dict]:
    return await post_json(f"{sp_url}/auth/desktop/token", {"code": code, "code_verifier": verifier})


@dataclass
class IdpLogout:
    """What a browser saw when logging out on the IdP: the logout page and, for each of its iframes
    (front-channel single logout), the URLs it went through."""

    page: str
    frames: list[list[str]]


async def idp_logout(b: browser.Browser, portal_url: str) -> IdpLogout:
    """Log out on the IdP's own page (``?logout=1``) and load its iframes as a browser would, following
    redirects byte for byte (signed SAML redirects depend on it)."""
    async with await b.get(f"{portal_url}?logout=1") as answer:
        page = await answer.text()
    frames = []
    for src in re.findall(r'<iframe\b[^>]*\bsrc="([^"]*)"', page):
        frames.append(await follow(b, urljoin(portal_url, unescape(src))))
    return IdpLogout(page, frames)


async def follow(b: browser.Browser, url: str, max_steps: int = 10) -> list[str]:
    """GET ``url`` and its redirects (no forms); returns the URLs visited."""
    visited = [url]
    for _ in range(max_steps):
        async with b.session.get(URL(url, encoded=True), allow_redirects=False) as resp:
            await resp.read()
            location = resp.headers.get("Location")
        if not location:
            return visited
        url = urljoin(url, location)
        visited.append(url)
    raise AssertionError(f"too many redirects: {visited}")


def assert_identity(identity: Identity, person: Person, ent_id: str) -> None:
    """What a person of tests/idp/people.py must come out as, whichever provider signed them in."""
    assert identity.user_id == f"{ent_id}:{person.jointure}"
    assert (identity.role, identity.school_uai) == (person.role, SCHOOL_UAI)
    assert identity.classes == person.expected_classes
    assert identity.display_name == person.display_name
