"""Stable error codes and close codes, and the protocol's one exception type."""

from __future__ import annotations

from enum import IntEnum


class ErrorCode(IntEnum):
    """Codes carried by an ``ERROR`` message. Stable: never renumber, only add."""

    MALFORMED = 1
    UNKNOWN_TYPE = 2
    INVALID_FIELD = 3
    FRAME_TOO_LARGE = 4
    RATE_LIMITED = 5
    NOT_AUTHENTICATED = 6
    TOKEN_INVALID = 7
    TOKEN_EXPIRED = 8
    VERSION_UNSUPPORTED = 9
    UNEXPECTED_MESSAGE = 10
    IMPOSSIBLE_MOVE = 11
    UNKNOWN_DOOR = 12
    DOOR_TOO_FAR = 13
    ACCESS_DENIED = 14
    ROOM_FULL = 15
    UNKNOWN_AVATAR = 16
    CHAT_FORBIDDEN = 17
    MUTED = 18
    RESUME_FAILED = 19
    SHUTTING_DOWN = 20
    INTERNAL = 21
    ACCOUNT_DISABLED = 22
    """The school's administrator disabled this account: no token of it is accepted."""
    WRONG_COLLEGE = 23
    """A token another collège of the platform issued: sign in at this collège's address (docs/sso.md)."""
    # the whiteboard (protocol/whiteboard.py; ERROR's ``ref`` names the refused message)
    UNKNOWN_BOARD = 100
    NOT_ALLOWED = 101
    """Your role may not do this (pupils draw only with the pen; only teachers clear and give the pen)."""
    BOARD_RATE_LIMITED = 102
    STROKE_TOO_LONG = 103
    PAGE_FULL = 104
    BOARD_FULL = 105
    BAD_PAGE = 106
    NO_STROKE = 107
    """Points or end of a stroke that was not begun (or already ended)."""
    NOTHING_TO_UNDO = 108
    NOTHING_TO_REDO = 109
    BOARD_NOT_READY = 110
    """The board is still loading from the database: retry in a moment."""
    BAD_TARGET = 111
    """Pen given to someone who is not in the room."""
    # answer layers and breakouts (protocol/classroom.py; role refusals are ACCESS_DENIED)
    NO_QUESTION = 144
    """No such question in this room (a newer one replaced it)."""
    QUESTION_CLOSED = 145
    LAYER_FULL = 146
    """``MAX_LAYER_ITEMS`` items or ``MAX_LAYER_POINTS`` points on my answer layer."""
    BAD_GROUPS = 147
    """Groups naming someone absent, a teacher, someone twice, or too many / too few groups."""
    NO_BREAKOUT = 148
    """No breakout running (or no such group)."""


class CloseCode(IntEnum):
    """WebSocket close codes the server uses (RFC 6455 codes and our 4xxx range)."""

    NORMAL = 1000
    GOING_AWAY = 1001
    MESSAGE_TOO_BIG = 1009
    INTERNAL_ERROR = 1011
    PROTOCOL_ERROR = 4000
    UNAUTHORIZED = 4001
    VERSION_UNSUPPORTED = 4002
    HANDSHAKE_TIMEOUT = 4003
    TOO_SLOW = 4008
    FLOOD = 4009
    REPLACED = 4010
    LOGGED_OUT = 4011
    REMOVED = 4012
    SESSION_EXPIRED = 4013
    """« session expirée »: the connection's token expired and no REAUTH brought a fresh one."""
    ACCOUNT_DISABLED = 4014
    """« compte désactivé »: the school's administrator disabled the account."""


class ProtocolError(Exception):
    """The only exception the protocol package raises on bad input.

    ``code`` is the :class:`ErrorCode` to report; ``ref`` the type code of the offending message, if known.
    """

    def __init__(self, code: ErrorCode, message: str, ref: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.ref = ref

    def __repr__(self) -> str:
        return f"ProtocolError({self.code.name}, {self.message!r}, ref={self.ref})"
