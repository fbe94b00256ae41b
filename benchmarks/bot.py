"""Scripted avatars that walk the college over real WebSockets: for demos, tests and the benchmark.

``python -m benchmarks.bot --count N`` (or ``cybercollege bot`` from a checkout) logs N demo users in (``bot-1``...),
and each walks between random points of its room, sometimes goes through a door, and sometimes says something.
It says what it does: a line at the start (how many, which server, how long), a line a minute (``--every``) with
counts, a summary at the end. Ctrl+C or SIGTERM stops it: every bot says BYE and its avatar leaves at once.
SIGKILL cannot be caught: the server then keeps the avatars for its resume grace period (``resume_grace``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import math
import random
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from cybercollege import worlds
from cybercollege.client.network import WorldConnection, fetch_demo_tokens, refresher
from cybercollege.protocol.messages import Chat, Correction, Frame, Move, Room
from cybercollege.protocol.quantize import heading_to_wire, to_cm
from cybercollege.server.core import logs

log = logging.getLogger("cybercollege.bot")

PHRASES = ("Bonjour !", "On se retrouve au CDI ?", "Salut tout le monde", "Qui a fait le devoir de maths ?")


@dataclass
class Probe:
    """Shared by the bots of one process: when each position was sent, and what was measured."""

    sent: dict[tuple[int, int, int], float] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    updates: int = 0
    frames: int = 0
    bytes: int = 0
    corrections: int = 0
    errors: int = 0
    connected: int = 0
    """Bots in the world now."""
    moves: int = 0
    doors: int = 0
    said: int = 0
    failed: int = 0

    def expire(self, older_than: float) -> None:
        for key in [k for k, t in self.sent.items() if t < older_than]:
            del self.sent[key]


@dataclass
class BotOptions:
    url: str = "http://127.0.0.1:8765"
    speed: float = 1.4
    move_hz: float = 20.0
    door_chance: float = 0.15
    chat_chance: float = 0.0
    observe: bool = False
    """Decode every frame and record latencies in the probe (costs CPU)."""
    roam: bool = True
    """Go through doors; False keeps each bot in its spawn room."""


class Bot:
    """One scripted avatar, on the client network library (cybercollege.client.network)."""

    def __init__(self, login: str, world: worlds.World, options: BotOptions, probe: Probe, rng: random.Random):
        self.login = login
        self.world = world
        self.options = options
        self.probe = probe
        self.rng = rng
        self.conn: WorldConnection | None = None
        self.avatar_id = 0
        self.room_id = ""
        self.x = self.y = self.heading = 0.0
        self.seq = 0
        self.chats: list[Chat] = []

    async def run(self, http: aiohttp.ClientSession, duration: float, stop: asyncio.Event | None = None) -> None:
        """Walk for ``duration`` seconds, or until ``stop`` is set; then leave (BYE)."""
        stop = stop or asyncio.Event()
        token, refresh_token = await fetch_demo_tokens(http, self.options.url, self.login)
        if stop.is_set():
            return
        self.conn = conn = WorldConnection(  # a bot may run for hours: it renews its token as the client does
            http, self.options.url, token, client="cybercollege-bot",
            refresh=refresher(http, self.options.url, refresh_token),
        )  # fmt: skip
        conn.mirror.listeners.append(self._on_message)
        inside = False
        try:
            welcome = await conn.connect()
            self.probe.connected += 1
            inside = True
            self.avatar_id, self.room_id = welcome.you.id, welcome.room
            self.x, self.y = welcome.you.x / 100, welcome.you.y / 100
            await self._walk(conn, time.monotonic() + duration, stop)
        finally:
            self.probe.frames += conn.received
            self.probe.bytes += conn.received_bytes
            self.probe.errors += conn.protocol.invalid
            await conn.close()  # BYE: the avatar leaves now, not after the server's resume grace period
            self.probe.connected -= inside

    def _on_message(self, msg: Any) -> None:
        """A mirror listener: each message, a FRAME's events before the FRAME."""
        if isinstance(msg, Frame):
            if not self.options.observe:
                return
            now = time.monotonic()
            sent = self.probe.sent
            for u in msg.updates:
                self.probe.updates += 1
                t = sent.get((u.id, u.x, u.y))
                if t is not None and u.id != self.avatar_id:
                    self.probe.latencies.append(now - t)
        elif isinstance(msg, Room):
            self.room_id, self.x, self.y = msg.room, msg.x / 100, msg.y / 100
        elif isinstance(msg, Correction):
            self.probe.corrections += 1
            self.x, self.y = msg.x / 100, msg.y / 100
        elif isinstance(msg, Chat):
            self.chats.append(msg)

    async def _walk(self, conn: WorldConnection, until: float, stop: asyncio.Event) -> None:
        period = 1.0 / self.options.move_hz
        await asyncio.sleep(self.rng.random() * period)  # spread bots over the tick
        target = self._pick_target()
        while time.monotonic() < until and not conn.closed and not stop.is_set():
            if target is None or math.hypot(target[0] - self.x, target[1] - self.y) < 0.2:
                await self._arrived(conn, target)
                target = self._pick_target()
                continue
            self._step_towards(target, self.options.speed * period)
            await self._send_move(conn, anim=1)
            await asyncio.sleep(period)

    def _step_towards(self, target: tuple[float, float, str | None], step: float) -> None:
        dx, dy = target[0] - self.x, target[1] - self.y
        dist = math.hypot(dx, dy)
        ratio = min(1.0, step / dist) if dist else 1.0
        self.x += dx * ratio
        self.y += dy * ratio
        self.heading = math.degrees(math.atan2(-dx, dy)) % 360

    async def _send_move(self, conn: WorldConnection, anim: int) -> None:
        self.seq += 1
        xq, yq = to_cm(self.x), to_cm(self.y)
        self.probe.sent[(self.avatar_id, xq, yq)] = time.monotonic()
        await conn.send(Move(self.seq, xq, yq, heading_to_wire(self.heading), anim))
        self.probe.moves += 1

    async def _arrived(self, conn: WorldConnection, target: tuple[float, float, str | None] | None) -> None:
        if target is not None and target[2] is not None:
            await conn.use_door(target[2])
            self.probe.doors += 1
            await asyncio.sleep(0.2)
        elif self.options.chat_chance and self.rng.random() < self.options.chat_chance:
            await conn.say(self.rng.choice(PHRASES))
            self.probe.said += 1
        await self._send_move(conn, anim=0)
        await asyncio.sleep(self.rng.uniform(0.0, 0.5))

    def _pick_target(self) -> tuple[float, float, str | None] | None:
        """A reachable point of the room, or the landing side of one of its doors."""
        room = self.world.rooms.get(self.room_id)
        if room is None:
            return None
        if self.options.roam and room.doors and self.rng.random() < self.options.door_chance:
            door = self.rng.choice(room.doors)
            lx, ly, _ = door.landing(room.id)
            if room.segment_allowed(self.x, self.y, lx, ly):
                return (lx, ly, door.id)
        min_x, min_y, max_x, max_y = room.bounds
        for _ in range(20):
            x, y = self.rng.uniform(min_x, max_x), self.rng.uniform(min_y, max_y)
            if room.segment_allowed(self.x, self.y, x, y):
                return (x, y, None)
        return None


async def run_bots(
    count: int,
    duration: float,
    options: BotOptions,
    world: worlds.World | None = None,
    first: int = 1,
    seed: int = 1,
    on_start: Callable[[list[Bot]], None] | None = None,
    stop: asyncio.Event | None = None,
    probe: Probe | None = None,
) -> tuple[list[Bot], Probe]:
    """Run ``count`` bots for ``duration`` seconds (or until ``stop`` is set); returns them and what they measured
    (in ``probe``, if given, as they go)."""
    world = world or worlds.load_world(worlds.default_world_path())
    stop = stop or asyncio.Event()
    probe = probe or Probe()
    rng = random.Random(seed)
    bots = [Bot(f"bot-{first + i}", world, options, probe, random.Random(rng.random())) for i in range(count)]
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:
        janitor = asyncio.create_task(_expire(probe))
        if on_start:
            on_start(bots)
        tasks = []
        for i, bot in enumerate(bots):
            if stop.is_set():
                break
            tasks.append(asyncio.create_task(bot.run(http, duration, stop)))
            if i % 50 == 49:
                await asyncio.sleep(0.05)  # do not stampede the handshake
        results = await asyncio.gather(*tasks, return_exceptions=True)
        janitor.cancel()
    failures = [r for r in results if isinstance(r, BaseException)]
    probe.failed = len(failures)
    if failures:
        log.warning("%d bots failed; first: %r", len(failures), failures[0])
    return bots, probe


async def _expire(probe: Probe) -> None:
    while True:
        await asyncio.sleep(1.0)
        probe.expire(time.monotonic() - 5.0)


__all__ = ["Bot", "BotOptions", "Probe", "run_bots"]


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.bot``: connect scripted avatars that walk the college."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bot", description=main.__doc__)
    parser.add_argument("--count", type=int, default=10, help="how many bots (default 10)")
    parser.add_argument("--url", default="http://127.0.0.1:8765", help="server URL")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds to run (default 60; 0: until stopped)")
    parser.add_argument("--chat", type=float, default=0.05, help="chance to say something at each stop")
    parser.add_argument("--first", type=int, default=1, help="number of the first bot login (bot-N)")
    parser.add_argument("--world", type=Path, default=None, help="world directory (default: the college)")
    parser.add_argument("--every", type=float, default=60.0, help="seconds between two progress lines (default 60)")
    args = parser.parse_args(argv)
    logs.setup()
    try:
        world = worlds.load_world(args.world or worlds.default_world_path())
        options = BotOptions(url=args.url.rstrip("/"), chat_chance=args.chat)
        return asyncio.run(_run(args, world, options))
    except KeyboardInterrupt:  # before the bots started (or on Windows): nobody is left in the world
        say(text("stopped"))
        return 130


async def _run(args: argparse.Namespace, world: worlds.World, options: BotOptions) -> int:
    """The command: the bots, a progress line every ``args.every`` seconds, and a clean exit on SIGINT/SIGTERM."""
    stop = asyncio.Event()
    stopped_by: list[str] = []
    loop = asyncio.get_running_loop()
    signals = (signal.SIGINT, signal.SIGTERM)

    def stopping(sig: signal.Signals) -> None:
        say(text("{signal}: every bot says BYE and leaves (again to stop at once)", signal=sig.name))
        stopped_by.append(sig.name)
        stop.set()
        for other in signals:  # a second signal does what it does by default
            loop.remove_signal_handler(other)

    for sig in signals:
        with contextlib.suppress(NotImplementedError, RuntimeError):  # Windows: Ctrl+C cancels asyncio.run instead
            loop.add_signal_handler(sig, stopping, sig)
    duration = args.duration if args.duration > 0 else math.inf
    how_long = text("for {seconds} s", seconds=f"{args.duration:.0f}") if args.duration > 0 else text("until stopped")
    say(text("{count} bots ({first}…{last}) → {url}, {how_long}; Ctrl+C or SIGTERM: they leave at once",
             count=args.count, first=f"bot-{args.first}", last=f"bot-{args.first + args.count - 1}", url=options.url,
             how_long=how_long))  # fmt: skip
    started = time.monotonic()
    probe = Probe()
    progress = asyncio.create_task(_progress(args.every, started, probe))
    try:
        bots, _ = await run_bots(args.count, duration, options, world, first=args.first, stop=stop, probe=probe)
    finally:
        progress.cancel()
    elapsed = time.monotonic() - started
    why = text("stopped by {signal}", signal=stopped_by[0]) if stopped_by else text("time is up")
    say(text("done ({why}) after {elapsed} s: {bots} bots, {moves} moves, {doors} doors, {said} chat lines sent; "
             "{frames} frames, {bytes} bytes received; {corrections} corrections, {failed} bots failed; all have left",
             why=why, elapsed=f"{elapsed:.0f}", bots=len(bots), moves=probe.moves, doors=probe.doors, said=probe.said,
             frames=probe.frames, bytes=probe.bytes, corrections=probe.corrections,
             failed=probe.failed))  # fmt: skip
    return 1 if probe.failed == len(bots) and bots else 0


async def _progress(every: float, started: float, probe: Probe) -> None:
    while True:
        await asyncio.sleep(every)
        say(text("{elapsed} s: {connected} bots in the world, {moves} moves, {doors} doors, {said} chat lines sent, "
                 "{corrections} corrections", elapsed=f"{time.monotonic() - started:.0f}", connected=probe.connected,
                 moves=probe.moves, doors=probe.doors, said=probe.said,
                 corrections=probe.corrections))  # fmt: skip


def say(line: str) -> None:
    print(f"[bots] {line}", flush=True)


def text(template: str, **fields: object) -> str:
    """A line in the user's language (LANG..., French by default: server/edge/cli_text.py)."""
    from cybercollege.server.edge import cli_text

    return cli_text.say(template, None, **fields)


if __name__ == "__main__":
    raise SystemExit(main())
