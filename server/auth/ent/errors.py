"""Errors of the login flows: a stable code for logs and tests, and a French message for the user."""

from __future__ import annotations

import re

UNAVAILABLE = "L'ENT ne répond pas ou a répondu de façon incompréhensible. Réessayez dans quelques minutes."


class LoginError(Exception):
    """A login was refused or failed. ``message`` is shown to the user (French); ``code`` is logged."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


class EntUnavailable(LoginError):
    """The ENT could not be reached, was too slow, or answered something unusable."""

    def __init__(self, code: str, message: str = UNAVAILABLE) -> None:
        super().__init__(code, message, status=502)


def code_part(value: str) -> str:
    """A foreign error name made safe for our log codes (no spaces, no newlines, at most 40 chars)."""
    return re.sub(r"[^a-z0-9_]", "", value.lower())[:40] or "unknown"
