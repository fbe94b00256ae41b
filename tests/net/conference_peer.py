"""A conference participant in another process (e.g. inside a school network): ``python -m tests.net.conference_peer``.

It speaks the world protocol's conference messages over its standard streams, one per line: ``M <base64 of the
MessagePack message>`` both ways (stdin: what the server sends, stdout: what it sends to the server). After the
first ``CONF_ICE`` it publishes a counter video and a tone (tests/server/conference/media.py), answers every
subscribe offer and decodes what it receives. Four times a second it prints ``R <json>``, a report: the ICE
state and selected candidate pair of both connections, and how many frames it decoded from each participant.
tests/net/remote_peer.py runs it and relays its messages to a server-side participant.

Set ``SSL_CERT_FILE`` to the TURN server's certificate for ``turns:`` URLs (aioice checks it against the
system's CAs); set ``PEER_STUN_RETRIES`` to give up on unanswered connectivity checks sooner (aioice's
default, 6 retransmissions, takes 31.5 s to declare a failure).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import sys
from collections import Counter
from typing import Any

from aiortc import (
    MediaStreamTrack,
    RTCBundlePolicy,
    RTCConfiguration,
    RTCIceServer,
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.mediastreams import MediaStreamError

from cybercollege.protocol import Direction, decode, encode
from cybercollege.protocol.conference import (
    ConfIce,
    ConfPublish,
    ConfPublishAnswer,
    ConfSubscribeAnswer,
    ConfSubscribeOffer,
    ConfTracks,
)
from tests.server.conference.media import CounterVideo, Tone


def pair_of(pc: RTCPeerConnection | None) -> dict[str, Any] | None:
    """The selected candidate pair of ``pc``'s (bundled) transport: local and remote type, address, port."""
    if pc is None or not pc.getTransceivers():
        return None
    connection = pc.getTransceivers()[0].sender.transport.transport._connection  # aioice, private
    pair = connection._nominated.get(1)
    if pair is None:
        return None
    local, remote = pair.local_candidate, pair.remote_candidate
    return {"local": local.type, "local_addr": local.host, "remote": remote.type, "remote_addr": remote.host}


class Peer:
    def __init__(self) -> None:
        self.rtc: RTCConfiguration | None = None
        self.pub: RTCPeerConnection | None = None
        self.sub: RTCPeerConnection | None = None
        self.mids: dict[str, int] = {}
        self.decoded: Counter[str] = Counter()  # "participant/kind" -> frames
        self.readers: set[asyncio.Task[None]] = set()

    def send(self, msg: Any) -> None:
        print("M", base64.b64encode(encode(msg)).decode(), flush=True)

    def report(self) -> None:
        states = {name: pc.iceConnectionState if pc else None for name, pc in (("pub", self.pub), ("sub", self.sub))}
        pairs = {f"{name}_pair": pair_of(pc) for name, pc in (("pub", self.pub), ("sub", self.sub))}
        print("R", json.dumps({**states, **pairs, "decoded": dict(self.decoded)}), flush=True)

    async def handle(self, msg: Any) -> None:
        if isinstance(msg, ConfIce) and self.rtc is None:
            servers = [RTCIceServer(msg.urls, msg.username or None, msg.credential or None)] if msg.urls else []
            self.rtc = RTCConfiguration(iceServers=servers, bundlePolicy=RTCBundlePolicy.MAX_BUNDLE)
            await self.publish()
        elif isinstance(msg, ConfPublishAnswer) and self.pub is not None:
            await self.pub.setRemoteDescription(RTCSessionDescription(msg.sdp, "answer"))
        elif isinstance(msg, ConfSubscribeOffer):
            await self.answer(msg)
        elif isinstance(msg, ConfTracks):
            self.mids = {t.mid: t.participant for t in msg.tracks}

    async def publish(self) -> None:
        self.pub = RTCPeerConnection(self.rtc)
        self.pub.addTrack(CounterVideo())
        self.pub.addTrack(Tone())
        await self.pub.setLocalDescription(await self.pub.createOffer())
        self.send(ConfPublish(self.pub.localDescription.sdp))

    async def answer(self, offer: ConfSubscribeOffer) -> None:
        if offer.restart and self.sub is not None:
            await self.sub.close()
            self.sub = None
        if self.sub is None:
            self.sub = RTCPeerConnection(self.rtc)
            self.sub.on("track", self.on_track)
        await self.sub.setRemoteDescription(RTCSessionDescription(offer.sdp, "offer"))
        await self.sub.setLocalDescription(await self.sub.createAnswer())
        self.send(ConfSubscribeAnswer(offer.version, self.sub.localDescription.sdp))

    def on_track(self, track: MediaStreamTrack) -> None:
        assert self.sub is not None
        mid = next(t.mid or "" for t in self.sub.getTransceivers() if t.receiver.track is track)
        self.readers.add(asyncio.create_task(self.read(track, mid)))

    async def read(self, track: MediaStreamTrack, mid: str) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                await track.recv()
                if mid in self.mids:
                    self.decoded[f"{self.mids[mid]}/{track.kind}"] += 1


async def main() -> None:
    if os.environ.get("PEER_STUN_RETRIES"):
        import aioice.stun

        aioice.stun.RETRY_MAX = int(os.environ["PEER_STUN_RETRIES"])
    peer = Peer()
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)

    async def reports() -> None:
        while True:
            peer.report()
            await asyncio.sleep(0.25)

    task = asyncio.create_task(reports())
    while line := await reader.readline():
        kind, _, data = line.decode().partition(" ")
        if kind == "M":
            await peer.handle(decode(base64.b64decode(data), Direction.TO_CLIENT, max_bytes=1 << 20))
    task.cancel()
    for pc in (peer.pub, peer.sub):
        if pc is not None:
            await pc.close()


if __name__ == "__main__":
    asyncio.run(main())
