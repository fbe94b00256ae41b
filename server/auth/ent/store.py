"""Short-lived, single-use values (login states, one-time codes), kept in memory under a hash of their key."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


def digest(secret: str) -> str:
    """The key under which a secret is stored, so that memory never holds the secret itself."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


class OneTimeStore(Generic[T]):
    """``put`` a value for ``ttl`` seconds; ``pop`` returns it once, then never again."""

    def __init__(self, ttl: float, max_items: int = 100_000, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl
        self._puts = 0
        self._max = max_items
        self._clock = clock
        self._items: dict[str, tuple[float, T]] = {}

    def put(self, key: str, value: T, until: float | None = None) -> None:
        """Keep ``value`` until ``until`` (this store's clock), by default for the store's ``ttl``."""
        self._puts += 1
        if self._puts % 256 == 0:
            self._purge()
        if len(self._items) >= self._max:
            self._items.pop(next(iter(self._items)))  # oldest first: dicts keep insertion order
        self._items[digest(key)] = (self._clock() + self._ttl if until is None else until, value)

    def first_use(self, key: str, until: float) -> bool:
        """Replay protection: record ``key`` until ``until``; False if it is recorded already (a replay)."""
        if self.peek(key) is not None:
            return False
        self.put(key, True, until)  # type: ignore[arg-type]
        return True

    def pop(self, key: str) -> T | None:
        """The value if present and not expired; it is removed either way."""
        item = self._items.pop(digest(key), None)
        if item is None or item[0] < self._clock():
            return None
        return item[1]

    def peek(self, key: str) -> T | None:
        """The value without consuming it (used to show a login page for a pending request)."""
        item = self._items.get(digest(key))
        if item is None or item[0] < self._clock():
            return None
        return item[1]

    def __len__(self) -> int:
        self._purge()
        return len(self._items)

    def _purge(self) -> None:
        now = self._clock()
        for key in [k for k, (until, _) in self._items.items() if until < now]:
            del self._items[key]
