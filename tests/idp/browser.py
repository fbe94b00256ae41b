"""A scripted browser for the end-to-end tests: follows redirects, fills in the LemonLDAP::NG login form,
submits SAML auto-post forms, and stops at the desktop client's loopback redirect."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qsl, urljoin, urlsplit

import aiohttp
from yarl import URL

_FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
_INPUT = re.compile(r"<input\b([^>]*)>", re.I)
_BUTTON = re.compile(r"<button\b([^>]*)>", re.I)
_ATTR = re.compile(r'([\w-]+)\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')


class BrowserError(AssertionError):
    """The flow did not go where a browser would have gone; ``status`` and ``body`` of the last page."""

    def __init__(self, message: str, status: int = 0, body: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.body = body


def attrs(tag: str) -> dict[str, str]:
    return {m.group(1).lower(): unescape(m.group(2) or m.group(3) or "") for m in _ATTR.finditer(tag)}


def forms(html: str) -> list[tuple[dict[str, str], dict[str, str], list[tuple[str, str]]]]:
    """``(form attributes, {input name: value}, [(button name, value)])`` for every form of the page."""
    found = []
    for match in _FORM.finditer(html):
        inputs = {}
        for tag in _INPUT.finditer(match.group(2)):
            a = attrs(tag.group(1))
            if "name" in a and a.get("type") != "checkbox":
                inputs[a["name"]] = a.get("value", "")
        buttons = [
            (a.get("name", ""), a.get("value", "")) for a in map(attrs, _BUTTON.findall(match.group(2)))
        ]
        found.append((attrs(match.group(1)), inputs, buttons))
    return found


class Browser:
    """One browser profile (cookie jar). On our login page it follows the link of ``ent``;
    on the IdP's login form it types ``login`` and ``password``."""

    def __init__(self, login: str = "", password: str | None = None, ent: str = "") -> None:
        self.login = login
        self.ent = ent
        self.password = login if password is None else password
        self.session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.visited: list[str] = []
        self.passwords_typed = 0

    async def close(self) -> None:
        await self.session.close()

    async def get(self, url: str) -> aiohttp.ClientResponse:
        return await self.session.get(url, allow_redirects=False)

    async def run(self, url: str, stop_at: str, max_steps: int = 20) -> str:
        """Browse from ``url`` until a redirect to a URL starting with ``stop_at``; returns that URL."""
        method, data = "GET", None
        for _ in range(max_steps):
            self.visited.append(url)
            # encoded=True: send the URL byte for byte, as browsers do (signed SAML redirects depend on it)
            target_url = URL(url, encoded=True)
            async with self.session.request(method, target_url, data=data, allow_redirects=False) as resp:
                body = await resp.text(errors="replace")
                location = resp.headers.get("Location")
                status = resp.status
            if location:
                target = urljoin(url, location)
                if target.startswith(stop_at):
                    return target
                url, method, data = target, "GET", None
                continue
            if status != 200:
                raise BrowserError(f"{status} at {url}: {body[:500]}", status, body)
            url, method, data = self._submit(url, body)
        raise BrowserError(f"too many steps: {self.visited}")

    def _submit(self, url: str, body: str) -> tuple[str, str, dict[str, str]]:
        """The next request a user (or the page's auto-submit script) would send from this page."""
        pattern = "/auth/demo/pick" if self.ent == "demo" else f"/auth/ent/{re.escape(self.ent)}/start"
        link = re.search(rf'href="({pattern}\?[^"]*)"', body) if self.ent else None
        if link:
            return urljoin(url, unescape(link.group(1))), "GET", {}
        for form, inputs, buttons in forms(body):
            action = form.get("action", "#")
            target = url if action in ("", "#") else urljoin(url, action)
            if ("login", self.login) in buttons:  # our demo account picker
                return target, "POST", {**inputs, "login": self.login}
            if "password" in inputs:
                inputs.update(user=self.login, password=self.password)
                self.passwords_typed += 1
                return target, form.get("method", "get").upper(), inputs
            if action.endswith("/renewsession"):  # LemonLDAP asks to confirm a re-authentication
                return target, "POST", inputs
            if "SAMLResponse" in inputs or "SAMLRequest" in inputs:
                return target, form.get("method", "post").upper(), inputs
        raise BrowserError(f"no form to submit at {url}: {forms(body)} {body[:300]}")


def query_of(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))
