"""OpenID Connect client: discovery, authorization code + PKCE (S256), ID token verified with joserfc.

The ID token algorithm is pinned to RS256 whatever the provider advertises (some advertise ``none``).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass, field
from urllib.parse import quote_plus, urlencode

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from cybercollege.server.auth.ent.config import OidcConfig
from cybercollege.server.auth.ent.errors import EntUnavailable, LoginError, code_part
from cybercollege.server.auth.ent.http import EntHttp

ALGORITHM = "RS256"
DISCOVERY_TTL = 3600.0
CLOCK_LEEWAY = 60

REFUSED = "Votre connexion ENT n'a pas pu être vérifiée. Recommencez la connexion."


@dataclass(slots=True)
class Provider:
    """The endpoints and keys of one provider, from its discovery document."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str | None
    fetched_at: float = field(default_factory=time.monotonic)
    keys: KeySet | None = None


def pkce_pair() -> tuple[str, str]:
    """A fresh ``(code_verifier, code_challenge)`` for PKCE S256 (RFC 7636)."""
    verifier = secrets.token_urlsafe(48)
    return verifier, s256(verifier)


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class OidcClient:
    """One relying party per configured provider; caches discovery and keys."""

    def __init__(self, cfg: OidcConfig, http: EntHttp) -> None:
        self.cfg = cfg
        self._http = http
        self._provider: Provider | None = None

    async def authorization_url(self, redirect_uri: str, state: str, nonce: str, challenge: str) -> str:
        provider = await self.provider()
        params = {
            "response_type": "code",
            "client_id": self.cfg.client_id,
            "redirect_uri": redirect_uri,
            "scope": " ".join(self.cfg.scopes),
            "state": state,
            "nonce": nonce,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        return f"{provider.authorization_endpoint}?{urlencode(params)}"

    async def login(self, code: str, redirect_uri: str, verifier: str, nonce: str) -> dict[str, object]:
        """Exchange ``code`` and return the verified ID token claims merged with the userinfo claims."""
        provider = await self.provider()
        tokens = await self._exchange(provider, code, redirect_uri, verifier)
        id_token = tokens.get("id_token")
        if not isinstance(id_token, str):
            raise LoginError("oidc_no_id_token", REFUSED)
        claims = await self.verify_id_token(id_token, nonce)
        access_token = tokens.get("access_token")
        if self.cfg.use_userinfo and provider.userinfo_endpoint and isinstance(access_token, str):
            info = await self._userinfo(provider, access_token)
            if info.get("sub") != claims["sub"]:
                raise LoginError("oidc_userinfo_sub_mismatch", REFUSED)
            id_sid = claims.get("sid")
            claims = {**info, **claims}
            if id_sid is None:
                claims.pop("sid", None)  # the session id for logout must come from the signed ID token
        return claims

    async def verify_id_token(self, id_token: str, nonce: str) -> dict[str, object]:
        """Signature (RS256 only), ``iss``, ``aud``, ``exp``, ``nonce`` and ``sub`` of an ID token."""
        provider = await self.provider()
        keys = await self._keys(provider, refresh=False)
        try:
            token = self._decode(id_token, keys)
        except JoseError:
            keys = await self._keys(provider, refresh=True)  # the provider may have rotated its keys
            try:
                token = self._decode(id_token, keys)
            except JoseError:
                raise LoginError("oidc_bad_signature", REFUSED) from None
        registry = jwt.JWTClaimsRegistry(
            leeway=CLOCK_LEEWAY,
            iss={"essential": True, "value": provider.issuer},
            aud={"essential": True, "value": self.cfg.client_id},
            exp={"essential": True},
            sub={"essential": True},
            nonce={"essential": True, "value": nonce},
        )
        try:
            registry.validate(token.claims)
        except JoseError as exc:
            raise LoginError(f"oidc_bad_claim_{code_part(getattr(exc, 'claim', ''))}", REFUSED) from None
        aud = token.claims["aud"]
        if isinstance(aud, list) and len(aud) > 1 and token.claims.get("azp") != self.cfg.client_id:
            raise LoginError("oidc_bad_claim_azp", REFUSED)
        return dict(token.claims)

    async def provider(self) -> Provider:
        """The discovery document, fetched at most once an hour."""
        cached = self._provider
        if cached and time.monotonic() - cached.fetched_at < DISCOVERY_TTL:
            return cached
        url = f"{self.cfg.issuer.rstrip('/')}/.well-known/openid-configuration"
        doc = (await self._get(url)).json()
        if doc.get("issuer") != self.cfg.issuer:
            raise EntUnavailable("oidc_issuer_mismatch")
        try:
            self._provider = Provider(
                issuer=doc["issuer"],
                authorization_endpoint=str(doc["authorization_endpoint"]),
                token_endpoint=str(doc["token_endpoint"]),
                jwks_uri=str(doc["jwks_uri"]),
                userinfo_endpoint=str(doc["userinfo_endpoint"]) if doc.get("userinfo_endpoint") else None,
            )
        except KeyError:
            raise EntUnavailable("oidc_bad_discovery") from None
        return self._provider

    async def signing_keys(self, refresh: bool = False) -> KeySet:
        """The provider's JWKS (cached; ``refresh`` fetches it again, e.g. after a key rotation)."""
        return await self._keys(await self.provider(), refresh=refresh)

    def _decode(self, id_token: str, keys: KeySet) -> jwt.Token:
        try:
            return jwt.decode(id_token, keys, algorithms=[ALGORITHM])
        except (ValueError, TypeError):
            raise LoginError("oidc_malformed_id_token", REFUSED) from None

    async def _keys(self, provider: Provider, refresh: bool) -> KeySet:
        if provider.keys is None or refresh:
            try:
                provider.keys = KeySet.import_key_set((await self._get(provider.jwks_uri)).json())
            except (JoseError, ValueError, TypeError, KeyError):
                raise EntUnavailable("oidc_bad_jwks") from None
        return provider.keys

    async def _exchange(self, provider: Provider, code: str, redirect_uri: str, verifier: str) -> dict:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
        }
        headers = {"Accept": "application/json"}
        if self.cfg.token_auth == "client_secret_post":
            form.update(client_id=self.cfg.client_id, client_secret=self.cfg.secret())
        else:
            raw = f"{_form_quote(self.cfg.client_id)}:{_form_quote(self.cfg.secret())}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(raw).decode("ascii")
        reply = await self._http.request(
            "POST",
            provider.token_endpoint,
            data=form,
            headers=headers,
            timeout=self.cfg.timeout_seconds,
            max_bytes=self.cfg.max_response_bytes,
        )
        if reply.status in (400, 401):
            raise LoginError("oidc_code_refused", REFUSED)
        if reply.status != 200:
            raise EntUnavailable(f"oidc_token_http_{reply.status}")
        return reply.json()

    async def _userinfo(self, provider: Provider, access_token: str) -> dict:
        reply = await self._http.request(
            "GET",
            provider.userinfo_endpoint or "",
            headers={"Authorization": f"Bearer {access_token}"},
            timeout=self.cfg.timeout_seconds,
            max_bytes=self.cfg.max_response_bytes,
        )
        if reply.status != 200 or not reply.content_type.endswith("json"):
            raise EntUnavailable(f"oidc_userinfo_http_{reply.status}")
        return reply.json()

    async def _get(self, url: str):
        reply = await self._http.request(
            "GET",
            url,
            headers={"Accept": "application/json"},
            timeout=self.cfg.timeout_seconds,
            max_bytes=self.cfg.max_response_bytes,
        )
        if reply.status != 200:
            raise EntUnavailable(f"oidc_http_{reply.status}")
        return reply


def _form_quote(value: str) -> str:
    """RFC 6749 §2.3.1: client credentials are form-urlencoded before Basic encoding."""
    return quote_plus(value)
