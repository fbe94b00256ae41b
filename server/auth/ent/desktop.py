"""Desktop login (RFC 8252): loopback redirect URIs, PKCE challenges and one-time codes."""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from cybercollege.server.auth.ent.errors import LoginError
from cybercollege.server.auth.ent.oidc import s256

CODE_TTL = 60.0
_LOOPBACK_NETLOC = re.compile(r"^(?:127\.0\.0\.1|\[::1\])(?::(\d{1,5}))?$")
_CHALLENGE = re.compile(r"^[A-Za-z0-9_-]{43,128}$")
_STATE = re.compile(r"^[A-Za-z0-9._~-]{1,200}$")

BAD_REQUEST = "Demande de connexion invalide : relancez la connexion depuis l'application Cybercollège."


@dataclass(frozen=True, slots=True)
class DesktopRequest:
    """What the desktop client asked for, bound to the browser that opened the login page."""

    redirect_uri: str
    code_challenge: str
    client_state: str
    browser: str
    address: str = ""
    """The client address that started it: pending logins are counted per address (server/auth/ent/store.py)."""


@dataclass(frozen=True, slots=True)
class DesktopGrant:
    """What a one-time code stands for."""

    sid: str
    code_challenge: str
    redirect_uri: str


def loopback_uri(value: str | None) -> str:
    """``value`` if it is ``http://127.0.0.1[:port]/...`` or ``http://[::1][:port]/...``; else LoginError."""
    if not value or len(value) > 300:
        raise LoginError("desktop_bad_redirect", BAD_REQUEST)
    parts = urlsplit(value)
    netloc = _LOOPBACK_NETLOC.match(parts.netloc)
    if parts.scheme != "http" or not netloc or parts.fragment:
        raise LoginError("desktop_bad_redirect", BAD_REQUEST)
    if netloc.group(1) is not None and not 0 < int(netloc.group(1)) < 65536:
        raise LoginError("desktop_bad_redirect", BAD_REQUEST)
    return value


def desktop_request(
    query: dict[str, str], browser: str, address: str = "", web: frozenset[str] = frozenset()
) -> DesktopRequest:
    """Check the parameters of ``/auth/desktop/start``. ``web``: the server's own completion pages that may stand for
    a loopback URI (the portal's, which redeems the code itself and opens a cookie session: docs/portal.md)."""
    if query.get("code_challenge_method", "S256") != "S256":
        raise LoginError("desktop_bad_challenge_method", BAD_REQUEST)
    challenge = query.get("code_challenge", "")
    if not _CHALLENGE.match(challenge):
        raise LoginError("desktop_missing_challenge", BAD_REQUEST)
    state = query.get("state", "")
    if not _STATE.match(state):
        raise LoginError("desktop_bad_state", BAD_REQUEST)
    uri = query.get("redirect_uri")
    return DesktopRequest(uri if uri in web else loopback_uri(uri), challenge, state, browser, address)


def redirect_with_code(request: DesktopRequest, code: str) -> str:
    separator = "&" if "?" in request.redirect_uri else "?"
    return request.redirect_uri + separator + urlencode({"code": code, "state": request.client_state})


def verifier_matches(verifier: object, challenge: str) -> bool:
    """PKCE S256 check, in constant time."""
    if not isinstance(verifier, str) or not _CHALLENGE.match(verifier):
        return False
    return hmac.compare_digest(s256(verifier), challenge)
