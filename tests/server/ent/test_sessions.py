"""Sessions: ENT single-logout keys and refresh token rotation."""

from __future__ import annotations

from cybercollege.server.auth.ent.sessions import SessionRegistry, ent_session_key, subject_key
from cybercollege.server.core.identity import Identity, Role

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


def test_one_ent_session_or_subject_may_name_several_sessions():
    registry = SessionRegistry()
    key, who = ent_session_key("oidc", "ent", "op-1"), subject_key("ent", "sub-1")
    first, second = registry.start(PUPIL, key, who), registry.start(PUPIL, key, who)
    alone = registry.start(PUPIL, None, who)
    assert registry.sids_for_ent_session(key) == sorted([first.sid, second.sid])
    assert registry.sids_for_subject(who) == sorted([first.sid, second.sid, alone.sid])
    assert registry.sids_for_subject(subject_key("other-ent", "sub-1")) == []
    registry.end(first.sid)
    assert registry.sids_for_ent_session(key) == [second.sid]
    registry.end(second.sid)
    registry.end(alone.sid)
    assert registry.sids_for_ent_session(key) == [] and registry.sids_for_subject(who) == []
    assert registry._by_ent == {} and registry._by_subject == {}  # no empty sets left behind


def test_keys_are_scoped_by_protocol_and_ent():
    assert ent_session_key("saml", "a", "n", "i") != ent_session_key("saml", "b", "n", "i")
    assert ent_session_key("oidc", "a", "x") != ent_session_key("saml", "a", "x")
    assert subject_key("a", "x") != subject_key("b", "x")
