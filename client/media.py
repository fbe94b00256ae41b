"""My side of a conference (docs/conference.md): publish my camera and microphone when I have the floor,
answer the server's subscribe offers, and decode what the others send.

Fed with the conference messages of the mirror (:meth:`ConferenceMedia.on_message`); sends with
``send(msg)``. Decoded video is turned into texture-ready pictures off the frame loop (a worker thread); the screen
(client/screen.py) uploads the newest one of each participant. Decoded audio is handed to ``play`` and
measured for the speaking indicator; ``gain(who)`` (the zone's policy) scales what is played.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import av
import numpy as np
from aiortc import (
    MediaStreamTrack,
    RTCBundlePolicy,
    RTCConfiguration,
    RTCIceServer,
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.mediastreams import MediaStreamError

from cybercollege.client import audiozone, sources
from cybercollege.client.sources import Devices, Mutable
from cybercollege.protocol.conference import (
    ConfIce,
    ConfLeft,
    ConfMuted,
    ConfPublish,
    ConfPublishAnswer,
    ConfRecording,
    ConfRole,
    ConfRooms,
    ConfSubscribeAnswer,
    ConfSubscribeOffer,
    ConfTracks,
    ConfUnpublish,
)
from cybercollege.protocol.messages import Error, schema_of

log = logging.getLogger("cybercollege.client.media")
PUBLISH_CODE = schema_of(ConfPublish).code

SPEAKING_LEVEL = 0.02  # RMS above which someone is speaking
SPEAKING_HOLD = 0.4  # seconds the indicator stays on after the last loud frame
MAX_PICTURE = (640, 360)  # pictures are scaled down to fit this box before upload


@dataclass
class Picture:
    """The newest decoded picture of one participant: BGR rows bottom-up, Panda3D's own texture layout
    (uploading it is a copy; ``set_ram_image_as(..., "RGB")`` would cost 5× more on the frame loop)."""

    width: int
    height: int
    bgr: bytes
    serial: int


def to_picture(frame: av.VideoFrame, serial: int) -> Picture:
    """Scale down to fit MAX_PICTURE (keeping the aspect ratio) and convert; runs in a worker thread."""
    scale = min(1.0, MAX_PICTURE[0] / frame.width, MAX_PICTURE[1] / frame.height)
    width, height = max(2, int(frame.width * scale) // 2 * 2), max(2, int(frame.height * scale) // 2 * 2)
    bgr = frame.to_ndarray(format="bgr24", width=width, height=height)
    return Picture(width, height, np.ascontiguousarray(bgr[::-1]).tobytes(), serial)


class _Republish:
    """Queued by :meth:`ConferenceMedia.use`: publish again from the new devices."""


_REPUBLISH = _Republish()


class _GiveUp:
    """Queued by :meth:`ConferenceMedia.give_up`: stop joining this room's conference."""


_GIVE_UP = _GiveUp()
JOIN_S = 20.0
"""A peer connection not connected after this long: the bar says the conference does not answer."""


class ConferenceMedia:
    """One connection's conference media. ``rtc`` is the peer connections' configuration."""

    joined = False  # the server made me a participant (CONF_ICE, my CONF_ROLE, CONF_ROOMS) and I have not left
    conference = ""  # the conference's own room (CONF_ROOMS)
    rooms: tuple[str, ...] = ()  # the rooms included in it (CONF_LINK)

    def __init__(
        self,
        send: Callable[[Any], Awaitable[None]],
        me: int,
        devices: Devices,
        rtc: RTCConfiguration | None = None,
        play: Callable[[int, av.AudioFrame], None] | None = None,
        gain: Callable[[int], float] | None = None,
        name: Callable[[], str] | None = None,
    ) -> None:
        self.send, self.me, self.devices = send, me, devices
        self.name = name or (lambda: "")  # my name, written on my test pattern
        self.rtc = rtc or RTCConfiguration(iceServers=[], bundlePolicy=RTCBundlePolicy.MAX_BUNDLE)
        self.play = play or (lambda participant, frame: None)
        self.gain = gain or (lambda participant: 1.0)  # how loud to play each one (client/audiozone.py)
        self.roles: dict[int, str] = {}
        self.muted: set[tuple[int, str]] = set()  # muted by the host
        self.recording = False
        self.mids: dict[str, tuple[int, str]] = {}  # mid -> (participant, kind)
        self.pictures: dict[int, Picture] = {}
        self.audio_frames: dict[int, int] = {}
        self.loud: dict[int, float] = {}  # participant -> last time they were loud
        self.tracks: list[Mutable] = []  # what I publish
        self.replaced: list[str] = []  # kinds published as the test pattern / tone: no such device here
        self.pub: RTCPeerConnection | None = None
        self.sub: RTCPeerConnection | None = None
        self._serial = 0
        self._pending: dict[RTCPeerConnection, float] = {}  # peer connections not connected yet, since when
        self.declined = False  # I cancelled joining: nothing more until my room changes
        self._queue: asyncio.Queue[Any] = asyncio.Queue()
        self._tasks: set[asyncio.Task[None]] = set()
        self._spawn(self._serve())

    # --- messages ---------------------------------------------------------------------------------

    def on_message(self, msg: Any) -> None:
        """Mirror listener: conference messages are handled in order, in a task of their own."""
        if isinstance(msg, ConfIce):  # before any offer: the STUN/TURN servers of this server
            servers = [RTCIceServer(list(msg.urls), msg.username or None, msg.credential or None)] if msg.urls else []
            self.rtc = RTCConfiguration(iceServers=servers, bundlePolicy=RTCBundlePolicy.MAX_BUNDLE)
        if type(msg).__module__ == "cybercollege.protocol.conference":
            self._queue.put_nowait(msg)
        elif isinstance(msg, Error) and msg.ref == PUBLISH_CODE:
            self._queue.put_nowait(msg)  # my offer was refused: drop my publish connection

    async def _serve(self) -> None:
        while True:
            msg = await self._queue.get()
            try:
                await self._handle(msg)
            except Exception:
                log.exception("conference message %s failed", type(msg).__name__)

    def left_room(self) -> None:
        """My room changed: drop everything (the server includes me again if the new room takes part)."""
        self._queue.put_nowait(None)

    def give_up(self) -> None:
        """Cancel joining (Cancel or Escape while connecting): close the peer connections and take no
        further part until my room changes."""
        self._queue.put_nowait(_GIVE_UP)

    def connecting(self) -> float | None:
        """Seconds the oldest of my peer connections has been trying to connect (None: none is)."""
        if not self._pending:
            return None
        return time.monotonic() - min(self._pending.values())

    def _watch(self, pc: RTCPeerConnection) -> None:
        """Count ``pc`` as connecting until its state is "connected" (or it ends)."""
        self._pending[pc] = time.monotonic()

        @pc.on("connectionstatechange")
        def changed() -> None:
            if pc.connectionState in ("connected", "closed", "failed"):
                self._pending.pop(pc, None)

    async def _handle(self, msg: Any) -> None:
        if self.declined and msg is not None:
            return
        match msg:
            case _GiveUp():
                await self._leave()
                self.declined = True
            case _Republish():
                await self._unpublish()
                await self._publish()
            case None:
                await self._leave()
                self.declined = False
            case ConfIce():
                self.joined = True
            case ConfRooms(conference=conference, rooms=rooms):
                self.joined, self.conference, self.rooms = True, conference, tuple(rooms)
            case ConfSubscribeOffer():
                await self._answer(msg)
            case ConfTracks(tracks=tracks):
                self.mids = {t.mid: (t.participant, t.kind) for t in tracks}
                shown = {p for p, kind in self.mids.values() if kind == "video"}
                for gone in set(self.pictures) - shown:
                    del self.pictures[gone]
            case Error():
                await self._unpublish(tell=False)
            case ConfPublishAnswer(sdp=sdp) if self.pub is not None:
                await self.pub.setRemoteDescription(RTCSessionDescription(sdp, "answer"))
            case ConfRole(participant=who, role=role):
                self.roles[who] = role
                if who == self.me:
                    self.joined = True
                    await (self._publish() if role in ("host", "speaker") else self._unpublish())
            case ConfMuted(participant=who, kind=kind, muted=muted):
                (self.muted.add if muted else self.muted.discard)((who, kind))
            case ConfRecording(recording=recording):
                self.recording = recording
            case ConfLeft(participant=who):
                self.roles.pop(who, None)
                self.pictures.pop(who, None)
                if who == self.me:  # removed, or my room was left out of the conference
                    await self._leave()

    # --- publishing -------------------------------------------------------------------------------

    async def _publish(self) -> None:
        if self.pub is not None:
            return
        self.tracks, self.replaced = await sources.open_tracks_or_pattern(self.devices, self.name())
        if self.replaced:
            log.info("no %s device: publishing the test pattern / tone instead", " or ".join(self.replaced))
        if not self.tracks:
            return
        self.pub = RTCPeerConnection(self.rtc)
        self._watch(self.pub)
        for track in self.tracks:
            self.pub.addTrack(track)
        await self.pub.setLocalDescription(await self.pub.createOffer())
        await self.send(ConfPublish(self.pub.localDescription.sdp))

    def use(self, devices: Devices) -> None:
        """Publish from these devices from now on (at once if I have the floor)."""
        self.devices = devices
        if self.roles.get(self.me) in ("host", "speaker"):  # I have the floor: publish from them now
            self._queue.put_nowait(_REPUBLISH)

    async def _unpublish(self, tell: bool = True) -> None:
        if self.pub is None:
            return
        pub, self.pub = self.pub, None
        if tell:
            with contextlib.suppress(Exception):
                await self.send(ConfUnpublish())
        await pub.close()
        self._release()

    def _release(self) -> None:
        """Stop my camera and microphone (the devices are freed)."""
        for track in self.tracks:
            track.stop()
        self.tracks, self.replaced = [], []

    def publishing(self, kind: str) -> Mutable | None:
        return next((t for t in self.tracks if t.kind == kind), None) if self.pub is not None else None

    def toggle(self, kind: str) -> bool | None:
        """Mute or unmute my microphone (``audio``) or camera (``video``); the new muted state, or None."""
        track = self.publishing(kind)
        if track is None:
            return None
        track.muted = not track.muted
        return track.muted

    # --- subscribing ------------------------------------------------------------------------------

    async def _answer(self, offer: ConfSubscribeOffer) -> None:
        if offer.restart and self.sub is not None:
            await self.sub.close()
            self.sub = None
        if self.sub is None:
            self.sub = RTCPeerConnection(self.rtc)
            pc = self.sub
            self._watch(pc)
            pc.on("track", lambda track: self._on_track(pc, track))
        await self.sub.setRemoteDescription(RTCSessionDescription(offer.sdp, "offer"))
        await self.sub.setLocalDescription(await self.sub.createAnswer())
        await self.send(ConfSubscribeAnswer(offer.version, self.sub.localDescription.sdp))

    def _on_track(self, pc: RTCPeerConnection, track: MediaStreamTrack) -> None:
        mid = next((t.mid for t in pc.getTransceivers() if t.receiver.track is track), None)
        if mid is not None:
            self._spawn(self._read(track, mid))

    async def _read(self, track: MediaStreamTrack, mid: str) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                frame = await track.recv()
                who = self.mids.get(mid, (None, ""))[0]
                if who is None:
                    continue
                # a received track decodes its RTP into frames, never hands over packets
                if track.kind == "video":
                    assert isinstance(frame, av.VideoFrame)
                    await self._picture(who, frame)
                else:
                    assert isinstance(frame, av.AudioFrame)
                    self._sound(who, frame)

    async def _picture(self, who: int, frame: av.VideoFrame) -> None:
        self._serial += 1
        picture = await asyncio.to_thread(to_picture, frame, self._serial)
        if any(p == who and k == "video" for p, k in self.mids.values()):
            self.pictures[who] = picture

    def _sound(self, who: int, frame: av.AudioFrame) -> None:
        self.audio_frames[who] = self.audio_frames.get(who, 0) + 1
        if sources.level(frame) > SPEAKING_LEVEL:
            self.loud[who] = time.monotonic()  # on the raw level: a far voice still shows as speaking
        self.play(who, audiozone.apply_gain(frame, self.gain(who)))

    # --- state for the screen and the HUD ---------------------------------------------------------

    def speaking(self) -> list[int]:
        """Who is speaking now (me included), loudest-recent first."""
        now = time.monotonic()
        mic = self.publishing("audio")
        if mic is not None and mic.level > SPEAKING_LEVEL:
            self.loud[self.me] = now
        recent = [(t, p) for p, t in self.loud.items() if now - t < SPEAKING_HOLD]
        return [p for _, p in sorted(recent, reverse=True)]

    def on_screen(self) -> list[int]:
        """Whose video to show: the active speaker first, then hosts, then by id (muted video is not shown)."""
        speaking = self.speaking()
        shown = [p for p in self.pictures if (p, "video") not in self.muted]
        return sorted(shown, key=lambda p: (p not in speaking, self.roles.get(p) != "host", p))

    # --- life -------------------------------------------------------------------------------------

    def _spawn(self, job: Awaitable[None]) -> None:
        task = asyncio.ensure_future(job)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _close_peers(self) -> None:
        for pc in (self.pub, self.sub):
            if pc is not None:
                with contextlib.suppress(Exception):
                    await pc.close()
        self.pub = self.sub = None
        self._pending = {}
        self._release()
        self.pictures, self.mids = {}, {}

    async def _leave(self) -> None:
        await self._close_peers()
        self.roles, self.muted, self.recording, self.loud = {}, set(), False, {}
        self.joined, self.conference, self.rooms = False, "", ()

    async def close(self) -> None:
        """Leave: stop every peer connection and task."""
        for task in list(self._tasks):
            task.cancel()
        await self._close_peers()
