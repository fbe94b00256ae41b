"""The classroom's teacher tools around the whiteboard, type codes 144..175 (see docs/classroom.md).

Slide backgrounds of board pages, private answer layers (a question, each pupil answers on a hidden
layer, the teacher reveals), breakout groups with their own boards and a timer, and "call the class to
the board". Slides and exports are HTTP (server/classroom/slides.py, server/classroom/export.py); these are
the live parts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from cybercollege.protocol.fields import Bool, Int, ListOf, Opt, Rec, Str
from cybercollege.protocol.messages import TEXT, U32, Direction, message, record
from cybercollege.protocol.whiteboard import BOARD, COLOUR, PAGE, WIDTH, BoardItem, Points

C = Direction.TO_SERVER
S = Direction.TO_CLIENT

MAX_ANSWER_POINTS = 1024
"""Points in one ANSWER_ITEM (a whole stroke at once)."""
MAX_LAYER_ITEMS = 100
"""Items on one pupil's answer layer."""
MAX_LAYER_POINTS = 8000
"""Points on one pupil's answer layer, all items together."""
MAX_GROUPS = 12
MAX_GROUP_MEMBERS = 40
MIN_BREAKOUT_S = 30
MAX_BREAKOUT_S = 4 * 3600
SHA256 = Str(64, 0, lambda s: all(c in "0123456789abcdef" for c in s), "lowercase hex sha256, or empty")


# --- records ----------------------------------------------------------------------------------------


@record
@dataclass(slots=True, frozen=True)
class Group:
    """A breakout group: its number (1..), its board, its pupils, and the teachers who joined it."""

    number: Annotated[int, Int(1, MAX_GROUPS)]
    board: Annotated[str, BOARD]
    members: Annotated[list[int], ListOf(U32, MAX_GROUP_MEMBERS)]
    teachers: Annotated[list[int], ListOf(U32, 50)]


# --- client -> server -------------------------------------------------------------------------------


@message(144, C)
@dataclass(slots=True, frozen=True)
class AskQuestion:
    """Teacher: ask a question about ``page`` of ``board``; each pupil answers on a private layer.

    A new question replaces the previous one (and its layers)."""

    board: Annotated[str, BOARD]
    page: Annotated[int, PAGE]
    text: Annotated[str, TEXT]


@message(145, C)
@dataclass(slots=True, frozen=True)
class AnswerItem:
    """Pupil: add a stroke, shape or text (as in BoardItem) to my answer layer of ``question``."""

    question: Annotated[int, U32]
    kind: Annotated[int, Int(0, 2)]
    style: Annotated[int, Int(0, 3)]
    colour: Annotated[int, COLOUR]
    width: Annotated[int, WIDTH]
    points: Annotated[list[int], Points(MAX_ANSWER_POINTS)]
    text: Annotated[str, Str(500, 0, str.isprintable, "printable")] = ""


@message(146, C)
@dataclass(slots=True, frozen=True)
class AnswerUndo:
    """Pupil: remove the latest item of my answer layer."""

    question: Annotated[int, U32]


@message(147, C)
@dataclass(slots=True, frozen=True)
class RevealAnswer:
    """Teacher: show (``shown``) or hide one pupil's layer (``author``) or all of them (nil) to the class."""

    question: Annotated[int, U32]
    author: Annotated[int | None, Opt(U32)] = None
    shown: Annotated[bool, Bool()] = True


@message(148, C)
@dataclass(slots=True, frozen=True)
class CloseQuestion:
    """Teacher: no more answers (layers stay, and may still be revealed)."""

    question: Annotated[int, U32]


@message(149, C)
@dataclass(slots=True, frozen=True)
class BreakoutStart:
    """Teacher: split the class into groups for ``seconds``: explicit ``groups`` (avatar ids), or,
    if empty, ``count`` random groups of the pupils present. Each group gets its own board."""

    seconds: Annotated[int, Int(MIN_BREAKOUT_S, MAX_BREAKOUT_S)]
    groups: Annotated[list[list[int]], ListOf(ListOf(U32, MAX_GROUP_MEMBERS), MAX_GROUPS)] = field(default_factory=list)
    count: Annotated[int, Int(0, MAX_GROUPS)] = 0


@message(150, C)
@dataclass(slots=True, frozen=True)
class BreakoutJoin:
    """Teacher: join group ``group`` (its board is the one to show me), or leave it (0)."""

    group: Annotated[int, Int(0, MAX_GROUPS)]


@message(151, C)
@dataclass(slots=True, frozen=True)
class BreakoutRecall:
    """Teacher: end the breakout now, everyone back to the room's board."""


@message(152, C)
@dataclass(slots=True, frozen=True)
class CallToBoard:
    """Teacher: call the class to ``board`` (every client turns its view to face it)."""

    board: Annotated[str, BOARD]


# --- server -> client (events inside a FRAME) ------------------------------------------------------


@message(160, S)
@dataclass(slots=True, frozen=True)
class Question:
    """The room's question: asked, closed (``open`` false), or with other layers revealed."""

    id: Annotated[int, U32]
    board: Annotated[str, BOARD]
    page: Annotated[int, PAGE]
    text: Annotated[str, TEXT]
    open: Annotated[bool, Bool()]
    revealed: Annotated[list[int], ListOf(U32, 1500)]
    """Authors whose layer everyone sees."""


@message(161, S)
@dataclass(slots=True, frozen=True)
class AnswerLayer:
    """The whole answer layer of ``author`` (replaces the previous one). Sent to its author and the
    teachers, and to everyone while it is revealed (then ``revealed`` is true)."""

    question: Annotated[int, U32]
    author: Annotated[int, U32]
    items: Annotated[list[BoardItem], ListOf(Rec(BoardItem), MAX_LAYER_ITEMS)]
    revealed: Annotated[bool, Bool()]


@message(162, S)
@dataclass(slots=True, frozen=True)
class Breakout:
    """The room's breakout: running (``active``) with ``remaining_ms`` left, or ended (groups kept for
    the teachers until the next one). Everyone gets the groups; only a group's members and the
    teachers get its board."""

    id: Annotated[int, U32]
    active: Annotated[bool, Bool()]
    remaining_ms: Annotated[int, Int(0, MAX_BREAKOUT_S * 1000)]
    groups: Annotated[list[Group], ListOf(Rec(Group), MAX_GROUPS)]


@message(163, S)
@dataclass(slots=True, frozen=True)
class CalledToBoard:
    """A teacher (``by``) calls the class to ``board``: turn the view (and avatar) to face it."""

    board: Annotated[str, BOARD]
    by: Annotated[int, U32]


@message(164, S)
@dataclass(slots=True, frozen=True)
class PageBackground:
    """Page ``page`` of ``board`` shows image ``sha256`` (GET /slides/<sha256>, ``width`` x ``height``
    pixels) fitted inside the page, centred, aspect kept; ``sha256`` empty: no background."""

    board: Annotated[str, BOARD]
    page: Annotated[int, PAGE]
    sha256: Annotated[str, SHA256]
    width: Annotated[int, Int(0, 65535)]
    height: Annotated[int, Int(0, 65535)]
