"""Which login-session store a server uses: in its memory, or in Redis when it has a broker (docs/sso.md)."""

from __future__ import annotations

from cybercollege.server.auth.ent.redis_sessions import RedisSessions
from cybercollege.server.auth.ent.sessions import LIFETIME, LocalSessions, SessionStore


def create(broker_url: str, namespace: str = "", lifetime: float = LIFETIME) -> SessionStore:
    """The session store for ``broker_url``: in this process when empty, else in Redis under ``namespace`` (the
    collège's id: its standby finds them, another collège does not)."""
    if not broker_url:
        return LocalSessions(lifetime)
    return RedisSessions(broker_url, namespace, lifetime)
