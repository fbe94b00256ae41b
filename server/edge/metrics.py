"""Prometheus metrics of one server process (``/metrics``), read from plain counters at scrape time.

The hot path only increments integers; this collector turns them into Prometheus families on demand.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, SummaryMetricFamily
from prometheus_client.metrics_core import Metric

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
        ticks = w.tick_seconds
        yield SummaryMetricFamily(
            "cybercollege_tick_seconds",
            "Duration of recent ticks",
            count_value=len(ticks),
            sum_value=sum(ticks),
        )
        yield GaugeMetricFamily(
            "cybercollege_tick_seconds_max", "Longest of the recent ticks", value=max(ticks, default=0.0)
        )
        yield CounterMetricFamily("cybercollege_ticks", "Ticks run", value=w.tick_no)
        yield CounterMetricFamily("cybercollege_messages_in", "Messages received", value=w.messages_in)
        yield CounterMetricFamily("cybercollege_bytes_in", "Bytes received in messages", value=w.bytes_in)
        yield CounterMetricFamily("cybercollege_frames_out", "Frames sent", value=c.frames)
        yield CounterMetricFamily("cybercollege_bytes_out", "Bytes sent in frames", value=c.bytes)
        yield CounterMetricFamily("cybercollege_updates_out", "Avatar updates delivered", value=c.updates)
        yield CounterMetricFamily("cybercollege_slow_skips", "Frames coalesced for slow clients", value=c.slow)
        yield CounterMetricFamily("cybercollege_corrections", "Moves refused and corrected", value=w.corrections)


def render(services: Services) -> bytes:
    registry = CollectorRegistry()
    registry.register(WorldCollector(services))
    return generate_latest(registry)
