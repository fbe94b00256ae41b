"""A misbehaving ENT for the security tests: a CAS server and an OpenID provider whose answers each test sets.

The real-IdP tests use LemonLDAP::NG; this fake only produces what a real IdP would not (slow, huge or
hostile answers, ID tokens with wrong claims).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

from aiohttp import web
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

RESPONSES = Path(__file__).parent / "responses"
CLIENT_ID = "cybercollege"
GOOD_CAS = (RESPONSES / "cas3-laclasse-nested.xml").read_bytes()


class FakeEnt:
    """Set ``cas_answer`` (bytes, or ``"slow"``) and ``claims`` (a function of the nonce) per test."""

    def __init__(self) -> None:
        self.url = ""
        self.cas_answer: bytes | str = GOOD_CAS
        self.key = RSAKey.generate_key(2048, parameters={"kid": "fake-1"})
        self.claims: Callable[[str], dict] = self.good_claims
        self.header: dict = {"alg": "RS256", "kid": "fake-1"}
        self.sign_key = self.key
        self.raw_id_token: str | None = None
        self.validations = 0
        self.slow_answers = 0
        """Slow validations that did answer (30 s late)."""
        self.app = web.Application()
        self.app.add_routes(
            [
                web.get("/cas/login", self.cas_login),
                web.get("/cas/p3/serviceValidate", self.cas_validate),
                web.get("/.well-known/openid-configuration", self.discovery),
                web.get("/jwks", self.jwks),
                web.get("/authorize", self.authorize),
                web.post("/token", self.token),
            ]
        )
        self._nonces: dict[str, str] = {}

    def good_claims(self, nonce: str) -> dict:
        now = int(time.time())
        return {
            "iss": self.url + "/",
            "aud": CLIENT_ID,
            "sub": "s-1",
            "nonce": nonce,
            "iat": now,
            "exp": now + 300,
            "ENTPersonProfils": "National_ELV",
            "ENTPersonJointure": "J1",
            "given_name": "Léa",
            "family_name": "M",
        }

    async def cas_login(self, request: web.Request) -> web.StreamResponse:
        service = request.query["service"]
        raise web.HTTPFound(f"{service}&{urlencode({'ticket': 'ST-1-fake-ticket-secret'})}")

    async def cas_validate(self, request: web.Request) -> web.StreamResponse:
        self.validations += 1
        if self.cas_answer == "slow":
            await asyncio.sleep(30)
            self.slow_answers += 1
        return web.Response(body=self.cas_answer, content_type="text/xml")

    async def discovery(self, request: web.Request) -> web.StreamResponse:
        return web.json_response(
            {
                "issuer": self.url + "/",
                "authorization_endpoint": self.url + "/authorize",
                "token_endpoint": self.url + "/token",
                "jwks_uri": self.url + "/jwks",
                "id_token_signing_alg_values_supported": ["none", "HS256", "RS256"],
            }
        )

    async def jwks(self, request: web.Request) -> web.StreamResponse:
        return web.json_response(KeySet([self.key]).as_dict(private=False))

    async def authorize(self, request: web.Request) -> web.StreamResponse:
        code = "fake-code-" + request.query["state"][:8]
        self._nonces[code] = request.query["nonce"]
        query = urlencode({"code": code, "state": request.query["state"]})
        raise web.HTTPFound(f"{request.query['redirect_uri']}?{query}")

    async def token(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        nonce = self._nonces.pop(str(form["code"]), None)
        if nonce is None or not form.get("code_verifier"):
            return web.json_response({"error": "invalid_grant"}, status=400)
        id_token = self.raw_id_token or jwt.encode(self.header, self.claims(nonce), self.sign_key)
        return web.json_response(
            {"id_token": id_token, "access_token": "fake-access", "token_type": "Bearer"}
        )
