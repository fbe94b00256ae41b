"""Single-use values: login states and one-time codes."""

from __future__ import annotations

from cybercollege.server.auth.ent.desktop import CODE_TTL
from cybercollege.server.auth.ent.store import OneTimeStore


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_values_are_returned_once():
    store: OneTimeStore[str] = OneTimeStore(60)
    store.put("code-1", "grant")
    assert store.peek("code-1") == "grant"
    assert store.pop("code-1") == "grant"
    assert store.pop("code-1") is None


def test_values_expire():
    clock = Clock()
    store: OneTimeStore[str] = OneTimeStore(CODE_TTL, clock=clock)
    store.put("code-1", "grant")
    clock.now += CODE_TTL + 1
    assert store.peek("code-1") is None
    assert store.pop("code-1") is None
    assert len(store) == 0


def test_one_time_codes_live_sixty_seconds():
    assert CODE_TTL == 60


def test_secrets_are_not_kept_in_clear():
    store: OneTimeStore[str] = OneTimeStore(60)
    store.put("ST-secret-ticket", "x")
    assert "ST-secret-ticket" not in repr(store._items)


def test_store_is_bounded():
    store: OneTimeStore[int] = OneTimeStore(60, max_items=3)
    for i in range(5):
        store.put(f"k{i}", i)
    assert len(store) == 3 and store.pop("k0") is None and store.pop("k4") == 4
