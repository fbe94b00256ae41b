"""Login sessions: our session id (``sid``) ↔ the ENT session (for single logout) ↔ refresh tokens.

Single logout finds sessions by the ENT's name for its session (CAS ticket, OIDC ``sid``, SAML NameID +
SessionIndex: see :func:`ent_session_key`) or by the user's subject at that ENT (:func:`subject_key`).

A refresh token is rotated at every use; presenting an already rotated token again ends the session
(it was probably stolen). Secrets are stored only as hashes.

:class:`LocalSessions` keeps them in this process (the default, one process); :class:`RedisSessions`
(``redis_sessions.py``) in Redis when ``broker_url`` is set, so that a restart or a collège's standby taking over
signs nobody out (docs/scaling.md). :func:`create` picks one, as the presence does.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from cybercollege.server.auth.ent.store import digest
from cybercollege.server.core.identity import Identity

LIFETIME = 12 * 3600.0
"""Seconds a login session may be refreshed after its start."""


def ent_session_key(protocol: str, ent_id: str, *parts: str) -> str:
    """The ENT-scoped name of an ENT session: ``("oidc", ent, sid)``, ``("saml", ent, name_id, index)``."""
    return "\x00".join((protocol, ent_id, *parts))


def subject_key(ent_id: str, subject: str) -> str:
    """The ENT-scoped name of a user as the ENT names them (OIDC ``sub``, SAML NameID)."""
    return f"{ent_id}\x00{subject}"


class SessionsUnavailable(Exception):
    """The session store (Redis) cannot be reached: nothing was written."""


@dataclass(slots=True)
class LoginSession:
    """One login: who, through which ENT, and until when it may be refreshed."""

    sid: str
    identity: Identity
    expires_at: float
    ent_key: str | None = None
    subject_key: str | None = None
    refresh_key: str | None = None
    used_refresh_keys: set[str] = field(default_factory=set)


class SessionStore(Protocol):
    """Where login sessions live; every method may raise :class:`SessionsUnavailable`."""

    async def start(
        self, identity: Identity, ent_session: str | None = None, subject: str | None = None
    ) -> LoginSession:
        """A new session; ``ent_session`` is what the ENT will name in a single logout (CAS ticket...),
        ``subject`` the user as the ENT names them (see :func:`subject_key`)."""
        ...

    async def get(self, sid: str) -> LoginSession | None: ...
    async def sids_for_ent_session(self, ent_session: str) -> list[str]:
        """Every live session the ENT knows as ``ent_session`` (one OIDC ``sid`` may cover several logins)."""
        ...

    async def sids_for_subject(self, subject: str) -> list[str]:
        """Every live session of a user as the ENT names them (see :func:`subject_key`)."""
        ...

    async def subject_of(self, sid: str) -> str | None:
        """The hashed subject key of a session (to check that a ``sid`` and a ``sub`` agree)."""
        ...

    async def new_refresh_token(self, sid: str, previous: str | None = None) -> str | None:
        """A fresh refresh token for ``sid``; the previous one stops working. With ``previous``, only if it is
        still the current one (atomically: of two processes redeeming one token, one gets None)."""
        ...

    async def redeem_refresh_token(self, token: str) -> tuple[LoginSession | None, bool]:
        """``(session, False)`` for a current token; ``(session, True)`` for a reused, rotated one."""
        ...

    async def end(self, sid: str) -> LoginSession | None:
        """Forget a session (idempotent); returns it if it was live."""
        ...

    async def close(self) -> None: ...


class LocalSessions:
    """All live sessions of this server process, in its memory."""

    def __init__(self, lifetime: float = LIFETIME, clock: Callable[[], float] = time.time) -> None:
        self._lifetime = lifetime
        self._clock = clock
        self._sessions: dict[str, LoginSession] = {}
        self._by_ent: dict[str, set[str]] = {}
        self._by_subject: dict[str, set[str]] = {}
        self._by_refresh: dict[str, str] = {}

    async def start(
        self, identity: Identity, ent_session: str | None = None, subject: str | None = None
    ) -> LoginSession:
        self._purge()
        session = LoginSession(secrets.token_urlsafe(18), identity, self._clock() + self._lifetime)
        if ent_session:
            session.ent_key = digest(ent_session)
            self._by_ent.setdefault(session.ent_key, set()).add(session.sid)
        if subject:
            session.subject_key = digest(subject)
            self._by_subject.setdefault(session.subject_key, set()).add(session.sid)
        self._sessions[session.sid] = session
        return session

    async def get(self, sid: str) -> LoginSession | None:
        session = self._sessions.get(sid)
        if session is None or session.expires_at < self._clock():
            return None
        return session

    async def sids_for_ent_session(self, ent_session: str) -> list[str]:
        return sorted(self._by_ent.get(digest(ent_session), ()))

    async def sids_for_subject(self, subject: str) -> list[str]:
        return sorted(self._by_subject.get(digest(subject), ()))

    async def subject_of(self, sid: str) -> str | None:
        session = self._sessions.get(sid)
        return session.subject_key if session else None

    async def new_refresh_token(self, sid: str, previous: str | None = None) -> str | None:
        session = await self.get(sid)
        if session is None or (previous is not None and session.refresh_key != digest(previous)):
            return None
        if session.refresh_key:
            self._by_refresh.pop(session.refresh_key, None)
            session.used_refresh_keys.add(session.refresh_key)
        token = secrets.token_urlsafe(32)
        session.refresh_key = digest(token)
        self._by_refresh[session.refresh_key] = sid
        return token

    async def redeem_refresh_token(self, token: str) -> tuple[LoginSession | None, bool]:
        key = digest(token)
        sid = self._by_refresh.get(key)
        if sid is not None:
            return await self.get(sid), False
        for session in self._sessions.values():
            if key in session.used_refresh_keys:
                return session, True
        return None, False

    async def end(self, sid: str) -> LoginSession | None:
        session = self._sessions.pop(sid, None)
        if session is not None:
            _discard(self._by_ent, session.ent_key, sid)
            _discard(self._by_subject, session.subject_key, sid)
            self._by_refresh.pop(session.refresh_key or "", None)
        return session

    async def close(self) -> None:
        pass

    def __len__(self) -> int:
        return len(self._sessions)

    def _purge(self) -> None:
        now = self._clock()
        for sid in [s for s, session in self._sessions.items() if session.expires_at < now]:
            session = self._sessions.pop(sid)
            _discard(self._by_ent, session.ent_key, sid)
            _discard(self._by_subject, session.subject_key, sid)
            self._by_refresh.pop(session.refresh_key or "", None)


class SeenSessions:
    """The sessions this process started or redeemed, for synchronous callers (the portal's ``live``) and for a
    logout while the store is out of reach (the refresh tokens this process gave, by hash): a session ended here
    leaves it at once; one ended elsewhere is revoked, which those callers check too."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._sessions: dict[str, LoginSession] = {}
        self._by_refresh: dict[str, str] = {}

    def add(self, session: LoginSession) -> None:
        now = self._clock()
        for sid in [s for s, seen in self._sessions.items() if seen.expires_at < now]:
            del self._sessions[sid]
        self._by_refresh = {key: sid for key, sid in self._by_refresh.items() if sid in self._sessions}
        self._sessions[session.sid] = session

    def gave(self, refresh_token: str, sid: str) -> None:
        """This process gave ``refresh_token`` for ``sid``."""
        if sid in self._sessions:
            self._by_refresh[digest(refresh_token)] = sid

    def sid_of_refresh_token(self, refresh_token: str) -> str | None:
        """The session of a refresh token this process gave (current or rotated since)."""
        return self._by_refresh.get(digest(refresh_token))

    def get(self, sid: str) -> LoginSession | None:
        session = self._sessions.get(sid)
        return session if session is not None and session.expires_at >= self._clock() else None

    def discard(self, sid: str) -> None:
        if self._sessions.pop(sid, None) is not None:
            self._by_refresh = {key: s for key, s in self._by_refresh.items() if s != sid}


def _discard(index: dict[str, set[str]], key: str | None, sid: str) -> None:
    sids = index.get(key or "")
    if sids is not None:
        sids.discard(sid)
        if not sids:
            del index[key or ""]
