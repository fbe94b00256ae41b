"""The client's flow: login screen → connect → walk the college → (error → retry | back to login).

Every failure ends on a screen that says what happened in the user's language, with Retry and Back.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from direct.showbase.DirectObject import DirectObject

from cybercollege import worlds
from cybercollege.client import accounts, content, devices, errors, preferences, style
from cybercollege.client.accounts import LoginFailed
from cybercollege.client.classroom import ClassroomTools
from cybercollege.client.conference import Conference
from cybercollege.client.controls import Controls
from cybercollege.client.i18n import tr
from cybercollege.client.loop import FrameDriver
from cybercollege.client.network import ConnectionRefused, Refresh, WorldConnection, refresher
from cybercollege.client.sources import Devices
from cybercollege.client.ui import layout
from cybercollege.client.ui.dialogs import MessageScreen
from cybercollege.client.ui.hud import Hud
from cybercollege.client.ui.login import LoginChoice, LoginScreen
from cybercollege.client.ui.next_lesson import NextLesson
from cybercollege.client.ui.people import Person, Powers
from cybercollege.client.ui.settings import SettingsDialog
from cybercollege.client.view import WorldView
from cybercollege.protocol.messages import Anim, Appear, Chat, Error, Presence, Room, Vanish, Welcome

log = logging.getLogger("client")
RECONNECT_DELAYS = (0.5, 1.0, 2.0, 2.0, 2.0, 2.0, 4.0, 4.0, 8.0)
"""Pauses between reconnection attempts (about 25 s in all): long enough for a collège's standby to take over
after its process died (about 8 s, docs/scaling.md), and for a restart."""
LOGIN_S = {"ent": 180.0, "demo": 20.0, "guest": 20.0}
"""Longest wait for a session token: the ENT's page in the browser (typing a password), a demo login or a
guest code (one HTTP request). Documented in docs/client.md."""
WORLD_FILES_S = 90.0
"""Longest wait for the world files (the first time: a download)."""
CONNECT_S = 20.0
"""Longest wait for the world connection's WELCOME."""


class Cancelled(Exception):
    """The user pressed Cancel (or Escape) on a "connecting…" screen."""


class Expired(Exception):
    """A "connecting…" step took longer than its bound: ``key`` says which, in the user's language."""

    def __init__(self, key: str, seconds: float) -> None:
        super().__init__(key)
        self.key, self.seconds = key, seconds


@dataclass
class Options:
    url: str = "http://127.0.0.1:8765"
    choice: LoginChoice | None = None
    script: str | None = None
    screenshot: Path | None = None
    unattended: bool = False
    """Scripted runs: never wait for a click; an error screen ends the run."""
    cache: Path | None = None
    script_args: dict = field(default_factory=dict)
    devices: Devices = field(default_factory=Devices)
    """Camera and microphone for conferences (client/sources.py)."""
    settings_file: Path | None = None
    """Where the settings dialog saves the user's choices (default: client/preferences.config_path())."""
    notice: str = ""
    """Shown on the login screen when it has nothing else to say (the server offers a newer client)."""


class Session:
    """One client process's life; :meth:`run` returns the exit status."""

    def __init__(self, base, http: aiohttp.ClientSession, driver: FrameDriver, options: Options) -> None:
        self.base, self.http, self.driver, self.options = base, http, driver, options
        self.view: WorldView | None = None
        self.hud: Hud | None = None
        self.conn: WorldConnection | None = None
        self._refresh: tuple[str, Refresh] | None = None
        """The login's refresh token and the refresher that rotates it (demo and ENT logins)."""
        self.world: worlds.World | None = None
        self.world_url = ""
        self.screen = None
        self.ended = asyncio.Event()
        self.status = 0
        self.error_key = ""
        self.script_task: asyncio.Task | None = None
        self.welcome: Welcome | None = None
        self.controls = Controls(self)
        self.conference: Conference | None = None
        self.classroom: ClassroomTools | None = None
        self.next_lesson: NextLesson | None = None  # « Prochain cours » and N to go there
        self.error_values: dict[str, object] = {}  # fills the error message's fields ({seconds})
        self._cancel: asyncio.Future[None] | None = None
        self._escape = DirectObject()

    # --- the flow -----------------------------------------------------------------------------

    async def run(self) -> int:
        try:
            return await self._flow()
        finally:
            self._show(None)
            self._teardown()
            if self.conn is not None and not self.conn.closed:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(self.conn.close(), 2.0)

    async def _flow(self) -> int:
        choice, message = self.options.choice, ""
        while True:
            if choice is None:
                choice = await self._login_screen(message)
                if choice is None:
                    return 0
            outcome = await self._play(choice)
            if outcome == "quit":
                return self.status
            if outcome in ("logout", "cancelled"):
                choice, message = None, tr("cancelled") if outcome == "cancelled" else ""
                continue
            if self.options.unattended:
                return await self._report(outcome)
            again = await self._error_screen(outcome)
            if again is None:
                return 0
            choice, message = (choice if again else None), ""

    async def _play(self, choice: LoginChoice) -> str:
        """Connect and stay in the world; returns "quit", "logout", "cancelled" or an error catalogue key."""
        self.error_values = {}
        self._connecting(tr("connecting"))
        try:
            token = await self._bounded(accounts.token_for(self.http, choice.url, choice.kind, choice.value,
                                                           choice.name),
                                        LOGIN_S.get(choice.kind, LOGIN_S["demo"]), "err_timeout_login")
            await self._bounded(self._load_world(choice.url), WORLD_FILES_S, "err_timeout_world")
            conn = await self._bounded(self._connect(choice.url, token), CONNECT_S, "err_timeout_connect")
        except (Cancelled, Expired) as exc:
            await self._drop_half_open()
            if isinstance(exc, Cancelled):
                return "cancelled"
            self.error_values = {"seconds": round(exc.seconds)}
            return exc.key
        except LoginFailed as exc:
            return exc.key
        except content.ContentError:
            log.warning("world files refused", exc_info=True)
            return "err_world"
        except (aiohttp.ClientError, OSError, TimeoutError):
            return "err_unreachable"
        except ConnectionRefused as exc:
            return errors.refusal_key(exc)
        finally:
            self._stop_connecting()
        self._show(None)
        self._enter(conn)
        if self.options.script:
            self.script_task = asyncio.create_task(self._run_script(self.options.script))
        return await self._stay(choice.url, token)

    def _connecting(self, text: str) -> None:
        """The "connecting…" screen: Cancel or Escape give up (back to the login screen)."""
        if self._cancel is None or self._cancel.done():
            self._cancel = asyncio.get_running_loop().create_future()
        cancel = self._cancel

        def give_up() -> None:
            if not cancel.done():
                cancel.set_result(None)

        self._show(MessageScreen(tr("title"), text, [(tr("cancel"), give_up)]))
        self._escape.accept("escape", give_up)

    def _stop_connecting(self) -> None:
        self._escape.ignore_all()
        self._cancel = None

    async def _bounded(self, step, seconds: float, key: str):
        """Await ``step`` unless Cancel is pressed (:class:`Cancelled`) or it outlasts ``seconds``
        (:class:`Expired` with ``key``); either way the step is stopped."""
        job = asyncio.ensure_future(step)
        cancel = self._cancel
        waits = {job} if cancel is None else {job, cancel}
        done, _ = await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        if job in done:
            return job.result()
        job.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await job
        if cancel is not None and cancel.done():
            raise Cancelled()
        raise Expired(key, seconds)

    async def _drop_half_open(self) -> None:
        """A connection given up before WELCOME is closed."""
        conn, self.conn = self.conn, None
        if conn is not None and not conn.closed:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), 2.0)

    async def _load_world(self, url: str) -> None:
        if self.world is None or self.world_url != url:
            self._connecting(tr("loading_world"))
            self.world = await content.fetch_world(self.http, url, self.options.cache)
            self.world_url = url
            if self.view is not None:
                self.view.destroy()
                self.view = None

    async def _connect(self, url: str, token: str, resume: str | None = None) -> WorldConnection:
        refresh_token = getattr(token, "refresh_token", None)  # the login's: the connection outlives its token
        if refresh_token is None:
            self._refresh = None
        elif self._refresh is None or self._refresh[0] != refresh_token:
            self._refresh = (refresh_token, refresher(self.http, url, refresh_token))
        refresh = self._refresh[1] if self._refresh else None
        previous = self.conn
        if refresh is not None and previous is not None and previous.refresh is refresh:
            token = previous.token  # a reconnect of the same login: its latest token
        conn = WorldConnection(self.http, url, token, refresh=refresh)
        conn.mirror.listeners.append(self._on_message)
        self.conn = conn
        self.welcome = await conn.connect(resume=resume)
        return conn

    def _enter(self, conn: WorldConnection) -> None:
        """Welcome received: draw the world with me in it, and the HUD."""
        world, welcome = self.world, self.welcome
        if world is None or welcome is None:
            raise RuntimeError("entering the world before it is loaded and WELCOME received")
        if self.view is None:
            self.view = WorldView(self.base, world)
            gc.collect()
            gc.freeze()  # the world's objects live as long as the view: keep them out of GC passes
        view = self.view
        view.layer.clear()
        controls = self.controls
        view.send_move = controls.send_move
        view.use_door = lambda door: controls.spawn(self._live().use_door(door))
        view.on_room = self._on_room
        view.layer.on_hand = self.refresh_people
        view.board_state = lambda: conn.mirror.boards
        if self.hud is None:
            self.hud = Hud(self.base, controls.say, controls.hand, controls.sit, controls.menu)
            self.hud.on_command = self._send_command
            self.hud.on_refresh = self.refresh_people
            self.hud.screen_rect = self._screen_rect
            self.hud.people_blocked = self._teacher_panel_open
            controls.bind()
            self.classroom = ClassroomTools(self)
            self.next_lesson = NextLesson(self)
        hud = self.hud
        self._start_conference(conn, view)
        m = conn.mirror
        x, y, heading = m.position
        you = welcome.you
        view.start(m.me, you.name, you.role, m.room, x, y, heading)
        hud.set_status("connected")
        self.refresh_people()

    def _start_conference(self, conn: WorldConnection, view: WorldView) -> None:
        """Conference media for this connection (client/conference.py); a reconnect starts afresh."""
        self._stop_conference()
        self.conference = Conference(self.base, view.root, conn, self.options.devices,
                                     where=lambda: (view.walker.x, view.walker.y) if view.walker else None,
                                     ring=self.hud.ring if self.hud is not None else None)
        self.conference.world = view.world  # the rooms a host may include in the conference
        media = self.conference.media
        view.layer.speaking = lambda: media.speaking() if media.joined else ()  # waves above their heads

    def _stop_conference(self) -> None:
        if self.conference is not None:
            self.conference.destroy()
            self.conference = None

    async def _stay(self, url: str, token: str) -> str:
        """Until I leave or the connection is lost for good (then reconnect with the resume token)."""
        while True:
            closed = asyncio.ensure_future(self._live().wait_closed())
            ended = asyncio.ensure_future(self.ended.wait())
            await asyncio.wait({closed, ended}, return_when=asyncio.FIRST_COMPLETED)
            ended.cancel()
            if self.ended.is_set():
                closed.cancel()
                await self._leave()
                return self.error_key or "quit"
            code = closed.result()
            key = errors.close_key(code)
            if key in errors.NEEDS_LOGIN:
                self._teardown()
                return key
            if not await self._reconnect(url, token):
                self._teardown()
                return "err_lost"

    async def _reconnect(self, url: str, token: str) -> bool:
        hud, mirror = self.hud, self._live().mirror
        assert hud is not None  # _enter made the HUD before anything can reconnect
        hud.set_status("reconnecting")
        closing = mirror.closing
        resume = mirror.resume or None
        if closing is not None:
            hud.toast(tr("err_closing"))
            await asyncio.sleep(closing.retry_ms / 1000)
        for delay in RECONNECT_DELAYS:
            try:
                conn = await self._connect(url, token, resume)
            except ConnectionRefused as exc:
                if exc.code is not None:  # refused outright (token expired, room full...)
                    return False
                await asyncio.sleep(delay)
                continue
            self._enter(conn)
            return True
        hud.set_status("offline")
        return False

    def _live(self) -> WorldConnection:
        """The current connection: _connect sets it before anything uses it."""
        if self.conn is None:
            raise RuntimeError("not connected yet")
        return self.conn

    async def _leave(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.conn.close(), 2.0)
        self._teardown()

    def _teardown(self) -> None:
        if self.script_task is not None:
            self.script_task.cancel()
            self.script_task = None
        self._stop_conference()
        if self.classroom is not None:
            self.classroom.destroy()
            self.classroom = None
        if self.next_lesson is not None:
            self.next_lesson.destroy()
            self.next_lesson = None
        if self.hud is not None:
            self.hud.destroy()
            self.hud = None
            self.controls.unbind()
        if self.view is not None:
            self.view.destroy()
            self.view = None
        self.ended = asyncio.Event()

    def quit(self, status: int = 0, error_key: str = "") -> None:
        """Leave the world (e.g. the script is done)."""
        self.status, self.error_key = status, error_key
        self.ended.set()

    # --- screens ------------------------------------------------------------------------------

    def _show(self, screen) -> None:
        if self.screen is not None:
            self.screen.destroy()
        self.screen = screen

    async def _login_screen(self, message: str) -> LoginChoice | None:
        picked: asyncio.Future[LoginChoice] = asyncio.get_running_loop().create_future()
        ents = await accounts.list_ents(self.http, self.options.url)

        def build() -> None:
            self._show(LoginScreen(self.options.url, ents, picked.set_result, message or self.options.notice,
                                   on_language=build))

        build()
        await self._until_done(picked)
        self._show(None)
        if not picked.done():
            return None
        self.options.url = picked.result().url
        return picked.result()

    async def _until_done(self, answer: asyncio.Future) -> None:
        """Wait for the user's answer, unless the window closes or :meth:`quit` is called."""
        others = [asyncio.ensure_future(self.driver.closed.wait()), asyncio.ensure_future(self.ended.wait())]
        await asyncio.wait({answer, *others}, return_when=asyncio.FIRST_COMPLETED)
        for task in others:
            task.cancel()

    async def _report(self, key: str) -> int:
        """Unattended run: show the error screen (and save it when asked), say it in one line, fail."""
        self._show(MessageScreen(tr("error_title"), tr(key, **self.error_values), error=True))
        print(f"Cybercollège : {tr(key, **self.error_values)}", file=sys.stderr)
        if self.options.screenshot is not None:
            await self.driver.frames_later(2)
            self.screenshot(self.options.screenshot)
        return 1

    async def _error_screen(self, key: str) -> bool | None:
        """Retry (True) or back to login (False); None when the window closed."""
        answer: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

        def settle(again: bool) -> None:
            if not answer.done():
                answer.set_result(again)

        self._show(MessageScreen(tr("error_title"), tr(key, **self.error_values), [
            (tr("retry"), lambda: settle(True)),
            (tr("back"), lambda: settle(False)),
        ], error=True))
        await self._until_done(answer)
        self._show(None)
        return answer.result() if answer.done() else None

    # --- messages from the server ---------------------------------------------------------------

    def _on_message(self, msg) -> None:
        """Mirror listener: a failure here must never break the connection's reader."""
        try:
            self._show_message(msg)
        except Exception:
            log.exception("could not show %s", type(msg).__name__)

    def _show_message(self, msg) -> None:
        if self.view is not None:
            self.view.on_message(msg)
        hud = self.hud
        if hud is None:
            return
        if self.classroom is not None:
            self.classroom.on_message(msg)
        kind = type(msg)
        if kind is Chat:
            sender = self.conn.mirror.members.get(msg.sender) if self.conn is not None else None
            hud.add_chat(msg.name, msg.text, msg.private, guest=sender is not None and sender.role == "guest")
        elif kind in (Presence, Room, Appear, Vanish):  # in grid rooms, the people around are those in view
            self.refresh_people()
        elif kind is Error:
            hud.toast(tr(errors.message_key(msg.code)))

    def _on_room(self, room: worlds.Room | None) -> None:
        if self.conference is not None:
            self.conference.enter(room)
        if self.hud is not None:
            self.hud.set_room(room.name if room is not None else tr("waiting_room"))
            self.hud.set_lobby(room is None)
        if self.next_lesson is not None:
            self.next_lesson.entered()  # « En cours ici » in its room

    def refresh_people(self) -> None:
        """The people panel: me first, then raised hands, teachers, everyone by name; who has the floor,
        speaks or is muted in the conference, and my floor controls if I am a host."""
        if self.hud is None or self.conn is None:
            return
        m, view = self.conn.mirror, self.view
        walker = view.walker if view is not None else None
        mine = walker is not None and walker.anim == Anim.HAND_UP
        media = self.conference.media if self.conference is not None and self.conference.media.joined else None
        roles = media.roles if media is not None else {}
        speaking = set(media.speaking()) if media is not None else set()
        muted = media.muted if media is not None else set()

        def hand(member_id: int) -> bool:
            return mine if member_id == m.me else view is not None and view.layer.hand_up(member_id)

        people = sorted((Person(p.id, p.name, p.role, p.id == m.me, hand(p.id), roles.get(p.id, ""),
                                p.id in speaking, (p.id, "audio") in muted, (p.id, "video") in muted)
                         for p in m.members.values()),
                        key=lambda p: (not p.me, not p.hand, p.role != "teacher", p.name.lower()))
        my_role = self.welcome.you.role if self.welcome is not None else ""
        host = roles.get(m.me) == "host"
        powers = Powers(host=host, guests_only=host and my_role == "guest",
                        make_host=host and my_role in ("teacher", "staff"))
        self.hud.set_people(people, powers)

    def _send_command(self, msg) -> None:
        """A host's floor control from the people list (CONF_FLOOR, CONF_MUTE, CONF_REMOVE)."""
        if self.conn is not None and not self.conn.closed:
            self.controls.spawn(self.conn.send(msg))

    def _teacher_panel_open(self) -> bool:
        """The teacher's panel (F2) takes the right side: the people list steps aside until it closes."""
        panel = self.classroom.panel if self.classroom is not None else None
        return panel is not None and panel.shown

    def _screen_rect(self) -> layout.Rect | None:
        """The big screen of my room on the window, for the people column to keep off it."""
        view = self.view
        room = view.walker.room if view is not None and view.walker is not None else None
        if view is None or room is None or room.screen is None:
            return None
        return layout.screen_rect(self.base, view.root, room.screen)

    # --- scripts --------------------------------------------------------------------------------

    async def _run_script(self, script: str) -> None:
        from cybercollege.client import scripts

        try:
            await scripts.run(script, self)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.warning("script %s failed", script, exc_info=True)
            self.status = 1
        if self.options.screenshot is not None:
            await self.driver.frames_later(3)
            self.screenshot(self.options.screenshot)
        if self.options.unattended:
            self.quit(self.status)

    def show(self, screen) -> None:
        """Replace the full-screen message (None: back to the world)."""
        self._show(screen)

    def open_settings(self) -> None:
        """The settings dialog (camera, microphone), over the world."""
        current = preferences.Preferences(self.options.devices.camera, self.options.devices.microphone,
                                          style.TEXT_SCALE > 1, style.HIGH_CONTRAST)
        self._show(SettingsDialog(current, devices.cameras(), devices.microphones(), self._save_settings,
                                  lambda: self._show(None)))

    def _save_settings(self, prefs: preferences.Preferences) -> None:
        self._show(None)
        try:
            preferences.save(prefs, self.options.settings_file or preferences.config_path())
        except OSError as exc:
            if self.hud is not None:
                self.hud.toast(tr("settings_not_saved", reason=exc.strerror or str(exc)))
            return
        self.options.devices = dataclasses.replace(self.options.devices, camera=prefs.camera,
                                                   microphone=prefs.microphone)
        style.configure(prefs.large_text, prefs.high_contrast)  # the open panels follow at once
        if self.conference is not None:
            self.conference.media.use(self.options.devices)
        if self.hud is not None:
            self.hud.toast(tr("settings_saved"))

    def screenshot(self, path: Path) -> None:
        from panda3d.core import Filename

        path.parent.mkdir(parents=True, exist_ok=True)
        self.base.win.save_screenshot(Filename.from_os_specific(str(path)))
