"""Invitations as a holder of personal data (server/persistence/personal.py): a teacher's export lists the
invitations she made, a guest's the one she came with. An erasure keeps them: an invitation is the school's record
of who let a partner class in (docs/adr/0008), and goes a day after it ends."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from cybercollege.server.guests.invitation import Invitation, InvitationBook


def _iso(stamp: float) -> str:
    return datetime.fromtimestamp(stamp, UTC).isoformat()


class InvitationsData:
    """The invitations of the book (those loaded at start and made since), by their teacher or one of their guests."""

    name = "invitations"
    kept = "until a day after they end (kept by an erasure: the school's record of who invited whom)"

    def __init__(self, book: InvitationBook) -> None:
        self.book = book

    async def export(self, user_id: str) -> list[dict[str, Any]]:
        return [_plain(i, user_id) for i in self.book.by_id.values() if user_id == i.teacher or user_id in i.guests]

    async def forget(self, user_id: str) -> int:
        return 0


def _plain(invitation: Invitation, user_id: str) -> dict[str, Any]:
    return {
        "id": invitation.id,
        "as": "teacher" if user_id == invitation.teacher else "guest",
        "room_id": invitation.room,
        "partner_school": invitation.partner_school,
        "classes": list(invitation.classes),
        "valid_from": _iso(invitation.valid_from),
        "valid_until": _iso(invitation.valid_until),
        "revoked": invitation.revoked,
    }
