"""The portal's cookie sessions: a random id in a cookie, everything else on the server (docs/portal.md).

The cookie is ``HttpOnly``, ``SameSite=Lax`` and ``Secure`` — except when the server's public URL is plain http on a
loopback address (``dev.py run`` and the tests), where a browser would not send a Secure cookie back.
The store is behind :class:`SessionStore` (three async methods); :class:`MemoryStore`, bounded, is the default of one
process (issue 15 puts the sessions of several processes in Redis behind the same interface).
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from ipaddress import ip_address
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

from cybercollege.server.core.identity import Identity

if TYPE_CHECKING:
    from aiohttp.web import StreamResponse

COOKIE = "cc_portal"
IDLE = 2 * 3600.0
"""Seconds without a request before a session is forgotten."""
MAX_SIGNED_IN = 10_000
MAX_ANONYMOUS = 5_000
"""Bounds of the memory store: the oldest session goes first; a flood of anonymous visits never evicts a signed-in
teacher (each kind has its own bound)."""


@dataclass(slots=True)
class PortalSession:
    """One browser's visit: its CSRF token, its language, and once signed in who it is and its login session id."""

    id: str
    csrf: str
    lang: str | None = None
    identity: Identity | None = None
    sid: str | None = None
    """The login session (server/auth/ent/sessions.py) whose end, single logout included, ends this one."""
    login: tuple[str, str] | None = None
    """The sign-in under way: ``(state, PKCE verifier)``."""
    codes: dict[str, str] = field(default_factory=dict)
    """Invitation id -> its code, for the invitations created in this session (the server keeps only hashes):
    their page shows the code, the link, the QR code and the printable sheet (server/portal/views/invitations.py)."""
    seen: float = field(default_factory=time.time)

    @classmethod
    def new(cls, lang: str | None = None) -> PortalSession:
        return cls(id=secrets.token_urlsafe(32), csrf=secrets.token_urlsafe(32), lang=lang)


class SessionStore(Protocol):
    """Where sessions live, keyed by their random id."""

    async def get(self, session_id: str) -> PortalSession | None: ...

    async def put(self, session: PortalSession) -> None: ...

    async def delete(self, session_id: str) -> None: ...


class MemoryStore:
    """Sessions of one process in memory, bounded per kind, forgotten after ``idle`` seconds without a request."""

    def __init__(
        self,
        *,
        idle: float = IDLE,
        max_signed_in: int = MAX_SIGNED_IN,
        max_anonymous: int = MAX_ANONYMOUS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._idle = idle
        self._clock = clock
        self._bounds = {True: max_signed_in, False: max_anonymous}
        self._kinds: dict[bool, OrderedDict[str, PortalSession]] = {True: OrderedDict(), False: OrderedDict()}

    async def get(self, session_id: str) -> PortalSession | None:
        for sessions in self._kinds.values():
            session = sessions.get(session_id)
            if session is not None:
                if self._clock() - session.seen > self._idle:
                    del sessions[session_id]
                    return None
                return session
        return None

    async def put(self, session: PortalSession) -> None:
        session.seen = self._clock()
        signed_in = session.identity is not None
        self._kinds[not signed_in].pop(session.id, None)
        sessions = self._kinds[signed_in]
        sessions[session.id] = session
        sessions.move_to_end(session.id)
        while len(sessions) > self._bounds[signed_in]:
            sessions.popitem(last=False)

    async def delete(self, session_id: str) -> None:
        for sessions in self._kinds.values():
            sessions.pop(session_id, None)

    def __len__(self) -> int:
        return sum(len(sessions) for sessions in self._kinds.values())


def secure_cookie(public_url: str) -> bool:
    """Whether the cookie is ``Secure``: always, except for plain http on a loopback address (development, tests)."""
    parts = urlsplit(public_url)
    if parts.scheme == "https":
        return True
    host = parts.hostname or ""
    if host == "localhost":
        return False
    try:
        return not ip_address(host).is_loopback
    except ValueError:
        return True


def set_cookie(response: StreamResponse, session_id: str, public_url: str) -> None:
    """Give the browser the session's cookie: ``HttpOnly``, ``SameSite=Lax``, ``Secure`` (:func:`secure_cookie`)."""
    response.set_cookie(
        COOKIE, session_id, path="/", httponly=True, secure=secure_cookie(public_url), samesite="Lax"
    )
