"""Forwarding encoded media without decoding or encoding it.

One :class:`Forwarder` per published track fans its frames out to the :class:`ForwardedTrack` of each
subscriber, whose aiortc sender only packetizes them.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Coroutine
from fractions import Fraction
from typing import Any

import av
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from cybercollege.protocol.conference import Kind

TIME_BASES = {Kind.VIDEO: Fraction(1, 90000), Kind.AUDIO: Fraction(1, 48000)}
VP8, H264, OPUS = "video/vp8", "video/h264", "audio/opus"
"""The codecs forwarded (lower-case MIME types): video in VP8 or H.264, audio in Opus."""
DEFAULT_CODECS = {Kind.VIDEO: VP8, Kind.AUDIO: OPUS}

RequestKeyframe = Callable[[], Coroutine[Any, Any, None]]


def is_vp8_keyframe(frame: bytes) -> bool:
    """RFC 6386 §9.1: bit 0 of the first byte of a VP8 frame is 0 for a keyframe."""
    return bool(frame) and frame[0] & 1 == 0


def is_h264_keyframe(frame: bytes) -> bool:
    """An H.264 access unit (Annex B, as aiortc's depacketizer writes it) holding an IDR slice (NAL type 5).

    Start codes cannot occur inside a NAL unit (emulation prevention), so every ``00 00 01`` is one."""
    start = frame.find(b"\x00\x00\x01")
    while start != -1 and start + 3 < len(frame):
        if frame[start + 3] & 0x1F == 5:
            return True
        start = frame.find(b"\x00\x00\x01", start + 3)
    return False


def _always(frame: bytes) -> bool:
    return True


KEYFRAME = {VP8: is_vp8_keyframe, H264: is_h264_keyframe, OPUS: _always}
"""How to tell a frame that a new subscriber can start on, per codec."""


class KeyframeRequester:
    """Relays keyframe requests to a publisher at most once per ``interval`` (a late one is deferred)."""

    def __init__(self, send: RequestKeyframe, interval: float) -> None:
        self.send = send
        self.interval = interval
        self.sent = 0
        self._last = -interval
        self._deferred: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def request(self) -> None:
        wait = self._last + self.interval - time.monotonic()
        if wait <= 0:
            self._send_now()
        elif self._deferred is None:
            self._deferred = asyncio.get_running_loop().call_later(wait, self._send_now)

    def cancel(self) -> None:
        if self._deferred is not None:
            self._deferred.cancel()

    def _send_now(self) -> None:
        self._deferred = None
        self._last = time.monotonic()
        self.sent += 1
        task = asyncio.get_running_loop().create_task(self.send())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


class ForwardedTrack(MediaStreamTrack):
    """What one subscriber receives of one slot: encoded frames of whichever publisher fills it.

    Nothing is queued before its sender starts reading (the connection may still be connecting). Video
    starts (and restarts after a pause) on a keyframe. A subscriber whose sender falls more than
    ``max_queue`` frames behind is paused: its backlog is dropped and it waits for the next keyframe.
    """

    def __init__(self, kind: Kind, max_queue: int) -> None:
        super().__init__()
        self.kind = kind.value
        self.max_queue = max_queue
        self.source: Forwarder | None = None
        self.waiting_keyframe = kind is Kind.VIDEO
        self.pauses = 0
        self.reading = False
        self._queue: deque[av.Packet] = deque()
        self._wakeup: asyncio.Future[None] | None = None

    def push(self, packet: av.Packet, keyframe: bool) -> None:
        if not self.reading:  # its sender has not started, or has stopped
            return
        if len(self._queue) >= self.max_queue:
            self.pause()
        if self.waiting_keyframe:
            if not keyframe:
                self.request_keyframe()
                return
            self.waiting_keyframe = False
        self._queue.append(packet)
        if self._wakeup is not None and not self._wakeup.done():
            self._wakeup.set_result(None)

    def drop(self) -> None:
        """Forget what is queued (its publisher lost the floor or was muted: not one more frame goes out)."""
        self._queue.clear()

    def pause(self) -> None:
        """Drop the backlog; video waits for a fresh keyframe."""
        self.pauses += 1
        self._queue.clear()
        if self.kind == Kind.VIDEO:
            self.waiting_keyframe = True
            self.request_keyframe()

    def request_keyframe(self) -> None:
        if self.source is not None:
            self.source.keyframes.request()

    def start(self) -> None:
        """The sender reads for the first time: accept frames (and ask for a keyframe)."""
        self.reading = True
        if self.waiting_keyframe:
            self.request_keyframe()

    async def recv(self) -> av.Packet:
        if not self.reading and self.readyState == "live":
            self.start()
        while not self._queue:
            if self.readyState != "live":
                raise MediaStreamError
            self._wakeup = asyncio.get_running_loop().create_future()
            await self._wakeup
        return self._queue.popleft()

    def stop(self) -> None:
        super().stop()
        self.reading = False
        if self._wakeup is not None and not self._wakeup.done():
            self._wakeup.set_result(None)


class Forwarder:
    """One published track: wraps each encoded frame once as an ``av.Packet`` and hands it to every sink."""

    def __init__(self, publisher: int, kind: Kind, keyframes: KeyframeRequester, codec: str | None = None) -> None:
        self.publisher = publisher
        self.kind = kind
        self.codec = codec or DEFAULT_CODECS[kind]
        """What the publisher sends (set from the publish answer); subscribers get the same."""
        self.keyframes = keyframes
        self.muted = False
        self.frames = 0
        self.sinks: set[ForwardedTrack] = set()
        self._time_base = TIME_BASES[kind]
        self._video = kind is Kind.VIDEO
        self._base: int | None = None

    def _rebase(self, timestamp: int) -> int:
        """Timestamps on one clock for all forwarders (monotonic time), so that a slot passed from one
        publisher to the next never goes back in time."""
        if self._base is None:
            self._base = round(time.monotonic() / self._time_base) - timestamp
        return timestamp + self._base

    def on_frame(self, data: bytes, timestamp: int) -> None:
        """Called by the receiver's tap with each complete encoded frame."""
        self.frames += 1
        pts = self._rebase(timestamp)
        if self.muted or not self.sinks:
            return
        packet = av.Packet(data)
        packet.pts = pts
        packet.time_base = self._time_base
        keyframe = KEYFRAME[self.codec](data)
        for sink in self.sinks:
            sink.push(packet, keyframe)

    def attach(self, sink: ForwardedTrack) -> None:
        sink.source = self
        sink.waiting_keyframe = self._video
        self.sinks.add(sink)
        if self._video and sink.reading:
            self.keyframes.request()

    def detach(self, sink: ForwardedTrack) -> None:
        self.sinks.discard(sink)
        if sink.source is self:
            sink.source = None
            sink.drop()

    def set_muted(self, muted: bool) -> None:
        """Stop or resume forwarding; resumed video restarts on a keyframe."""
        self.muted = muted
        if muted:
            for sink in self.sinks:
                sink.drop()
        elif self._video:
            for sink in self.sinks:
                sink.waiting_keyframe = True
            self.keyframes.request()

    def close(self) -> None:
        self.keyframes.cancel()
        for sink in list(self.sinks):
            self.detach(sink)
