"""Signed, expiring session tokens (JWT, HS256) that carry an :class:`Identity` to the world server."""

from __future__ import annotations

import secrets
import time

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import OctKey

from cybercollege.server.core.identity import Identity


class TokenError(Exception):
    """A token was refused. ``code`` is ``"token_invalid"`` or ``"token_expired"``."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


CLOCK_SKEW_S = 60
"""A token issued (``iat``) or valid from (``nbf``) this many seconds in the future is still accepted: clocks of
the processes of one platform differ a little; beyond that, a token from the future is forged or misissued."""


class TokenService:
    """Issues and verifies session tokens. One secret per deployment (``CYBERCOLLEGE_SECRET``).

    Every token has a session id (``sid``); revoking a session id (logout, ENT single logout,
    end of an invitation) makes all its tokens invalid at once.
    """

    ALGORITHM = "HS256"

    def __init__(self, secret: str, ttl_seconds: int = 3600, issuer: str = "cybercollege") -> None:
        if len(secret) < 32:
            raise ValueError("the token secret must be at least 32 characters long")
        self._key = OctKey.import_key(secret.encode())
        self._ttl = ttl_seconds
        self._issuer = issuer
        self._revoked: dict[str, float] = {}

    def issue(self, identity: Identity, sid: str | None = None, ttl_seconds: int | None = None) -> str:
        """A new token for ``identity``; pass ``sid`` to tie several tokens to one login session."""
        now = int(time.time())
        claims = identity.to_claims()
        claims.update(
            iss=self._issuer,
            iat=now,
            exp=now + (ttl_seconds if ttl_seconds is not None else self._ttl),
            sid=sid or secrets.token_urlsafe(16),
        )
        return jwt.encode({"alg": self.ALGORITHM}, claims, self._key)

    def verify(self, token: str) -> tuple[Identity, str]:
        """The identity and session id a token carries, or :class:`TokenError`."""
        if not isinstance(token, str) or len(token) > 4096:
            raise TokenError("token_invalid", "token missing or too long")
        try:
            decoded = jwt.decode(token, self._key, algorithms=[self.ALGORITHM])
        except (JoseError, ValueError, TypeError) as exc:
            raise TokenError("token_invalid", f"bad token: {type(exc).__name__}") from None
        claims = decoded.claims
        if claims.get("iss") != self._issuer:
            raise TokenError("token_invalid", "wrong issuer")
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
            raise TokenError("token_invalid", "session revoked")
        try:
            return Identity.from_claims(claims), sid
        except ValueError as exc:
            raise TokenError("token_invalid", str(exc)) from None

    def revoke(self, sid: str) -> None:
        """Invalidate every token of session ``sid`` (kept until the longest token could expire)."""
        now = time.time()
        self._revoked[sid] = now + self._ttl
        for old in [s for s, until in self._revoked.items() if until < now]:
            del self._revoked[old]

    def is_revoked(self, sid: str) -> bool:
        return sid in self._revoked
