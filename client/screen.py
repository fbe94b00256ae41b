"""The amphitheatre's big screen: the conference's video as textures (one speaker full size, or a grid).

A Panda3D task uploads the newest decoded picture of each shown participant when it changed (the
conversion was done off the frame loop by client/media.py); nothing happens while no one publishes.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from panda3d.core import CardMaker, NodePath, Texture

from cybercollege.client.media import Picture
from cybercollege.worlds import Room, Screen

SURFACE = 0.045  # metres in front of the screen's centre plane (the screen furniture is 4 cm deep)
GAP = 0.04  # metres between tiles of the grid


def grid(count: int) -> tuple[int, int]:
    """Columns and rows for ``count`` tiles (1: full screen)."""
    columns = math.ceil(math.sqrt(count))
    return columns, math.ceil(count / columns)


def fit(cell: tuple[float, float], aspect: float) -> tuple[float, float, float]:
    """Scale of a cell-sized card that shows a picture of ``aspect`` (width / height) whole, undistorted."""
    w, h = cell
    return (min(1.0, h * aspect / w), 1.0, min(1.0, w / aspect / h))


class ScreenView:
    """Shows ``shown()`` (participant ids, first = largest priority) with ``picture(id)`` on the screen."""

    def __init__(self, base, parent: NodePath, shown: Callable[[], list[int]],
                 picture: Callable[[int], Picture | None]) -> None:
        self.base, self.shown, self.picture = base, shown, picture
        self.root = parent.attach_new_node("conference-screen")
        self.root.set_light_off()
        self.tiles: dict[int, tuple[NodePath, Texture, int]] = {}  # id -> (card, texture, serial)
        self.layout: list[int] = []
        self.screen: Screen | None = None
        self.uploads = 0
        self.task = base.taskMgr.add(self._frame, "conference-screen", sort=-5)

    def enter(self, room: Room | None) -> None:
        """My room changed: place the screen surface of the new room (if it has a screen)."""
        self._clear()
        self.screen = room.screen if room is not None else None
        if self.screen is not None:
            s = self.screen
            self.root.set_pos_hpr(s.x, s.y, s.z, s.heading + 180.0, 0, 0)  # cards face -y: turn to the room

    def _frame(self, task):
        if self.screen is None:
            return task.cont
        ids = self.shown()[:16]
        if ids != self.layout:
            self._arrange(ids)
        for pid in ids:
            self._upload(pid)
        return task.cont

    def _arrange(self, ids: list[int]) -> None:
        self._clear()
        self.layout = ids
        if not ids:
            return
        s = self.screen
        assert s is not None  # _frame arranges tiles only in a room with a screen
        columns, rows = grid(len(ids))
        w, h = (s.width - GAP * (columns - 1)) / columns, (s.height - GAP * (rows - 1)) / rows
        for i, pid in enumerate(ids):
            row, col = divmod(i, columns)
            x0 = -s.width / 2 + col * (w + GAP)
            z1 = s.height / 2 - row * (h + GAP)
            maker = CardMaker(f"tile-{pid}")
            maker.set_frame(-w / 2, w / 2, -h / 2, h / 2)
            card = self.root.attach_new_node(maker.generate())
            card.set_pos(x0 + w / 2, -SURFACE, z1 - h / 2)
            card.set_python_tag("cell", (w, h))
            texture = Texture(f"video-{pid}")
            texture.set_minfilter(Texture.FT_linear)
            texture.set_magfilter(Texture.FT_linear)
            card.set_texture(texture)
            card.hide()  # until its first picture
            self.tiles[pid] = (card, texture, -1)

    def _upload(self, pid: int) -> None:
        picture = self.picture(pid)
        card, texture, serial = self.tiles[pid]
        if picture is None or picture.serial == serial:
            return
        if texture.get_x_size() != picture.width or texture.get_y_size() != picture.height:
            texture.setup_2d_texture(picture.width, picture.height, Texture.T_unsigned_byte, Texture.F_rgb)
            card.set_scale(*fit(card.get_python_tag("cell"), picture.width / picture.height))
        texture.set_ram_image(picture.bgr)
        self.tiles[pid] = (card, texture, picture.serial)
        self.uploads += 1
        card.show()

    def _clear(self) -> None:
        for card, _, _ in self.tiles.values():
            card.remove_node()
        self.tiles, self.layout = {}, []

    def destroy(self) -> None:
        self.base.taskMgr.remove(self.task)
        self.root.remove_node()
