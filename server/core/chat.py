"""Chat rules. Pupils are minors: no private messages between a pupil and a guest."""

from __future__ import annotations

from cybercollege.server.core.identity import Identity, Role


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
