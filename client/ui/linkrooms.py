"""The host's list of rooms to include in the conference (``CONF_LINK``), under the conference bar.

A button "Salles reliées (n)" opens or closes the list; each room is a toggle: "✓ Salle 101 — incluse"
(included, per the server's ``CONF_ROOMS``) or "Salle 101 — inclure".
"""

from __future__ import annotations

from collections.abc import Callable

from panda3d.core import NodePath

from cybercollege import worlds
from cybercollege.client import style
from cybercollege.client.i18n import tr
from cybercollege.client.ui.focus import button

LINKABLE_KINDS = ("classroom", "library", "hall", "courtyard")
ROW = 0.07  # aspect2d units between rows of the list
OUT_COLOR = (0.35, 0.38, 0.45, 1.0)


def linkable(world: worlds.World, conference: str) -> list[tuple[str, str]]:
    """``(id, name)`` of the rooms a host may include: classrooms, the CDI, the hall, the courtyard; never a
    conference room (``conference`` is mine) nor a corridor."""
    return [(r.id, r.name) for r in world.rooms.values()
            if r.kind in LINKABLE_KINDS and r.access.policy != "conference" and r.id != conference]


class RoomLinks:
    """The toggle list at ``pos`` (the opening button; rows below it); ``on_link(room, linked)`` asks."""

    def __init__(self, parent: NodePath, rooms: list[tuple[str, str]], on_link: Callable[[str, bool], None],
                 pos: tuple[float, float]) -> None:
        self.rooms, self.on_link = dict(rooms), on_link
        self.linked: tuple[str, ...] = ()
        self.open = False
        self.toggle = button(parent, "", self._open_close, pos, width=0.5, scale=0.04)
        self.items = {room: button(parent, "", self._link, (pos[0], pos[1] - ROW * (i + 1)), width=0.86,
                                   scale=0.035, extra=[room])
                      for i, room in enumerate(self.rooms)}

    def refresh(self, linked: tuple[str, ...], host: bool) -> None:
        """Show the list to a host, with ``linked`` (the included rooms) marked."""
        self.linked = linked
        if not host:
            self.toggle.hide()
            for item in self.items.values():
                item.hide()
            return
        self.toggle.show()
        self.toggle["text"] = tr("conf_rooms", count=sum(room in linked for room in self.rooms))
        for room, item in self.items.items():
            if not self.open:
                item.hide()
                continue
            item.show()
            on = room in linked
            item["text"] = tr("conf_room_in" if on else "conf_room_out", name=self.rooms[room])
            item["frameColor"] = style.ACCENT if on else OUT_COLOR

    def _open_close(self) -> None:
        self.open = not self.open
        self.refresh(self.linked, True)

    def _link(self, room: str) -> None:
        self.on_link(room, room not in self.linked)

    def destroy(self) -> None:
        self.toggle.destroy()
        for item in self.items.values():
            item.destroy()
