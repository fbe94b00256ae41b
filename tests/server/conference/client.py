"""A test client of the conference: real aiortc peers driven by the signalling messages, every message
going through the wire encoding, as the Panda3D client would do."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import av
from aiortc import (
    MediaStreamTrack,
    RTCBundlePolicy,
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpSender,
    RTCSessionDescription,
)
from aiortc.mediastreams import MediaStreamError

from cybercollege.protocol import Direction, decode, encode
from cybercollege.protocol.conference import (
    ConfPublish,
    ConfPublishAnswer,
    ConfSubscribeAnswer,
    ConfSubscribeOffer,
    ConfTracks,
)
from cybercollege.server.conference import Participant
from tests.server.conference.media import CounterVideo, Tone, read_counter

CONFIG = RTCConfiguration(iceServers=[], bundlePolicy=RTCBundlePolicy.MAX_BUNDLE)


def wire(msg: Any, direction: Direction) -> Any:
    """``msg`` as the other side decodes it."""
    return decode(encode(msg), direction, max_bytes=1 << 20)


@dataclass
class Seen:
    """What a subscriber received from one publisher."""

    counters: list[tuple[float, int]] = field(default_factory=list)
    audio_frames: int = 0


class Client:
    """One participant's client: publishes synthetic media, subscribes to and decodes everyone else's."""

    def __init__(self, participant: Participant) -> None:
        self.participant = participant
        self.seen: dict[int, Seen] = defaultdict(Seen)
        self.events: list[Any] = []
        self.mids: dict[str, int] = {}
        self.sub_pc: RTCPeerConnection | None = None
        self.pub_pc: RTCPeerConnection | None = None
        self.video: CounterVideo | None = None
        self._tasks: list[asyncio.Task[None]] = [asyncio.create_task(self._pump())]

    async def send(self, msg: Any) -> list[Any]:
        replies = await self.participant.handle(wire(msg, Direction.TO_SERVER))
        return [wire(r, Direction.TO_CLIENT) for r in replies]

    async def publish(self, audio: bool = True, video_codec: str | None = None) -> None:
        """Publish a frame-counter video (in ``video_codec`` only, e.g. "video/H264", if given) and a tone."""
        self.pub_pc = RTCPeerConnection(CONFIG)
        self.video = CounterVideo()
        transceiver = self.pub_pc.addTransceiver(self.video, direction="sendonly")
        if video_codec is not None:
            codecs = RTCRtpSender.getCapabilities("video").codecs
            transceiver.setCodecPreferences([c for c in codecs if c.mimeType == video_codec])
        if audio:
            self.pub_pc.addTrack(Tone())
        await self.pub_pc.setLocalDescription(await self.pub_pc.createOffer())
        (reply,) = await self.send(ConfPublish(self.pub_pc.localDescription.sdp))
        assert isinstance(reply, ConfPublishAnswer), reply
        await self.pub_pc.setRemoteDescription(RTCSessionDescription(reply.sdp, "answer"))

    async def _pump(self) -> None:
        while True:
            msg = wire(await self.participant.outbox.get(), Direction.TO_CLIENT)
            self.events.append(msg)
            if isinstance(msg, ConfSubscribeOffer):
                await self._answer(msg)
            elif isinstance(msg, ConfTracks):
                self.mids = {t.mid: t.participant for t in msg.tracks}

    async def _answer(self, offer: ConfSubscribeOffer) -> None:
        if offer.restart and self.sub_pc is not None:
            await self.sub_pc.close()
            self.sub_pc = None
        if self.sub_pc is None:
            self.sub_pc = RTCPeerConnection(CONFIG)
            self.sub_pc.on("track", self._on_track)
        await self.sub_pc.setRemoteDescription(RTCSessionDescription(offer.sdp, "offer"))
        await self.sub_pc.setLocalDescription(await self.sub_pc.createAnswer())
        replies = await self.send(ConfSubscribeAnswer(offer.version, self.sub_pc.localDescription.sdp))
        assert replies == [], replies

    def _on_track(self, track: MediaStreamTrack) -> None:
        assert self.sub_pc is not None
        mid = next(t.mid for t in self.sub_pc.getTransceivers() if t.receiver.track is track)
        assert mid is not None
        self._tasks.append(asyncio.create_task(self._read(track, mid)))

    async def _read(self, track: MediaStreamTrack, mid: str) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                frame = await track.recv()
                publisher = self.mids.get(mid)
                if publisher is None:
                    continue
                if isinstance(frame, av.VideoFrame):
                    self.seen[publisher].counters.append((time.monotonic(), read_counter(frame)))
                else:
                    self.seen[publisher].audio_frames += 1

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for pc in (self.pub_pc, self.sub_pc):
            if pc is not None:
                await pc.close()


async def wait_for(condition: Any, timeout: float, what: str) -> None:
    """Poll ``condition()`` until true; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.05)
