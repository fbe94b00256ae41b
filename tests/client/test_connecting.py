"""Every "connecting…" screen has Cancel and Escape and a bounded wait (issue 11: a guest's code typed with
spaces launched a browser and hung on "Verbindung wird hergestellt…" for 5 minutes, with no way out).

The server here is a real aiohttp server that offers an ENT and then never answers a guest login or a world
connection: the wait is what the user sees while a school's network swallows the requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import webbrowser

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from cybercollege.client import login
from cybercollege.client import session as session_module
from cybercollege.client.i18n import tr
from cybercollege.client.session import Options, Session
from cybercollege.client.ui.login import LoginChoice, LoginScreen
from tests.client.helpers import until
from tests.client.sessions import screen_text
from tests.client.test_focused_field import click, type_keys


@pytest.fixture
async def silent():
    """Offers one ENT; every other request waits forever (until the client gives up)."""
    forever = asyncio.Event()

    async def ents(request: web.Request) -> web.Response:
        return web.json_response({"ents": [{"id": "ent", "name": "ENT Test"}]})

    async def hang(request: web.Request) -> web.Response:
        await forever.wait()
        return web.Response()

    app = web.Application()
    app.router.add_get("/auth/ents", ents)
    app.router.add_route("*", "/{tail:.*}", hang)
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    server.url = str(server.make_url("")).rstrip("/")
    yield server
    forever.set()
    await server.close()


@pytest.fixture
def no_browser(monkeypatch):
    """Any browser launch is recorded (and none happens)."""
    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: opened.append(url) or True)

    async def ent_login(*args, **kwargs):
        opened.append("ent-login")
        raise AssertionError("the ENT login must not start")

    monkeypatch.setattr(login, "login", ent_login)
    return opened


async def press(base, driver, ring, widget) -> None:
    ring.focus(widget)
    base.messenger.send("enter")
    base.messenger.send("enter-up")
    await driver.frames_later(2)


async def guest_from_the_login_screen(base, driver, session: Session, code: str) -> None:
    """Click the code field, type it (with spaces), the name, and press Enter on the guest card's button."""
    await until(lambda: isinstance(session.screen, LoginScreen), 10, "the login screen")
    screen = session.screen
    click(screen.guest)
    await type_keys(base, driver, screen.guest, code)
    click(screen.guest_name)
    await type_keys(base, driver, screen.guest_name, "Giulia")
    enter = next(w for w in screen.ring.widgets if w["text"] == tr("enter"))
    await press(base, driver, screen.ring, enter)


async def test_escape_and_cancel_leave_connecting(base, http, driver, silent, no_browser, tmp_path):
    session = Session(base, http, driver, Options(url=silent.url, cache=tmp_path / "cache"))
    task = asyncio.create_task(session.run())
    try:
        await guest_from_the_login_screen(base, driver, session, "92jq sw7r 8at5 c8xy")
        await until(lambda: tr("connecting") in screen_text(session), 5, "connecting…")
        assert tr("cancel") in screen_text(session), "a Cancel button"
        base.messenger.send("escape")
        await until(lambda: isinstance(session.screen, LoginScreen), 5, "back to the login screen")
        assert session.screen.message["text"] == tr("cancelled")

        await guest_from_the_login_screen(base, driver, session, "92JQ-SW7R-8AT5-C8XY")
        await until(lambda: tr("connecting") in screen_text(session), 5, "connecting… again")
        cancel = next(w for w in session.screen.ring.widgets if w["text"] == tr("cancel"))
        await press(base, driver, session.screen.ring, cancel)
        await until(lambda: isinstance(session.screen, LoginScreen), 5, "Cancel: back to the login screen")
        assert no_browser == [], "the guest path never launches a browser"
    finally:
        session.quit(0)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@pytest.mark.parametrize("step", ["login", "connect"])
async def test_a_wait_that_expires_says_so(base, server, http, driver, silent, no_browser, tmp_path, monkeypatch,
                                           step):
    """The bounds, shortened: a guest login that never answers; a world connection that never welcomes."""
    monkeypatch.setattr(session_module, "LOGIN_S", {"ent": 1.0, "demo": 1.0, "guest": 1.0})
    monkeypatch.setattr(session_module, "CONNECT_S", 1.0)
    if step == "login":
        choice = LoginChoice("guest", "92JQ SW7R 8AT5 C8XY", silent.url, "Giulia")
        key = "err_timeout_login"
    else:  # a real login and world files, then a world connection to the silent server
        choice = LoginChoice("demo", "lea.martin", server.url)
        monkeypatch.setattr(session_module.WorldConnection, "__init__", _silent_world(silent.url))
        key = "err_timeout_connect"
    session = Session(base, http, driver, Options(url=choice.url, choice=choice, cache=tmp_path / "cache"))
    task = asyncio.create_task(session.run())
    try:
        await until(lambda: tr(key, seconds=1) in screen_text(session), 10, f"the {step} bound's message")
        assert tr("retry") in screen_text(session) and tr("back") in screen_text(session)
        assert no_browser == []
        session.screen.ring.current["command"]()  # Retry: the same wait, the same message
        await until(lambda: tr(key, seconds=1) in screen_text(session), 10, "the message again")
    finally:
        session.quit(0)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def _silent_world(url: str):
    original = session_module.WorldConnection.__init__

    def init(self, http, _url, token, **options):
        original(self, http, url, token, **options)

    return init


async def test_escape_gives_up_waiting_for_the_ent_in_the_browser(base, http, driver, silent, tmp_path, monkeypatch):
    """The ENT's page is open in the browser and nobody signs in: Escape ends the wait (and its listener)."""
    waits: list[str] = []

    async def ent_login(url, **kwargs):
        waits.append("started")
        try:
            await asyncio.Event().wait()  # the browser's redirect never comes
        except asyncio.CancelledError:
            waits.append("given up")
            raise

    monkeypatch.setattr(login, "login", ent_login)
    session = Session(base, http, driver, Options(url=silent.url, cache=tmp_path / "cache"))
    task = asyncio.create_task(session.run())
    try:
        await until(lambda: isinstance(session.screen, LoginScreen), 10, "the login screen")
        ring = session.screen.ring
        await press(base, driver, ring, next(w for w in ring.widgets if w["extraArgs"][:1] == ["ent"]))
        await until(lambda: waits == ["started"] and tr("connecting") in screen_text(session), 5, "waiting")
        base.messenger.send("escape")
        await until(lambda: isinstance(session.screen, LoginScreen), 5, "back to the login screen")
        assert waits == ["started", "given up"]
    finally:
        session.quit(0)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
