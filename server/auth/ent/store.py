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


class StoreFull(Exception):
    """No room for one more value: ``per_owner`` when the owner (a client address) has its share already."""

    def __init__(self, per_owner: bool) -> None:
        super().__init__("too many from this address" if per_owner else "too many overall")
        self.per_owner = per_owner


class OneTimeStore(Generic[T]):
    """``put`` a value for ``ttl`` seconds; ``pop`` returns it once, then never again.

    Values put with an ``owner`` (the client's address) are bounded per owner (``max_per_owner``), and when the
    store is full they are refused (:class:`StoreFull`) rather than evicting anyone else's: a flood of login
    starts from one address cannot push out a pupil's pending login. Values without an owner (replay records)
    evict the oldest when the store is full.
    """

    def __init__(
        self,
        ttl: float,
        max_items: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
        max_per_owner: int = 2000,
    ) -> None:
        self._ttl = ttl
        self._puts = 0
        self._max = max_items
        self._max_per_owner = max_per_owner
        self._clock = clock
        self._items: dict[str, tuple[float, T, str | None]] = {}
        self._owners: dict[str, int] = {}

    def put(self, key: str, value: T, until: float | None = None, owner: str | None = None) -> None:
        """Keep ``value`` until ``until`` (this store's clock), by default for the store's ``ttl``; raises
        :class:`StoreFull` for an ``owner`` past its share, or when the store is full."""
        self._puts += 1
        if self._puts % 256 == 0:
            self._purge()
        if owner is not None and self._owners.get(owner, 0) >= self._max_per_owner:
            self._purge()
            if self._owners.get(owner, 0) >= self._max_per_owner:
                raise StoreFull(per_owner=True)
        if len(self._items) >= self._max:
            self._purge()
            if len(self._items) >= self._max:
                if owner is not None:
                    raise StoreFull(per_owner=False)
                self._drop(next(iter(self._items)))  # oldest first: dicts keep insertion order
        self._drop(digest(key))
        self._items[digest(key)] = (self._clock() + self._ttl if until is None else until, value, owner)
        if owner is not None:
            self._owners[owner] = self._owners.get(owner, 0) + 1

    def first_use(self, key: str, until: float) -> bool:
        """Replay protection: record ``key`` until ``until``; False if it is recorded already (a replay)."""
        if self.peek(key) is not None:
            return False
        self.put(key, True, until)  # type: ignore[arg-type]
        return True

    def pop(self, key: str) -> T | None:
        """The value if present and not expired; it is removed either way."""
        item = self._drop(digest(key))
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
        for key in [k for k, (until, _, _) in self._items.items() if until < now]:
            self._drop(key)

    def _drop(self, hashed: str) -> tuple[float, T, str | None] | None:
        item = self._items.pop(hashed, None)
        if item is not None and item[2] is not None:
            left = self._owners[item[2]] - 1
            if left:
                self._owners[item[2]] = left
            else:
                del self._owners[item[2]]
        return item
