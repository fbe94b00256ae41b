"""Token buckets for per-connection rate limits."""

from __future__ import annotations

import time
from collections import OrderedDict


class TokenBucket:
    """``rate`` tokens per second, at most ``burst`` saved up."""

    __slots__ = ("_last", "burst", "rate", "tokens")

    def __init__(self, rate: float, burst: float) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = burst
        self._last = time.monotonic()

    def take(self, now: float | None = None) -> bool:
        """Spend one token; False when the bucket is empty."""
        now = time.monotonic() if now is None else now
        self.tokens = min(self.burst, self.tokens + (now - self._last) * self.rate)
        self._last = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


CONNECTS_PER_MINUTE = 6.0
"""WebSocket connections one user may open per minute once :data:`CONNECT_BURST` are spent (a dropped
connection resumes well within this); the next is refused (RATE_LIMITED, close 4009) right after its token is
checked, before the user's place is loaded or an avatar placed: a client that reconnects in a loop to send
malformed frames costs a token check per attempt, not a join and a leave seen by the whole room."""
CONNECT_BURST = 5


class KeyedBuckets:
    """A :class:`TokenBucket` per key (a user id), created full; at most ``max_keys`` kept (the least recently
    used forgotten first, so memory stays bounded whatever the keys)."""

    def __init__(self, rate: float, burst: float, max_keys: int = 100_000) -> None:
        self.rate, self.burst, self.max_keys = rate, burst, max_keys
        self._buckets: OrderedDict[str, TokenBucket] = OrderedDict()

    def take(self, key: str, now: float | None = None) -> bool:
        """Spend one of ``key``'s tokens; False when its bucket is empty."""
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = TokenBucket(self.rate, self.burst)
            if len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(key)
        return bucket.take(now)

    def __len__(self) -> int:
        return len(self._buckets)


def connect_budget() -> KeyedBuckets:
    """The per-user connection budget the gateway checks at HELLO."""
    return KeyedBuckets(CONNECTS_PER_MINUTE / 60.0, CONNECT_BURST)
