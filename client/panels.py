"""Small video panels above the heads of the people of my room who publish video (docs/client.md).

Each panel is a card facing the camera above the avatar's name tag, parented to the avatar's node so that it
follows its motion for free. As on the big screen (client/screen.py), a picture is uploaded only when it
changed. At most ``LIMIT`` panels, for the publishers nearest to me; none above my own head; video muted by
the host (absent from ``shown()``) and avatars gone from my room have none.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable

from panda3d.core import CardMaker, NodePath, Texture

from cybercollege.client.avatars import TAG_HEIGHT
from cybercollege.client.media import Picture
from cybercollege.client.screen import fit

LIMIT = 8  # panels at most: each costs an upload per new picture
SIZE = (0.64, 0.36)  # metres: the card (pictures keep their aspect ratio inside it)
BORDER = 0.03  # metres of dark frame around the card
ABOVE_TAG = 0.45  # metres from the name tag's centre to the card's centre
FRAME_COLOR = (0.08, 0.09, 0.12, 1.0)

Position = tuple[float, float]


def nearest(positions: Iterable[tuple[int, Position]], me: Position, limit: int = LIMIT) -> list[int]:
    """The ids of the ``limit`` positions nearest to ``me``, nearest first (ties: smaller id first)."""
    mx, my = me
    ranked = heapq.nsmallest(limit, ((((x - mx) ** 2 + (y - my) ** 2), pid) for pid, (x, y) in positions))
    return [pid for _, pid in ranked]


class Panel:
    """One avatar's panel: a dark frame and the video card, billboarded, hidden until its first picture."""

    def __init__(self, pid: int, avatar: NodePath) -> None:
        self.avatar, self.serial = avatar, -1
        self.root = avatar.attach_new_node(f"video-panel-{pid}")
        self.root.set_billboard_point_eye()
        self.root.set_light_off()
        w, h = SIZE
        frame = CardMaker("panel-frame")
        frame.set_frame(-w / 2 - BORDER, w / 2 + BORDER, -h / 2 - BORDER, h / 2 + BORDER)
        frame.set_color(*FRAME_COLOR)
        self.root.attach_new_node(frame.generate())
        maker = CardMaker("panel-video")
        maker.set_frame(-w / 2, w / 2, -h / 2, h / 2)
        self.card = self.root.attach_new_node(maker.generate())
        self.card.set_y(-0.01)  # in front of the frame (cards face -y, the camera's side once billboarded)
        self.texture = Texture(f"panel-{pid}")
        self.texture.set_minfilter(Texture.FT_linear)
        self.texture.set_magfilter(Texture.FT_linear)
        self.card.set_texture(self.texture)
        self.root.hide()
        self.follow(avatar)

    def follow(self, avatar: NodePath) -> None:
        """Onto ``avatar`` (a new node after the avatar vanished and came back), above its name tag."""
        if avatar != self.avatar:
            self.root.reparent_to(avatar)
            self.avatar = avatar
        tag = avatar.find("tag-lod")
        self.root.set_z((tag.get_z() if not tag.is_empty() else TAG_HEIGHT) + ABOVE_TAG)

    def upload(self, picture: Picture | None) -> bool:
        """Show ``picture`` if it is new; True when it was uploaded."""
        if picture is None or picture.serial == self.serial:
            return False
        texture = self.texture
        if texture.get_x_size() != picture.width or texture.get_y_size() != picture.height:
            texture.setup_2d_texture(picture.width, picture.height, Texture.T_unsigned_byte, Texture.F_rgb)
            self.card.set_scale(*fit(SIZE, picture.width / picture.height))
        texture.set_ram_image(picture.bgr)
        self.serial = picture.serial
        self.root.show()
        return True

    def destroy(self) -> None:
        self.root.remove_node()


class PanelLayer:
    """Panels over the avatars under ``avatars`` (the AvatarLayer's root: children ``avatar-<id>``).

    ``shown()`` lists who has video to show (muted video left out), ``picture(id)`` their newest picture,
    ``me()`` my avatar id and ``where()`` where I stand (None: no panel at all).
    """

    def __init__(self, base, avatars: NodePath, shown: Callable[[], list[int]],
                 picture: Callable[[int], Picture | None], me: Callable[[], int],
                 where: Callable[[], Position | None]) -> None:
        self.base, self.avatars, self.shown, self.picture = base, avatars, shown, picture
        self.me, self.where = me, where
        self.panels: dict[int, Panel] = {}
        self.uploads = 0
        self.task = base.taskMgr.add(self._frame, "video-panels", sort=-4)

    def _frame(self, task):
        self.refresh()
        return task.cont

    def refresh(self) -> None:
        """Choose who has a panel, keep each on its avatar, upload new pictures."""
        chosen = self._choose()
        for pid in set(self.panels) - set(chosen):
            self.panels.pop(pid).destroy()
        for pid, avatar in chosen.items():
            panel = self.panels.get(pid)
            if panel is None:
                panel = self.panels[pid] = Panel(pid, avatar)
            else:
                panel.follow(avatar)
            self.uploads += panel.upload(self.picture(pid))

    def _choose(self) -> dict[int, NodePath]:
        shown = self.shown()
        here = self.where() if shown and not self.avatars.is_empty() else None
        if here is None:
            return {}
        me = self.me()
        nodes = {}
        for pid in shown:
            node = self.avatars.find(f"avatar-{pid}") if pid != me else NodePath()
            if not node.is_empty():
                nodes[pid] = node
        positions = ((pid, (node.get_x(), node.get_y())) for pid, node in nodes.items())
        return {pid: nodes[pid] for pid in nearest(positions, here)}

    def clear(self) -> None:
        for panel in self.panels.values():
            panel.destroy()
        self.panels = {}

    def destroy(self) -> None:
        self.base.taskMgr.remove(self.task)
        self.clear()
