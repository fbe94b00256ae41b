"""Messages of the guest lobby: teachers see who waits and admit or dismiss them (type codes 96..111)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from cybercollege.protocol.fields import ListOf, Rec, Str
from cybercollege.protocol.messages import IDENT, NAME, U32, Direction, message, record

C = Direction.TO_SERVER
S = Direction.TO_CLIENT


@record
@dataclass(slots=True, frozen=True)
class Guest:
    """A guest waiting in the lobby."""

    id: Annotated[int, U32]
    name: Annotated[str, NAME]
    invitation: Annotated[str, IDENT]
    school: Annotated[str, Str(120)]


@message(96, C)
@dataclass(slots=True, frozen=True)
class Admit:
    """Teacher: let these waiting guests in (an empty list: every guest I may admit)."""

    ids: Annotated[list[int], ListOf(U32, 100)]


@message(97, C)
@dataclass(slots=True, frozen=True)
class Dismiss:
    """Teacher: send a guest away (closed with 4012)."""

    id: Annotated[int, U32]


@message(98, S)
@dataclass(slots=True, frozen=True)
class Lobby:
    """To teachers: the guests now waiting for them (the full list, each time it changes)."""

    waiting: Annotated[list[Guest], ListOf(Rec(Guest), 200)]
