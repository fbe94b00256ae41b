"""What I do in the world: keys, chat lines (and whispers), raising a hand, sitting, the map, the menu."""

from __future__ import annotations

import asyncio
import logging

from cybercollege.client import scripts
from cybercollege.client.i18n import tr
from cybercollege.client.ui import focus
from cybercollege.client.ui.dialogs import MessageScreen
from cybercollege.client.ui.map import MapScreen
from cybercollege.client.ui.settings import SettingsDialog
from cybercollege.protocol.messages import Anim

log = logging.getLogger("client")

# Arrows, QWERTY (WASD) and AZERTY (ZQSD) keys.
KEYS = {"arrow_up": "forward", "w": "forward", "z": "forward", "arrow_down": "back", "s": "back",
        "arrow_left": "left", "arrow_right": "right", "a": "strafe_left", "q": "strafe_left",
        "d": "strafe_right", "shift": "run", "mouse3": "look"}


class Controls:
    """Bound to one :class:`cybercollege.client.session.Session`; reads its current connection, view and HUD."""

    def __init__(self, session) -> None:
        self.session = session
        self.autopilot: asyncio.Task | None = None  # "go to my class", walking

    def spawn(self, coro) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        task.add_done_callback(_quiet)

    def send_move(self, x: float, y: float, heading: float, anim: int) -> None:
        if self.session.conn is not None and not self.session.conn.closed:
            self.spawn(self.session.conn.move(x, y, heading, anim))
        if self.session.hud is not None and self.session.view is not None and self.session.view.walker is not None:
            self.session.hud.set_anim_labels(anim == Anim.HAND_UP, self.session.view.walker.seated)
            self.session.refresh_people()

    def say(self, text: str) -> None:
        """A chat line to the room, or ``@Name message`` to one person (a whisper)."""
        if self.session.conn is None or self.session.conn.closed:
            return
        target = self._addressee(text) if text.startswith("@") else None
        if target is not None:
            member_id, rest = target
            self.spawn(self.session.conn.whisper(member_id, rest[:500]))
        else:
            self.spawn(self.session.conn.say(text[:500]))

    def _addressee(self, text: str) -> tuple[int, str] | None:
        """The room member whose name follows the ``@`` (longest match) and the rest of the line."""
        members = sorted(self.session.conn.mirror.members.values(), key=lambda m: -len(m.name))
        for m in members:
            if text[1:].startswith(m.name) and text[1 + len(m.name):].strip():
                return m.id, text[1 + len(m.name):].strip()
        return None

    def hand(self) -> None:
        view = self.session.view
        if view is not None and view.walker is not None:
            view.toggle_hand()
            if self.session.classroom is not None:  # the room's hand queue (HAND)
                self.session.classroom.hand(view.walker.anim == Anim.HAND_UP)

    def sit(self) -> None:
        if self.session.view is None:
            return
        others = [(v.root.get_x(), v.root.get_y()) for v in self.session.view.layer.views.values()]
        if not self.session.view.sit_or_stand(others):
            self.session.hud.toast(tr("no_seat"))

    def escape(self) -> None:
        """Escape: leave the focused text field, else stop joining a conference that is connecting, else the
        menu."""
        conference = self.session.conference
        if focus.typing():
            focus.blur()
        elif conference is not None and conference.media.connecting() is not None and self.session.screen is None:
            conference.media.give_up()
        elif isinstance(self.session.screen, MapScreen):
            self.session.show(None)
        else:
            self.menu()

    def menu(self) -> None:
        if isinstance(self.session.screen, MessageScreen | SettingsDialog):
            self.session.show(None)
            return
        self.session.show(MessageScreen(tr("menu"), "", [
            (tr("resume"), lambda: self.session.show(None)),
            (tr("settings"), self.session.open_settings),
            (tr("logout"), lambda: (self.session.show(None), self.session.quit(0, "logout"))),
            (tr("quit"), lambda: (self.session.show(None), self.session.quit(0))),
        ], backdrop=False))

    def toggle_map(self) -> None:
        """M: the plan with "you are here" (and "go to my class" for a pupil); M or Escape close it."""
        session, view, hud = self.session, self.session.view, self.session.hud
        if focus.typing():
            return
        if isinstance(session.screen, MapScreen):
            session.show(None)
            return
        if session.screen is not None or view is None or view.walker is None or (hud is not None and hud.in_lobby):
            return

        def where():
            w = view.walker
            return (w.room.id, w.x, w.y, w.heading) if w is not None else None

        mine = self.my_class()
        session.show(MapScreen(session.base, session.world, where, mine, self.go_to_class if mine else None,
                               lambda: session.show(None)))

    def my_class(self):
        """A pupil's class room (client/scripts.py class_room), or None."""
        session = self.session
        if session.welcome is None or session.welcome.you.role != "pupil" or session.conn is None:
            return None
        return scripts.class_room(session.world, scripts.classes_in(session.conn.token))

    def go_to_class(self) -> None:
        """Walk me to my class's room with the autopilot (any movement key takes over)."""
        room = self.my_class()
        self.session.show(None)
        if room is not None:
            self.walk_to(room)

    def walk_to(self, room) -> None:
        """Walk me to ``room`` with the autopilot (my class, my next lesson's room); a movement key takes over."""
        if self.autopilot is not None:
            self.autopilot.cancel()
        self.session.hud.toast(tr("map_on_the_way", room=room.name))
        self.autopilot = asyncio.get_running_loop().create_task(self._walk_to(room))

    async def _walk_to(self, room) -> None:
        try:
            await scripts.go_to_room(self.session, room.id)
        except asyncio.CancelledError:
            raise
        except Exception:  # a door refused, the connection dropped, walked off the way: say so, in a sentence
            log.info("the autopilot to %s stopped", room.id, exc_info=True)
            if self.session.hud is not None:
                self.session.hud.toast(tr("map_lost", room=room.name))
            return
        finally:
            if self.session.view is not None:
                self.session.view.target = None
        if self.session.hud is not None:
            self.session.hud.toast(tr("map_arrived", room=room.name))

    def bind(self) -> None:
        for key, action in KEYS.items():
            self.session.base.accept(key, self._key, [action, True])
            self.session.base.accept(f"{key}-up", self._key, [action, False])
            self.session.base.accept(f"shift-{key}", self._key, [action, True])
        self.session.base.accept("e", self._unless_typing, [self.sit])
        self.session.base.accept("h", self._unless_typing, [self.hand])
        self.session.base.accept("enter", self._unless_typing, [self.session.hud.focus_chat])
        self.session.base.accept("escape", self.escape)
        self.session.base.accept("f1", self._unless_typing, [self.session.hud.toggle_help])
        self.session.base.accept("m", self.toggle_map)

    def unbind(self) -> None:
        for key in KEYS:
            for event in (key, f"{key}-up", f"shift-{key}"):
                self.session.base.ignore(event)
        if self.autopilot is not None:
            self.autopilot.cancel()
        for event in ("e", "h", "enter", "escape", "f1", "m"):
            self.session.base.ignore(event)

    def _key(self, action: str, down: bool) -> None:
        """A movement key: pressed while a text field has the keys, it is the field's letter, not a step."""
        if self.session.view is None:
            return
        self.session.view.keys[action] = down and (action == "look" or not focus.typing())
        if down and action not in ("look", "run") and not focus.typing() and self.autopilot is not None:
            self.autopilot.cancel()  # I walk myself: the autopilot lets go
            self.autopilot = None
            self.session.view.target = None

    def _unless_typing(self, action) -> None:
        """A shortcut (E, H, Enter, F1): only with no text field focused and no screen over the world; in the
        waiting room, none (nothing to sit on, no hand to raise, no chat)."""
        hud = self.session.hud
        if not focus.typing() and self.session.screen is None and not (hud is not None and hud.in_lobby):
            action()


def _quiet(task: asyncio.Task) -> None:
    """Sends fail when the connection drops: the reconnect logic handles that, not the caller."""
    if not task.cancelled() and task.exception() is not None:
        log.debug("send failed: %s", task.exception())
