"""The store's queries behind the staff pages, on SQLite and PostgreSQL: who the database knows (the search of
« Données personnelles ») and the audit log's filtered pages (« Journal »)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cybercollege.server.persistence import AuditEvent, ChatRecord, Place, Store

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


async def test_known_users_are_found_in_every_table_by_a_fragment_of_their_id(store: Store) -> None:
    await store.save_places([Place("demo:lea.martin", "cdi", 1, 2, 0)])
    await store.add_chat([ChatRecord(None, "demo:tom.petit", "demo:zoe_ecuyer", "salut", T0)])
    await store.audit([AuditEvent("login", "cas:50%off", at=T0), AuditEvent("login_failed", None, at=T0)])
    assert await store.known_users("LEA") == ["demo:lea.martin"]  # case-insensitive
    assert await store.known_users("demo:") == ["demo:lea.martin", "demo:tom.petit", "demo:zoe_ecuyer"]
    assert await store.known_users("%") == ["cas:50%off"]  # LIKE's wildcards are plain characters
    assert await store.known_users("lea_martin") == []  # "_" is no wildcard either
    assert await store.known_users("e_e") == ["demo:zoe_ecuyer"]
    assert await store.known_users("demo:", limit=1) == ["demo:lea.martin"]


async def test_the_audit_log_pages_back_newest_first_within_its_filters(store: Store) -> None:
    events = [AuditEvent("join" if n % 2 else "leave", "demo:lea.martin", "cdi", f"n={n}", T0 + timedelta(hours=n))
              for n in range(10)]  # fmt: skip
    await store.audit([*events, AuditEvent("join", "demo:tom.petit", "cdi", "tom", T0)])
    first = await store.audit_page(user_id="demo:lea.martin", event="join", limit=3)
    assert [e.detail for _, e in first] == ["n=9", "n=7", "n=5"]
    rest = await store.audit_page(user_id="demo:lea.martin", event="join", before=first[-1][0], limit=3)
    assert [e.detail for _, e in rest] == ["n=3", "n=1"]
    day = await store.audit_page(since=T0 + timedelta(hours=2), until=T0 + timedelta(hours=4))
    assert [e.detail for _, e in day] == ["n=3", "n=2"]
    assert await store.audit_events() == ["join", "leave"]
