"""Sessions: ENT single-logout keys and refresh token rotation."""

from __future__ import annotations

from server.ent.sessions import SessionRegistry
from server.identity import Identity, Role

PUPIL = Identity("ent:1", "Léa M.", Role.PUPIL, "ent")


def test_ent_session_key_finds_the_session():
    registry = SessionRegistry()
    session = registry.start(PUPIL, ent_session="ST-42")
    assert registry.sid_for_ent_session("ST-42") == session.sid
    assert registry.end(session.sid) is session
    assert registry.sid_for_ent_session("ST-42") is None
    assert registry.end(session.sid) is None


def test_refresh_tokens_rotate_and_reuse_is_detected():
    registry = SessionRegistry()
    session = registry.start(PUPIL)
    first = registry.new_refresh_token(session.sid)
    assert registry.redeem_refresh_token(first) == (session, False)
    second = registry.new_refresh_token(session.sid)
    assert registry.redeem_refresh_token(first) == (session, True)
    assert registry.redeem_refresh_token(second) == (session, False)
    assert registry.redeem_refresh_token("unknown") == (None, False)


def test_sessions_expire():
    now = [0.0]
    registry = SessionRegistry(lifetime=100, clock=lambda: now[0])
    session = registry.start(PUPIL)
    token = registry.new_refresh_token(session.sid)
    now[0] = 101
    assert registry.get(session.sid) is None
    assert registry.redeem_refresh_token(token) == (None, False)
