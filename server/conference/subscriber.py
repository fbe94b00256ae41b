"""A participant's subscribe connection: the server offers everyone else's media in reusable slots."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from aiortc import RTCPeerConnection, RTCRtpSender, RTCRtpTransceiver, RTCSessionDescription
from aiortc.rtcrtpparameters import RTCRtpCodecParameters

from cybercollege.protocol.conference import ConfSubscribeOffer, ConfTracks, Kind, TrackInfo
from cybercollege.server.conference import aiortc_hooks as hooks
from cybercollege.server.conference.config import SfuConfig
from cybercollege.server.conference.forwarding import H264, OPUS, VP8, ForwardedTrack, Forwarder

Send = Callable[[object], None]

CODEC = {
    VP8: RTCRtpCodecParameters(mimeType="video/VP8", clockRate=90000),
    H264: RTCRtpCodecParameters(mimeType="video/H264", clockRate=90000),
    OPUS: RTCRtpCodecParameters(mimeType="audio/opus", clockRate=48000, channels=2),
}
"""The packetizer of each forwarded codec (by lower-case MIME type)."""


def _preferences(kind: Kind, codec: str) -> list:
    """Offer only ``codec`` (and its retransmissions) in a slot: the publisher's frames go out as they are."""
    wanted = {codec, "video/rtx"}
    return [c for c in RTCRtpSender.getCapabilities(kind.value).codecs if c.mimeType.lower() in wanted]


class AnswerError(ValueError):
    """The client's answer cannot be used; it may send a corrected one for the same version."""


@dataclass(eq=False)
class Slot:
    """One sendonly transceiver of the subscribe connection, carrying one forwarded track at a time."""

    transceiver: RTCRtpTransceiver
    track: ForwardedTrack
    codec: str

    @property
    def source(self) -> Forwarder | None:
        return self.track.source


class Subscriber:
    """The server end of one participant's subscribe connection.

    Slots are reused when speakers change, so renegotiation only happens when more tracks are needed.
    One offer is outstanding at a time; changes made meanwhile are offered when its answer arrives.
    """

    def __init__(self, participant: int, config: SfuConfig, send: Send, replacing: Subscriber | None = None) -> None:
        self.participant = participant
        self.config = config
        self.send = send
        self.pc = RTCPeerConnection(config.rtc_configuration())
        self.slots: list[Slot] = []
        self.version: int = replacing.version if replacing is not None else 0
        self._restart = replacing is not None
        self._awaiting_answer = False
        self._unoffered = False
        self._told = ConfTracks([])
        self._closed = False
        self._lock = asyncio.Lock()

    def attach(self, forwarder: Forwarder) -> None:
        """Start receiving ``forwarder``'s media, in a free slot or a new one (call :meth:`sync` after)."""
        kind, codec = forwarder.kind, forwarder.codec
        slot = next((s for s in self.slots if s.source is None and s.track.kind == kind and s.codec == codec), None)
        if slot is None:
            slot = self._new_slot(kind, codec)
        forwarder.attach(slot.track)

    def detach(self, forwarder: Forwarder) -> None:
        for slot in self.slots:
            if slot.source is forwarder:
                forwarder.detach(slot.track)

    def _new_slot(self, kind: Kind, codec: str) -> Slot:
        limit = self.config.video_queue_frames if kind is Kind.VIDEO else self.config.audio_queue_frames
        track = ForwardedTrack(kind, limit)
        transceiver = self.pc.addTransceiver(track, direction="sendonly")
        transceiver.setCodecPreferences(_preferences(kind, codec))
        hooks.pack_only(transceiver.sender, CODEC[codec])
        hooks.on_keyframe_request(transceiver.sender, track.request_keyframe)
        slot = Slot(transceiver, track, codec)
        self.slots.append(slot)
        self._unoffered = True
        return slot

    async def sync(self) -> None:
        """Send a new offer if slots were added (and none is outstanding), then the current track list."""
        async with self._lock:
            if self._closed:
                return
            if self._unoffered and not self._awaiting_answer:
                await self._offer()
            self._tell_tracks()

    async def _offer(self) -> None:
        self._unoffered = False
        await self.pc.setLocalDescription(await self.pc.createOffer())
        self.version += 1
        self._awaiting_answer = True
        self.send(ConfSubscribeOffer(self.version, self.pc.localDescription.sdp, self._restart))
        self._restart = False

    async def accept(self, version: int, answer_sdp: str) -> bool:
        """Apply the client's answer; False if it answers an offer that is not the outstanding one."""
        async with self._lock:
            if not self._awaiting_answer or version != self.version:
                return False
            try:
                await self.pc.setRemoteDescription(RTCSessionDescription(answer_sdp, "answer"))
            except Exception as exc:  # a client's SDP can make aiortc raise many types
                raise AnswerError(f"unusable answer: {type(exc).__name__}: {exc}") from exc
            self._awaiting_answer = False
            if self._unoffered:
                await self._offer()
                self._tell_tracks()
            return True

    def _tell_tracks(self) -> None:
        tracks = self.tracks()
        if tracks != self._told:
            self._told = tracks
            self.send(tracks)

    def tracks(self) -> ConfTracks:
        """Which offered mid carries whose media now."""
        return ConfTracks(
            [
                TrackInfo(s.transceiver.mid, s.source.publisher, s.track.kind)
                for s in self.slots
                if s.source is not None and s.transceiver.mid is not None
            ]
        )

    async def close(self) -> None:
        self._closed = True
        for slot in self.slots:
            if slot.source is not None:
                slot.source.detach(slot.track)
            slot.track.stop()
        await self.pc.close()
