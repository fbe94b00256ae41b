"""The rooms' attendance (in memory, per room) as a holder of personal data: a user's stays, for her export and
her erasure (server/persistence/personal.py)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from cybercollege.server.classroom.control import RoomControl


def _iso(stamp: float | None) -> str | None:
    return None if stamp is None else datetime.fromtimestamp(stamp, UTC).isoformat()


class AttendanceData:
    """Who was in which room when (``RoomControl.attendance``), until the server stops."""

    name = "attendance"
    kept = "in memory, until the server stops (2,000 stays per room)"

    def __init__(self, controls: Mapping[str, RoomControl]) -> None:
        self.controls = controls

    async def export(self, user_id: str) -> list[dict[str, Any]]:
        return [
            {"room_id": room, "name": stay.name, "role": stay.role, "arrived": _iso(stay.arrived),
             "left": _iso(stay.left)}
            for room, control in self.controls.items()
            for stay in control.attendance
            if stay.user_id == user_id
        ]  # fmt: skip

    async def forget(self, user_id: str) -> int:
        erased = 0
        for control in self.controls.values():
            kept = [stay for stay in control.attendance if stay.user_id != user_id]
            erased += len(control.attendance) - len(kept)
            control.attendance[:] = kept
        return erased

    def names(self) -> dict[str, str]:
        """The names in the attendance, by user id (to find a person who is not connected)."""
        return {stay.user_id: stay.name for control in self.controls.values() for stay in control.attendance}
