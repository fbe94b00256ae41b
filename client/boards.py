"""The whiteboards of my room, drawn from the mirror (docs/whiteboard.md): strokes, shapes and text.

Each board is a card whose texture (:class:`cybercollege.client.canvas.Canvas`) is painted as messages arrive: live
points and new items are painted on top at once, segment by segment; a page that changes underneath (an
undo, a clear, another page) is repainted whole, at most ``REFRESH_HZ`` times a second. Texts are text
nodes in front of the card. My own strokes are painted as I draw (:mod:`cybercollege.client.drawing`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from panda3d.core import CardMaker, NodePath, TextNode

from cybercollege.client import style
from cybercollege.client.canvas import Canvas
from cybercollege.protocol import boardtext
from cybercollege.protocol.whiteboard import (
    BOARD_UNITS,
    Board,
    BoardHide,
    BoardItems,
    LiveEnd,
    LivePoints,
    LiveStroke,
    PageShown,
)
from cybercollege.worlds import Room, Whiteboard

REFRESH_HZ = 10.0
SURFACE = 0.03  # metres in front of the board's centre plane
BACKGROUND = (0.984, 0.984, 0.973, 1.0)  # the whiteboard's white (erasers paint it)
ARROW_HEAD = 0.25  # of the arrow's length


@dataclass
class Panel:
    """One board on screen: where it is, its canvas, and what is painted on it."""

    wb: Whiteboard
    frame: NodePath
    canvas: Canvas
    texts: NodePath
    top: int = 0
    """Highest item seq painted (older items arriving later need a repaint to keep the order)."""
    live: dict[int, int] = field(default_factory=dict)
    """Live strokes painted: id → points painted."""
    slides: dict[int, np.ndarray] = field(default_factory=dict)
    """Page → its background (a slide fitted to the canvas)."""
    overlay: tuple[int, list] = (0, [])
    """Items painted over a page (the answer layers I may see): (page, items)."""


class BoardLayer:
    """One textured card per whiteboard of the current room."""

    def __init__(self, parent: NodePath) -> None:
        self.root = parent.attach_new_node("boards")
        self.root.set_light_off()
        self.root.set_bin("fixed", 0)  # after the room, in order: texts over the card
        self.root.set_depth_write(False)
        self.panels: dict[str, Panel] = {}
        self.dirty: set[str] = set()
        self.stash: dict[str, dict[int, np.ndarray]] = {}
        """The slides of boards not shown now (a room board during a breakout, the other groups' boards)."""
        self._wait = 0.0

    def enter(self, room: Room | None) -> None:
        """My room changed: forget the old boards, place the new ones (still blank)."""
        self.root.node().remove_all_children()
        self.panels, self.dirty, self.stash = {}, set(), {}
        for wb in room.whiteboards if room is not None else []:
            frame = self.root.attach_new_node(f"board-{wb.id}")
            frame.set_pos_hpr(wb.x, wb.y, wb.z, wb.heading, 0, 0)
            canvas = Canvas(f"ink-{wb.id}", wb.height / wb.width, BACKGROUND)
            card = frame.attach_new_node("ink")
            card.set_pos(0, SURFACE, 0)
            card.set_h(180)  # the card faces the board's front; its left edge is x = 0
            _tile_cards(card, wb, canvas)
            self.panels[wb.id] = Panel(wb, frame, canvas, frame.attach_new_node("texts"))

    def show(self, board_id: str) -> None:
        """Show ``board_id`` on its panel: a breakout group's board on its room board's, a room board on its own."""
        panel = self._panel_for(board_id)
        key = next((k for k, p in self.panels.items() if p is panel), None)
        if panel is None or key is None or key == board_id:
            return
        self.panels = {board_id if k == key else k: p for k, p in self.panels.items()}  # same order
        self.dirty.discard(key)
        self.stash[key], panel.slides = panel.slides, self.stash.pop(board_id, {})
        panel.overlay = (0, [])
        self.dirty.add(board_id)

    def mark(self, board_id: str) -> None:
        """Repaint this board whole at the next refresh."""
        if board_id in self.panels:
            self.dirty.add(board_id)

    def event(self, msg, boards: dict) -> None:
        """A whiteboard event, already applied to the mirror's ``boards``: paint what is new."""
        panel, state = self.panels.get(msg.board), boards.get(msg.board)
        if panel is None and type(msg) is Board:
            self.stash.pop(msg.board, None)  # its slides come again after it
        if panel is None or state is None or msg.board in self.dirty:
            return
        kind = type(msg)
        if kind is LiveStroke or kind is LivePoints:
            self._paint_live(panel, state, msg.live)
        elif kind is LiveEnd:
            panel.live.pop(msg.live, None)
            if not msg.seq:
                self.mark(msg.board)  # dropped: take it off
            panel.top = max(panel.top, msg.seq)
        elif kind is BoardItems:
            mine = [i for i in msg.items if i.page == state.page]
            if any(i.seq < panel.top for i in mine):
                self.mark(msg.board)
            else:
                for item in sorted(mine, key=lambda i: i.seq):
                    self._paint_item(panel, item)
        elif kind is Board:
            panel.slides.clear()
            self.mark(msg.board)
        elif kind is BoardHide or kind is PageShown:
            self.mark(msg.board)

    def set_background(self, board_id: str, page: int, picture: np.ndarray | None) -> None:
        """A slide behind ``page`` (rows from the top, B, G, R, A, scaled to fit), or none."""
        panel = self._panel_for(board_id)
        if panel is None:
            return
        slides = panel.slides if board_id in self.panels else self.stash.setdefault(board_id, {})
        if picture is None:
            slides.pop(page, None)
        else:
            slides[page] = panel.canvas.fit(picture)
        self.mark(board_id)

    def set_overlay(self, board_id: str, page: int, items: list) -> None:
        """Items to paint over ``page`` of the board, above its own (answer layers)."""
        panel = self.panels.get(board_id)
        if panel is not None:
            panel.overlay = (page, list(items))
            self.mark(board_id)

    def _panel_for(self, board_id: str) -> Panel | None:
        """The panel showing this board, or the one it may be shown on (a group's board: its room board's)."""
        panel = self.panels.get(board_id) or next((p for p in self.panels.values() if p.wb.id == board_id), None)
        if panel is None and ":" in board_id:
            room_board = board_id.rsplit(":", 1)[0]
            panel = next((p for p in self.panels.values() if p.wb.id[:50] == room_board), None)
        return panel

    def home(self, board_id: str) -> str:
        """The room board on whose panel ``board_id`` is shown (or may be)."""
        panel = self._panel_for(board_id)
        return panel.wb.id if panel is not None else ""

    def canvas_size(self, board_id: str) -> tuple[int, int] | None:
        panel = self._panel_for(board_id)
        return (panel.canvas.width, panel.canvas.height) if panel is not None else None

    def paint(self, board_id: str, points: list[int], start: int, tool: int, colour: int, width: int) -> None:
        """My own stroke, painted as I draw (points from index ``start`` on)."""
        panel = self.panels.get(board_id)
        if panel is not None:
            panel.canvas.stroke(points, _rgba(colour, tool), width, start)

    def refresh(self, boards: dict, dt: float) -> None:
        """Repaint the boards marked dirty (called every frame; works at most REFRESH_HZ)."""
        self._wait -= dt
        if not self.dirty or self._wait > 0:
            return
        self._wait = 1.0 / REFRESH_HZ
        for board_id in self.dirty:
            state = boards.get(board_id)
            if state is not None:
                self._repaint(self.panels[board_id], state)
        self.dirty.clear()

    def _repaint(self, panel: Panel, state) -> None:
        panel.canvas.slide = panel.slides.get(state.page)
        panel.canvas.clear()
        panel.texts.node().remove_all_children()
        panel.top, panel.live = 0, {}
        for item in sorted((i for i in state.items.values() if i.page == state.page), key=lambda i: i.seq):
            self._paint_item(panel, item)
        page, overlay = panel.overlay
        for item in overlay if page == state.page else []:
            self._paint_item(panel, item, track=False)
        for live_id in list(state.live):
            self._paint_live(panel, state, live_id)

    def _paint_item(self, panel: Panel, item, track: bool = True) -> None:
        if track:
            panel.top = max(panel.top, item.seq)
        if item.kind == 2:
            _text(panel.texts, panel.wb, item)
        elif item.kind == 1 and len(item.points) >= 4:
            pts = shape_points(item.style, (item.points[0], item.points[1]), (item.points[2], item.points[3]))
            panel.canvas.polyline(pts, _ink(item.colour), item.width)
        elif item.points:
            panel.canvas.stroke(item.points, _rgba(item.colour, item.style), item.width)

    def _paint_live(self, panel: Panel, state, live_id: int) -> None:
        live = state.live.get(live_id)
        if live is None or live.page != state.page:
            return
        done, n = panel.live.get(live_id, 0), len(live.points) // 2
        if n > done:
            panel.canvas.stroke(live.points, _rgba(live.colour, live.tool), live.width, done)
            panel.live[live_id] = n

    def painted(self, board_id: str) -> int:
        """Segments painted on this board since its last repaint."""
        panel = self.panels.get(board_id)
        return panel.canvas.segments if panel is not None else 0

    def destroy(self) -> None:
        self.root.remove_node()


def _tile_cards(card: NodePath, wb: Whiteboard, canvas: Canvas) -> None:
    """One textured quad per tile of ``canvas``, together covering the board (seen from its front)."""
    sx, sz = wb.width / canvas.width, wb.height / canvas.height
    for tile in canvas.tiles:
        cm = CardMaker("ink-tile")
        cm.set_frame(
            -wb.width / 2 + tile.x0 * sx,
            -wb.width / 2 + tile.x1 * sx,
            wb.height / 2 - tile.y1 * sz,
            wb.height / 2 - tile.y0 * sz,
        )
        card.attach_new_node(cm.generate()).set_texture(tile.texture)


def board_point(wb: Whiteboard, x: int, y: int) -> tuple[float, float, float]:
    """Board units (from the top-left corner seen from the front) to the board node's frame."""
    scale = wb.width / BOARD_UNITS
    return (wb.width / 2 - x * scale, SURFACE, wb.height / 2 - y * scale)


def _rgba(colour: int, style_: int) -> tuple[float, float, float, float] | None:
    """The ink of a stroke style; None for the eraser (the page's background comes back)."""
    if style_ == 2:
        return None
    if style_ == 1:  # highlighter: a light version of the colour
        r, g, b, _ = _ink(colour)
        return (0.55 + 0.45 * r, 0.55 + 0.45 * g, 0.55 + 0.45 * b, 1.0)
    return _ink(colour)


def _ink(colour: int) -> tuple[float, float, float, float]:
    """``0xRRGGBB`` as an opaque colour (a pen's ink, a shape's, a text's)."""
    return ((colour >> 16) / 255, ((colour >> 8) & 255) / 255, (colour & 255) / 255, 1.0)


def shape_points(shape: int, a: tuple[int, int], b: tuple[int, int]) -> list[tuple[int, int]]:
    """The polyline of a shape (line, arrow, rectangle, ellipse) between corners or ends ``a`` and ``b``."""
    (x0, y0), (x1, y1) = a, b
    if shape == 2:  # rectangle
        return [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
    if shape == 3:  # ellipse in the box a-b
        cx, cy, rx, ry = (x0 + x1) / 2, (y0 + y1) / 2, abs(x1 - x0) / 2, abs(y1 - y0) / 2
        return [
            (round(cx + rx * math.cos(t / 12 * math.pi)), round(cy + ry * math.sin(t / 12 * math.pi)))
            for t in range(25)
        ]
    if shape == 1:  # arrow: the line, then the two sides of its head
        dx, dy = x1 - x0, y1 - y0
        back = [
            (x1 - (dx * c - dy * s) * ARROW_HEAD, y1 - (dy * c + dx * s) * ARROW_HEAD)
            for c, s in ((math.cos(0.5), math.sin(0.5)), (math.cos(-0.5), math.sin(-0.5)))
        ]
        return [
            (x0, y0),
            (x1, y1),
            (round(back[0][0]), round(back[0][1])),
            (x1, y1),
            (round(back[1][0]), round(back[1][1])),
        ]
    return [(x0, y0), (x1, y1)]


def _text(parent: NodePath, wb: Whiteboard, item) -> None:
    """A text item, its top-left corner where it was written, laid out as the server's export lays it out
    (protocol/boardtext.py: wrapped at the board's right edge, smaller only if it would not fit above the
    board's bottom edge; no text is cut)."""
    if not item.points or not item.text:
        return
    node = TextNode("board-text")
    font = style.font()
    if font is not None:
        node.set_font(font)
    scale = wb.width / BOARD_UNITS
    height = max(1, round(BOARD_UNITS * wb.height / wb.width))  # the board's height as the server counts it
    laid = boardtext.layout(item.text, item.points[0], item.points[1], item.width, height)
    node.set_text("\n".join(laid.lines))
    node.set_text_color(*_ink(item.colour))
    x, y, z = board_point(wb, item.points[0], item.points[1])
    size = laid.size * scale
    np = parent.attach_new_node(node)
    np.set_pos(x, y + 0.001, z - size)
    np.set_scale(size)
    np.set_h(180)  # text faces the board's front
