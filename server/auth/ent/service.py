"""The state of every login in progress and the rules that tie them together (no HTTP framework here).

Flow: the desktop client opens ``/auth/desktop/start`` → :meth:`LoginService.open_request`; the user picks an
ENT → :meth:`begin`; the ENT sends the browser back → :meth:`take_pending` then :meth:`complete`, which
starts a session and returns the loopback URL with a one-time code; the client redeems it with
:meth:`redeem_code`.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from cybercollege.server.auth.ent.attributes import MappingPolicy
from cybercollege.server.auth.ent.config import EntConfig, OidcConfig
from cybercollege.server.auth.ent.desktop import (
    CODE_TTL,
    DesktopGrant,
    DesktopRequest,
    redirect_with_code,
    verifier_matches,
)
from cybercollege.server.auth.ent.errors import LoginError
from cybercollege.server.auth.ent.http import EntHttp
from cybercollege.server.auth.ent.oidc import OidcClient
from cybercollege.server.auth.ent.sessions import (
    LocalSessions,
    LoginSession,
    SeenSessions,
    SessionStore,
    SessionsUnavailable,
)
from cybercollege.server.auth.ent.store import OneTimeStore, StoreFull
from cybercollege.server.auth.tokens import TokenService
from cybercollege.server.core.identity import Identity

log = logging.getLogger("cybercollege.ent")
T = TypeVar("T")

REQUEST_TTL = 15 * 60.0
PENDING_TTL = 10 * 60.0
EXPIRED = "Cette demande de connexion a expiré ou a déjà servi. Relancez la connexion depuis l'application."
DISABLED = (
    "Votre compte Cybercollège a été désactivé par votre établissement. "
    "Adressez-vous à la vie scolaire si vous pensez que c'est une erreur."
)
SAVE_TIMEOUT = 5.0
"""Seconds a logout waits for its revocation to be saved."""
UNAVAILABLE = "Connexion impossible pour le moment : le service des sessions ne répond pas. Réessayez dans une minute."
FOREIGN = (
    "Cette connexion a été commencée dans un autre navigateur. "
    "Relancez la connexion depuis l'application, dans ce navigateur."
)


@dataclass(frozen=True, slots=True)
class College:
    """The collège this server is: its world's id and name, and the UAIs of its schools (empty: any school)."""

    id: str = ""
    name: str = ""
    schools: frozenset[str] = frozenset()

    def refusal(self, identity: Identity) -> str:
        """What someone of another school is told (in French, for people)."""
        here = f"Ici, c'est le collège virtuel « {self.name} »" if self.name else "Ici, c'est un autre collège virtuel"
        if not identity.school_uai:
            return f"{here}. Votre compte ENT n'indique pas votre établissement : adressez-vous à la vie scolaire."
        return (
            f"{here}. Votre compte ENT appartient à un autre établissement (établissement {identity.school_uai}) : "
            "connectez-vous à l'adresse du collège virtuel de votre établissement."
        )


@dataclass(frozen=True, slots=True)
class Pending:
    """A login sent to an ENT, keyed by its single-use ``state``."""

    request_id: str
    request: DesktopRequest
    ent_id: str
    nonce: str = ""
    verifier: str = ""
    redirect_uri: str = ""
    saml_request_id: str = ""


@dataclass(frozen=True, slots=True)
class Tokens:
    access_token: str
    refresh_token: str
    expires_in: int

    def as_json(self) -> dict[str, object]:
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "token_type": "Bearer",
            "expires_in": self.expires_in,
        }


class LoginService:
    """Login requests, pending ENT logins, one-time codes and sessions of one server process."""

    def __init__(
        self,
        ents: list[EntConfig],
        tokens: TokenService,
        *,
        public_url: str,
        on_logout: Callable[[str], Awaitable[None]] | None = None,
        access_ttl: int = 900,
        college: College | None = None,
        sessions: SessionStore | None = None,
    ) -> None:
        self.ents = {e.id: e for e in ents}
        self.college = college or College()
        self.tokens = tokens
        self.public_url = public_url.rstrip("/")
        self.http = EntHttp()
        self.store: SessionStore = sessions or LocalSessions()
        """Where sessions live (Redis with a broker: they survive a restart and reach the standby)."""
        self.sessions = SeenSessions()
        """The sessions this process started or redeemed, for synchronous checks (the portal's)."""
        self.requests: OneTimeStore[DesktopRequest] = OneTimeStore(REQUEST_TTL)
        self.pending: OneTimeStore[Pending] = OneTimeStore(PENDING_TTL)
        self.codes: OneTimeStore[tuple[DesktopGrant, LoginSession]] = OneTimeStore(CODE_TTL)
        self._on_logout = on_logout
        self._access_ttl = access_ttl
        self.oidc = {e.id: OidcClient(e, self.http) for e in ents if isinstance(e, OidcConfig)}
        self.web_completions: frozenset[str] = frozenset()
        """Pages of this server that complete a login in the browser (the portal's), besides loopback URIs."""

    def ent(self, ent_id: str) -> EntConfig:
        ent = self.ents.get(ent_id)
        if ent is None:
            raise LoginError("unknown_ent", "Cet ENT n'est pas configuré sur ce serveur.", status=404)
        return ent

    def policy(self, ent: EntConfig) -> MappingPolicy:
        return MappingPolicy(ent.allow_parents, ent.default_uai, ent.id_attribute, ent.separator)

    def open_request(self, request: DesktopRequest) -> str:
        """Remember a desktop login request; returns its id (goes in the login page URL)."""
        request_id = secrets.token_urlsafe(24)
        _bounded(self.requests, request_id, request, request.address)
        return request_id

    def request_for(self, request_id: str, browser: str | None) -> DesktopRequest:
        """The pending desktop request, only for the browser that opened it (login CSRF)."""
        request = self.requests.peek(request_id) if request_id else None
        if request is None:
            raise LoginError("request_unknown", EXPIRED)
        if not browser or not secrets.compare_digest(browser, request.browser):
            raise LoginError("request_foreign_browser", FOREIGN, status=403)
        return request

    def new_state(self) -> str:
        return secrets.token_urlsafe(24)

    def begin(
        self, request_id: str, request: DesktopRequest, ent_id: str, state: str | None = None, **extra: str
    ) -> str:
        """Record a login sent to an ENT; returns its single-use state."""
        state = state or self.new_state()
        _bounded(self.pending, state, Pending(request_id, request, ent_id, **extra), request.address)
        return state

    def take_pending(self, state: str | None, ent_id: str, browser: str | None) -> Pending:
        """The pending login of ``state`` (consumed), checked against the ENT and the browser."""
        pending = self.pending.pop(state) if state else None
        if pending is None or pending.ent_id != ent_id:
            raise LoginError("state_unknown", EXPIRED)
        if not browser or not secrets.compare_digest(browser, pending.request.browser):
            raise LoginError("state_foreign_browser", FOREIGN, status=403)
        return pending

    async def complete(
        self,
        request_id: str,
        request: DesktopRequest,
        identity: Identity,
        ent_session: str | None = None,
        subject: str | None = None,
    ) -> str:
        """Start the session and return the loopback URL carrying a one-time code.

        ``ent_session`` and ``subject`` are how the ENT will name this login in a single logout
        (see :func:`cybercollege.server.auth.ent.sessions.ent_session_key` and
        :func:`cybercollege.server.auth.ent.sessions.subject_key`)."""
        self.requests.pop(request_id)
        self.refuse_other_school(identity)
        self.refuse_disabled(identity)
        session = await self._start(identity, ent_session, subject)
        code = secrets.token_urlsafe(32)
        self.codes.put(code, (DesktopGrant(session.sid, request.code_challenge, request.redirect_uri), session))
        log.info("login ok source=%s user=%s role=%s", identity.source, identity.user_id, identity.role.value)
        return redirect_with_code(request, code)

    def allow_web_completion(self, url: str) -> None:
        """Let logins come back to ``url`` on this server (the portal redeems the code with :meth:`redeem_session`)."""
        self.web_completions |= {url}

    async def redeem_code(self, code: object, verifier: object) -> Tokens:
        """Exchange a one-time code (and its PKCE verifier) for tokens."""
        return await self.issue(self.redeem_session(code, verifier))

    def redeem_session(self, code: object, verifier: object) -> LoginSession:
        """The live session a one-time code (and its PKCE verifier) stands for, without tokens (web completion)."""
        granted = self.codes.pop(code) if isinstance(code, str) and len(code) < 200 else None
        if granted is None:
            raise LoginError("code_unknown", "Code inconnu, expiré ou déjà utilisé.")
        grant, session = granted  # a code lives a minute in the process that started its session
        if not verifier_matches(verifier, grant.code_challenge):
            raise LoginError("code_bad_verifier", "Vérificateur PKCE incorrect.")
        if self.sessions.get(grant.sid) is None or self.tokens.is_revoked(grant.sid):
            raise LoginError("session_ended", "La session a pris fin.")
        return session

    def refuse_other_school(self, identity: Identity) -> None:
        """Only the collège's schools sign in here, and of another school only the roles its ENT admits as visitors
        (``visiting_roles``: an inspector of the rectorat); no UAI is no school of ours."""
        schools = self.college.schools
        if not schools or identity.school_uai in schools:
            return
        ent = self.ents.get(identity.source)
        if ent is not None and identity.role.value in ent.visiting_roles:
            log.info("login of a visitor school=%s user=%s", identity.school_uai, identity.user_id)
            return
        log.info("login refused: school %s is not this collège's user=%s", identity.school_uai, identity.user_id)
        raise LoginError("other_school", self.college.refusal(identity), status=403)

    def refuse_disabled(self, identity: Identity) -> None:
        """A login or a refresh of a user the school's administrator disabled is refused (docs/adr/0011)."""
        if self.tokens.is_disabled(identity.user_id):
            log.info("login refused: account disabled user=%s", identity.user_id)
            raise LoginError("account_disabled", DISABLED, status=403)

    async def issue(self, session: LoginSession, previous: str | None = None) -> Tokens:
        """Tokens for a live session (never for a disabled user, nor one of another school); with ``previous``,
        the refresh token they replace, which must still be the current one (else the session ends: reuse)."""
        self.refuse_other_school(session.identity)
        self.refuse_disabled(session.identity)
        refresh = await self._guarded(self.store.new_refresh_token(session.sid, previous))
        if refresh is None:
            log.warning(
                "refresh token no longer current (redeemed twice at once), session ended user=%s",
                session.identity.user_id,
            )
            await self.end_session(session.sid, "refresh_reuse")
            raise LoginError("refresh_unknown", "Jeton de renouvellement invalide.", status=401)
        self.sessions.gave(refresh, session.sid)
        access = self.tokens.issue(session.identity, sid=session.sid, ttl_seconds=self._access_ttl)
        return Tokens(access, refresh, self._access_ttl)

    async def start_direct(self, identity: Identity) -> Tokens:
        """A session without browser (demo bots)."""
        self.refuse_other_school(identity)
        self.refuse_disabled(identity)
        session = await self._start(identity)
        log.info("login ok source=%s user=%s role=%s", identity.source, identity.user_id, identity.role.value)
        return await self.issue(session)

    async def refresh(self, refresh_token: object) -> Tokens:
        """Rotate a refresh token; a reused old token ends the whole session."""
        if not isinstance(refresh_token, str) or len(refresh_token) > 200:
            raise LoginError("refresh_unknown", "Jeton de renouvellement invalide.", status=401)
        session, reused = await self._guarded(self.store.redeem_refresh_token(refresh_token))
        if session is not None and (reused or self.tokens.is_revoked(session.sid)):
            log.warning("refresh token reused, session ended user=%s", session.identity.user_id)
            await self.end_session(session.sid, "refresh_reuse" if reused else "revoked")
            session = None
        if session is None:
            raise LoginError("refresh_unknown", "Jeton de renouvellement invalide.", status=401)
        return await self.issue(session, previous=refresh_token)

    async def sid_of_refresh_token(self, refresh_token: object) -> str:
        """The session a current refresh token belongs to (for logout without an access token); while the store
        is out of reach, that of a refresh token this process gave (a logout still acts here)."""
        session = None
        if isinstance(refresh_token, str) and len(refresh_token) <= 200:
            try:
                session, reused = await self.store.redeem_refresh_token(refresh_token)
            except SessionsUnavailable:
                if (sid := self.sessions.sid_of_refresh_token(refresh_token)) is not None:
                    return sid
                raise LoginError("sessions_unavailable", UNAVAILABLE, status=503) from None
            session = None if reused else session
        if session is None:
            raise LoginError("refresh_unknown", "Jeton de renouvellement invalide.", status=401)
        return session.sid

    async def end_session(self, sid: str, why: str) -> bool:
        """Revoke every token of ``sid`` and tell the world server; False if it was not live. Without the session
        store (Redis down) it still acts here: the tokens are revoked, the avatar removed."""
        seen = self.sessions.get(sid)
        self.sessions.discard(sid)
        try:
            ended = await self.store.end(sid)
            live, user = ended is not None, ended.identity.user_id if ended else ""
        except SessionsUnavailable:  # Redis down: the revocation below still refuses its tokens everywhere
            log.error("session store unreachable: logout by revocation only")
            live, user = True, seen.identity.user_id if seen else "?"
        self.tokens.revoke(sid)
        try:  # durable before the logout answers: a restart right after it still refuses the tokens
            await asyncio.wait_for(self.tokens.saved(), SAVE_TIMEOUT)
        except TimeoutError:
            log.error("revocation not saved in %s s (refused by this process until it restarts)", SAVE_TIMEOUT)
        if not live:
            return False
        log.info("logout reason=%s user=%s", why, user)
        if self._on_logout is not None:
            try:
                await self._on_logout(sid)
            except Exception:  # the world server's problem must not break the logout itself
                log.exception("on_logout failed user=%s", user)
        return True

    async def ent_logout(self, ent_session: str, ent_id: str) -> bool:
        """Single logout from an ENT naming its session (CAS ticket, SAML session index)."""
        sids = await self._guarded(self.store.sids_for_ent_session(ent_session))
        if not sids:
            log.info("single logout for an unknown session ent=%s", ent_id)
            return False
        return await self.end_session(sids[0], f"single_logout:{ent_id}")

    async def sids_for_ent_sessions(self, ent_sessions: list[str]) -> list[str]:
        """Every live session the ENT knows by one of ``ent_sessions`` (SAML session indexes)."""
        sids: set[str] = set()
        for key in ent_sessions:
            sids.update(await self._guarded(self.store.sids_for_ent_session(key)))
        return sorted(sids)

    async def sids_for_subject(self, subject: str) -> list[str]:
        """Every live session of a user as the ENT names them."""
        return await self._guarded(self.store.sids_for_subject(subject))

    async def end_sessions(self, sids: list[str], why: str) -> int:
        """End several sessions (single logout naming a user or an ENT session); returns how many were live."""
        ended = 0
        for sid in sids:
            ended += await self.end_session(sid, why)
        return ended

    async def _start(
        self, identity: Identity, ent_session: str | None = None, subject: str | None = None
    ) -> LoginSession:
        session = await self._guarded(self.store.start(identity, ent_session, subject))
        self.sessions.add(session)
        return session

    async def _guarded(self, call: Awaitable[T]) -> T:
        """The answer of a session store call; a store out of reach refuses the sign-in or refresh (503)."""
        try:
            return await call
        except SessionsUnavailable as exc:
            log.error("session store unreachable (%s): sign-in or refresh refused", exc)
            raise LoginError("sessions_unavailable", UNAVAILABLE, status=503) from None


BUSY_ADDRESS = "Trop de connexions en cours depuis cette adresse : terminez-en une ou réessayez dans quelques minutes."
BUSY_SERVER = "Le service de connexion est saturé : réessayez dans quelques minutes."


def _bounded(store: OneTimeStore[Any], key: str, value: Any, address: str) -> None:
    """Keep a pending login, bounded per client address; a flood from one address cannot evict anyone else's."""
    try:
        store.put(key, value, owner=address or "?")
    except StoreFull as full:
        if full.per_owner:
            raise LoginError("too_many_pending_logins", BUSY_ADDRESS, status=429) from None
        raise LoginError("login_store_full", BUSY_SERVER, status=503) from None
