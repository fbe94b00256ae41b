"""What to tell the user about a refusal or an error, as a catalogue key (never a traceback)."""

from __future__ import annotations

from cybercollege.client.network import ConnectionRefused
from cybercollege.protocol import CloseCode, ErrorCode

_BY_CODE: dict[int, str] = {
    ErrorCode.TOKEN_INVALID: "err_token",
    ErrorCode.TOKEN_EXPIRED: "err_token",
    ErrorCode.NOT_AUTHENTICATED: "err_token",
    ErrorCode.VERSION_UNSUPPORTED: "err_version",
    ErrorCode.ROOM_FULL: "err_full",
    ErrorCode.ACCESS_DENIED: "err_denied",
    ErrorCode.DOOR_TOO_FAR: "err_door_far",
    ErrorCode.UNKNOWN_DOOR: "err_door_far",
    ErrorCode.RATE_LIMITED: "err_rate",
    ErrorCode.CHAT_FORBIDDEN: "err_chat_forbidden",
    ErrorCode.MUTED: "err_muted",
    ErrorCode.SHUTTING_DOWN: "err_closing",
    ErrorCode.RESUME_FAILED: "err_resumed_afresh",  # back in, at my saved place (a new session)
    ErrorCode.ACCOUNT_DISABLED: "err_disabled",
    ErrorCode.WRONG_COLLEGE: "err_other_college",
    # whiteboard refusals (protocol.errors.ErrorCode 100-111, docs/whiteboard.md §3)
    101: "err_board_denied",
    102: "err_board_busy",
    104: "err_board_full",
    105: "err_board_full",
    110: "err_board_loading",
    **{code: "err_board_other" for code in (100, 103, 106, 107, 108, 109, 111)},
    # answer layers and breakouts (protocol.errors.ErrorCode 144-148, docs/classroom.md §3)
    145: "err_question_closed",
    146: "err_layer_full",
    **{code: "err_board_other" for code in (144, 147, 148)},
}
_BY_CLOSE: dict[int, str] = {
    CloseCode.UNAUTHORIZED: "err_token",
    CloseCode.LOGGED_OUT: "err_token",
    CloseCode.VERSION_UNSUPPORTED: "err_version",
    CloseCode.REMOVED: "err_removed",
    CloseCode.REPLACED: "err_replaced",
    CloseCode.GOING_AWAY: "err_closing",
    CloseCode.SESSION_EXPIRED: "err_token",
    CloseCode.ACCOUNT_DISABLED: "err_disabled",
}
# After these, retrying with the same token is pointless: go back to the login screen.
NEEDS_LOGIN = {"err_token", "err_removed", "err_replaced", "err_version", "err_disabled", "err_other_college"}


def message_key(code: int | None) -> str:
    """The catalogue key for a protocol ErrorCode."""
    return _BY_CODE.get(code, "err_generic") if code is not None else "err_generic"


def refusal_key(exc: BaseException) -> str:
    """The catalogue key explaining why we could not connect (or lost the connection)."""
    if isinstance(exc, ConnectionRefused):
        if exc.code is not None:
            return message_key(exc.code)
        if exc.close_code in _BY_CLOSE:
            return _BY_CLOSE[exc.close_code]
        if exc.close_code is None and str(exc).startswith("serveur injoignable"):
            return "err_unreachable"
        return "err_lost"
    if isinstance(exc, OSError | TimeoutError):
        return "err_unreachable"
    return "err_generic"


def close_key(close_code: int | None) -> str:
    """The catalogue key for a connection the server closed."""
    return _BY_CLOSE.get(close_code, "err_lost") if close_code is not None else "err_lost"
