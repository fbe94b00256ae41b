"""End to end against a real LemonLDAP::NG portal: a scripted browser logs in on the IdP's own page,
our server validates (CAS ticket, OIDC code) and the desktop client ends with a verified token."""

from __future__ import annotations

import asyncio

import pytest

from cybercollege.server.auth.tokens import TokenError
from cybercollege.server.core.identity import Role
from tests.idp import browser

from .flows import LOOPBACK, desktop_login, post_json, redeem, start_url


async def test_pupil_logs_in_with_cas3(sp, sp_url, tokens):
    got = await desktop_login(sp_url, "rtyler", "llng-cas")
    assert got["state"] == "client-state-1"
    status, body = await redeem(sp_url, got["code"], got["verifier"])
    assert status == 200, body
    identity, sid = tokens.verify(body["access_token"])
    assert identity.user_id == "llng-cas:LLNG-RTYLER"
    assert identity.role is Role.PUPIL
    assert identity.display_name == "Zoé É."
    assert identity.school_uai == "0699990Z"
    assert identity.classes == ("4A",)
    assert body["refresh_token"] and 0 < body["expires_in"] <= 900
    assert sid


async def test_teacher_logs_in_with_oidc(sp, sp_url, tokens):
    got = await desktop_login(sp_url, "dwho", "llng-oidc")
    status, body = await redeem(sp_url, got["code"], got["verifier"])
    assert status == 200, body
    identity, _sid = tokens.verify(body["access_token"])
    assert identity.user_id == "llng-oidc:LLNG-DWHO"
    assert identity.role is Role.TEACHER
    assert identity.display_name == "Hélène Lefèvre-Dubœuf"
    assert set(identity.classes) == {"4A", "3C"}


async def test_pupil_logs_in_with_saml(sp, sp_url, tokens):
    got = await desktop_login(sp_url, "rtyler", "llng-saml")
    status, body = await redeem(sp_url, got["code"], got["verifier"])
    assert status == 200, body
    identity, _sid = tokens.verify(body["access_token"])
    assert identity.user_id == "llng-saml:LLNG-RTYLER"
    assert identity.role is Role.PUPIL
    assert identity.classes == ("4A",)


async def test_cas2_validation_also_carries_attributes(sp, sp_url, tokens):
    got = await desktop_login(sp_url, "dwho", "llng-cas2")
    _status, body = await redeem(sp_url, got["code"], got["verifier"])
    identity, _sid = tokens.verify(body["access_token"])
    assert identity.user_id == "llng-cas2:LLNG-DWHO"
    assert identity.role is Role.TEACHER


async def test_parent_is_refused_with_a_french_page(sp, sp_url):
    b = browser.Browser("msmith", ent="llng-oidc")
    try:
        callback = await b.run(start_url(sp_url).url, stop_at=f"{sp_url}/auth/oidc/llng-oidc/callback")
        async with await b.get(callback) as page:
            assert page.status == 403
            assert "Les comptes parents ne peuvent pas entrer" in await page.text()
    finally:
        await b.close()


async def test_ent_logout_ends_our_session(sp, sp_url, llng, tokens, logouts):
    """CAS single logout: the portal POSTs a LogoutRequest naming the ticket; the avatar must go."""
    b = browser.Browser("rtyler", ent="llng-cas")
    try:
        got = await desktop_login(sp_url, "rtyler", "llng-cas", b)
        _status, body = await redeem(sp_url, got["code"], got["verifier"])
        _identity, sid = tokens.verify(body["access_token"])
        async with await b.get(f"{llng.url}?logout=1") as answer:
            await answer.read()
    finally:
        await b.close()
    assert logouts.sids == [sid]
    with pytest.raises(TokenError):
        tokens.verify(body["access_token"])
    status, refused = await post_json(f"{sp_url}/auth/refresh", {"refresh_token": body["refresh_token"]})
    assert status == 401 and refused["error"] == "refresh_unknown"


async def test_gateway_without_ent_session_offers_a_normal_login(sp, sp_url, tokens):
    b = browser.Browser("rtyler", ent="llng-gateway")
    try:
        back = await b.run(start_url(sp_url).url, stop_at=f"{sp_url}/auth/cas/llng-gateway/callback")
        assert "ticket" not in browser.query_of(back)
        async with await b.get(back) as page:
            html = await page.text()
        assert "Vous n'êtes pas connecté·e à ENT de test (gateway)" in html.replace("&#x27;", "'")
        link = html.split('href="')[-1].split('"')[0].replace("&amp;", "&")
        final = await b.run(sp_url + link, stop_at=LOOPBACK)
    finally:
        await b.close()
    assert browser.query_of(final)["code"]


@pytest.mark.parametrize(("ent", "typed"), [("llng-cas", 1), ("llng-renew", 2)])
async def test_renew_makes_the_user_type_credentials_again(sp, sp_url, tokens, ent, typed):
    """Two logins in the same browser: the ENT session is reused, unless ``renew`` is configured.

    LemonLDAP::NG asks for credentials again only if the last login is older than ``portalForceAuthnInterval``
    (3 s here), and marks a ticket as renewed only if the login is younger than that, in whole seconds of
    ``time()``: with 1 s, a login at the end of a second gave unrenewed tickets (a flaky test). Wait 4 s.
    """
    b = browser.Browser("dwho", ent=ent)
    try:
        await desktop_login(sp_url, "dwho", ent, b)
        await asyncio.sleep(4.1)
        second = await desktop_login(sp_url, "dwho", ent, b)
    finally:
        await b.close()
    assert b.passwords_typed == typed
    status, body = await redeem(sp_url, second["code"], second["verifier"])
    assert status == 200 and tokens.verify(body["access_token"])[0].user_id == f"{ent}:LLNG-DWHO"
