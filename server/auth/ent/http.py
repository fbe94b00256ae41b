"""Back-channel HTTP to the ENTs: no cookies, no redirects, a timeout and a size limit on every call."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass

import aiohttp

from cybercollege.server.auth.ent.errors import EntUnavailable


@dataclass(frozen=True, slots=True)
class Reply:
    """A complete (size-checked) HTTP answer."""

    status: int
    body: bytes
    content_type: str
    date: str = ""  # the Date header, to compare clocks (cybercollege ent check)

    def json(self) -> dict:
        """The body as a JSON object, or :class:`EntUnavailable`."""
        try:
            data = json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            raise EntUnavailable("ent_bad_json") from None
        if not isinstance(data, dict):
            raise EntUnavailable("ent_bad_json")
        return data


class EntHttp:
    """One cookie-less :class:`aiohttp.ClientSession` shared by every ENT; close it on shutdown."""

    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None

    async def request(
        self,
        method: str,
        url: str,
        *,
        timeout: float,
        max_bytes: int,
        data: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        """Send one request; raises :class:`EntUnavailable` when the ENT is unreachable, slow or verbose."""
        try:
            async with asyncio.timeout(timeout):
                async with self._client().request(
                    method, url, allow_redirects=False, data=data, headers=headers
                ) as resp:
                    body = await _read_limited(resp, max_bytes)
                    return Reply(resp.status, body, resp.content_type, resp.headers.get("Date", ""))
        except TimeoutError:
            raise EntUnavailable("ent_timeout") from None
        except aiohttp.ClientError:
            raise EntUnavailable("ent_unreachable") from None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                cookie_jar=aiohttp.DummyCookieJar(),
                headers={"User-Agent": "Cybercollege-SSO/1", "Accept-Encoding": "identity"},
            )
        return self._session


async def _read_limited(resp: aiohttp.ClientResponse, max_bytes: int) -> bytes:
    if resp.content_length is not None and resp.content_length > max_bytes:
        raise EntUnavailable("ent_response_too_large")
    chunks: list[bytes] = []
    size = 0
    async for chunk in resp.content.iter_chunked(16384):
        size += len(chunk)
        if size > max_bytes:
            raise EntUnavailable("ent_response_too_large")
        chunks.append(chunk)
    return b"".join(chunks)
