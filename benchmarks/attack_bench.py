"""Attack benchmark: the world tick and a well-behaved client's ping while someone misbehaves, against the
same server with no attacker, in the same run.

    python -m benchmarks.attack_bench                       # 30 walkers, 5 s per scenario: about 40 s
    python -m benchmarks.attack_bench --walkers 30 --seconds 10 --json

For each scenario a fresh world server runs in this process (so that every tick's duration is read from
``World.tick_seconds``: the time of ``step()`` and of queueing each client its frame), with ``--walkers``
clients moving 20 times a second in the hall and one observer pinging every 0–20 ms. The attacker runs in
a subprocess (``--attacker KIND``), as it would on another machine (on a 2-core machine it still takes CPU):

* ``none``: the baseline;
* ``slow``: a client whose socket has a tiny receive window and never reads (the server's send buffers are
  small, as in tests/server/test_backpressure.py, so it is slow within a second);
* ``flood``: a client that sends PINGs as fast as it can, is closed (4009), and comes back, again and again;
* ``garbage``: a client that sends malformed messages and invalid MOVEs, is closed (4000), and comes back;
* ``fuzz``: ``--attackers`` connections (50 unless told) sending malformed frames as fast as they can, never
  reading, coming back when closed: random bytes, truncated MessagePack, valid MessagePack of the wrong shapes
  (fuzz/shapes.py), huge arrays and maps declared, text frames, frames over 64 KiB; most say HELLO first
  (the attack that costs most once open), some do not.

Measured after a 2 s warm-up over ``--seconds``: tick time p50/p90/max (5 s is about 100 ticks: a p99 would
be the max), ticks per second, the observer's ping p50/p99, the walkers' move→update p50/p99 (from a walker's
MOVE to its update in the observer's FRAME), and the ratios of the tick p90, the ping p99 and the move→update
p99 to the baseline's; the CPU this process used (server and its clients: ``cpu``, % of one core); the frames
the attackers sent and those the server read; the lines, bytes and tracebacks the server's log got during the
scenario (``log/min``, ``tb``). The server logs as ``cybercollege serve`` does (into a file, ``--log`` keeps
it), since logging each attack is part of its cost. It replaces the wall-clock thresholds that
tests/server/test_backpressure.py and tests/server/test_bad_input.py used to assert (docs/benchmarks.md).

    python -m benchmarks.attack_bench --scenarios none,fuzz --seconds 10     # the fuzz attack of issue 12
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import logging
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import msgpack
from aiohttp import web

from cybercollege.client.network import WorldConnection, fetch_demo_token
from cybercollege.protocol import Direction, decode, encode
from cybercollege.protocol import limits as L
from cybercollege.protocol.messages import Frame, Hello, Ping, Welcome
from cybercollege.protocol.quantize import to_cm
from cybercollege.server.config import Settings
from cybercollege.server.core import logs
from cybercollege.server.edge.app import build
from cybercollege.server.edge.services import SERVICES
from fuzz import shapes

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ("none", "slow", "flood", "garbage", "fuzz")
FUZZ_ATTACKERS = 50
WARM_UP = 2.0


def pct(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# --- the attackers (run in a subprocess) ------------------------------------------------------------------


async def slow_client(port: int, token: str) -> socket.socket:
    """Connect, say HELLO, and never read again."""
    loop = asyncio.get_running_loop()
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
    sock.setblocking(False)
    await loop.sock_connect(sock, ("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    await loop.sock_sendall(
        sock,
        f"GET /ws HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode(),
    )
    answer = b""
    while b"\r\n\r\n" not in answer:
        answer += await loop.sock_recv(sock, 4096)
    payload, mask = encode(Hello([1], token)), os.urandom(4)
    header = bytes([0x82, 0x80 | 126]) + len(payload).to_bytes(2, "big")
    await loop.sock_sendall(sock, header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))
    return sock


async def misbehave(kind: str, base: str, http: aiohttp.ClientSession, token: str, stats: dict) -> None:
    """Connect, misbehave until closed, count the close code (or the refusal); forever."""
    while True:
        try:
            await _misbehave_once(kind, base, http, token, stats)
        except (ConnectionError, RuntimeError, TimeoutError, aiohttp.ClientError):
            stats["closes"]["reset"] = stats["closes"].get("reset", 0) + 1  # dropped by the server
            await asyncio.sleep(0.1)


async def _misbehave_once(kind: str, base: str, http: aiohttp.ClientSession, token: str, stats: dict) -> None:
    ws = await http.ws_connect(f"{base}/ws", compress=0)
    await ws.send_bytes(encode(Hello([1], token)))
    first = await ws.receive(10)
    if first.type != aiohttp.WSMsgType.BINARY or not isinstance(decode(first.data, Direction.TO_CLIENT), Welcome):
        stats["refused"] += 1  # reconnecting too often (RATE_LIMITED): held, then closed
        await ws.close()
        return
    stats["connections"] += 1
    for i in range(400):
        if kind == "flood":
            await ws.send_bytes(encode(Ping(i)))
        else:
            await ws.send_bytes(b"\xc1\x00garbage")
            await ws.send_bytes(msgpack.packb([3, "a", [], {}, None, 1.5]))
        if ws.closed:
            break
    while (await ws.receive(10)).type == aiohttp.WSMsgType.BINARY:
        pass
    stats["closes"][str(ws.close_code)] = stats["closes"].get(str(ws.close_code), 0) + 1


def fuzz_frames(seed: int, count: int = 3000) -> list[bytes | str]:
    """What the fuzz attacker sends, made in advance (so that it sends as fast as it can)."""
    src = shapes.RandomSource(seed)
    frames: list[bytes | str] = []
    for _ in range(count):
        kind = src.number(0, 99)
        if kind < 10:
            frames.append(src.blob(200))  # random bytes
        elif kind < 20:
            frames.append(src.blob(200).decode("latin-1"))  # a text frame
        elif kind < 30:
            frames.append(shapes.declared_huge(src))  # a huge array, map or string declared
        elif kind < 31:
            frames.append(os.urandom(L.MAX_FRAME_BYTES + 1 + src.number(0, 1000)))  # over 64 KiB: 1009
        else:
            frames.append(shapes.message(src))  # valid MessagePack of a wrong shape, or truncated
    return frames


async def fuzz_client(
    base: str, http: aiohttp.ClientSession, token: str, frames: list[bytes | str], seed: int, stats: dict
) -> None:
    """Send ``frames`` in a random order as fast as the socket takes them, never reading; connect again when
    closed."""
    rng = random.Random(seed)
    hello = encode(Hello([1], token))
    while True:
        try:
            ws = await http.ws_connect(f"{base}/ws", compress=0, autoclose=False, max_msg_size=0)
        except (aiohttp.ClientError, OSError):
            stats["refused"] += 1
            await asyncio.sleep(0.1)
            continue
        stats["connections"] += 1
        try:
            if rng.random() < 0.9:
                await ws.send_bytes(hello)
            while not ws.closed:
                for _ in range(50):
                    frame = frames[rng.randrange(len(frames))]
                    if isinstance(frame, str):
                        await ws.send_str(frame)
                    else:
                        await ws.send_bytes(frame)
                    stats["frames"] += 1
                await asyncio.sleep(0)
        except (ConnectionError, RuntimeError, aiohttp.ClientError):
            pass
        code = ws.close_code
        await ws.close()
        stats["closes"][str(code)] = stats["closes"].get(str(code), 0) + 1


async def attack(kind: str, base: str, count: int) -> None:
    stats: dict = {"kind": kind, "connections": 0, "closes": {}, "frames": 0, "refused": 0}
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    port = int(base.rsplit(":", 1)[1])
    socks: list[socket.socket] = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
        tokens = [await fetch_demo_token(http, base, f"bot-{100 + i}") for i in range(count)]
        if kind == "slow":
            socks = [await slow_client(port, t) for t in tokens]
            stats["connections"] = len(socks)
            tasks = []
        elif kind == "fuzz":
            frames = fuzz_frames(0, 6000)
            tasks = [asyncio.create_task(fuzz_client(base, http, t, frames, i, stats)) for i, t in enumerate(tokens)]
        else:
            tasks = [asyncio.create_task(misbehave(kind, base, http, t, stats)) for t in tokens]
        print("ready", flush=True)
        await stop.wait()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    for s in socks:
        s.close()
    print(json.dumps(stats), flush=True)


# --- the measured side -------------------------------------------------------------------------------


async def scenario(kind: str, walkers: int, seconds: float, attackers: int, tmp: Path, log: Path) -> dict:
    settings = Settings(
        port=0,
        database_url=f"sqlite+aiosqlite:///{tmp}/{kind}.db",
        secret="a" * 40,
        socket_send_buffer=4096,
        send_buffer=4096,
        max_pending_events=64,
        demo=True,
    )
    app = build(settings)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    base = f"http://127.0.0.1:{port}"
    world = app[SERVICES].world
    proc = None
    try:
        async with aiohttp.ClientSession() as http:
            conns = []
            for i in range(walkers + 1):
                conn = WorldConnection(http, base, await fetch_demo_token(http, base, f"bot-{i + 1}"))
                await conn.connect()
                conns.append(conn)
            observer, movers = conns[0], conns[1:]
            sent: dict[tuple[int, int, int], float] = {}
            latencies: list[float] = []
            measuring = False

            def on_message(msg: object) -> None:  # the observer sees the walkers' updates
                if measuring and isinstance(msg, Frame):
                    now = time.perf_counter()
                    for u in msg.updates:
                        t = sent.pop((u.id, u.x, u.y), None)
                        if t is not None:
                            latencies.append(now - t)

            observer.mirror.listeners.append(on_message)
            ids = [conn.mirror.me for conn in movers]
            log_start = _log_size(log)
            if kind != "none":
                proc = subprocess.Popen(
                    [sys.executable, "-m", "benchmarks.attack_bench", "--attacker", kind, "--url", base,
                     "--attackers", str(attackers)],
                    cwd=ROOT,
                    stdout=subprocess.PIPE,
                    text=True,
                )
                assert proc.stdout is not None
                line = await asyncio.to_thread(proc.stdout.readline)
                assert line.strip() == "ready", line
            done = asyncio.Event()

            async def walk() -> None:
                step = 0
                while not done.is_set():
                    for me, conn in zip(ids, movers, strict=True):
                        x, y, _ = conn.mirror.position
                        x += 0.05 if step % 40 < 20 else -0.05
                        sent[(me, to_cm(x), to_cm(y))] = time.perf_counter()
                        await conn.move(x, y)
                    step += 1
                    await asyncio.sleep(0.05)

            walking = asyncio.create_task(walk())
            await asyncio.sleep(WARM_UP)
            measuring = True
            rng = random.Random(3)
            first_tick, tick0, slow0 = len(world.tick_seconds), world.tick_no, world.counters.slow
            read0, cpu0 = world.messages_in, time.process_time()
            started = time.perf_counter()
            pings = []
            while time.perf_counter() - started < seconds:
                pings.append(await observer.ping())
                await asyncio.sleep(rng.uniform(0.0, 0.02))
            elapsed = time.perf_counter() - started
            cpu, read = time.process_time() - cpu0, world.messages_in - read0
            measuring = False
            ticks = sorted(world.tick_seconds[first_tick:])
            ticked, slow = world.tick_no - tick0, world.counters.slow - slow0
            done.set()
            await walking
            attacker = {}
            if proc is not None:
                proc.send_signal(signal.SIGTERM)
                out, _ = await asyncio.to_thread(proc.communicate, timeout=30)
                attacker = json.loads(out.strip().splitlines()[-1])
            for conn in conns:
                await conn.close()
            log_lines, log_bytes, tracebacks = _log_since(log, log_start)
            logged_for = time.perf_counter() - started + WARM_UP
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
        await runner.cleanup()
    pings.sort()
    latencies.sort()
    return {
        "attacker": kind,
        "walkers": walkers,
        "seconds": round(elapsed, 1),
        "tick_ms_p50": round(statistics.median(ticks) * 1000, 3),
        "tick_ms_p90": round(pct(ticks, 0.90) * 1000, 3),
        "tick_ms_max": round(ticks[-1] * 1000, 3),
        "ticks_per_s": round(ticked / elapsed, 1),
        "ping_ms_p50": round(statistics.median(pings) * 1000, 3),
        "ping_ms_p99": round(pct(pings, 0.99) * 1000, 3),
        "pings": len(pings),
        "update_ms_p50": round(statistics.median(latencies) * 1000, 3) if latencies else None,
        "update_ms_p99": round(pct(latencies, 0.99) * 1000, 3) if latencies else None,
        "updates": len(latencies),
        "slow_ticks": slow,
        "server_cpu_pct": round(cpu / elapsed * 100),
        "frames_read": read,
        "attacker_connections": attacker.get("connections", 0),
        "attacker_closes": attacker.get("closes", {}),
        "attacker_frames": attacker.get("frames", 0),
        "attacker_refused": attacker.get("refused", 0),
        "log_lines": log_lines,
        "log_bytes": log_bytes,
        "log_lines_per_min": round(log_lines / logged_for * 60),
        "tracebacks": tracebacks,
    }


def _log_size(log: Path) -> int:
    return log.stat().st_size if log.exists() else 0


def _log_since(log: Path, start: int) -> tuple[int, int, int]:
    """Lines, bytes and tracebacks the server's log got since ``start`` (its size then)."""
    with log.open("rb") as f:
        f.seek(start)
        text = f.read()
    return text.count(b"\n"), len(text), text.count(b"Traceback (most recent call last)")


async def measure(
    walkers: int, seconds: float, attackers: int, kinds: list[str], keep_log: Path | None = None
) -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        log = keep_log or Path(tmp) / "server.log"
        logs.setup("text", "INFO")  # as `cybercollege serve` does, into a file: the server logs each attack
        for handler in logging.getLogger().handlers:
            if isinstance(handler, logging.StreamHandler):
                handler.setStream(open(log, "a"))  # noqa: SIM115 - for the whole run
        for kind in kinds:
            count = attackers if attackers or kind != "fuzz" else FUZZ_ATTACKERS
            rows.append(await scenario(kind, walkers, seconds, max(1, count), Path(tmp), log))
    baseline = next((r for r in rows if r["attacker"] == "none"), None)
    for r in rows:
        if baseline is not None:
            r["tick_p90_ratio"] = round(r["tick_ms_p90"] / baseline["tick_ms_p90"], 2)
            r["ping_p99_ratio"] = round(r["ping_ms_p99"] / baseline["ping_ms_p99"], 2)
            if r["update_ms_p99"] and baseline["update_ms_p99"]:
                r["update_p99_ratio"] = round(r["update_ms_p99"] / baseline["update_ms_p99"], 2)
    return rows


def report(rows: list[dict]) -> str:
    lines = [
        f"attack benchmark: {rows[0]['walkers']} walkers at 20 Hz, one observer pinging; ratios against 'none'",
        f"{'attacker':<9} {'tick p50':>9} {'p90':>8} {'max':>8} {'ticks/s':>8} {'ping p50':>9} {'p99':>8}"
        f" {'upd p50':>8} {'p99':>8} {'tick p90×':>9} {'ping p99×':>9} {'upd p99×':>8} {'log/min':>7} {'tb':>3}"
        f" {'cpu':>4}  attack",
    ]
    for r in rows:
        attack = (
            f"{r['slow_ticks']} slow deliveries" if r["attacker"] == "slow"
            else f"{r['attacker_frames']} frames sent, {r['frames_read']} read,"
            f" {r['attacker_connections']} connections,"
            f" closes {r['attacker_closes']}" if r["attacker"] == "fuzz"
            else f"{r['attacker_connections']} connections, {r['attacker_refused']} refused,"
            f" closes {r['attacker_closes']}" if r["attacker"] != "none"
            else ""
        )
        lines.append(
            f"{r['attacker']:<9} {r['tick_ms_p50']:>6} ms {r['tick_ms_p90']:>5} ms {r['tick_ms_max']:>5} ms"
            f" {r['ticks_per_s']:>8} {r['ping_ms_p50']:>6} ms {r['ping_ms_p99']:>5} ms"
            f" {r['update_ms_p50']!s:>5} ms {r['update_ms_p99']!s:>5} ms"
            f" {r.get('tick_p90_ratio', ''):>9} {r.get('ping_p99_ratio', ''):>9} {r.get('update_p99_ratio', ''):>8}"
            f" {r['log_lines_per_min']:>7} {r['tracebacks']:>3} {r['server_cpu_pct']:>3}%  {attack}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--walkers", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=5.0, help="measured window per scenario")
    parser.add_argument("--attackers", type=int, default=0,
                        help=f"misbehaving clients per scenario (default 1; fuzz: {FUZZ_ATTACKERS})")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help="comma-separated, 'none' first")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--log", type=Path, help="keep the server's log in this file (appended to)")
    parser.add_argument("--attacker", choices=SCENARIOS[1:], help=argparse.SUPPRESS)  # the subprocess
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.attacker:
        asyncio.run(attack(args.attacker, args.url, args.attackers))
        return 0
    rows = asyncio.run(measure(args.walkers, args.seconds, args.attackers, args.scenarios.split(","), args.log))
    print(json.dumps(rows, indent=2) if args.json else report(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
