"""The auth feature: a connection lasts as long as its token, and no longer than its user is enabled.

* At start, the revoked sessions (:mod:`.revocations`) and the disabled users are read back, so a token logged
  out before a restart is still refused; from then on each revocation is saved as it happens.
* Once a second (the tick's housekeeping), a connection whose token has expired is closed with 4013 « session
  expirée », unless its client sent ``REAUTH`` with a fresh token of the same user, which moves the deadline.
* Every few seconds the disabled users are read again (``cybercollege user disable`` writes them from another
  process): their connections are closed with 4014 « compte désactivé » and their tokens refused (docs/adr/0011).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING

from cybercollege.protocol import CloseCode, ErrorCode, encode
from cybercollege.protocol.messages import Reauth, Reauthed
from cybercollege.server.auth.revocations import Revocations
from cybercollege.server.auth.tokens import TokenError, TokenService
from cybercollege.server.core.feature import Feature, Handler

if TYPE_CHECKING:
    from cybercollege.server.core.avatar import Avatar
    from cybercollege.server.core.session import Session
    from cybercollege.server.persistence import Store

log = logging.getLogger("cybercollege.auth")

DISABLED_POLL_S = 5.0
"""How often the disabled users are read again from the database."""
EXPIRED = "session expirée"
DISABLED = "compte désactivé par l'établissement"
OTHER_USER = "Ce jeton est celui d'un autre compte : la connexion garde le sien."


class Authorization(Feature):
    name = "auth"

    def __init__(
        self, tokens: TokenService, store: Store, broker_url: str = "", poll_seconds: float = DISABLED_POLL_S
    ) -> None:
        self.tokens = tokens
        self.store = store
        self.revocations = Revocations(store, broker_url)
        self.poll_seconds = poll_seconds
        self._watch: asyncio.Task[None] | None = None

    def handlers(self) -> Mapping[type, Handler]:
        return {Reauth: self._reauth}

    async def start(self) -> None:
        revoked = await self.revocations.load()
        disabled = await self.store.disabled_users()
        self.tokens.load(revoked, disabled)
        self.tokens.saver = self.revocations.save
        log.info("tokens: %d revoked sessions and %d disabled users loaded", len(revoked), len(disabled))
        self._watch = asyncio.get_running_loop().create_task(self._watch_disabled(), name="disabled-users")

    async def stop(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch
        await self.tokens.saved()
        await self.revocations.close()

    def every_second(self) -> None:
        """Close the connections whose token expired (the deadline a REAUTH may have moved)."""
        now = time.time()
        expired = [a for a in self.world.avatars.values() if a.session is not None and a.session.expires_at <= now]
        for a in expired:
            self.world.remove_user(a.identity.user_id, CloseCode.SESSION_EXPIRED, EXPIRED)

    def close_disabled(self) -> int:
        """Remove every disabled user still in the world (close 4014); returns how many."""
        disabled = [a for a in self.world.avatars.values() if self.tokens.is_disabled(a.identity.user_id)]
        for a in disabled:
            self.world.remove_user(a.identity.user_id, CloseCode.ACCOUNT_DISABLED, DISABLED)
        return len(disabled)

    async def refresh_disabled(self) -> None:
        """Read the disabled users again and close their connections."""
        added = self.tokens.set_disabled(await self.store.disabled_users())
        if added:
            log.info("users disabled: %d", len(added))
        self.close_disabled()

    async def _watch_disabled(self) -> None:
        while True:
            await asyncio.sleep(self.poll_seconds)
            try:
                await self.refresh_disabled()
            except Exception:
                log.warning("could not read the disabled users", exc_info=True)

    def _reauth(self, a: Avatar, s: Session, msg: Reauth) -> None:
        ref = Reauth.__protocol__.code  # type: ignore[attr-defined]
        try:
            verified = self.tokens.check(msg.token)
        except TokenError as exc:
            s.error(exc.error_code, exc.message, ref)
            return
        if verified.identity.user_id != a.identity.user_id:
            s.error(ErrorCode.TOKEN_INVALID, OTHER_USER, ref)
            return
        s.sid, s.expires_at = verified.sid, verified.expires_at
        s.push(encode(Reauthed(verified.expires_at)))
