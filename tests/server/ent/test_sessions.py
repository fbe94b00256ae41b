"""Sessions: ENT single-logout keys and refresh token rotation, the same contract in memory and in Redis."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis.asyncio as redis

from cybercollege.server.auth.ent.redis_sessions import RedisSessions
from cybercollege.server.auth.ent.session_store import create
from cybercollege.server.auth.ent.sessions import (
    LocalSessions,
    SessionStore,
    SessionsUnavailable,
    ent_session_key,
    subject_key,
)
from cybercollege.server.core.identity import Identity, Role
from tests.server.redis_server import private_redis

PUPIL = Identity("ent:1", "Léa M.", Role.PUPIL, "ent", school_uai="0699990Z", classes=("0699990Z$4A",))
REDIS_URL = "redis://127.0.0.1:6379/12"  # not the presence (15) nor the revocations' (13) database


@pytest.fixture(params=["local", pytest.param("redis", marks=pytest.mark.redis)])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[SessionStore]:
    if request.param == "local":
        yield LocalSessions()
        return
    namespace = "test-" + secrets.token_hex(4)  # a collège of its own: nothing else's keys, nothing to flush
    sessions = RedisSessions(REDIS_URL, namespace)
    try:
        yield sessions
    finally:
        client = redis.from_url(REDIS_URL)
        keys = [key async for key in client.scan_iter(match=f"cybercollege:ent:{namespace}:*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()
        await sessions.close()


async def test_ent_session_key_finds_the_session(store: SessionStore) -> None:
    session = await store.start(PUPIL, ent_session="ST-42")
    assert await store.sids_for_ent_session("ST-42") == [session.sid]
    assert (await store.get(session.sid)) == session  # identity, expiry and keys as they were stored
    ended = await store.end(session.sid)
    assert ended is not None and ended.sid == session.sid and ended.identity == PUPIL
    assert await store.sids_for_ent_session("ST-42") == []
    assert await store.get(session.sid) is None
    assert await store.end(session.sid) is None


async def test_refresh_tokens_rotate_and_reuse_is_detected(store: SessionStore) -> None:
    session = await store.start(PUPIL)
    first = await store.new_refresh_token(session.sid)
    assert first is not None
    found, reused = await store.redeem_refresh_token(first)
    assert found is not None and found.sid == session.sid and not reused
    second = await store.new_refresh_token(session.sid, previous=first)
    assert second is not None
    found, reused = await store.redeem_refresh_token(first)
    assert found is not None and found.sid == session.sid and reused
    found, reused = await store.redeem_refresh_token(second)
    assert found is not None and not reused
    assert await store.redeem_refresh_token("unknown") == (None, False)
    assert await store.new_refresh_token(session.sid, previous=first) is None  # an old token rotates nothing
    assert await store.new_refresh_token("no-such-session") is None


async def test_one_refresh_token_is_accepted_once_even_at_once(store: SessionStore) -> None:
    session = await store.start(PUPIL)
    token = await store.new_refresh_token(session.sid)
    answers = await asyncio.gather(*(store.new_refresh_token(session.sid, previous=token) for _ in range(8)))
    assert len([a for a in answers if a is not None]) == 1


async def test_an_ended_session_redeems_no_token(store: SessionStore) -> None:
    session = await store.start(PUPIL)
    token = await store.new_refresh_token(session.sid)
    assert token is not None
    await store.end(session.sid)
    assert await store.redeem_refresh_token(token) == (None, False)
    assert await store.new_refresh_token(session.sid, previous=token) is None


async def test_one_ent_session_or_subject_may_name_several_sessions(store: SessionStore) -> None:
    key, who = ent_session_key("oidc", "ent", "op-1"), subject_key("ent", "sub-1")
    first, second = await store.start(PUPIL, key, who), await store.start(PUPIL, key, who)
    alone = await store.start(PUPIL, None, who)
    assert await store.sids_for_ent_session(key) == sorted([first.sid, second.sid])
    assert await store.sids_for_subject(who) == sorted([first.sid, second.sid, alone.sid])
    assert await store.sids_for_subject(subject_key("other-ent", "sub-1")) == []
    assert await store.subject_of(first.sid) == first.subject_key and first.subject_key is not None
    await store.end(first.sid)
    assert await store.sids_for_ent_session(key) == [second.sid]
    await store.end(second.sid)
    await store.end(alone.sid)
    assert await store.sids_for_ent_session(key) == [] and await store.sids_for_subject(who) == []


async def test_sessions_expire() -> None:
    now = [0.0]
    sessions = LocalSessions(lifetime=100, clock=lambda: now[0])
    session = await sessions.start(PUPIL)
    token = await sessions.new_refresh_token(session.sid)
    assert token is not None
    now[0] = 101
    assert await sessions.get(session.sid) is None
    assert await sessions.redeem_refresh_token(token) == (None, False)
    await sessions.start(PUPIL)  # a new login forgets the expired ones
    assert len(sessions) == 1 and sessions._by_refresh == {}


@pytest.mark.redis
async def test_redis_keeps_hashes_only_and_every_key_expires_with_the_session() -> None:
    namespace = "test-" + secrets.token_hex(4)
    sessions = RedisSessions(REDIS_URL, namespace, lifetime=600)
    client = redis.from_url(REDIS_URL)
    try:
        session = await sessions.start(PUPIL, ent_session="ST-secret-ticket", subject="ent\x00dwho")
        token = await sessions.new_refresh_token(session.sid)
        assert token is not None
        keys = [key async for key in client.scan_iter(match=f"cybercollege:ent:{namespace}:*")]
        assert len(keys) == 4  # the session, its refresh token, its ENT session, its subject
        for key in keys:
            assert 590 < await client.ttl(key) <= 601
            value = await client.dump(key)
            assert b"ST-secret-ticket" not in key + value and token.encode() not in key + value
    finally:
        keys = [key async for key in client.scan_iter(match=f"cybercollege:ent:{namespace}:*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()
        await sessions.close()


@pytest.mark.redis
async def test_redis_down_is_said_and_the_sessions_are_there_when_it_is_back(tmp_path: Path) -> None:
    async with private_redis(tmp_path) as server:
        sessions = create(server.url, "college-a")
        try:
            session = await sessions.start(PUPIL)
            server.kill()
            with pytest.raises(SessionsUnavailable):
                await sessions.start(PUPIL)
            with pytest.raises(SessionsUnavailable):
                await sessions.new_refresh_token(session.sid)
            await server.start()  # nothing persisted: a Redis that lost everything
            assert await sessions.get(session.sid) is None
            again = await sessions.start(PUPIL)
            assert await sessions.get(again.sid) == again
        finally:
            await sessions.close()


async def test_keys_are_scoped_by_protocol_and_ent() -> None:
    assert ent_session_key("saml", "a", "n", "i") != ent_session_key("saml", "b", "n", "i")
    assert ent_session_key("oidc", "a", "x") != ent_session_key("saml", "a", "x")
    assert subject_key("a", "x") != subject_key("b", "x")
