"""The whiteboards of my room, drawn from the mirror (docs/whiteboard.md): strokes, shapes and text.

Read-only: what the teacher (or a pupil holding the pen) writes appears on the board in 3D. A board is
rebuilt as one node when its messages arrive, at most ``REFRESH_HZ`` times a second.
"""

from __future__ import annotations

import math

from panda3d.core import LineSegs, NodePath, TextNode

from client import style
from protocol.whiteboard import BOARD_UNITS
from worlds import Room, Whiteboard

REFRESH_HZ = 10.0
SURFACE = 0.03  # metres in front of the board's centre plane
BACKGROUND = (0.984, 0.984, 0.973, 1.0)  # the whiteboard's white (erasers paint it)
ARROW_HEAD = 0.25  # of the arrow's length


class BoardLayer:
    """One node per whiteboard of the current room."""

    def __init__(self, parent: NodePath) -> None:
        self.root = parent.attach_new_node("boards")
        self.root.set_light_off()
        self.root.set_bin("fixed", 0)  # after the room, in order: later items cover earlier ones
        self.root.set_depth_write(False)
        self.panels: dict[str, tuple[Whiteboard, NodePath]] = {}
        self.drawn: dict[str, NodePath] = {}
        self.dirty: set[str] = set()
        self._wait = 0.0

    def enter(self, room: Room | None) -> None:
        """My room changed: forget the old boards, place the new ones (still blank)."""
        self.root.node().remove_all_children()
        self.panels, self.drawn, self.dirty = {}, {}, set()
        for wb in room.whiteboards if room is not None else []:
            frame = self.root.attach_new_node(f"board-{wb.id}")
            frame.set_pos_hpr(wb.x, wb.y, wb.z, wb.heading, 0, 0)
            self.panels[wb.id] = (wb, frame)

    def mark(self, board_id: str) -> None:
        if board_id in self.panels:
            self.dirty.add(board_id)

    def refresh(self, boards: dict, dt: float) -> None:
        """Redraw the boards that changed (called every frame; works at most REFRESH_HZ)."""
        self._wait -= dt
        if not self.dirty or self._wait > 0:
            return
        self._wait = 1.0 / REFRESH_HZ
        for board_id in self.dirty:
            state = boards.get(board_id)
            if state is not None:
                self._draw(board_id, state)
        self.dirty.clear()

    def _draw(self, board_id: str, state) -> None:
        wb, frame = self.panels[board_id]
        old = self.drawn.pop(board_id, None)
        if old is not None:
            old.remove_node()
        node = frame.attach_new_node("ink")
        lines = LineSegs("strokes")
        items = sorted((i for i in state.items.values() if i.page == state.page), key=lambda i: i.seq)
        for item in items:
            if item.kind == 2:
                _text(node, wb, item)
            else:
                _ink(lines, wb, item.kind, item.style, item.colour, item.width, item.points)
        for live in state.live.values():
            if live.page == state.page:
                _ink(lines, wb, 0, live.tool, live.colour, live.width, live.points)
        node.attach_new_node(lines.create())
        self.drawn[board_id] = node

    def destroy(self) -> None:
        self.root.remove_node()


def board_point(wb: Whiteboard, x: int, y: int) -> tuple[float, float, float]:
    """Board units (from the top-left corner seen from the front) to the board node's frame."""
    scale = wb.width / BOARD_UNITS
    return (wb.width / 2 - x * scale, SURFACE, wb.height / 2 - y * scale)


def _rgba(colour: int, style_: int) -> tuple[float, float, float, float]:
    if style_ == 2:  # eraser
        return BACKGROUND
    r, g, b = (colour >> 16) / 255, ((colour >> 8) & 255) / 255, (colour & 255) / 255
    if style_ == 1:  # highlighter: a light version of the colour
        return (0.55 + 0.45 * r, 0.55 + 0.45 * g, 0.55 + 0.45 * b, 1.0)
    return (r, g, b, 1.0)


def _ink(lines: LineSegs, wb: Whiteboard, kind: int, style_: int, colour: int, width: int,
         points: list[int]) -> None:
    """A stroke (kind 0) or a shape (kind 1: line, arrow, rectangle, ellipse)."""
    pts = list(zip(points[0::2], points[1::2], strict=False))
    if not pts:
        return
    lines.set_color(*_rgba(colour, style_ if kind == 0 else 0))
    lines.set_thickness(max(1.0, min(12.0, width / 12)))
    if kind == 1 and len(pts) >= 2:
        pts = _shape(style_, pts[0], pts[1])
    lines.move_to(*board_point(wb, *pts[0]))
    for p in pts[1:] or pts:
        lines.draw_to(*board_point(wb, *p))


def _shape(shape: int, a: tuple[int, int], b: tuple[int, int]) -> list[tuple[int, int]]:
    (x0, y0), (x1, y1) = a, b
    if shape == 2:  # rectangle
        return [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
    if shape == 3:  # ellipse in the box a-b
        cx, cy, rx, ry = (x0 + x1) / 2, (y0 + y1) / 2, abs(x1 - x0) / 2, abs(y1 - y0) / 2
        return [(round(cx + rx * math.cos(t / 12 * math.pi)), round(cy + ry * math.sin(t / 12 * math.pi)))
                for t in range(25)]
    if shape == 1:  # arrow: the line, then the two sides of its head
        dx, dy = x1 - x0, y1 - y0
        back = [(x1 - (dx * c - dy * s) * ARROW_HEAD, y1 - (dy * c + dx * s) * ARROW_HEAD)
                for c, s in ((math.cos(0.5), math.sin(0.5)), (math.cos(-0.5), math.sin(-0.5)))]
        return [(x0, y0), (x1, y1), (round(back[0][0]), round(back[0][1])), (x1, y1),
                (round(back[1][0]), round(back[1][1]))]
    return [(x0, y0), (x1, y1)]


def _text(parent: NodePath, wb: Whiteboard, item) -> None:
    if not item.points or not item.text:
        return
    node = TextNode("board-text")
    font = style.font()
    if font is not None:
        node.set_font(font)
    node.set_text(item.text)
    node.set_text_color(*_rgba(item.colour, 0))
    np = parent.attach_new_node(node)
    x, y, z = board_point(wb, item.points[0], item.points[1])
    size = max(item.width, 40) * wb.width / BOARD_UNITS
    np.set_pos(x, y + 0.001, z - size)
    np.set_scale(size)
    np.set_h(180)  # text faces the board's front
