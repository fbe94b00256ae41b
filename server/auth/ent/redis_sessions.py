"""Login sessions in Redis (``broker_url``): they survive a restart and reach a collège's standby.

Keys, under ``cybercollege:ent:<collège>:``, all expiring with the session (its lifetime from its start):

* ``session:<sid>``: a hash — ``identity`` (JSON claims), ``expires``, ``ent`` and ``subject`` (hashes of the
  ENT's names for the login), ``refresh`` (hash of the current refresh token);
* ``refresh:<hash>`` → sid, for every refresh token the session ever had: the current one is the session's
  ``refresh``, any other is a rotated one, whose reuse ends the session;
* ``ent:<hash>`` and ``subject:<hash>``: sets of sids, for single logout.

Only hashes of secrets are stored. A rotation is one Lua script: of two processes redeeming one refresh token,
only one gets a new token. A Redis error is :class:`SessionsUnavailable`.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from cybercollege.server.auth.ent.sessions import LIFETIME, LoginSession, SessionsUnavailable
from cybercollege.server.auth.ent.store import digest
from cybercollege.server.core.identity import Identity

ROTATE = """
local current = redis.call('hget', KEYS[1], 'refresh')
if not current then
  if redis.call('exists', KEYS[1]) == 0 then return 0 end
  current = ''
end
if ARGV[2] ~= '' and current ~= ARGV[2] then return 0 end
local ttl = redis.call('pttl', KEYS[1])
if ttl <= 0 then return 0 end
redis.call('hset', KEYS[1], 'refresh', ARGV[1])
redis.call('set', KEYS[2], ARGV[3], 'px', ttl)
return 1
"""
"""KEYS: the session, the new token's key; ARGV: the new token's hash, the previous one's ('' for any), the sid."""


class RedisSessions:
    """The sessions of one collège in a Redis shared by its processes."""

    def __init__(self, url: str, namespace: str = "", lifetime: float = LIFETIME) -> None:
        from cybercollege.server import broker

        self._redis: Any = broker.connect(url)
        self._prefix = f"cybercollege:ent:{namespace}:"
        self._lifetime = lifetime
        self._rotate = self._redis.register_script(ROTATE)

    async def start(
        self, identity: Identity, ent_session: str | None = None, subject: str | None = None
    ) -> LoginSession:
        session = LoginSession(secrets.token_urlsafe(18), identity, time.time() + self._lifetime)
        session.ent_key = digest(ent_session) if ent_session else None
        session.subject_key = digest(subject) if subject else None
        ttl = int(self._lifetime) + 1
        fields = {"identity": json.dumps(identity.to_claims()), "expires": repr(session.expires_at)}
        async with self._guard(), self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(self._key("session", session.sid), mapping=fields | _present(session))
            pipe.expire(self._key("session", session.sid), ttl)
            for index, key in (("ent", session.ent_key), ("subject", session.subject_key)):
                if key:
                    pipe.sadd(self._key(index, key), session.sid)
                    pipe.expire(self._key(index, key), ttl)  # every session lives as long: the newest is last
            await pipe.execute()
        return session

    async def get(self, sid: str) -> LoginSession | None:
        async with self._guard():
            fields = await self._redis.hgetall(self._key("session", sid))
        return _session(sid, fields)

    async def sids_for_ent_session(self, ent_session: str) -> list[str]:
        return await self._live(self._key("ent", digest(ent_session)))

    async def sids_for_subject(self, subject: str) -> list[str]:
        return await self._live(self._key("subject", digest(subject)))

    async def subject_of(self, sid: str) -> str | None:
        async with self._guard():
            value = await self._redis.hget(self._key("session", sid), "subject")
        return value.decode() if value else None

    async def new_refresh_token(self, sid: str, previous: str | None = None) -> str | None:
        token = secrets.token_urlsafe(32)
        key = digest(token)
        keys = [self._key("session", sid), self._key("refresh", key)]
        async with self._guard():
            done = await self._rotate(keys=keys, args=[key, digest(previous) if previous else "", sid])
        return token if done else None

    async def redeem_refresh_token(self, token: str) -> tuple[LoginSession | None, bool]:
        key = digest(token)
        async with self._guard():
            sid = await self._redis.get(self._key("refresh", key))
        session = await self.get(sid.decode()) if sid else None
        if session is None:
            return None, False
        return session, session.refresh_key != key

    async def end(self, sid: str) -> LoginSession | None:
        async with self._guard():
            session = _session(sid, await self._redis.hgetall(self._key("session", sid)))
            if session is None:
                return None
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.delete(self._key("session", sid))
                for index, key in (("ent", session.ent_key), ("subject", session.subject_key)):
                    if key:
                        pipe.srem(self._key(index, key), sid)
                deleted, *_ = await pipe.execute()
        return session if deleted else None  # of two ends at once, one reports it

    async def close(self) -> None:
        await self._redis.aclose()

    async def _live(self, index: str) -> list[str]:
        """The sids of ``index`` whose session still exists."""
        async with self._guard():
            sids = sorted(s.decode() for s in await self._redis.smembers(index))
            async with self._redis.pipeline(transaction=False) as pipe:
                for sid in sids:
                    pipe.exists(self._key("session", sid))
                alive = await pipe.execute() if sids else []
        return [sid for sid, exists in zip(sids, alive, strict=True) if exists]

    def _key(self, kind: str, name: str) -> str:
        return f"{self._prefix}{kind}:{name}"

    @asynccontextmanager
    async def _guard(self) -> AsyncIterator[None]:
        from redis.exceptions import RedisError

        try:
            yield
        except (RedisError, OSError) as exc:
            raise SessionsUnavailable(str(exc)) from exc


def _present(session: LoginSession) -> dict[str, str]:
    named = {"ent": session.ent_key, "subject": session.subject_key}
    return {field: value for field, value in named.items() if value}


def _session(sid: str, fields: dict[bytes, bytes]) -> LoginSession | None:
    """The session a hash holds (None when gone or expired)."""
    if not fields or b"identity" not in fields:
        return None
    expires_at = float(fields[b"expires"])
    if expires_at < time.time():
        return None
    text = {k.decode(): v.decode() for k, v in fields.items()}
    return LoginSession(
        sid,
        Identity.from_claims(json.loads(text["identity"])),
        expires_at,
        ent_key=text.get("ent"),
        subject_key=text.get("subject"),
        refresh_key=text.get("refresh"),
    )
