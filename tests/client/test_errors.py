from cybercollege.client import errors
from cybercollege.client.network import ConnectionRefused
from cybercollege.protocol import CloseCode, ErrorCode


def test_refusals_become_clear_messages():
    assert errors.refusal_key(ConnectionRefused("serveur injoignable : refused")) == "err_unreachable"
    assert errors.refusal_key(ConnectionRefused("x", ErrorCode.TOKEN_EXPIRED, 4001)) == "err_token"
    assert errors.refusal_key(ConnectionRefused("x", ErrorCode.VERSION_UNSUPPORTED, 4002)) == "err_version"
    assert errors.refusal_key(ConnectionRefused("x", ErrorCode.ROOM_FULL, 1008)) == "err_full"
    assert errors.refusal_key(ConnectionRefused("closed", close_code=CloseCode.REMOVED)) == "err_removed"
    assert errors.refusal_key(OSError("boom")) == "err_unreachable"
    assert errors.refusal_key(ValueError("boom")) == "err_generic"


def test_in_world_errors_and_closes():
    assert errors.message_key(ErrorCode.ACCESS_DENIED) == "err_denied"
    assert errors.message_key(9999) == "err_generic"
    assert errors.close_key(CloseCode.REMOVED) == "err_removed"
    assert errors.close_key(None) == "err_lost"
    assert "err_removed" in errors.NEEDS_LOGIN


def test_an_expired_session_or_a_disabled_account_sends_back_to_the_login_screen():
    assert errors.close_key(CloseCode.SESSION_EXPIRED) == "err_token"
    assert errors.close_key(CloseCode.ACCOUNT_DISABLED) == "err_disabled"
    assert errors.refusal_key(ConnectionRefused("x", ErrorCode.ACCOUNT_DISABLED, 4001)) == "err_disabled"
    assert {"err_token", "err_disabled"} <= errors.NEEDS_LOGIN


def test_a_session_of_another_college_sends_back_to_the_login_screen():
    refused = ConnectionRefused("x", ErrorCode.WRONG_COLLEGE, CloseCode.UNAUTHORIZED)
    assert errors.refusal_key(refused) == "err_other_college" and "err_other_college" in errors.NEEDS_LOGIN
