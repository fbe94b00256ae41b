"""Drawing on the 3D whiteboards with the mouse (docs/whiteboard.md §2, §7).

A ray from the camera through the mouse meets the board's plane: that point, in board units, is where the
pen is. Pen down sends ``STROKE_BEGIN``, the points gathered while moving go out at most ``SEND_HZ`` times a
second in ``STROKE_POINTS``, pen up sends ``STROKE_END``. My stroke is painted on the board at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from direct.showbase.DirectObject import DirectObject
from panda3d.core import LineSegs, NodePath, Point2, Point3

from cybercollege.client.boards import SURFACE, BoardLayer, board_point, shape_points
from cybercollege.protocol.classroom import MAX_ANSWER_POINTS, AnswerItem, AnswerUndo
from cybercollege.protocol.whiteboard import (
    BOARD_UNITS,
    MAX_POINTS_PER_MESSAGE,
    MAX_POINTS_PER_STROKE,
    MAX_TEXT_CHARS,
    MAX_WIDTH,
    ClearPage,
    DrawShape,
    Redo,
    ShowPage,
    StrokeBegin,
    StrokeEnd,
    StrokePoints,
    Tool,
    Undo,
    WriteText,
)

log = logging.getLogger("client")
SEND_HZ = 60.0
MIN_STEP = 6
"""Board units the mouse must move before a new point is taken."""
TEACHER_ROLES = ("teacher", "staff")
READABLE_TEXT = 460
"""A text's letter size (board units) with the finest pen: from the farthest seat of salle 103, about 8 m
from its board, its capitals are at least 12 pixels high at 1280×720 (tests/client/test_board_text.py)."""


def text_size(width: int) -> int:
    """The letter size of a text written with a pen of ``width``: readable from the back row, larger with
    a thicker pen."""
    return min(MAX_WIDTH, READABLE_TEXT + 2 * width)


@dataclass(frozen=True, slots=True)
class Stroke:
    """One of my finished strokes, as sent."""

    board: str
    page: int
    tool: int
    colour: int
    width: int
    points: list[int]


class Sender:
    """Sends messages one after the other, in order, without blocking the caller."""

    def __init__(self, send: Callable[[object], Awaitable[None]]) -> None:
        self.send = send
        self.queue: asyncio.Queue[object] = asyncio.Queue()
        self.task = asyncio.get_running_loop().create_task(self._run())

    def __call__(self, msg: object) -> None:
        self.queue.put_nowait(msg)

    async def _run(self) -> None:
        while True:
            msg = await self.queue.get()
            try:
                await self.send(msg)
            except Exception as exc:  # a lost connection: the session reconnects
                log.debug("board message not sent: %s", exc)

    def close(self) -> None:
        self.task.cancel()


class Pen(DirectObject):
    """My pen on the boards of my room. ``send`` takes a protocol message, ``new_cid()`` gives operation ids."""

    def __init__(self, base, layer: BoardLayer, send: Callable[[object], None], new_cid: Callable[[], int],
                 boards: Callable[[], dict], me: Callable[[], int], role: str) -> None:
        super().__init__()
        self.base, self.layer, self.send, self.new_cid = base, layer, send, new_cid
        self.boards, self.me, self.role = boards, me, role
        self.tool, self.colour, self.width = int(Tool.PEN), 0x1A1A1A, 30
        self.shape: int | None = None
        """The shape drawn instead of a stroke (``cybercollege.protocol.whiteboard.Shape``), if one is chosen."""
        self.corner: tuple[int, int] | None = None
        self.end = (0, 0)
        self.preview: NodePath | None = None
        self.writing = False
        """The text tool: a click places the text, ``on_text()`` asks for it, :meth:`write` sends it."""
        self.text_at: tuple[str, int, int, int] | None = None
        self.text_screen = (0.0, 0.0)
        """Where the text tool was clicked on the window (-1..1 both ways): its input box goes there."""
        self.on_text: Callable[[], None] = lambda: None
        self.answering: tuple[int, str] | None = None
        """(question, board) while a question is open to me: I draw on my private answer layer."""
        self.board = ""
        """The board I draw on (the last one touched, else the room's first)."""
        self.stroke: list[int] | None = None
        self.cid = 0
        self.sent = 0  # points of the stroke already sent
        self.last_send = 0.0
        self.page = 0
        self.unacked: dict[int, Stroke] = {}
        """My finished strokes the server has not acknowledged yet (cid → stroke)."""
        self.resend: list[Stroke] = []
        """Strokes not acknowledged before a reconnect, to draw again if the server lost them."""
        self.accept("mouse1", self._mouse_down)
        self.accept("mouse1-up", self.release)
        self.task = base.taskMgr.add(self._frame, "pen", sort=-5)

    @property
    def teacher(self) -> bool:
        return self.role in TEACHER_ROLES

    def may_draw(self, board_id: str | None = None) -> bool:
        """Teachers, pupils or guests given the pen (``PENS``), and anyone answering a question there."""
        board_id = board_id or self.current()
        if not board_id:
            return False
        if self.answering is not None and self.answering[1] == board_id:
            return True
        state = self.boards().get(board_id)
        return self.teacher or (state is not None and self.me() in state.pens)

    def current(self) -> str:
        if self.board in self.layer.panels:
            return self.board
        return next(iter(self.layer.panels), "")

    # --- where the mouse points ---

    def board_at(self, mx: float, my: float) -> tuple[str, int, int] | None:
        """The board under the screen point (-1..1 both ways) and the point on it in board units."""
        near, far = Point3(), Point3()
        if not self.base.camLens.extrude(Point2(mx, my), near, far):
            return None
        best: tuple[float, str, int, int] | None = None
        for board_id, panel in self.layer.panels.items():
            a = panel.frame.get_relative_point(self.base.cam, near)
            b = panel.frame.get_relative_point(self.base.cam, far)
            if a.y <= SURFACE or b.y >= a.y:  # behind the board, or looking away from it
                continue
            t = (a.y - SURFACE) / (a.y - b.y)
            hit = a + (b - a) * t
            wb, scale = panel.wb, panel.wb.width / BOARD_UNITS
            x, y = (wb.width / 2 - hit.x) / scale, (wb.height / 2 - hit.z) / scale
            if 0 <= x <= BOARD_UNITS and 0 <= y <= wb.height / scale and (best is None or t < best[0]):
                best = (t, board_id, round(x), round(y))
        return best[1:] if best is not None else None

    # --- pen down, move, up ---

    def press(self, mx: float, my: float) -> bool:
        """Pen down at a screen point; False when it is not on a board I may draw on."""
        hit = self.board_at(mx, my)
        if hit is None or not self.may_draw(hit[0]):
            return False
        self.board = hit[0]
        if self.writing:
            state = self.boards().get(self.board)
            self.text_at = (self.board, hit[1], hit[2], state.page if state is not None else 0)
            self.text_screen = (mx, my)
            self.on_text()
        elif self.shape is not None:
            self.corner = self.end = (hit[1], hit[2])
        else:
            self._begin([hit[1], hit[2]])
        return True

    def drag(self, mx: float, my: float) -> None:
        """The pen moved (pen down): take the point, paint the new segment (or move the shape's corner)."""
        if self.stroke is None and self.corner is None:
            return
        hit = self.board_at(mx, my)
        if hit is None or hit[0] != self.board:
            return
        x, y = hit[1], hit[2]
        if self.corner is not None:
            self.end = (x, y)
            self._preview()
            return
        stroke = self.stroke
        assert stroke is not None  # the pen is down on a shape's corner or in a stroke
        if abs(x - stroke[-2]) + abs(y - stroke[-1]) < MIN_STEP:
            return
        limit = MAX_ANSWER_POINTS if self.answering is not None else MAX_POINTS_PER_STROKE
        if len(stroke) // 2 >= limit:  # the server's limit: go on with a new stroke
            last = stroke[-2:]
            self.release()
            stroke = self._begin(last)
        stroke += [x, y]
        n = len(stroke) // 2
        self.layer.paint(self.board, stroke, n - 1, self.tool, self.colour, self.width)
        self.flush()

    def release(self) -> None:
        """Pen up: the last points, then ``STROKE_END`` (or the shape, ``DRAW_SHAPE``)."""
        if self.corner is not None:
            self._shape_done()
        if self.stroke is None:
            return
        if self._answer(0, self.tool, self.width, self.stroke):
            self.stroke = None
            return
        self.flush(force=True)
        self.send(StrokeEnd(self.board, self.cid))
        self.unacked[self.cid] = Stroke(self.board, self.page, self.tool, self.colour, self.width, self.stroke)
        self.stroke = None

    def _begin(self, point: list[int]) -> list[int]:
        """Start a stroke at ``point``; returns it (:attr:`stroke`)."""
        state = self.boards().get(self.board)
        self.page = state.page if state is not None else 0
        stroke = self.stroke = list(point)
        self.cid, self.sent = self.new_cid(), 1
        self.last_send = time.monotonic()
        if self.answering is None:
            self.send(StrokeBegin(self.board, self.cid, self.page, self.tool, self.colour, self.width, list(point)))
        self.layer.paint(self.board, stroke, 0, self.tool, self.colour, self.width)
        return stroke

    def _shape_done(self) -> None:
        corner, shape = self.corner, self.shape
        assert corner is not None and shape is not None  # a corner is set only while a shape is chosen
        (x0, y0), (x1, y1) = corner, self.end
        self.cancel_shape()
        if abs(x1 - x0) + abs(y1 - y0) >= MIN_STEP and not self._answer(1, shape, self.width,
                                                                          [x0, y0, x1, y1]):
            state = self.boards().get(self.board)
            page = state.page if state is not None else 0
            self.send(DrawShape(self.board, self.new_cid(), page, shape, self.colour, self.width,
                                [x0, y0, x1, y1]))

    def write(self, text: str) -> bool:
        """The text for the point clicked last (``WRITE_TEXT``), at :func:`text_size`."""
        text = " ".join(text.split())[:MAX_TEXT_CHARS]
        if self.text_at is None or not text or not text.isprintable():
            return False
        board, x, y, page = self.text_at
        self.text_at = None
        size = text_size(self.width)
        if not self._answer(2, 0, size, [x, y], text):
            self.send(WriteText(board, self.new_cid(), page, self.colour, size, x, y, text))
        return True

    def _answer(self, kind: int, style: int, width: int, points: list[int], text: str = "") -> bool:
        """While answering a question, the item goes to my layer (``ANSWER_ITEM``, whole): True."""
        if self.answering is None:
            return False
        self.send(AnswerItem(self.answering[0], kind, style, self.colour, width, points, text))
        return True

    def cancel_shape(self) -> None:
        self.corner = None
        if self.preview is not None:
            self.preview.remove_node()
            self.preview = None

    def _preview(self) -> None:
        """The shape's outline while the button is held (the server's item replaces it)."""
        shape, corner = self.shape, self.corner
        assert shape is not None and corner is not None  # only while a shape's corner is dragged
        if self.preview is not None:
            self.preview.remove_node()
        panel = self.layer.panels[self.board]
        lines = LineSegs("shape-preview")
        lines.set_color((self.colour >> 16) / 255, ((self.colour >> 8) & 255) / 255, (self.colour & 255) / 255, 1)
        lines.set_thickness(2)
        points = shape_points(shape, corner, self.end)
        lines.move_to(*board_point(panel.wb, *points[0]))
        for p in points[1:]:
            lines.draw_to(*board_point(panel.wb, *p))
        self.preview = panel.frame.attach_new_node(lines.create())

    def flush(self, force: bool = False) -> None:
        """Send the points gathered since the last send, at most ``SEND_HZ`` times a second."""
        if self.stroke is None or self.answering is not None or self.sent * 2 >= len(self.stroke):
            return
        now = time.monotonic()
        if not force and now - self.last_send < 1.0 / SEND_HZ:
            return
        while self.sent * 2 < len(self.stroke):
            chunk = self.stroke[2 * self.sent : 2 * (self.sent + MAX_POINTS_PER_MESSAGE)]
            self.send(StrokePoints(self.board, self.cid, chunk))
            self.sent += len(chunk) // 2
        self.last_send = now

    def _mouse_down(self) -> None:
        watcher = self.base.mouseWatcherNode
        if watcher is None or not watcher.has_mouse() or watcher.get_over_region() is not None:
            return  # not in the window, or on a button
        self.press(watcher.get_mouse_x(), watcher.get_mouse_y())

    def _frame(self, task):
        if (self.stroke is not None or self.corner is not None) and not self.may_draw(self.board):
            self.stroke = None  # the pen was taken back: the server dropped the stroke
            self.cancel_shape()
        watcher = self.base.mouseWatcherNode
        held = self.stroke is not None or self.corner is not None
        if held and watcher is not None and watcher.has_mouse():
            self.drag(watcher.get_mouse_x(), watcher.get_mouse_y())
        self.flush()
        return task.cont

    # --- acknowledgements and reconnections (docs/whiteboard.md §4) ---

    def acked(self, cid: int) -> None:
        """``BOARD_ACK``: the stroke is in the server's database."""
        self.unacked.pop(cid, None)

    def reconnected(self) -> None:
        """A new connection (its operation ids start again): keep what was never acknowledged."""
        self.stroke = None
        self.resend += self.unacked.values()
        self.unacked.clear()

    def board_loaded(self, board_id: str) -> None:
        """The board's items are all in again: draw the strokes it lost."""
        items = list(self.boards()[board_id].items.values())
        for stroke in [s for s in self.resend if s.board == board_id]:
            self.resend.remove(stroke)
            if any(i.points == stroke.points and i.colour == stroke.colour for i in items):
                continue  # saved after all: only its acknowledgement was lost
            cid = self.new_cid()
            points = stroke.points
            self.send(StrokeBegin(board_id, cid, stroke.page, stroke.tool, stroke.colour, stroke.width,
                                  points[: 2 * MAX_POINTS_PER_MESSAGE]))
            for i in range(2 * MAX_POINTS_PER_MESSAGE, len(points), 2 * MAX_POINTS_PER_MESSAGE):
                self.send(StrokePoints(board_id, cid, points[i : i + 2 * MAX_POINTS_PER_MESSAGE]))
            self.send(StrokeEnd(board_id, cid))
            self.unacked[cid] = stroke

    # --- the toolbar's commands ---

    def undo(self) -> None:
        if self.answering is not None:
            self.send(AnswerUndo(self.answering[0]))
        elif self.may_draw():
            self.send(Undo(self.current(), self.new_cid()))

    def redo(self) -> None:
        if self.may_draw():
            self.send(Redo(self.current(), self.new_cid()))

    def turn_page(self, step: int) -> None:
        """Show the previous (-1) or next (+1) page; past the last page, add one."""
        board_id = self.current()
        state = self.boards().get(board_id)
        if not self.may_draw() or state is None:
            return
        page = max(0, min(state.pages, state.page + step))
        if page != state.page:
            self.send(ShowPage(board_id, self.new_cid(), page))

    def clear_page(self) -> None:
        board_id = self.current()
        state = self.boards().get(board_id)
        if self.teacher and state is not None:
            self.send(ClearPage(board_id, self.new_cid(), state.page))

    def destroy(self) -> None:
        with contextlib.suppress(Exception):
            self.release()
        self.cancel_shape()
        self.ignore_all()
        self.base.taskMgr.remove(self.task)
