"""Interest management: who learns about whom, and which updates each client gets at each tick.

* :class:`RoomInterest` — the room is the interest set (classrooms, CDI, amphitheatre): every member sees
  every member and gets the room's PRESENCE list; members share one encoded frame per tick.
* :class:`GridInterest` — big spaces (hall, courtyard): each member sees at most ``interest_cap`` nearest
  avatars, found with a k-d tree every ``interest_every`` ticks; those within ``near_radius`` are updated
  every tick, farther ones every ``far_divisor`` ticks. Presence goes through interest too: a member learns
  who is around from the APPEAR and VANISH of what it sees, never from a list of the whole room (a school
  arriving in the morning would cost N² events).

In both, a member gets an APPEAR for its own avatar when it enters (or reconnects), so a client's avatars
and people always include itself (docs/protocol.md §3 Join).

Both coalesce for slow clients (see :mod:`~cybercollege.server.core.delivery`): a slow client is skipped and
later gets one snapshot of what it sees; in grid rooms, what came into or went out of its view meanwhile is
told once, when it catches up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from scipy.spatial import cKDTree

from cybercollege.protocol import encode
from cybercollege.protocol.messages import Appear, Presence, Vanish
from cybercollege.server.core.delivery import Histogram

if TYPE_CHECKING:
    from cybercollege.server.config import Settings
    from cybercollege.server.core.avatar import Avatar
    from cybercollege.server.core.session import Session

Outgoing = list[tuple["Session", bytes]]

TICK_BOUNDS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25)
"""Histogram bounds of tick durations, seconds (a tick at 20 Hz has 50 ms)."""


@dataclass(slots=True)
class Counters:
    """Plain counters, read by /metrics (no per-message cost)."""

    frames: int = 0
    bytes: int = 0
    updates: int = 0
    slow: int = 0
    tick_seconds: Histogram = field(default_factory=lambda: Histogram(TICK_BOUNDS))


def deliver(
    out: Outgoing,
    a: Avatar,
    tick: int,
    events: list[bytes],
    updates: list[bytes],
    snapshot: Callable[[], list[bytes]],
    counters: Counters,
    shared: list[list[bytes] | None] | None = None,
) -> None:
    """Add this tick's frames for ``a``'s client to ``out`` (its delivery decides: one frame, several
    within the protocol's limits, or none if it is slow)."""
    s = a.session
    if s is None:
        return
    frames = s.delivery.tick_frames(tick, events, updates, snapshot, shared)
    if not frames:
        if s.delivery.stale:
            counters.slow += 1
        return
    for frame in frames:
        out.append((s, frame))
        counters.bytes += len(frame)
    counters.frames += len(frames)
    counters.updates += s.delivery.last_updates


def _appear(a: Avatar) -> bytes:
    return encode(Appear(a.record()))


class RoomInterest:
    """Everyone in the room sees everyone in the room, and knows who is in it."""

    def __init__(self, members: dict[int, Avatar], counters: Counters) -> None:
        self.members = members
        self.counters = counters

    def added(self, a: Avatar, room_events: list[bytes]) -> None:
        """``a`` is a member now: the others get its PRESENCE and APPEAR, ``a`` the whole room."""
        news = (encode(Presence([a.member()], [])), _appear(a))
        for m in self.members.values():
            if m is not a and m.session is not None:
                m.session.push(news[0])
                m.session.push(news[1])
        self.resumed(a)

    def removed(self, a: Avatar, room_events: list[bytes]) -> None:
        room_events.append(encode(Vanish(a.id)))
        room_events.append(encode(Presence([], [a.id])))

    def resumed(self, a: Avatar) -> None:
        """``a``'s client gets the room's member list, then an APPEAR for every member (itself included)."""
        s = a.session
        if s is None:
            return
        s.push(encode(Presence([m.member() for m in self.members.values()], [])))
        for m in self.members.values():
            s.push(_appear(m))

    def flush(self, tick: int, changed: list[Avatar], events: list[bytes], out: Outgoing) -> None:
        updates = [a.blob for a in changed]
        shared: list[list[bytes] | None] = [None]
        members = self.members

        def snapshot() -> list[bytes]:  # everyone's latest state, for a client that missed frames
            return [m.blob for m in members.values()]

        for a in members.values():
            deliver(out, a, tick, events, updates, snapshot, self.counters, shared)


@dataclass(slots=True, eq=False)
class View:
    """What one member of a grid room sees: near ones every tick, far ones every few ticks."""

    near: list[Avatar] = field(default_factory=list)
    far: list[Avatar] = field(default_factory=list)
    seen: set[int] = field(default_factory=set)
    """The avatars its client was told about (APPEAR sent, no VANISH since)."""
    far_sent_tick: int = 0

    def blobs(self) -> list[bytes]:
        """The latest state of everyone in view (the snapshot for a client that missed frames)."""
        return [o.blob for o in (*self.near, *self.far)]


class GridInterest:
    """Each member sees its ``cap`` nearest neighbours; far ones at a lower rate."""

    def __init__(self, members: dict[int, Avatar], counters: Counters, settings: Settings) -> None:
        self.members = members
        self.counters = counters
        self.cap = settings.interest_cap
        self.near_radius = settings.near_radius
        self.far_divisor = settings.far_divisor
        self.every = settings.interest_every
        self.views: dict[int, View] = {}
        self.dirty = True
        self._appears: dict[int, bytes] = {}
        """APPEARs encoded during this tick (each once, however many members it appears to)."""

    def added(self, a: Avatar, room_events: list[bytes]) -> None:
        self.views[a.id] = View()
        self.dirty = True
        if a.session is not None:
            a.session.push(_appear(a))

    def removed(self, a: Avatar, room_events: list[bytes]) -> None:
        self.views.pop(a.id, None)
        vanish = encode(Vanish(a.id))
        for m in self.members.values():
            view = self.views.get(m.id)
            if view is not None and a.id in view.seen:
                view.seen.discard(a.id)
                view.near = [o for o in view.near if o is not a]
                view.far = [o for o in view.far if o is not a]
                if m.session is not None:
                    m.session.push(vanish)

    def resumed(self, a: Avatar) -> None:
        self.views[a.id] = View()
        self.dirty = True
        if a.session is not None:
            a.session.push(_appear(a))

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
        views = self.views
        for row, i in enumerate(chosen):
            m = members[i]
            near: list[Avatar] = []
            far: list[Avatar] = []
            for d, j in zip(dist[row].tolist(), idx[row].tolist(), strict=True):
                if j != i:
                    (near if d <= near_radius else far).append(members[j])
            view = views[m.id]
            view.near, view.far = near, far
            s = m.session
            if s is not None and not s.delivery.stale and s.writable():
                self._tell(s, view)  # a slow client is told once it catches up (coalesced)

    def _tell(self, s: Session, view: View) -> None:
        """Send the APPEARs and VANISHes that bring what ``s``'s client knows to what it sees."""
        ids = {o.id for o in view.near}
        ids.update(o.id for o in view.far)
        if ids == view.seen:
            return
        appears = self._appears
        for o in (*view.near, *view.far):
            if o.id not in view.seen:
                blob = appears.get(o.id)
                if blob is None:
                    blob = appears[o.id] = _appear(o)
                s.push(blob)
        for gone in view.seen - ids:
            s.push(encode(Vanish(gone)))
        view.seen = ids

    def flush(self, tick: int, changed: list[Avatar], events: list[bytes], out: Outgoing) -> None:
        self._appears = {}
        if self.dirty:  # someone arrived: everyone at once, so the newcomer is seen and sees at once
            self.dirty = False
            self.recompute()
        else:  # a fifth (with interest_every = 5) of the members each tick
            self.recompute(tick % self.every, self.every)
        divisor = self.far_divisor
        views = self.views
        for a in self.members.values():
            s = a.session
            if s is None:
                continue
            view = views[a.id]
            if s.delivery.stale and s.writable():
                self._tell(s, view)  # catching up: what it sees now, then everyone's latest state
            updates = [o.blob for o in view.near if o.changed_tick == tick]
            if (tick + a.id) % divisor == 0:
                since = view.far_sent_tick
                updates.extend(o.blob for o in view.far if o.changed_tick > since)
                view.far_sent_tick = tick
            deliver(out, a, tick, events, updates, view.blobs, self.counters)
