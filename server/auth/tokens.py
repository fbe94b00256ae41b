"""Signed, expiring session tokens (JWT, HS256) that carry an :class:`Identity` to the world server."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import OctKey

from cybercollege.protocol.errors import ErrorCode
from cybercollege.server.core.identity import Identity


class TokenError(Exception):
    """A token was refused. ``code`` is ``"token_invalid"``, ``"token_expired"``, ``"account_disabled"`` or
    ``"wrong_college"`` (issued for another collège);
    ``reason`` says why in English (logs), ``message`` in French (people)."""

    def __init__(self, code: str, reason: str, message: str | None = None) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason
        self.message = message or MESSAGES.get(code, MESSAGES["token_invalid"])

    @property
    def error_code(self) -> ErrorCode:
        """The protocol's code for this refusal (``ERROR`` at HELLO and REAUTH)."""
        return _ERROR_CODES.get(self.code, ErrorCode.TOKEN_INVALID)


MESSAGES = {
    "token_invalid": "Jeton refusé : reconnectez-vous.",
    "token_expired": "Session expirée : reconnectez-vous.",
    "session_revoked": "Cette session a été fermée (déconnexion) : reconnectez-vous.",
    "account_disabled": "Ce compte a été désactivé par l'établissement : adressez-vous à la vie scolaire.",
    "wrong_college": "Cette session a été ouverte dans un autre collège virtuel, pas dans celui-ci : "
    "connectez-vous à l'adresse de votre collège.",
}
"""What a person is told when a token is refused."""

_ERROR_CODES = {
    "token_expired": ErrorCode.TOKEN_EXPIRED,
    "account_disabled": ErrorCode.ACCOUNT_DISABLED,
    "wrong_college": ErrorCode.WRONG_COLLEGE,
}

MAX_TTL_S = 12 * 3600
"""No token lives longer (a login session lasts 12 hours) unless ``token_ttl`` is longer; a revocation is kept
that long, then forgotten."""


@dataclass(frozen=True, slots=True)
class Verified:
    """What a valid token says: who, which login session, and until when (Unix seconds)."""

    identity: Identity
    sid: str
    expires_at: int


CLOCK_SKEW_S = 60
"""A token issued (``iat``) or valid from (``nbf``) this many seconds in the future is still accepted: clocks of
the processes of one platform differ a little; beyond that, a token from the future is forged or misissued."""


class TokenService:
    """Issues and verifies session tokens. One secret per deployment (``CYBERCOLLEGE_SECRET``).

    Every token has a session id (``sid``); revoking a session id (logout, ENT single logout) makes all its
    tokens invalid at once, and disabling a user (``cybercollege user disable``) all of hers. Both are checked
    in memory by :meth:`check`; ``saver`` makes each revocation durable (the database, and Redis when
    configured: :mod:`cybercollege.server.auth.revocations`) and :meth:`load` reads them back at start.

    ``audience`` is the collège (its world's id): every token issued carries it as ``aud``, and a token of
    another collège (or of none) is refused, though all collèges of a platform share the secret.
    """

    ALGORITHM = "HS256"

    def __init__(
        self, secret: str, ttl_seconds: int = 3600, issuer: str = "cybercollege", audience: str | None = None
    ) -> None:
        if len(secret) < 32:
            raise ValueError("the token secret must be at least 32 characters long")
        self._key = OctKey.import_key(secret.encode())
        self._ttl = ttl_seconds
        self._longest = max(ttl_seconds, MAX_TTL_S)
        self._issuer = issuer
        self.audience = audience
        self._revoked: dict[str, float] = {}
        self._disabled: set[str] = set()
        self.saver: Callable[[str, float], Coroutine[Any, Any, None]] | None = None
        """Makes a revocation durable (set by :class:`~cybercollege.server.auth.feature.Sessions`)."""
        self._saving: set[asyncio.Task[None]] = set()

    def issue(self, identity: Identity, sid: str | None = None, ttl_seconds: int | None = None) -> str:
        """A new token for ``identity``; pass ``sid`` to tie several tokens to one login session."""
        ttl = ttl_seconds if ttl_seconds is not None else self._ttl
        if ttl > self._longest:
            raise ValueError(f"a token lives at most {self._longest} s")
        now = int(time.time())
        claims = identity.to_claims()
        claims.update(iss=self._issuer, iat=now, exp=now + ttl, sid=sid or secrets.token_urlsafe(16))
        if self.audience is not None:
            claims["aud"] = self.audience
        return jwt.encode({"alg": self.ALGORITHM}, claims, self._key)

    def verify(self, token: str) -> tuple[Identity, str]:
        """The identity and session id a token carries, or :class:`TokenError`."""
        verified = self.check(token)
        return verified.identity, verified.sid

    def check(self, token: str) -> Verified:
        """Everything a valid token says, or :class:`TokenError` (bad, expired, revoked, or a disabled user's)."""
        if not isinstance(token, str) or len(token) > 4096:
            raise TokenError("token_invalid", "token missing or too long")
        try:
            decoded = jwt.decode(token, self._key, algorithms=[self.ALGORITHM])
        except (JoseError, ValueError, TypeError) as exc:
            raise TokenError("token_invalid", f"bad token: {type(exc).__name__}") from None
        claims = decoded.claims
        if claims.get("iss") != self._issuer:
            raise TokenError("token_invalid", "wrong issuer")
        if self.audience is not None and claims.get("aud") != self.audience:
            raise TokenError("wrong_college", f"token of another collège ({str(claims.get('aud'))[:64]!r})")
        now = time.time()
        exp = claims.get("exp")
        if not isinstance(exp, int) or exp <= now:
            raise TokenError("token_expired", "token expired")
        for claim in ("iat", "nbf"):  # iat is always issued; nbf only if someone sets it
            value = claims.get(claim)
            if (claim == "iat" and not isinstance(value, int)) or (value is not None and not isinstance(value, int)):
                raise TokenError("token_invalid", f"bad {claim}")
            if isinstance(value, int) and value > now + CLOCK_SKEW_S:
                raise TokenError("token_invalid", f"token not valid yet ({claim} in the future)")
        sid = str(claims.get("sid", ""))
        if sid in self._revoked:
            raise TokenError("token_invalid", "session revoked", MESSAGES["session_revoked"])
        try:
            identity = Identity.from_claims(claims)
        except ValueError as exc:
            raise TokenError("token_invalid", str(exc)) from None
        if identity.user_id in self._disabled:
            raise TokenError("account_disabled", "account disabled")
        return Verified(identity, sid, exp)

    # --- revoked sessions ---------------------------------------------------------------------------

    def revoke(self, sid: str) -> None:
        """Invalidate every token of session ``sid`` (kept until the longest token could expire), and save it."""
        if not sid or sid in self._revoked:
            return
        now = time.time()
        until = now + self._longest
        self._revoked[sid] = until
        for old in [s for s, end in self._revoked.items() if end < now]:
            del self._revoked[old]
        if self.saver is not None:
            try:
                task = asyncio.get_running_loop().create_task(self.saver(sid, until))
            except RuntimeError:  # no event loop (a script): memory only
                return
            self._saving.add(task)
            task.add_done_callback(self._saving.discard)

    async def saved(self) -> None:
        """Return once every revocation made so far is saved (or its saving failed, which is logged)."""
        if self._saving:
            await asyncio.gather(*self._saving, return_exceptions=True)

    def is_revoked(self, sid: str) -> bool:
        return sid in self._revoked

    def load(self, revoked: dict[str, float], disabled: Iterable[str]) -> None:
        """What was saved before this process started: revoked sessions (with their end) and disabled users."""
        now = time.time()
        self._revoked.update({sid: until for sid, until in revoked.items() if until > now})
        self.set_disabled(disabled)

    # --- disabled users -----------------------------------------------------------------------------

    def set_disabled(self, user_ids: Iterable[str]) -> set[str]:
        """Replace the set of disabled users; returns those newly disabled."""
        new = set(user_ids)
        added = new - self._disabled
        self._disabled = new
        return added

    def is_disabled(self, user_id: str) -> bool:
        return user_id in self._disabled
