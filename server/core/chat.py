"""Chat rules. Pupils are minors: no private messages between a pupil and a guest.

A line is shown only once it is durable (docs/persistence.md, "Chat: durable before visible"): the world
hands it to a :class:`ChatLog` with what showing it means, and the log runs that once the line is written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from cybercollege.server.core.identity import Identity, Role
from cybercollege.server.persistence.records import ChatRecord

BACKLOG_FULL = "le chat ne peut pas être enregistré pour l'instant : message non envoyé, réessayez dans un moment"
"""Said to a sender whose line the log refused (too many lines wait for the database)."""


class ChatLog(Protocol):
    """Where chat lines are written before anyone sees them (``server/persistence/chatlog.py``)."""

    def add(self, record: ChatRecord, show: Callable[[], None]) -> bool:
        """Queue ``record``; ``show`` runs once it is written. False: refused, nothing queued."""
        ...


def whisper_refusal(sender: Identity, recipient: Identity) -> str | None:
    """Why ``sender`` may not message ``recipient`` privately, or None if allowed."""
    roles = {sender.role, recipient.role}
    if roles == {Role.PUPIL, Role.GUEST}:
        return "les messages privés entre élèves et invités sont interdits"
    if sender.user_id == recipient.user_id:
        return "on ne peut pas s'écrire à soi-même"
    return None


def clean(text: str) -> str:
    """Chat text as stored and shown: trimmed; the protocol already refused control characters."""
    return text.strip()
