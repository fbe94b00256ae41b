"""A conference participant over the world protocol, with real aiortc peers: it publishes a frame-counter
video and a tone, answers the server's subscribe offers on one peer connection, and counts what arrives
on each ``mid`` (whoever CONF_TRACKS says it carries), so that tests can assert counts, not times."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from typing import Any

import av
from aiortc import MediaStreamTrack, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError

from cybercollege.client.network import WorldConnection
from cybercollege.protocol.conference import (
    ConfPublish,
    ConfPublishAnswer,
    ConfRole,
    ConfSubscribeAnswer,
    ConfSubscribeOffer,
    ConfTracks,
)
from cybercollege.protocol.messages import Error
from tests.server.conference.client import CONFIG, wait_for
from tests.server.conference.media import CounterVideo, Tone, read_counter


class Peer:
    """One world connection's conference side."""

    def __init__(self, conn: WorldConnection) -> None:
        self.conn = conn
        self.received: list[Any] = []
        self.mids: dict[str, int] = {}
        """mid -> publisher, from the last CONF_TRACKS."""
        self.frames: Counter[str] = Counter()
        """Frames decoded on each mid, whoever filled it."""
        self.video: dict[int, list[int]] = {}
        """Publisher -> the counters of their video frames I decoded."""
        self.audio: Counter[int] = Counter()
        """Publisher -> audio frames of theirs I decoded."""
        self.sub_pc: RTCPeerConnection | None = None
        self.pub_pc: RTCPeerConnection | None = None
        self._lock = asyncio.Lock()
        self._tasks: list[asyncio.Task[None]] = []
        conn.mirror.listeners.append(self._on_message)

    @property
    def me(self) -> int:
        return self.conn.mirror.me

    # --- what arrives -------------------------------------------------------------------------------

    def _on_message(self, msg: Any) -> None:
        if type(msg).__name__.startswith("Conf") or isinstance(msg, Error):
            self.received.append(msg)
        if isinstance(msg, ConfSubscribeOffer):
            self._tasks.append(asyncio.get_running_loop().create_task(self._answer(msg)))
        elif isinstance(msg, ConfTracks):
            self.mids = {t.mid: t.participant for t in msg.tracks}

    async def _answer(self, offer: ConfSubscribeOffer) -> None:
        async with self._lock:
            if offer.restart and self.sub_pc is not None:
                await self.sub_pc.close()
                self.sub_pc = None
            if self.sub_pc is None:
                self.sub_pc = RTCPeerConnection(CONFIG)
                self.sub_pc.on("track", self._on_track)
            await self.sub_pc.setRemoteDescription(RTCSessionDescription(offer.sdp, "offer"))
            await self.sub_pc.setLocalDescription(await self.sub_pc.createAnswer())
            await self.conn.send(ConfSubscribeAnswer(offer.version, self.sub_pc.localDescription.sdp))

    def _on_track(self, track: MediaStreamTrack) -> None:
        assert self.sub_pc is not None
        mid = next(t.mid for t in self.sub_pc.getTransceivers() if t.receiver.track is track)
        assert mid is not None
        self._tasks.append(asyncio.create_task(self._read(track, mid)))

    async def _read(self, track: MediaStreamTrack, mid: str) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                frame = await track.recv()
                self.frames[mid] += 1
                publisher = self.mids.get(mid)
                if publisher is None:
                    continue
                if isinstance(frame, av.VideoFrame):
                    self.video.setdefault(publisher, []).append(read_counter(frame))
                else:
                    self.audio[publisher] += 1

    def role_of(self, participant: int) -> str | None:
        roles = [m.role for m in self.received if isinstance(m, ConfRole) and m.participant == participant]
        return roles[-1] if roles else None

    def mids_of(self, participant: int) -> list[str]:
        return [mid for mid, p in self.mids.items() if p == participant]

    def errors(self, ref: int | None = None) -> list[Error]:
        return [m for m in self.received if isinstance(m, Error) and (ref is None or m.ref == ref)]

    def answers(self) -> list[ConfPublishAnswer]:
        return [m for m in self.received if isinstance(m, ConfPublishAnswer)]

    async def seen(self, publisher: int, frames: int, what: str, timeout: float = 20) -> None:
        """Wait until I decoded ``frames`` more video frames of ``publisher``."""
        start = len(self.video.get(publisher, []))
        await wait_for(lambda: len(self.video.get(publisher, [])) >= start + frames, timeout, what)

    # --- what I send --------------------------------------------------------------------------------

    async def publish(self) -> None:
        """Publish a frame-counter video and a tone; fails if the server refuses."""
        pc = self.pub_pc = RTCPeerConnection(CONFIG)
        pc.addTrack(CounterVideo())
        pc.addTrack(Tone())
        await pc.setLocalDescription(await pc.createOffer())
        answered, refused = len(self.answers()), len(self.errors(64))
        await self.conn.send(ConfPublish(pc.localDescription.sdp))
        await wait_for(
            lambda: len(self.answers()) > answered or len(self.errors(64)) > refused, 10, "the publish answer"
        )
        assert len(self.errors(64)) == refused, self.errors(64)[-1]
        await pc.setRemoteDescription(RTCSessionDescription(self.answers()[-1].sdp, "answer"))

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for pc in (self.pub_pc, self.sub_pc):
            if pc is not None:
                await pc.close()
