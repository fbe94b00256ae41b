"""Prometheus metrics of one server process (``/metrics``), read from plain counters at scrape time.

The hot path only increments integers; this collector turns them into Prometheus families on demand.
Durations and sizes are histograms of counts that only grow (tick duration, frame size), so ``rate()`` and
``histogram_quantile()`` work on them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.metrics_core import Metric

from cybercollege.server.core.delivery import FRAME_BYTES, Histogram

if TYPE_CHECKING:
    from cybercollege.server.edge.services import Services


class WorldCollector:
    def __init__(self, services: Services) -> None:
        self.services = services

    def collect(self) -> Iterator[Metric]:
        s = self.services
        w = s.world
        c = w.counters
        yield GaugeMetricFamily("cybercollege_connections", "Open WebSocket connections", value=s.connections)
        yield GaugeMetricFamily("cybercollege_avatars", "Avatars in the world (incl. resumable)", value=len(w.avatars))
        occupied = sum(1 for r in w.rooms.values() if r.members)
        yield GaugeMetricFamily("cybercollege_rooms_occupied", "Rooms with at least one avatar", value=occupied)
        per_room = GaugeMetricFamily("cybercollege_room_members", "Members per room", labels=["room"])
        for rid, r in w.rooms.items():
            per_room.add_metric([rid], len(r.members))
        yield per_room
        yield _histogram("cybercollege_tick_seconds", "Duration of each tick (simulation and frames)", c.tick_seconds)
        yield _histogram("cybercollege_frame_bytes", "Size of each message written to a client", FRAME_BYTES)
        yield CounterMetricFamily("cybercollege_ticks", "Ticks run", value=w.tick_no)
        yield CounterMetricFamily("cybercollege_messages_in", "Messages received", value=w.messages_in)
        yield CounterMetricFamily("cybercollege_bytes_in", "Bytes received in messages", value=w.bytes_in)
        yield CounterMetricFamily("cybercollege_frames_out", "Frames sent", value=c.frames)
        yield CounterMetricFamily("cybercollege_bytes_out", "Bytes sent in frames", value=c.bytes)
        yield CounterMetricFamily("cybercollege_updates_out", "Avatar updates delivered", value=c.updates)
        yield CounterMetricFamily("cybercollege_slow_skips", "Frames coalesced for slow clients", value=c.slow)
        yield CounterMetricFamily("cybercollege_corrections", "Moves refused and corrected", value=w.corrections)


def _histogram(name: str, documentation: str, h: Histogram) -> HistogramMetricFamily:
    """A Prometheus histogram from plain cumulative counts (they only grow: ``rate()`` works)."""
    buckets = [(_bound(bound), float(n)) for bound, n in h.cumulative()]
    return HistogramMetricFamily(name, documentation, buckets=buckets, sum_value=h.sum)


def _bound(bound: float) -> str:
    return "+Inf" if bound == float("inf") else repr(bound)


def render(services: Services) -> bytes:
    registry = CollectorRegistry()
    registry.register(WorldCollector(services))
    return generate_latest(registry)
