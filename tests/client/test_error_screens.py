"""Every way of not getting in ends on a clear screen in the user's language, with Retry and Back."""

from __future__ import annotations

import pytest

from cybercollege.client import accounts, i18n
from cybercollege.client.i18n import tr
from cybercollege.client.ui.login import LoginScreen
from cybercollege.protocol import CloseCode
from cybercollege.protocol.connection import ClientConnection
from tests.client.helpers import until
from tests.client.sessions import in_world, screen_text, start, stop


async def error_shown(session, key: str) -> None:
    await until(lambda: tr(key) in screen_text(session), timeout=10, what=f"the {key} screen")
    assert tr("retry") in screen_text(session) and tr("back") in screen_text(session)
    assert "Traceback" not in screen_text(session)


async def test_server_unreachable_then_retry_then_back_to_login(base, http, driver, tmp_path):
    url = "http://127.0.0.1:9"  # discard port: nothing listens
    session, task = await start(base, http, driver, url, "lea.martin", tmp_path)
    try:
        await error_shown(session, "err_unreachable")
        first = session.screen
        first.ring.widgets[0]["command"]()  # Retry
        await until(lambda: session.screen is not first, what="a new attempt")
        await error_shown(session, "err_unreachable")
        session.screen.ring.widgets[1]["command"]()  # Back
        await until(lambda: isinstance(session.screen, LoginScreen), what="the login screen")
        assert tr("demo_heading") in screen_text(session)
    finally:
        await stop(session, task)


async def test_messages_follow_the_chosen_language(base, http, driver, tmp_path):
    i18n.set_language("es")
    try:
        session, task = await start(base, http, driver, "http://127.0.0.1:9", "lea.martin", tmp_path)
        try:
            await until(lambda: "No se puede contactar con el servidor" in screen_text(session),
                        what="Spanish error")
        finally:
            await stop(session, task)
    finally:
        i18n.set_language("fr")


async def test_unknown_demo_login(base, server, http, driver, tmp_path):
    session, task = await start(base, http, driver, server.url, "nobody.here", tmp_path)
    try:
        await error_shown(session, "err_unknown_user")
    finally:
        await stop(session, task)


async def test_expired_or_invalid_token(base, server, http, driver, tmp_path, monkeypatch):
    async def bad_token(*args):
        return "not-a-valid-token"

    monkeypatch.setattr(accounts, "token_for", bad_token)
    session, task = await start(base, http, driver, server.url, "lea.martin", tmp_path)
    try:
        await error_shown(session, "err_token")
    finally:
        await stop(session, task)


async def test_protocol_version_mismatch(base, server, http, driver, tmp_path, monkeypatch):
    monkeypatch.setattr("cybercollege.client.network.ClientConnection", lambda: ClientConnection(versions=(99,)))
    session, task = await start(base, http, driver, server.url, "lea.martin", tmp_path)
    try:
        await error_shown(session, "err_version")
    finally:
        await stop(session, task)


async def test_room_full(base, server, http, driver, tmp_path):
    for room_id in ("hall", *server.world.spec.overflow_rooms):  # the hall and the courtyard it overflows to
        server.world.rooms[room_id].spec.capacity = 0
    session, task = await start(base, http, driver, server.url, "lea.martin", tmp_path)
    try:
        await error_shown(session, "err_full")
    finally:
        await stop(session, task)


@pytest.mark.parametrize(("code", "key"), [(CloseCode.REMOVED, "err_removed")])
async def test_removed_by_staff_while_in_the_world(base, server, http, driver, tmp_path, code, key):
    session, task = await start(base, http, driver, server.url, "lea.martin", tmp_path)
    try:
        await in_world(session)
        assert server.world.remove_user("demo:lea.martin", code, "test")
        await error_shown(session, key)
    finally:
        await stop(session, task)
