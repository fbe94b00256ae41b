"""Revoked login sessions that outlive the process: in the database, and in Redis when ``broker_url`` is set.

A revocation is written when a session is revoked (:meth:`TokenService.revoke` calls :meth:`Revocations.save`)
and read back when a process starts (:meth:`Revocations.load`), so a token logged out before a restart, or
before this process started beside the others, is still refused. Running processes hear of a revocation at
once through the cluster's ``revoke`` broadcast (:mod:`cybercollege.server.cluster`).
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cybercollege.server.persistence import Store

log = logging.getLogger("cybercollege.auth")

REDIS_KEY = "cybercollege:revoked:"
"""Redis key prefix of a revoked session id; each key expires with the revocation."""


class Revocations:
    """Where revocations are kept: ``store`` always, Redis too when ``broker_url`` names one."""

    def __init__(self, store: Store, broker_url: str = "") -> None:
        self.store = store
        self._redis: Any = None
        if broker_url:
            from cybercollege.server import broker

            self._redis = broker.connect(broker_url)

    async def save(self, sid: str, until: float) -> None:
        """Keep ``sid`` revoked until ``until`` (Unix seconds). Failures are logged: memory still refuses it."""
        try:
            await self.store.save_revocation(sid, datetime.fromtimestamp(until, UTC))
        except Exception:
            log.error("could not save a revoked session in the database", exc_info=True)
        if self._redis is not None:
            try:
                await self._redis.set(REDIS_KEY + sid, "1", exat=int(until) + 1)
            except Exception:
                log.error("could not save a revoked session in Redis", exc_info=True)

    async def load(self) -> dict[str, float]:
        """Every session still revoked, with its end (Unix seconds): the database's and Redis's."""
        revoked = {sid: until.timestamp() for sid, until in (await self.store.load_revocations()).items()}
        if self._redis is not None:
            try:
                revoked.update(await self._from_redis())
            except Exception:
                log.error("could not read revoked sessions from Redis (the database's are loaded)", exc_info=True)
        return revoked

    async def _from_redis(self) -> dict[str, float]:
        keys = [key async for key in self._redis.scan_iter(match=REDIS_KEY + "*", count=1000)]
        if not keys:
            return {}
        async with self._redis.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.pttl(key)
            ttls = await pipe.execute()
        now = time.time()
        found = zip(keys, ttls, strict=True)
        return {key.decode().removeprefix(REDIS_KEY): now + ttl / 1000 for key, ttl in found if ttl > 0}

    async def close(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()
