"""What teachers control in one room (state only; the actions and their checks are in server/classroom/teacher.py)."""

from __future__ import annotations

import csv
import io
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from cybercollege.protocol.teacher import Poll, RoomState, Voter
from cybercollege.server.core.identity import Identity, Role

if TYPE_CHECKING:
    from cybercollege.server.core.avatar import Avatar

_poll_ids = itertools.count(1)


def next_poll_id() -> int:
    return next(_poll_ids)


@dataclass
class PollState:
    id: int
    question: str
    options: list[str]
    multiple: bool
    anonymous: bool
    correct: list[int]
    open: bool = True
    votes: dict[int, list[int]] = field(default_factory=dict)

    def message(self, with_voters: bool) -> Poll:
        counts = [0] * len(self.options)
        for choices in self.votes.values():
            for c in choices:
                counts[c] += 1
        voters = [Voter(v, c) for v, c in self.votes.items()] if with_voters and not self.anonymous else []
        correct = [] if self.open else self.correct
        return Poll(self.id, self.question, self.options, self.multiple, self.anonymous, self.open, counts,
                    len(self.votes), correct, voters)  # fmt: skip


REENTRY_MERGE_S = 60.0
"""Coming back within this many seconds continues the previous stay (walking out and in is not a new line)."""
MAX_STAYS = 2000
"""Stays kept per room (the oldest finished ones go first): a room's attendance cannot grow forever."""


@dataclass
class Stay:
    """One stay of one person in the room, for attendance."""

    user_id: str
    name: str
    role: str
    arrived: float
    left: float | None = None
    who: Identity | None = None
    """Who it was (for whom a teacher may see the stay: her pupils, her guests)."""


@dataclass
class RoomControl:
    """What teachers control in one room."""

    hands: list[int] = field(default_factory=list)
    muted: set[int] = field(default_factory=set)
    muted_all: bool = False
    frozen: bool = False
    locked: bool = False
    spotlight: int | None = None
    polls: dict[int, PollState] = field(default_factory=dict)
    attendance: list[Stay] = field(default_factory=list)

    def message(self) -> RoomState:
        return RoomState(list(self.hands), sorted(self.muted), self.muted_all, self.frozen, self.locked,
                         self.spotlight)  # fmt: skip

    def is_default(self) -> bool:
        return not (self.hands or self.muted or self.muted_all or self.frozen or self.locked or self.spotlight)

    def may_chat(self, a: Avatar) -> bool:
        if a.identity.role in (Role.TEACHER, Role.STAFF):
            return True
        return not (self.muted_all or self.frozen or a.id in self.muted)

    def may_move(self, a: Avatar) -> bool:
        return not self.frozen or a.identity.role in (Role.TEACHER, Role.STAFF)

    def arrived(self, a: Avatar, now: float | None = None) -> None:
        i = a.identity
        now = time.time() if now is None else now
        for stay in reversed(self.attendance):
            if stay.user_id == i.user_id:
                if stay.left is not None and now - stay.left <= REENTRY_MERGE_S:
                    stay.left = None  # back at once: the same stay goes on
                    return
                break
        self.attendance.append(Stay(i.user_id, i.display_name, i.role.value, now, who=i))
        if len(self.attendance) > MAX_STAYS:
            oldest = next((k for k, stay in enumerate(self.attendance) if stay.left is not None), 0)
            del self.attendance[oldest]

    def left(self, a: Avatar) -> None:
        for stay in reversed(self.attendance):
            if stay.user_id == a.identity.user_id and stay.left is None:
                stay.left = time.time()
                break
        if a.id in self.hands:
            self.hands.remove(a.id)
        self.muted.discard(a.id)
        if self.spotlight == a.id:
            self.spotlight = None

    def attendance_csv(
        self,
        shown: Callable[[Stay], bool] = lambda stay: True,
        words: AttendanceWords | None = None,
        zone: tzinfo | None = None,
    ) -> str:
        """The stays as CSV in ``words``' language (French by default), times in ISO 8601 with ``zone``'s offset
        (the college's; Paris by default); ``shown`` picks the rows a reader may see. Starts with a BOM: Excel
        then reads it as UTF-8."""
        words = words or attendance_words("fr")
        zone = zone or ZoneInfo("Europe/Paris")
        out = io.StringIO()
        out.write("\ufeff")
        writer = csv.writer(out, delimiter=words.delimiter, lineterminator="\r\n")
        writer.writerow(words.headers)
        for stay in filter(shown, self.attendance):
            left = stay.left or time.time()
            minutes = f"{(left - stay.arrived) / 60:.1f}".replace(".", words.decimal)
            writer.writerow([
                stay.name, words.roles.get(stay.role, stay.role), _clock(stay.arrived, zone),
                _clock(stay.left, zone) if stay.left else "", minutes,
            ])  # fmt: skip
        return out.getvalue()


@dataclass(frozen=True)
class AttendanceWords:
    """An attendance CSV's words in one language: its headers, its role names, and how its spreadsheets read
    numbers (Excel in French, German, Spanish or Italian splits columns on ``;`` and writes ``12,5``)."""

    headers: tuple[str, ...]
    roles: dict[str, str]
    delimiter: str = ";"
    decimal: str = ","


ATTENDANCE_KEYS = ("attendance.name", "attendance.role", "attendance.arrived", "attendance.left",
                   "attendance.minutes")  # fmt: skip
LOCALE_DIR = Path(__file__).resolve().parents[2] / "client" / "locale"


@cache
def attendance_words(lang: str) -> AttendanceWords:
    """The words of ``lang``'s catalogue (client/locale/), French for an unknown language or a missing key."""
    def load(code: str) -> dict[str, str]:
        path = LOCALE_DIR / f"{code}.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}

    strings = load("fr") | load(lang if lang.isalpha() else "fr")
    roles = {role.value: strings[f"role_{role.value}"] for role in Role}
    english = lang == "en"
    return AttendanceWords(tuple(strings[k] for k in ATTENDANCE_KEYS), roles, "," if english else ";",
                           "." if english else ",")  # fmt: skip


def _clock(t: float, zone: tzinfo) -> str:
    """``2026-12-02T09:05:12+01:00``: the local time of the college, with its offset from UTC."""
    return datetime.fromtimestamp(t, zone).isoformat(timespec="seconds")
