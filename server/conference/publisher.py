"""A participant's publish connection: the client offers its camera and microphone, the server answers and
taps each received track into a :class:`Forwarder`."""

from __future__ import annotations

from collections.abc import Callable

from aiortc import RTCPeerConnection, RTCRtpTransceiver, RTCSessionDescription
from aiortc.sdp import MediaDescription, SessionDescription

from cybercollege.protocol.conference import Kind
from cybercollege.server.conference import aiortc_hooks as hooks
from cybercollege.server.conference.config import SfuConfig
from cybercollege.server.conference.forwarding import H264, OPUS, VP8, Forwarder, KeyframeRequester

CODECS = {Kind.VIDEO: (VP8, H264), Kind.AUDIO: (OPUS,)}
"""What we forward: a publisher must send one of these (each subscriber is offered the publisher's)."""


class PublishError(ValueError):
    """The client's offer cannot be used (bad SDP, unsupported codec)."""


class Publisher:
    """The server end of one participant's publish connection."""

    def __init__(self, participant: int, config: SfuConfig, on_forwarder: Callable[[Forwarder], None]) -> None:
        self.participant = participant
        self.config = config
        self.on_forwarder = on_forwarder
        self.pc = RTCPeerConnection(config.rtc_configuration())
        self.forwarders: dict[RTCRtpTransceiver, Forwarder] = {}

    async def answer(self, offer_sdp: str) -> str:
        """Apply the client's offer (first or renegotiation) and return the server's answer."""
        try:
            media = {m.rtp.muxId: m for m in SessionDescription.parse(offer_sdp).media}
            if not media:
                raise PublishError("the offer has no audio or video")
            await self.pc.setRemoteDescription(RTCSessionDescription(offer_sdp, "offer"))
            new = [self._tap(t, media[_mid(t)]) for t in self.pc.getTransceivers() if t not in self.forwarders]
            await self.pc.setLocalDescription(await self.pc.createAnswer())
        except (PublishError, hooks.HookError):
            raise
        except Exception as exc:  # a client's SDP can make aiortc raise many types
            raise PublishError(f"unusable offer: {type(exc).__name__}: {exc}") from exc
        codecs = self._check_codecs(self.pc.localDescription.sdp)
        for transceiver, forwarder in self.forwarders.items():
            codec = codecs.get(_mid(transceiver), forwarder.codec)
            if forwarder in new:
                forwarder.codec = codec
            elif codec != forwarder.codec:
                raise PublishError(f"a track cannot change codec ({forwarder.codec} to {codec}): publish again")
        for forwarder in new:
            self.on_forwarder(forwarder)
        return self.pc.localDescription.sdp

    def _tap(self, transceiver: RTCRtpTransceiver, media: MediaDescription) -> Forwarder:
        receiver = transceiver.receiver
        ssrc = media_ssrc(media)

        async def pli() -> None:
            await hooks.send_pli(receiver, ssrc)

        keyframes = KeyframeRequester(pli, self.config.keyframe_interval_s)
        forwarder = Forwarder(self.participant, Kind(transceiver.kind), keyframes)
        hooks.tap_receiver(receiver, forwarder.on_frame)
        self.forwarders[transceiver] = forwarder
        return forwarder

    def _check_codecs(self, answer_sdp: str) -> dict[str, str]:
        """The codec each active media section of the answer carries, by mid (PublishError if not forwarded)."""
        codecs = {}
        for m in SessionDescription.parse(answer_sdp).media:
            if m.direction == "inactive" or m.kind not in CODECS:
                continue
            first = m.rtp.codecs[0].mimeType.lower() if m.rtp.codecs else "none"
            allowed = CODECS[Kind(m.kind)]
            if first not in allowed:
                raise PublishError(f"{m.kind} must be sent as {' or '.join(allowed)}, not {first}")
            if m.rtp.muxId:
                codecs[m.rtp.muxId] = first
        return codecs

    async def close(self) -> None:
        for forwarder in self.forwarders.values():
            forwarder.close()
        await self.pc.close()


def media_ssrc(media: MediaDescription) -> int:
    """The SSRC of a media section's primary stream (not its retransmission stream), 0 if unknown."""
    for group in media.ssrc_group:
        if group.semantic == "FID":
            return int(group.items[0])
    return media.ssrc[0].ssrc if media.ssrc else 0


def _mid(transceiver: RTCRtpTransceiver) -> str:
    """The media id aiortc gave ``transceiver`` when it applied the offer."""
    if transceiver.mid is None:
        raise PublishError("a transceiver has no media id after the offer")
    return transceiver.mid
