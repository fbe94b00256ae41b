"""Breakout groups: the teacher splits the class into groups, each with its own board, for a set time.

A group's board (``<board>:groupe-<n>``, the size of the room's first board, with the slide of the page
shown copied on its first page) is seen and drawn on by the group's pupils (they all hold its pen) and
by the room's teachers, who see every group's board and may join one. The teacher recalls everyone,
or the timer does; the group boards then stay for the teachers (to export) until the next breakout.
They are kept in memory only. Also here: "call the class to the board". See docs/classroom.md §4.
"""

from __future__ import annotations

import dataclasses
import random
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cybercollege.protocol import ErrorCode, encode
from cybercollege.protocol.classroom import (
    MAX_GROUP_MEMBERS,
    Breakout,
    BreakoutJoin,
    BreakoutRecall,
    BreakoutStart,
    CalledToBoard,
    CallToBoard,
    Group,
)
from cybercollege.server.classroom.whiteboard import rules
from cybercollege.server.classroom.whiteboard.board import BACKGROUND, Op
from cybercollege.server.classroom.whiteboard.host import BoardHost, BoardRefused
from cybercollege.server.classroom.whiteboard.journal import Journal

if TYPE_CHECKING:
    from cybercollege.server.classroom.rooms import Classroom
    from cybercollege.server.core.avatar import Avatar


BREAKOUT_MESSAGES = (BreakoutStart, BreakoutJoin, BreakoutRecall, CallToBoard)
"""The messages :meth:`Breakouts.handlers` takes (the classroom feature routes them to the avatar's classroom)."""


class Audience(Mapping[int, "Avatar"]):
    """The room's members who see one group's board: the group's pupils present, and the teachers."""

    def __init__(self, members: Mapping[int, Avatar], pupils: set[int]) -> None:
        self.members = members
        self.pupils = pupils

    def sees(self, a: Avatar) -> bool:
        return a.id in self.pupils or rules.is_teacher(a.identity)

    def __getitem__(self, key: int) -> Avatar:
        a = self.members[key]
        if not self.sees(a):
            raise KeyError(key)
        return a

    def __iter__(self) -> Iterator[int]:
        return (k for k, a in self.members.items() if self.sees(a))

    def __len__(self) -> int:
        return sum(1 for _ in self)


@dataclass
class GroupBoard:
    number: int
    host: BoardHost
    audience: Audience
    pupils: list[int]
    teachers: set[int] = dataclasses.field(default_factory=set)


class Breakouts:
    """The room's breakout (one at a time) and its group boards."""

    def __init__(self, room: Classroom) -> None:
        self.room = room
        self.id = 0
        self.active = False
        self.ends = 0.0
        self.groups: list[GroupBoard] = []
        self.hosts: dict[str, GroupBoard] = {}

    def handlers(self) -> dict[type, Any]:
        return {BreakoutStart: self.start, BreakoutJoin: self.join, BreakoutRecall: self.recall,
                CallToBoard: self.call_to_board}  # fmt: skip

    # --- teacher ---------------------------------------------------------------------------------

    def start(self, a: Avatar, m: BreakoutStart) -> None:
        self._need_teacher(a)
        split = self._explicit(m.groups) if m.groups else self._random(m.count)
        self.id += 1
        self.active, self.ends = True, time.monotonic() + m.seconds
        self.groups = [self._group(n, pupils, a) for n, pupils in enumerate(split, 1)]
        self.hosts = {g.host.id: g for g in self.groups}
        self._announce()
        for g in self.groups:
            sessions = [p.session for p in g.audience.values() if p.session is not None]
            for event in g.host.sync_events():
                self.room.outbox.send_all(sessions, event)

    def join(self, a: Avatar, m: BreakoutJoin) -> None:
        self._need_teacher(a)
        if not self.active or m.group > len(self.groups):
            raise BoardRefused(ErrorCode.NO_BREAKOUT, f"pas de groupe {m.group} en cours")
        for g in self.groups:
            g.teachers.discard(a.id)
        if m.group:
            self.groups[m.group - 1].teachers.add(a.id)
        self._announce()

    def recall(self, a: Avatar, m: BreakoutRecall) -> None:
        self._need_teacher(a)
        if not self.active:
            raise BoardRefused(ErrorCode.NO_BREAKOUT, "pas de travail en groupes en cours")
        self.end()

    def call_to_board(self, a: Avatar, m: CallToBoard) -> None:
        """Every client turns its view to face ``m.board`` (the client knows where it is)."""
        self._need_teacher(a)
        if m.board not in self.room.boards:
            raise BoardRefused(ErrorCode.UNKNOWN_BOARD, f"pas de tableau {m.board!r} ici")
        self.room.tell(encode(CalledToBoard(m.board, a.id)))

    # --- time and endings ------------------------------------------------------------------------

    def tick(self, now: float) -> None:
        if self.active and now >= self.ends:
            self.end()

    def end(self) -> None:
        """Everyone back: pupils lose their group's board, the teachers keep them all."""
        self.active = False
        for g in self.groups:
            g.audience.pupils.clear()
            g.teachers.clear()
            g.host.pens.clear()
            for author in [s.author for s in g.host.live.values() if not rules.is_teacher(s.author.identity)]:
                g.host.drop_live(author)
        self._announce()

    # --- who sees what ---------------------------------------------------------------------------

    def visible(self, a: Avatar) -> list[BoardHost]:
        return [g.host for g in self.groups if g.audience.sees(a)]

    def joined(self, a: Avatar) -> None:
        if self.id and a.session is not None:
            events = [encode(self.message())]
            for host in self.visible(a):
                events += host.sync_events()
            self.room.outbox.send(a.session, *events)

    def message(self) -> Breakout:
        remaining = max(0, round((self.ends - time.monotonic()) * 1000)) if self.active else 0
        groups = [Group(g.number, g.host.id, list(g.pupils), sorted(g.teachers)) for g in self.groups]
        return Breakout(self.id, self.active, remaining, groups)

    def _announce(self) -> None:
        self.room.tell(encode(self.message()))

    # --- building groups -------------------------------------------------------------------------

    def _pupils(self) -> list[Avatar]:
        return [m for m in self.room.members.values() if not rules.is_teacher(m.identity)]

    def _explicit(self, groups: list[list[int]]) -> list[list[int]]:
        present = {m.id for m in self._pupils()}
        listed = [aid for g in groups for aid in g]
        if not all(groups) or len(listed) != len(set(listed)) or not set(listed) <= present:
            raise BoardRefused(ErrorCode.BAD_GROUPS, "groupes non vides, d'élèves présents, chacun dans un seul groupe")
        return [list(g) for g in groups]

    def _random(self, count: int) -> list[list[int]]:
        pupils = [m.id for m in self._pupils()]
        if not 1 <= count <= len(pupils) or len(pupils) > count * MAX_GROUP_MEMBERS:
            raise BoardRefused(ErrorCode.BAD_GROUPS, f"{count} groupes pour {len(pupils)} élèves présents "
                               f"({MAX_GROUP_MEMBERS} au plus par groupe)")  # fmt: skip
        random.shuffle(pupils)
        return [pupils[i::count] for i in range(count)]

    def _group(self, number: int, pupils: list[int], teacher: Avatar) -> GroupBoard:
        spec = self.room.spec.whiteboards[0]
        main = self.room.boards[spec.id]
        audience = Audience(self.room.members, set(pupils))
        host = BoardHost(dataclasses.replace(spec, id=f"{spec.id[:50]}:groupe-{number}"), audience, Journal(None),
                         self.room.outbox)  # fmt: skip
        host.pens = {self.room.members[p].identity.user_id for p in pupils}
        slide = main.board.backgrounds.get(main.board.page)
        if slide is not None:
            host.board.apply(Op(1, teacher.identity.user_id, BACKGROUND, [0, *slide]))
        return GroupBoard(number, host, audience, pupils)

    def _need_teacher(self, a: Avatar) -> None:
        if not self.room.teaches(a.identity):
            raise BoardRefused(ErrorCode.ACCESS_DENIED, "réservé aux enseignants de la salle")
