"""The portal's session store and cookie: bounded per kind, forgotten when idle, Secure except on loopback http."""

from __future__ import annotations

from cybercollege.server.core.identity import Identity, Role
from cybercollege.server.portal.session import MemoryStore, PortalSession, secure_cookie

TEACHER = Identity("demo:mme.durand", "Claire Durand", Role.TEACHER, "demo", "0699990Z", ("4A",))


async def test_a_session_is_found_by_its_id_until_deleted() -> None:
    store = MemoryStore()
    session = PortalSession.new("de")
    await store.put(session)
    assert await store.get(session.id) is session
    await store.delete(session.id)
    assert await store.get(session.id) is None


def test_ids_and_csrf_tokens_are_random_and_long() -> None:
    sessions = [PortalSession.new() for _ in range(50)]
    assert len({s.id for s in sessions}) == len({s.csrf for s in sessions}) == 50
    assert all(len(s.id) >= 40 and len(s.csrf) >= 40 and s.id != s.csrf for s in sessions)


async def test_an_idle_session_is_forgotten() -> None:
    now = [1000.0]
    store = MemoryStore(idle=60, clock=lambda: now[0])
    session = PortalSession.new()
    await store.put(session)
    now[0] += 59
    assert await store.get(session.id) is session
    await store.put(session)  # a request: seen again
    now[0] += 61
    assert await store.get(session.id) is None


async def test_a_flood_of_anonymous_visits_never_evicts_a_signed_in_teacher() -> None:
    store = MemoryStore(max_signed_in=2, max_anonymous=3)
    teacher = PortalSession.new()
    teacher.identity, teacher.sid = TEACHER, "sid-1"
    await store.put(teacher)
    anonymous = [PortalSession.new() for _ in range(100)]
    for session in anonymous:
        await store.put(session)
    assert len(store) == 4  # the teacher and the last three visitors
    assert await store.get(teacher.id) is teacher
    assert [await store.get(s.id) is not None for s in anonymous[-4:]] == [False, True, True, True]


async def test_signing_in_moves_a_session_to_the_signed_in_kind() -> None:
    store = MemoryStore(max_signed_in=5, max_anonymous=1)
    session = PortalSession.new()
    await store.put(session)
    session.identity = TEACHER
    await store.put(session)
    await store.put(PortalSession.new())  # fills the anonymous bound
    assert await store.get(session.id) is session
    assert len(store) == 2


def test_the_cookie_is_secure_except_on_loopback_http() -> None:
    assert secure_cookie("https://college.example.fr")
    assert secure_cookie("https://127.0.0.1:8765")
    assert secure_cookie("http://college.example.fr")  # a browser then refuses it: the portal needs https
    assert secure_cookie("http://192.168.1.10:8765")
    assert not secure_cookie("http://127.0.0.1:8765")
    assert not secure_cookie("http://[::1]:8765")
    assert not secure_cookie("http://localhost:8765")
