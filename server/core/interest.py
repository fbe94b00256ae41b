"""Interest management: who receives which updates, and the one frame per client per tick.

* :class:`RoomInterest` — the room is the interest set (classrooms, CDI, amphitheatre): every member sees
  every member, and all members share one encoded frame per tick.
* :class:`GridInterest` — big spaces (hall, courtyard): each member sees at most ``interest_cap`` nearest
  avatars, found with a k-d tree every ``interest_every`` ticks; those within ``near_radius`` are updated
  every tick, farther ones every ``far_divisor`` ticks.

Both coalesce for slow clients: a client whose socket is full is skipped and later gets one snapshot of
everything it sees instead of the frames it missed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy.spatial import cKDTree

from cybercollege.protocol import encode, encode_frames
from cybercollege.protocol.messages import Appear, Vanish

if TYPE_CHECKING:
    from cybercollege.server.config import Settings
    from cybercollege.server.core.avatar import Avatar
    from cybercollege.server.core.session import Session

Outgoing = list[tuple["Session", bytes]]


@dataclass(slots=True)
class Counters:
    """Plain counters, read by /metrics (no per-message cost)."""

    frames: int = 0
    bytes: int = 0
    updates: int = 0
    slow: int = 0


def deliver(
    out: Outgoing,
    a: Avatar,
    tick: int,
    events: list[bytes],
    updates: list[bytes],
    snapshot: Callable[[Avatar], list[bytes]],
    counters: Counters,
    shared: list[list[bytes] | None] | None = None,
) -> None:
    """Queue this tick's frames for ``a``'s client (one, unless a catch-up must be split within the
    protocol's limits), or coalesce if it is slow.

    ``shared`` (a one-item list) caches the frames every member of a room-interest room gets.
    """
    s = a.session
    if s is None:
        return
    if not s.writable():
        if events:
            for e in events:
                s.push(e)
        s.stale = True
        s.still_slow()
        counters.slow += 1
        return
    s.slow_since = None
    if s.stale or s.pending:
        if s.stale:
            updates = snapshot(a)
            s.stale = False
        evs = s.pending + events if s.pending else events
        s.pending = []
        frames = encode_frames(tick, evs, updates)
    elif events or updates:
        if shared is None:
            frames = encode_frames(tick, events, updates)
        else:
            cached = shared[0]
            if cached is None:
                cached = shared[0] = encode_frames(tick, events, updates)
            frames = cached
    else:
        return
    for frame in frames:
        out.append((s, frame))
        counters.bytes += len(frame)
    counters.frames += len(frames)
    counters.updates += len(updates)


class RoomInterest:
    """Everyone in the room sees everyone in the room."""

    def __init__(self, members: dict[int, Avatar], counters: Counters) -> None:
        self.members = members
        self.counters = counters

    def added(self, a: Avatar, room_events: list[bytes]) -> None:
        room_events.append(encode(Appear(a.record())))
        self.resumed(a)

    def removed(self, a: Avatar, room_events: list[bytes]) -> None:
        room_events.append(encode(Vanish(a.id)))

    def resumed(self, a: Avatar) -> None:
        s = a.session
        if s is not None:
            for other in self.members.values():
                if other is not a:
                    s.push(encode(Appear(other.record())))

    def flush(self, tick: int, changed: list[Avatar], events: list[bytes], out: Outgoing) -> None:
        updates = [a.blob for a in changed]
        shared: list[list[bytes] | None] = [None]
        for a in self.members.values():
            deliver(out, a, tick, events, updates, self._snapshot, self.counters, shared)

    def _snapshot(self, a: Avatar) -> list[bytes]:
        """Everyone's latest state (for a client that missed frames)."""
        return [m.blob for m in self.members.values()]


class GridInterest:
    """Each member sees its ``cap`` nearest neighbours; far ones at a lower rate."""

    def __init__(self, members: dict[int, Avatar], counters: Counters, settings: Settings) -> None:
        self.members = members
        self.counters = counters
        self.cap = settings.interest_cap
        self.near_radius = settings.near_radius
        self.far_divisor = settings.far_divisor
        self.every = settings.interest_every
        self.dirty = True

    def added(self, a: Avatar, room_events: list[bytes]) -> None:
        a.near, a.far, a.seen = [], [], set()
        self.dirty = True

    def removed(self, a: Avatar, room_events: list[bytes]) -> None:
        vanish = encode(Vanish(a.id))
        for m in self.members.values():
            if a.id in m.seen:
                m.seen.discard(a.id)
                m.near = [o for o in m.near if o is not a]
                m.far = [o for o in m.far if o is not a]
                if m.session is not None:
                    m.session.push(vanish)
        a.near, a.far, a.seen = [], [], set()

    def resumed(self, a: Avatar) -> None:
        a.seen = set()
        self.dirty = True

    def recompute(self, part: int = 0, parts: int = 1) -> None:
        """Find the nearest neighbours of every ``parts``-th member (from ``part``), and tell each who
        appeared and vanished. Spreading the members over ticks keeps every tick short."""
        members = list(self.members.values())
        n = len(members)
        if n == 0:
            return
        points = np.fromiter((c for m in members for c in (m.x, m.y)), dtype=float, count=2 * n).reshape(n, 2)
        k = min(self.cap + 1, n)
        chosen = range(part, n, parts)
        dist, idx = cKDTree(points).query(points[part::parts], k=k)
        if k == 1:
            dist, idx = dist.reshape(-1, 1), idx.reshape(-1, 1)
        near_radius = self.near_radius
        for row, i in enumerate(chosen):
            m = members[i]
            near: list[Avatar] = []
            far: list[Avatar] = []
            for d, j in zip(dist[row].tolist(), idx[row].tolist(), strict=True):
                if j != i:
                    (near if d <= near_radius else far).append(members[j])
            m.near, m.far = near, far
            self._diff(m, near, far)

    def _diff(self, m: Avatar, near: list[Avatar], far: list[Avatar]) -> None:
        ids = {o.id for o in near}
        ids.update(o.id for o in far)
        if ids == m.seen:
            return
        s = m.session
        if s is not None:
            for o in (*near, *far):
                if o.id not in m.seen:
                    s.push(encode(Appear(o.record())))
            for gone in m.seen - ids:
                s.push(encode(Vanish(gone)))
        m.seen = ids

    def flush(self, tick: int, changed: list[Avatar], events: list[bytes], out: Outgoing) -> None:
        if self.dirty:  # someone arrived: everyone at once, so the newcomer is seen and sees at once
            self.dirty = False
            self.recompute()
        else:  # a fifth (with interest_every = 5) of the members each tick
            self.recompute(tick % self.every, self.every)
        divisor = self.far_divisor
        for a in self.members.values():
            if a.session is None:
                continue
            updates = [o.blob for o in a.near if o.changed_tick == tick]
            if (tick + a.id) % divisor == 0:
                since = a.far_sent_tick
                updates.extend(o.blob for o in a.far if o.changed_tick > since)
                a.far_sent_tick = tick
            deliver(out, a, tick, events, updates, _seen_blobs, self.counters)


def _seen_blobs(a: Avatar) -> list[bytes]:
    """The latest state of everyone ``a`` sees in a grid room (for a client that missed frames)."""
    return [o.blob for o in (*a.near, *a.far)]
