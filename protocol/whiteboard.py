"""Whiteboard (TBI) messages, type codes 32..63 (see docs/whiteboard.md).

Coordinates on a board are integers: 0..``BOARD_UNITS`` across the board's width, the same unit upwards
(0 = top-left corner), so a 3.6 m x 1.2 m board is 10000 x 3333 units. Points travel as flat arrays
``[x0, y0, x1, y1, ...]``. Colours are ``0xRRGGBB`` integers.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Annotated, Any

from cybercollege.protocol.fields import Bool, Field, Int, ListOf, Rec, Str, invalid
from cybercollege.protocol.messages import U32, Direction, message, record

BOARD_UNITS = 10_000
"""Board coordinates per board width."""
MAX_POINTS_PER_MESSAGE = 256
"""Points in one STROKE_BEGIN / STROKE_POINTS message."""
MAX_POINTS_PER_STROKE = 4096
MAX_TEXT_CHARS = 500
MAX_ITEMS_PER_PAGE = 10_000
"""Visible items (strokes, shapes, texts) on one page."""
MAX_ITEMS_PER_BOARD = 50_000
"""Items kept per board, hidden ones (undone, cleared) included."""
MAX_PAGES = 50
MAX_WIDTH = 1000
"""Widest stroke (and largest text size), board units."""
BOARD_RATE = 70.0
"""Whiteboard messages per second per user (points stream at up to 60 Hz)."""
BOARD_BURST = 30
MAX_ITEMS_PER_EVENT = 512
"""Items in one BOARD_ITEMS event (a big board arrives in several)."""


class Kind(IntEnum):
    STROKE = 0
    SHAPE = 1
    TEXT = 2


class Tool(IntEnum):
    """``style`` of a stroke."""

    PEN = 0
    HIGHLIGHTER = 1
    ERASER = 2


class Shape(IntEnum):
    """``style`` of a shape; its points are two corners (or the two ends)."""

    LINE = 0
    ARROW = 1
    RECTANGLE = 2
    ELLIPSE = 3


class Points(Field):
    """A flat array of board coordinates ``[x0, y0, ...]``: 1..``max_points`` points, each in range.

    Checked with C-speed builtins: a 10,000-stroke board decodes in well under a second.
    """

    def __init__(self, max_points: int) -> None:
        self.max_points = max_points

    @property
    def wire(self) -> str:  # type: ignore[override]
        return f"array of x, y int pairs 0..{BOARD_UNITS} (1..{self.max_points} points)"

    def check(self, value: Any, path: Any) -> list[int]:
        if type(value) is not list:
            raise invalid(path, "points must be an array")
        n = len(value)
        if n == 0 or n % 2 or n > 2 * self.max_points:
            raise invalid(path, f"{n} numbers: need x, y pairs, 1..{self.max_points} points")
        if not all(type(v) is int for v in value):
            raise invalid(path, "points must be integers")
        if min(value) < 0 or max(value) > BOARD_UNITS:
            raise invalid(path, f"points must be within 0..{BOARD_UNITS}")
        return value


BOARD = Str(64, 1, lambda s: s.isascii() and all(c.isalnum() or c in "-_.:" for c in s), "identifier")
CID = U32
PAGE = Int(0, MAX_PAGES - 1)
COLOUR = Int(0, 0xFFFFFF)
WIDTH = Int(1, MAX_WIDTH)
SEQ = Int(0, 2**53)
C = Direction.TO_SERVER
S = Direction.TO_CLIENT


@record
@dataclass(slots=True, frozen=True)
class BoardItem:
    """A stroke, shape or text on a board. ``seq`` is the operation that created it."""

    seq: Annotated[int, SEQ]
    page: Annotated[int, PAGE]
    kind: Annotated[int, Int(0, 2)]
    style: Annotated[int, Int(0, 3)]
    colour: Annotated[int, COLOUR]
    width: Annotated[int, WIDTH]
    points: Annotated[list[int], Points(MAX_POINTS_PER_STROKE)]
    text: Annotated[str, Str(MAX_TEXT_CHARS)] = ""


# --- client -> server ------------------------------------------------------------------------------


@message(32, C)
@dataclass(slots=True, frozen=True)
class StrokeBegin:
    """Start a stroke (pen, highlighter or eraser); ``cid`` is my id for it (also in its ACK)."""

    board: Annotated[str, BOARD]
    cid: Annotated[int, CID]
    page: Annotated[int, PAGE]
    tool: Annotated[int, Int(0, 2)]
    colour: Annotated[int, COLOUR]
    width: Annotated[int, WIDTH]
    points: Annotated[list[int], Points(MAX_POINTS_PER_MESSAGE)]


@message(33, C)
@dataclass(slots=True, frozen=True)
class StrokePoints:
    """More points of my stroke ``cid`` (send them as they come, e.g. at 60 Hz)."""

    board: Annotated[str, BOARD]
    cid: Annotated[int, CID]
    points: Annotated[list[int], Points(MAX_POINTS_PER_MESSAGE)]


@message(34, C)
@dataclass(slots=True, frozen=True)
class StrokeEnd:
    """Pen up: my stroke ``cid`` is finished; BOARD_ACK follows once it is saved."""

    board: Annotated[str, BOARD]
    cid: Annotated[int, CID]


@message(35, C)
@dataclass(slots=True, frozen=True)
class DrawShape:
    """A line, arrow, rectangle or ellipse between two points ``[x0, y0, x1, y1]``."""

    board: Annotated[str, BOARD]
    cid: Annotated[int, CID]
    page: Annotated[int, PAGE]
    shape: Annotated[int, Int(0, 3)]
    colour: Annotated[int, COLOUR]
    width: Annotated[int, WIDTH]
    points: Annotated[list[int], Points(2)]


@message(36, C)
@dataclass(slots=True, frozen=True)
class WriteText:
    """Text whose top-left corner is at ``x, y``; ``size`` is the letter height in board units."""

    board: Annotated[str, BOARD]
    cid: Annotated[int, CID]
    page: Annotated[int, PAGE]
    colour: Annotated[int, COLOUR]
    size: Annotated[int, WIDTH]
    x: Annotated[int, Int(0, BOARD_UNITS)]
    y: Annotated[int, Int(0, BOARD_UNITS)]
    text: Annotated[str, Str(MAX_TEXT_CHARS, 1, str.isprintable, "printable")]


@message(37, C)
@dataclass(slots=True, frozen=True)
class Undo:
    """Undo my latest operation on this board (mine only: each author has their own history)."""

    board: Annotated[str, BOARD]
    cid: Annotated[int, CID]


@message(38, C)
@dataclass(slots=True, frozen=True)
class Redo:
    """Redo my latest undone operation (a new drawing of mine forgets what I could redo)."""

    board: Annotated[str, BOARD]
    cid: Annotated[int, CID]


@message(39, C)
@dataclass(slots=True, frozen=True)
class ClearPage:
    """Teacher: clear a page (undoable by the same teacher)."""

    board: Annotated[str, BOARD]
    cid: Annotated[int, CID]
    page: Annotated[int, PAGE]


@message(40, C)
@dataclass(slots=True, frozen=True)
class ShowPage:
    """Show a page to everyone; ``page`` equal to the page count adds a new page."""

    board: Annotated[str, BOARD]
    cid: Annotated[int, CID]
    page: Annotated[int, PAGE]


@message(41, C)
@dataclass(slots=True, frozen=True)
class GivePen:
    """Teacher: give (``give`` true) or take back the pen of avatar ``avatar`` on this board."""

    board: Annotated[str, BOARD]
    avatar: Annotated[int, U32]
    give: Annotated[bool, Bool()]


# --- server -> client ------------------------------------------------------------------------------


@message(48, S)
@dataclass(slots=True, frozen=True)
class Board:
    """The whole board follows: forget what you had of it; ``count`` items arrive in BOARD_ITEMS events."""

    board: Annotated[str, BOARD]
    seq: Annotated[int, SEQ]
    height: Annotated[int, Int(1, BOARD_UNITS * 100)]
    pages: Annotated[int, Int(1, MAX_PAGES)]
    page: Annotated[int, PAGE]
    pens: Annotated[list[int], ListOf(U32, 1500)]
    count: Annotated[int, Int(0, MAX_ITEMS_PER_BOARD)]


@message(49, S)
@dataclass(slots=True, frozen=True)
class BoardItems:
    """Items to show (new ones, a redo, an undone clear, or the snapshot after BOARD)."""

    board: Annotated[str, BOARD]
    items: Annotated[list[BoardItem], ListOf(Rec(BoardItem), MAX_ITEMS_PER_EVENT)]


@message(50, S)
@dataclass(slots=True, frozen=True)
class BoardHide:
    """Items no longer shown (an undo, a cleared page): ``seqs`` name them."""

    board: Annotated[str, BOARD]
    seqs: Annotated[list[int], ListOf(SEQ, MAX_ITEMS_PER_BOARD)]


@message(51, S)
@dataclass(slots=True, frozen=True)
class LiveStroke:
    """Someone is drawing: stroke ``live`` begins with these points (a late joiner gets all so far)."""

    board: Annotated[str, BOARD]
    live: Annotated[int, U32]
    author: Annotated[int, U32]
    page: Annotated[int, PAGE]
    tool: Annotated[int, Int(0, 2)]
    colour: Annotated[int, COLOUR]
    width: Annotated[int, WIDTH]
    points: Annotated[list[int], Points(MAX_POINTS_PER_STROKE)]


@message(52, S)
@dataclass(slots=True, frozen=True)
class LivePoints:
    """More points of live stroke ``live``."""

    board: Annotated[str, BOARD]
    live: Annotated[int, U32]
    points: Annotated[list[int], Points(MAX_POINTS_PER_MESSAGE)]


@message(53, S)
@dataclass(slots=True, frozen=True)
class LiveEnd:
    """Live stroke ``live`` is finished: it is now item ``seq`` (0: dropped, e.g. its author left)."""

    board: Annotated[str, BOARD]
    live: Annotated[int, U32]
    seq: Annotated[int, SEQ]


@message(54, S)
@dataclass(slots=True, frozen=True)
class PageShown:
    """The board has ``pages`` pages and shows ``page``."""

    board: Annotated[str, BOARD]
    pages: Annotated[int, Int(1, MAX_PAGES)]
    page: Annotated[int, PAGE]


@message(55, S)
@dataclass(slots=True, frozen=True)
class Pens:
    """Who holds the pen on this board besides the teachers (avatar ids)."""

    board: Annotated[str, BOARD]
    avatars: Annotated[list[int], ListOf(U32, 1500)]


@message(56, S)
@dataclass(slots=True, frozen=True)
class BoardAck:
    """My operation ``cid`` is saved (it survives a server crash) as operation ``seq``."""

    board: Annotated[str, BOARD]
    cid: Annotated[int, CID]
    seq: Annotated[int, SEQ]
