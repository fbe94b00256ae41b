"""Key M: the plan of the college (rooms from the world data, their names and doors), "you are here" with my
heading, followed while I walk, and for a pupil "go to my class"."""

from __future__ import annotations

from collections.abc import Callable

from direct.gui.DirectGui import DirectFrame
from direct.gui.OnscreenText import OnscreenText
from panda3d.core import LineSegs, NodePath, TextNode, Triangulator

from cybercollege.client import style
from cybercollege.client.i18n import tr
from cybercollege.client.mesh import MeshBuilder, hex_color, shade
from cybercollege.client.ui.column import fit, measure
from cybercollege.client.ui.focus import FocusRing, button
from cybercollege.worlds import Room, World, geometry

PLAN = (-1.55, -0.6, 1.55, 0.78)  # the plan's box in the card (aspect2d units: left, bottom, right, top)
HERE = (0.93, 0.35, 0.1, 1.0)  # "you are here"
MINE = (0.98, 0.82, 0.3, 1.0)  # my class
DOOR = (0.45, 0.32, 0.22, 1.0)
OUTLINE = (0.25, 0.28, 0.35, 1.0)
MARKER = 0.055  # the arrow's length (aspect2d units)
NAME = 0.04  # rooms' names
NAME_LEAST = 0.026
CARD = (0.97, 0.97, 0.95, 0.97)

Where = Callable[[], tuple[str, float, float, float] | None]
"""My room, x, y and heading now (None: not in a room with geometry)."""


class MapScreen:
    """The plan over the world; ``on_go`` walks me to ``my_class`` (a pupil's), ``on_close`` closes it."""

    def __init__(self, base, world: World, where: Where, my_class: Room | None,
                 on_go: Callable[[], object] | None, on_close: Callable[[], object]) -> None:
        self.base, self.world, self.where = base, world, where
        self.ring = FocusRing()
        self.root = DirectFrame(frameColor=(0, 0, 0, 0.5), frameSize=(-3, 3, -1, 1))
        self.root.setBin("gui-popup", 5)
        f = style.TEXT_SCALE
        card = DirectFrame(parent=self.root, frameColor=(0, 0, 0, 0.97) if style.HIGH_CONTRAST else CARD,
                           frameSize=(-1.65, 1.65, -0.93, 0.93))
        self.card = card
        OnscreenText(parent=card, text=tr("map_title", world=world.name), pos=(0, 0.84 - 0.06 * (f - 1)),
                     scale=fit(tr("map_title", world=world.name), 3.2, 0.06 * f), fg=style.ACCENT,
                     align=TextNode.A_center)
        x0, y0, x1, y1 = _bounds(world)
        self.scale = min((PLAN[2] - PLAN[0]) / (x1 - x0), (PLAN[3] - PLAN[1]) / (y1 - y0))
        self.origin = ((PLAN[0] + PLAN[2]) / 2 - (x0 + x1) / 2 * self.scale,
                       (PLAN[1] + PLAN[3]) / 2 - (y0 + y1) / 2 * self.scale)
        here = where()
        self.plan = card.attach_new_node("plan")
        self._draw(here[0] if here else "", my_class.id if my_class else "")
        self.marker = self._marker()
        self.here_label = OnscreenText(parent=self.plan, text=tr("map_here"), scale=0.045 * f, fg=(1, 1, 1, 1),
                                       bg=HERE, align=TextNode.A_left, mayChange=True)
        self.go = None
        if my_class is not None and on_go is not None:
            go = tr("map_go", room=my_class.name)
            self.go = button(card, go, on_go, (-0.45, -0.8), width=1.5, scale=fit(go, 1.5, 0.05 * f), ring=self.ring)
        close = tr("map_close")
        self.close = button(card, close, on_close, (0.95 if self.go else 0.0, -0.8), width=0.6,
                            scale=fit(close, 0.6, 0.05 * f), color="muted", ring=self.ring)
        self.ring.move(1)
        self.follow()
        self.task = base.taskMgr.add(self._follow, "map-follow")

    def to_map(self, x: float, y: float) -> tuple[float, float]:
        """A point of the world on the card (aspect2d units)."""
        return self.origin[0] + x * self.scale, self.origin[1] + y * self.scale

    def _draw(self, here: str, mine: str) -> None:
        mesh, lines = MeshBuilder(), LineSegs("map-outlines")
        lines.set_thickness(2.0)
        lines.set_color(*OUTLINE)
        for room in self.world.rooms.values():
            color = MINE if room.id == mine else _pale(hex_color(room.floor_color))
            if room.id == here:
                color = shade(color, 0.85)
            self._polygon(mesh, room.polygon, color)
            pts = [self.to_map(x, y) for x, y in room.polygon]
            lines.move_to(pts[-1][0], 0, pts[-1][1])
            for px, pz in pts:
                lines.draw_to(px, 0, pz)
        for door in self.world.doors.values():
            (ax, ay), (bx, by) = door.ends()
            (px, pz), (qx, qz) = self.to_map(ax, ay), self.to_map(bx, by)
            nx, ny = geometry.direction(door.heading)
            w = 0.3 * self.scale
            mesh.quad([(px - nx * w, 0, pz - ny * w), (qx - nx * w, 0, qz - ny * w),
                       (qx + nx * w, 0, qz + ny * w), (px + nx * w, 0, pz + ny * w)], DOOR)
        node = self.plan.attach_new_node(mesh.node("map-rooms"))
        node.set_two_sided(True)
        self.plan.attach_new_node(lines.create())
        for room in self.world.rooms.values():
            rx0, ry0, rx1, ry1 = room.bounds
            cx, cz = self.to_map((rx0 + rx1) / 2, (ry0 + ry1) / 2)
            width = (rx1 - rx0) * self.scale
            text = _hyphens(room.name, width) + (f"\n({tr('map_my_class')})" if room.id == mine else "")
            size = _name_size(text, width, (ry1 - ry0) * self.scale)
            label = OnscreenText(parent=self.plan, text=text, pos=(cx, cz), scale=size, fg=style.TEXT_DARK,
                                 align=TextNode.A_center, wordwrap=max(4.0, width / size * 0.92))
            rows = label.textNode.get_num_rows()
            label.setPos(cx, cz + (rows - 1) * size * 0.6 - size * 0.35)  # the lines centred on the room
            label.setName(f"map-name-{room.id}")

    def _polygon(self, mesh: MeshBuilder, points, color) -> None:
        tri = Triangulator()
        for x, y in points:
            px, pz = self.to_map(x, y)
            tri.add_polygon_vertex(tri.add_vertex(px, pz))
        tri.triangulate()
        for i in range(tri.get_num_triangles()):
            corners = [tri.get_vertex(v) for v in (tri.get_triangle_v0(i), tri.get_triangle_v1(i),
                                                   tri.get_triangle_v2(i))]
            mesh.triangle([(c[0], 0, c[1]) for c in corners], color, None)

    def _marker(self) -> NodePath:
        """An arrow pointing up (north, heading 0) in a white ring."""
        mesh = MeshBuilder()
        s = MARKER
        mesh.triangle([(-s * 0.6, 0, -s * 0.5), (s * 0.6, 0, -s * 0.5), (0, 0, s)], HERE, None)
        node = self.plan.attach_new_node(mesh.node("map-here"))
        node.set_two_sided(True)
        return node

    def follow(self) -> None:
        """Put the marker where I am now, turned like me."""
        here = self.where()
        if here is None:
            self.marker.hide()
            self.here_label.hide()
            return
        _, x, y, heading = here
        px, pz = self.to_map(x, y)
        self.marker.show()
        self.marker.set_pos(px, 0, pz)
        self.marker.set_r(-heading)  # headings turn counter-clockwise; a positive roll turns clockwise
        self.here_label.show()
        self.here_label.setPos(px + MARKER * 1.3, pz + MARKER * 0.9)

    def _follow(self, task):
        self.follow()
        return task.cont

    def destroy(self) -> None:
        self.base.taskMgr.remove(self.task)
        self.ring.destroy()
        self.root.destroy()


def _hyphens(name: str, width: float) -> str:
    """A word too wide for its room even at the least size is broken after its hyphens (Histoire-/Géographie)."""
    return " ".join(w.replace("-", "-\n") if "-" in w and measure(w) * NAME_LEAST > width * 0.92 else w
                    for w in name.split(" "))


def _name_size(text: str, width: float, height: float) -> float:
    """A room's name at the text factor's size, smaller until each word fits the room's width (never cut
    inside a word) and its lines its height; at least ``NAME_LEAST``."""
    room = width * 0.92
    size = NAME * style.TEXT_SCALE
    node = TextNode("map-measure")
    font = style.font()
    if font is not None:
        node.set_font(font)
    while size > NAME_LEAST:
        node.set_wordwrap(room / size)
        node.set_text(text)
        if max(measure(w) for w in text.split()) * size <= room and node.get_num_rows() * size * 1.2 <= height * 0.9:
            break
        size *= 0.92
    return max(size, NAME_LEAST)


def _pale(color) -> tuple[float, float, float, float]:
    """A floor's colour, halfway to white: dark text stays readable on it."""
    return (0.45 * color[0] + 0.55, 0.45 * color[1] + 0.55, 0.45 * color[2] + 0.55, 1.0)


def _bounds(world: World) -> tuple[float, float, float, float]:
    bs = [r.bounds for r in world.rooms.values()]
    return min(b[0] for b in bs), min(b[1] for b in bs), max(b[2] for b in bs), max(b[3] for b in bs)
