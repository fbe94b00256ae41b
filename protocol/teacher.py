"""The teacher's tools in a room, and the pupils' side of them (type codes 112..143).

Hands (a queue), muting chat, freezing the class, locking the room, sending someone out, the spotlight,
polls and quizzes. The server enforces who may do what; every refusal is an ``ERROR ACCESS_DENIED``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from cybercollege.protocol.fields import Bool, Int, ListOf, Opt, Rec, Str
from cybercollege.protocol.messages import TEXT, U32, Direction, _printable, message, record

C = Direction.TO_SERVER
S = Direction.TO_CLIENT

OPTION = Str(80, 1, _printable, "printable")
MAX_OPTIONS = 8


@message(112, C)
@dataclass(slots=True, frozen=True)
class Hand:
    """Raise (``up`` true) or lower my hand; a teacher lowers someone else's with ``who``."""

    up: Annotated[bool, Bool()]
    who: Annotated[int | None, Opt(U32)] = None


@message(113, C)
@dataclass(slots=True, frozen=True)
class Mute:
    """Teacher: mute (``on``) or unmute one member's chat (``who``), or everyone's (``who`` nil)."""

    on: Annotated[bool, Bool()]
    who: Annotated[int | None, Opt(U32)] = None


@message(114, C)
@dataclass(slots=True, frozen=True)
class Freeze:
    """Teacher: freeze the class (pupils' chat muted and movement locked) or release it."""

    on: Annotated[bool, Bool()]


@message(115, C)
@dataclass(slots=True, frozen=True)
class Lock:
    """Teacher: lock the room (nobody else may enter) or unlock it."""

    on: Annotated[bool, Bool()]


@message(116, C)
@dataclass(slots=True, frozen=True)
class SendOut:
    """Teacher: send a member out of the room — pupils to the entrance hall, guests back to the lobby."""

    who: Annotated[int, U32]


@message(117, C)
@dataclass(slots=True, frozen=True)
class Spotlight:
    """Teacher: put a member in the spotlight (every client shows them), or nobody (nil)."""

    who: Annotated[int | None, Opt(U32)] = None


@message(118, C)
@dataclass(slots=True, frozen=True)
class PollOpen:
    """Teacher: ask a question with 2 to 8 options; ``correct`` makes it a quiz (revealed on close)."""

    question: Annotated[str, TEXT]
    options: Annotated[list[str], ListOf(OPTION, MAX_OPTIONS)]
    multiple: Annotated[bool, Bool()] = False
    anonymous: Annotated[bool, Bool()] = True
    correct: Annotated[list[int], ListOf(Int(0, MAX_OPTIONS - 1), MAX_OPTIONS)] = field(default_factory=list)


@message(119, C)
@dataclass(slots=True, frozen=True)
class Vote:
    """Pupil: my answer to poll ``poll`` (option indexes; one unless the poll allows several)."""

    poll: Annotated[int, U32]
    choices: Annotated[list[int], ListOf(Int(0, MAX_OPTIONS - 1), MAX_OPTIONS)]


@message(120, C)
@dataclass(slots=True, frozen=True)
class PollClose:
    """Teacher: close poll ``poll``; final results go to everyone."""

    poll: Annotated[int, U32]


@message(121, C)
@dataclass(slots=True, frozen=True)
class PollShow:
    """Teacher: write poll ``poll``'s results (and a quiz's right answers, once closed) on the room's board."""

    poll: Annotated[int, U32]


@record
@dataclass(slots=True, frozen=True)
class Voter:
    id: Annotated[int, U32]
    choices: Annotated[list[int], ListOf(Int(0, MAX_OPTIONS - 1), MAX_OPTIONS)]


@message(128, S)
@dataclass(slots=True, frozen=True)
class RoomState:
    """The room's teacher-controlled state, sent on entering and whenever it changes."""

    hands: Annotated[list[int], ListOf(U32, 500)]
    """Raised hands, first raised first."""
    muted: Annotated[list[int], ListOf(U32, 500)]
    muted_all: Annotated[bool, Bool()]
    frozen: Annotated[bool, Bool()]
    locked: Annotated[bool, Bool()]
    spotlight: Annotated[int | None, Opt(U32)] = None


@message(129, S)
@dataclass(slots=True, frozen=True)
class Poll:
    """A poll of this room: opened, updated (live counts) or closed (``open`` false; quiz answers shown)."""

    id: Annotated[int, U32]
    question: Annotated[str, TEXT]
    options: Annotated[list[str], ListOf(OPTION, MAX_OPTIONS)]
    multiple: Annotated[bool, Bool()]
    anonymous: Annotated[bool, Bool()]
    open: Annotated[bool, Bool()]
    counts: Annotated[list[int], ListOf(Int(0, 100_000), MAX_OPTIONS)]
    voters: Annotated[int, Int(0, 100_000)]
    correct: Annotated[list[int], ListOf(Int(0, MAX_OPTIONS - 1), MAX_OPTIONS)]
    """Empty while open, or if it is not a quiz."""
    by_voter: Annotated[list[Voter], ListOf(Rec(Voter), 500)]
    """Who answered what: only to teachers, and only if the poll is not anonymous."""
