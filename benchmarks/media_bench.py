"""Conference media benchmark: server CPU per forwarded stream, our SFU against aiortc's MediaRelay.

    python -m benchmarks.media_bench                # 3 publishers -> 30 subscribers, then MediaRelay 3 -> 3
    python -m benchmarks.media_bench --subscribers 10 --seconds 10 --relay-subscribers 0
    python -m benchmarks.media_bench --profile /tmp/sfu.svg    # py-spy flame graph of the server
    python -m benchmarks.media_bench --publishers 2 --subscribers 10 --relay-subscribers 0 --browser-publishers
                                        # then the same conference with Chromium pages as the publishers

The server runs in its own process (``--serve``, uvloop like the world server) so that its CPU can be read
from /proc; this process plays every publisher (VP8 640x360 at 15 fps plus Opus) and subscriber over real
RTCPeerConnections on loopback. Subscribers count frames without decoding them (their receivers are tapped
like the server's), so the client side stays affordable. Signalling uses the real protocol messages.
After the window, still under that load, a subscriber joins the live conference five times (a second apart):
the time from its join to its first picture (a keyframe: the SFU asks the publisher for one, MediaRelay's new
encoder starts with one), p50 and max, in both modes.
With ``--browser-publishers`` another forwarding run follows in which ``--publishers`` Debian Chromium pages
(fake camera and microphone, through Playwright) are the publishers instead of aiortc: what a partner class
sends.
Browsers signal over a WebSocket of the server process (JSON: join, publish offer/answer, subscribe
offers/answers), since they cannot open the Unix socket.
See docs/conference.md for the method and the measured table.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fractions
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aioice.ice
import av
import msgpack
import numpy as np
from aiortc import (
    MediaStreamTrack,
    RTCBundlePolicy,
    RTCConfiguration,
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.contrib.media import MediaRelay

from benchmarks.procstat import cpu_seconds, rss_mb
from cybercollege.protocol import Direction, decode, encode
from cybercollege.protocol.conference import (
    ConferenceRole,
    ConfPublish,
    ConfPublishAnswer,
    ConfSubscribeAnswer,
    ConfSubscribeOffer,
)
from cybercollege.server.conference import Sfu, SfuConfig
from cybercollege.server.conference import aiortc_hooks as hooks

ROOT = Path(__file__).resolve().parent.parent
BIG = 1 << 20
CONFIG = RTCConfiguration(iceServers=[], bundlePolicy=RTCBundlePolicy.MAX_BUNDLE)


def loopback_only() -> None:
    aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]


# --- framing of the signalling channel: msgpack arrays over a Unix socket -------------------------


async def read_frames(reader: asyncio.StreamReader) -> Any:
    unpacker = msgpack.Unpacker(raw=False, max_buffer_size=BIG * 4)
    while data := await reader.read(65536):
        unpacker.feed(data)
        for item in unpacker:
            yield item


def write_frame(writer: asyncio.StreamWriter, item: list[Any]) -> None:
    writer.write(msgpack.packb(item, use_bin_type=True))


# --- server process ---------------------------------------------------------------------------------


class RelayParticipant:
    """The transcoding baseline: publish tracks go through MediaRelay, each subscriber's sender re-encodes."""

    def __init__(self, server: RelayServer, pid: int) -> None:
        self.server, self.id = server, pid
        self.outbox: asyncio.Queue[Any] = asyncio.Queue()
        self.pcs: list[RTCPeerConnection] = []

    async def handle(self, msg: Any) -> list[Any]:
        pc = self.pcs[-1] if isinstance(msg, ConfSubscribeAnswer) else RTCPeerConnection(CONFIG)
        if isinstance(msg, ConfSubscribeAnswer):
            await pc.setRemoteDescription(RTCSessionDescription(msg.sdp, "answer"))
            return []
        self.pcs.append(pc)
        pc.on("track", self.server.tracks.append)
        await pc.setRemoteDescription(RTCSessionDescription(msg.sdp, "offer"))
        await pc.setLocalDescription(await pc.createAnswer())
        return [ConfPublishAnswer(pc.localDescription.sdp)]

    async def subscribe(self) -> None:
        pc = RTCPeerConnection(CONFIG)
        self.pcs.append(pc)
        for track in self.server.tracks:
            pc.addTrack(self.server.relay.subscribe(track))
            self.server.streams += 1
        await pc.setLocalDescription(await pc.createOffer())
        self.outbox.put_nowait(ConfSubscribeOffer(1, pc.localDescription.sdp))


class RelayServer:
    def __init__(self) -> None:
        self.relay = MediaRelay()
        self.tracks: list[MediaStreamTrack] = []
        self.participants: list[RelayParticipant] = []
        self.streams = 0

    async def join(self, conference_id: str, pid: int, role: ConferenceRole) -> RelayParticipant:
        participant = RelayParticipant(self, pid)
        self.participants.append(participant)
        if role is ConferenceRole.AUDIENCE:
            await participant.subscribe()
        return participant

    async def close(self) -> None:
        for participant in self.participants:
            for pc in participant.pcs:
                await pc.close()


def server_stats(server: Any) -> dict[str, int | None]:
    if not isinstance(server, Sfu):  # MediaRelay decodes and encodes through aiortc itself, not through our hooks
        return {"decodes": None, "encodes": None, "pauses": None, "plis": None, "streams": server.streams}
    pauses = plis = streams = 0
    for conference in server.conferences.values():
        for forwarder in conference.forwarders:
            plis += forwarder.keyframes.sent
            pauses += sum(sink.pauses for sink in forwarder.sinks)
            streams += len(forwarder.sinks)
    return {"decodes": hooks.calls.decodes, "encodes": hooks.calls.encodes, "pauses": pauses, "plis": plis,
            "streams": streams}


async def serve(path: str, mode: str) -> None:
    loopback_only()
    server: Any = Sfu(SfuConfig()) if mode == "forward" else RelayServer()
    done = asyncio.Event()

    async def session(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        async def pump(participant: Any) -> None:
            while not writer.is_closing():
                msg = await participant.outbox.get()
                write_frame(writer, ["msg", participant.id, encode(msg)])

        participants: dict[int, Any] = {}
        tasks = []
        async for op, *args in read_frames(reader):
            if op == "join":
                pid, role = args
                participants[pid] = p = await server.join("bench", pid, ConferenceRole(role))
                tasks.append(asyncio.create_task(pump(p)))
            elif op == "msg":
                pid, data = args
                for reply in await participants[pid].handle(decode(data, Direction.TO_SERVER, BIG)):
                    write_frame(writer, ["msg", pid, encode(reply)])
            elif op == "stats":
                write_frame(writer, ["stats", server_stats(server)])
            elif op == "quit":
                await server.close()
                done.set()
                break
        for task in tasks:
            task.cancel()
        writer.close()

    runner = await browser_door(server, path)
    try:
        async with await asyncio.start_unix_server(session, path):
            await done.wait()
    finally:
        await runner.cleanup()


BROWSER_PAGE = """<!doctype html><meta charset="utf-8"><title>media bench publisher</title><script>
const ws = new WebSocket(`ws://${location.host}/ws`);
const pid = Number(new URLSearchParams(location.search).get("pid"));
const gathered = (pc) => new Promise((ok) => {
  if (pc.iceGatheringState === "complete") return ok();
  pc.addEventListener("icegatheringstatechange", () => pc.iceGatheringState === "complete" && ok());
});
const sub = new RTCPeerConnection({bundlePolicy: "max-bundle"});
window.frames_in = 0;
sub.ontrack = () => { window.frames_in += 1; };
ws.onopen = async () => {
  ws.send(JSON.stringify({join: pid}));
  const media = await navigator.mediaDevices.getUserMedia({video: {width: 640, height: 480}, audio: true});
  const pub = new RTCPeerConnection({bundlePolicy: "max-bundle"});
  media.getTracks().forEach((t) => pub.addTransceiver(t, {direction: "sendonly"}));
  await pub.setLocalDescription(await pub.createOffer());
  await gathered(pub);
  ws.send(JSON.stringify({publish: pub.localDescription.sdp}));
  window.pub = pub;
};
ws.onmessage = async (event) => {
  const msg = JSON.parse(event.data);
  if (msg.answer) await window.pub.setRemoteDescription({type: "answer", sdp: msg.answer});
  if (msg.offer) {
    await sub.setRemoteDescription({type: "offer", sdp: msg.offer});
    await sub.setLocalDescription(await sub.createAnswer());
    await gathered(sub);
    ws.send(JSON.stringify({version: msg.version, subscribe: sub.localDescription.sdp}));
  }
};
</script>"""


async def browser_door(server: Any, path: str) -> Any:
    """An HTTP port for browser publishers (the page above and its WebSocket); the port goes to PATH.http."""
    from aiohttp import WSMsgType, web

    async def page(request: web.Request) -> web.Response:
        return web.Response(text=BROWSER_PAGE, content_type="text/html")

    async def socket(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=BIG)
        await ws.prepare(request)
        participant: Any = None
        relay: asyncio.Task[None] | None = None

        async def pump() -> None:
            while True:
                msg = await participant.outbox.get()
                if isinstance(msg, ConfSubscribeOffer):
                    await ws.send_json({"offer": msg.sdp, "version": msg.version})

        async for raw in ws:
            if raw.type != WSMsgType.TEXT:
                break
            item = json.loads(raw.data)
            if "join" in item:
                participant = await server.join("bench", int(item["join"]), ConferenceRole.SPEAKER)
                relay = asyncio.create_task(pump())
            elif "publish" in item:
                (reply,) = await participant.handle(ConfPublish(item["publish"]))
                await ws.send_json({"answer": reply.sdp})
            elif "subscribe" in item:
                await participant.handle(ConfSubscribeAnswer(int(item["version"]), item["subscribe"]))
        if relay is not None:
            relay.cancel()
        return ws

    app = web.Application()
    app.add_routes([web.get("/", page), web.get("/ws", socket)])
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    Path(path + ".http").write_text(str(port))
    return runner


@contextlib.asynccontextmanager
async def browser_publishers(path: str, count: int) -> Any:
    """``count`` Chromium pages publishing their fake camera (640x480) and microphone, ids 1..count."""
    from playwright.async_api import async_playwright

    for _ in range(100):
        if os.path.exists(path + ".http"):
            break
        await asyncio.sleep(0.1)
    port = Path(path + ".http").read_text()
    args = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
            "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
            "--allow-loopback-in-peer-connection", "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=args)
        try:
            pages = []
            for pid in range(1, count + 1):
                page = await browser.new_page()
                await page.goto(f"http://127.0.0.1:{port}/?pid={pid}")
                pages.append(page)
            for page in pages:
                await page.wait_for_function("() => window.pub && window.pub.connectionState === 'connected'",
                                             timeout=60_000)
            yield pages
        finally:
            await browser.close()


# --- client side (this process) ---------------------------------------------------------------------


class MovingVideo(MediaStreamTrack):
    """640x360 at 15 fps: a moving gradient with noise, so that VP8 has real work (and real bitrate)."""

    kind = "video"

    def __init__(self, width: int = 640, height: int = 360, fps: int = 15) -> None:
        super().__init__()
        rng = np.random.default_rng(1)
        x = np.arange(width, dtype=np.uint16)
        self.frames = []
        for i in range(30):
            y = ((x[None, :] + i * 8 + np.arange(height)[:, None]) % 256).astype(np.uint8)
            y = np.clip(y + rng.integers(0, 12, y.shape, dtype=np.uint8), 0, 255).astype(np.uint8)
            chroma = np.full((height // 2, width), 128, dtype=np.uint8)
            self.frames.append(np.concatenate([y, chroma]))
        self.fps, self.count, self.start = fps, 0, 0.0

    async def recv(self) -> av.VideoFrame:
        if self.count == 0:
            self.start = time.monotonic()
        await asyncio.sleep(max(0.0, self.start + self.count / self.fps - time.monotonic()))
        frame = av.VideoFrame.from_ndarray(self.frames[self.count % 30], format="yuv420p")
        frame.pts, frame.time_base = self.count * 6000, fractions.Fraction(1, 90000)
        self.count += 1
        return frame


class ToneAudio(MediaStreamTrack):
    kind = "audio"

    def __init__(self) -> None:
        super().__init__()
        t = np.arange(960 * 50) / 48000
        self.samples = (np.sin(2 * np.pi * 440 * t) * 8000).astype(np.int16).reshape(50, 1, 960)
        self.count, self.start = 0, 0.0

    async def recv(self) -> av.AudioFrame:
        if self.count == 0:
            self.start = time.monotonic()
        await asyncio.sleep(max(0.0, self.start + self.count * 0.02 - time.monotonic()))
        frame = av.AudioFrame.from_ndarray(self.samples[self.count % 50], format="s16", layout="mono")
        frame.sample_rate, frame.pts = 48000, self.count * 960
        frame.time_base = fractions.Fraction(1, 48000)
        self.count += 1
        return frame


@dataclass
class BenchClient:
    pid: int
    pc: RTCPeerConnection = field(default_factory=lambda: RTCPeerConnection(CONFIG))
    sub_pc: RTCPeerConnection = field(default_factory=lambda: RTCPeerConnection(CONFIG))
    frames: dict[str, int] = field(default_factory=lambda: {"audio": 0, "video": 0})
    video_bytes: int = 0
    answered: asyncio.Future[None] | None = None
    joined: float = 0.0
    """time.monotonic() when it asked to join (late joiners)."""
    first_video: float | None = None
    """time.monotonic() of the first complete video frame received."""
    pictured: asyncio.Event = field(default_factory=asyncio.Event)

    def count(self, kind: str) -> Any:
        def on_frame(data: bytes, timestamp: int) -> None:
            self.frames[kind] += 1
            if kind == "video":
                self.video_bytes += len(data)
                if self.first_video is None:
                    self.first_video = time.monotonic()
                    self.pictured.set()

        return on_frame


class Bench:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.clients: dict[int, BenchClient] = {}
        self.replies: dict[int, asyncio.Queue[Any]] = {}
        self.stats: asyncio.Queue[dict[str, int]] = asyncio.Queue()
        self.answering: set[asyncio.Task[None]] = set()
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for op, *args in read_frames(self.reader):
            if op == "stats":
                self.stats.put_nowait(args[0])
                continue
            pid, data = args
            msg = decode(data, Direction.TO_CLIENT, BIG)
            if isinstance(msg, ConfSubscribeOffer):
                self.answering.add(asyncio.create_task(self._answer(self.clients[pid], msg)))
            elif isinstance(msg, ConfPublishAnswer):
                self.replies[pid].put_nowait(msg)

    async def _answer(self, client: BenchClient, offer: ConfSubscribeOffer) -> None:
        pc = client.sub_pc
        if pc.signalingState == "closed":  # an offer that arrived as the run ended
            return
        await pc.setRemoteDescription(RTCSessionDescription(offer.sdp, "offer"))
        for transceiver in pc.getTransceivers():
            with contextlib.suppress(hooks.HookError):  # already tapped (renegotiation)
                hooks.tap_receiver(transceiver.receiver, client.count(transceiver.kind))
        await pc.setLocalDescription(await pc.createAnswer())
        self.send("msg", client.pid, encode(ConfSubscribeAnswer(offer.version, pc.localDescription.sdp)))

    def send(self, *item: Any) -> None:
        write_frame(self.writer, list(item))

    async def publish(self, pid: int) -> BenchClient:
        client = self.clients[pid] = BenchClient(pid)
        self.replies[pid] = asyncio.Queue()
        self.send("join", pid, ConferenceRole.HOST.value if pid == 1 else ConferenceRole.SPEAKER.value)
        client.pc.addTrack(MovingVideo())
        client.pc.addTrack(ToneAudio())
        await client.pc.setLocalDescription(await client.pc.createOffer())
        self.send("msg", pid, encode(ConfPublish(client.pc.localDescription.sdp)))
        answer = await self.replies[pid].get()
        await client.pc.setRemoteDescription(RTCSessionDescription(answer.sdp, "answer"))
        return client

    def subscribe(self, pid: int) -> BenchClient:
        client = self.clients[pid] = BenchClient(pid)
        self.send("join", pid, ConferenceRole.AUDIENCE.value)
        return client

    async def server_stats(self) -> dict[str, int]:
        self.send("stats")
        return await self.stats.get()


async def inbound(clients: list[BenchClient]) -> tuple[int, int, int]:
    """Packets received and lost, and frames reassembled, over all these clients' subscriptions."""
    received = lost = 0
    for client in clients:
        for stat in (await client.sub_pc.getStats()).values():
            if stat.type == "inbound-rtp":
                received += stat.packetsReceived
                lost += max(0, stat.packetsLost)
    return received, lost, sum(c.frames["video"] + c.frames["audio"] for c in clients)


async def connect(path: str) -> Bench:
    for _ in range(100):
        if os.path.exists(path):
            break
        await asyncio.sleep(0.1)
    return Bench(*await asyncio.open_unix_connection(path, limit=BIG * 4))


async def measure(clients: list[BenchClient], seconds: float) -> dict[str, float]:
    """Inbound counters and this process's CPU over ``seconds``."""
    rx0, lost0, frames0 = await inbound(clients)
    own0, wall0, bytes0 = time.process_time(), time.monotonic(), sum(c.video_bytes for c in clients)
    await asyncio.sleep(seconds)
    own1, wall1, bytes1 = time.process_time(), time.monotonic(), sum(c.video_bytes for c in clients)
    rx1, lost1, frames1 = await inbound(clients)
    return {
        "video_bytes": bytes1 - bytes0,
        "received": rx1 - rx0,
        "lost": lost1 - lost0,
        "frames": frames1 - frames0,
        "cpu": own1 - own0,
        "wall": wall1 - wall0,
    }


LATE_JOINS = 5


async def late_joins(bench: Bench) -> list[BenchClient]:
    """Subscribers joining the live conference one after the other; each records its first picture."""
    late = []
    for k in range(LATE_JOINS):
        await asyncio.sleep(1.0)  # past keyframe_interval_s (0.5 s): each join's keyframe request goes at once
        joined = time.monotonic()
        client = bench.subscribe(900 + k)
        client.joined = joined
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(client.pictured.wait(), 30)
        late.append(client)
    return late


async def worker(path: str, first: int, count: int, publishers: int) -> None:
    """Subscriber process: prints ``ready`` once all get video; on ``go SECONDS``, a JSON measurement."""
    loopback_only()
    bench = await connect(path)
    subs = [bench.subscribe(first + i) for i in range(count)]
    while any(s.frames["video"] < publishers for s in subs):
        await asyncio.sleep(0.2)
    print("ready", flush=True)
    command = await asyncio.to_thread(sys.stdin.readline)
    print(json.dumps(await measure(subs, float(command.split()[1]))), flush=True)
    await asyncio.to_thread(sys.stdin.readline)
    for client in subs:
        await client.sub_pc.close()


async def run(mode: str, publishers: int, subscribers: int, seconds: float, workers: int, profile: str | None,
              browsers: bool = False) -> dict:
    loopback_only()
    path = tempfile.mktemp(suffix=".sock", prefix="media-bench-")
    me = [sys.executable, "-m", "benchmarks.media_bench"]
    server = subprocess.Popen([*me, "--serve", path, "--mode", mode], cwd=ROOT)
    procs: list[asyncio.subprocess.Process] = []
    pages = browser_publishers(path, publishers) if browsers else contextlib.nullcontext()
    try:
        async with pages:
            return await _run(mode, publishers, subscribers, seconds, workers, profile, browsers, path, server,
                              procs)
    finally:
        for proc in procs:
            with contextlib.suppress(ProcessLookupError):
                await asyncio.wait_for(proc.wait(), timeout=10)
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.wait(timeout=10)
        if server.poll() is None:
            server.terminate()
        for leftover in (path, path + ".http"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(leftover)


async def _run(mode: str, publishers: int, subscribers: int, seconds: float, workers: int, profile: str | None,
               browsers: bool, path: str, server: subprocess.Popen, procs: list[asyncio.subprocess.Process]) -> dict:
    me = [sys.executable, "-m", "benchmarks.media_bench"]
    bench = await connect(path)
    pubs = [] if browsers else [await bench.publish(1 + i) for i in range(publishers)]
    shares = [subscribers // workers + (i < subscribers % workers) for i in range(workers)]
    for i, share in enumerate(shares):
        args = [
            "--worker",
            path,
            "--first",
            str(100 + sum(shares[:i])),
            "--count",
            str(share),
            "--publishers",
            str(publishers),
        ]
        procs.append(
            await asyncio.create_subprocess_exec(
                *me, *args, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE
            )
        )
    for proc in procs:
        line = await asyncio.wait_for(_stdout(proc).readline(), timeout=90)
        assert line == b"ready\n", f"a subscriber worker failed: {line!r}"
    await asyncio.sleep(3)  # warm up: keyframes, bitrate estimation
    spy = None
    if profile:
        fmt = "raw" if profile.endswith(".txt") else "flamegraph"
        spy = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "py-spy"),
                "record",
                "-p",
                str(server.pid),
                "-d",
                str(int(seconds)),
                "-o",
                profile,
                "--format",
                fmt,
                "--nonblocking",
            ]
        )
    before = await bench.server_stats()
    cpu0 = cpu_seconds(server.pid)
    for proc in procs:
        _stdin(proc).write(f"go {seconds}\n".encode())
    mine = await measure(pubs, seconds)
    cpu1, stats_rss = cpu_seconds(server.pid), rss_mb(server.pid)
    results = [json.loads(await _stdout(proc).readline()) for proc in procs]
    if browsers:  # the browsers' own reception is not counted: the window is the first worker's
        mine, results = results[0], results[1:]
    stats = await bench.server_stats()
    if stats["pauses"] is not None:  # during the window only
        stats.update({k: stats[k] - before[k] for k in ("pauses", "plis")})
    stats["server_rss_mb"] = round(stats_rss)
    if spy is not None:
        spy.wait()
    late = await late_joins(bench)
    firsts = sorted(c.first_video - c.joined for c in late if c.first_video is not None)
    joins: dict[str, Any] = {
        "late_joins": f"{len(firsts)}/{len(late)}",
        "first_picture_ms_p50": round(statistics.median(firsts) * 1000) if firsts else None,
        "first_picture_ms_max": round(firsts[-1] * 1000) if firsts else None,
    }
    for proc in procs:
        _stdin(proc).write(b"quit\n")
        await proc.wait()
    for client in [*pubs, *late]:
        await client.pc.close()
        await client.sub_pc.close()
    bench.send("quit")
    label = f"{mode} (Chromium publishers)" if browsers else mode
    return summary(
        label, publishers, subscribers, (cpu1 - cpu0) / mine["wall"], [mine, *results], {**stats, **joins}
    )


def _stdin(proc: asyncio.subprocess.Process) -> asyncio.StreamWriter:
    if proc.stdin is None:
        raise RuntimeError("a subscriber worker was started without a stdin pipe")
    return proc.stdin


def _stdout(proc: asyncio.subprocess.Process) -> asyncio.StreamReader:
    if proc.stdout is None:
        raise RuntimeError("a subscriber worker was started without a stdout pipe")
    return proc.stdout


def summary(
    mode: str,
    publishers: int,
    subscribers: int,
    server_cores: float,
    parts: list[dict[str, float]],
    stats: dict[str, Any],
) -> dict:
    wall = parts[0]["wall"]
    received, lost = sum(p["received"] for p in parts), sum(p["lost"] for p in parts)
    streams = stats.pop("streams")
    return {
        "mode": mode,
        "publishers": publishers,
        "subscribers": subscribers,
        "streams": streams,
        "server_cpu_pct": round(100 * server_cores, 1),
        "cpu_per_stream_pct": round(100 * server_cores / streams, 3) if streams else None,
        "client_cpu_pct": round(100 * sum(p["cpu"] for p in parts) / wall, 1),
        "packets_per_s": round(received / wall),
        "loss_pct": round(100 * lost / max(1, received + lost), 3),
        "frames_per_s": round(sum(p["frames"] for p in parts) / wall),
        "video_kbps": round(8 * sum(p["video_bytes"] for p in parts) / wall / 1000 / max(1, streams // 2)),
        **stats,
    }


def _per_packet(row: dict) -> float:
    return row["server_cpu_pct"] / max(1, row["packets_per_s"])


def table(rows: list[dict]) -> str:
    head = [
        "mode",
        "publishers",
        "subscribers",
        "streams",
        "server_cpu_pct",
        "cpu_per_stream_pct",
        "loss_pct",
        "packets_per_s",
        "frames_per_s",
        "video_kbps",
        "server_rss_mb",
        "client_cpu_pct",
        "decodes",
        "encodes",
        "pauses",
        "plis",
        "late_joins",
        "first_picture_ms_p50",
        "first_picture_ms_max",
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    lines += ["| " + " | ".join(str(r.get(h)) for h in head) + " |" for r in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--publishers", type=int, default=3)
    parser.add_argument("--subscribers", type=int, default=30)
    parser.add_argument("--relay-subscribers", type=int, default=3, help="MediaRelay run (0: skip)")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--profile", help="write a py-spy flame graph of the forwarding server here")
    parser.add_argument("--workers", type=int, default=2, help="subscriber processes")
    parser.add_argument("--browser-publishers", action="store_true",
                        help="then the same forwarding run with Chromium pages as the publishers")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--first", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="forward", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        import uvloop

        uvloop.run(serve(args.serve, args.mode))
        return
    if args.worker:
        asyncio.run(worker(args.worker, args.first, args.count, args.publishers))
        return
    forward = run("forward", args.publishers, args.subscribers, args.seconds, args.workers, args.profile)
    rows = [asyncio.run(forward)]
    print(rows[0], flush=True)
    if args.relay_subscribers:
        relay = run("relay", args.publishers, args.relay_subscribers, args.seconds, 1, None)
        rows.append(asyncio.run(relay))
        print(rows[1], flush=True)
    relayed = len(rows) == 2
    if args.browser_publishers:
        browsers = run("forward", args.publishers, args.subscribers, args.seconds, args.workers, None, True)
        rows.append(asyncio.run(browsers))
        print(rows[-1], flush=True)
    print(table(rows))
    if args.browser_publishers and rows[0]["cpu_per_stream_pct"] and rows[-1]["cpu_per_stream_pct"]:
        per_stream = rows[-1]["cpu_per_stream_pct"] / rows[0]["cpu_per_stream_pct"]
        per_packet = _per_packet(rows[-1]) / _per_packet(rows[0])
        print(f"\nper forwarded stream, Chromium's cost {per_stream:.2f}x aiortc's (per packet {per_packet:.2f}x)")
    if relayed and rows[0]["cpu_per_stream_pct"] and rows[1]["cpu_per_stream_pct"]:
        print(
            f"\nMediaRelay costs {rows[1]['cpu_per_stream_pct'] / rows[0]['cpu_per_stream_pct']:.1f}x more "
            "per subscriber-stream"
        )
    if relayed and rows[0]["first_picture_ms_p50"] and rows[1]["first_picture_ms_p50"]:
        print(
            f"first picture after joining: p50 {rows[0]['first_picture_ms_p50']} ms forwarded, "
            f"{rows[1]['first_picture_ms_p50']} ms through MediaRelay "
            f"({rows[0]['first_picture_ms_p50'] / rows[1]['first_picture_ms_p50']:.2f}x)"
        )


if __name__ == "__main__":
    main()
