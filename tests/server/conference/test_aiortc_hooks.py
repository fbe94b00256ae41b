"""The aiortc internals the forwarder relies on still behave as aiortc 1.16's did.

If one of these fails after an aiortc upgrade, fix server/conference/aiortc_hooks.py (and only it).
"""

from __future__ import annotations

import asyncio
import fractions
import inspect
import itertools
import socket

import aioice.ice
import aiortc
import av
import pytest
import uvloop
from aiortc import RTCPeerConnection, RTCRtpReceiver
from aiortc.rtcrtpparameters import RTCRtpCodecParameters
from aiortc.rtp import RTCP_PSFB_FIR, RTCP_PSFB_PLI, RtcpPsfbPacket

from cybercollege.server.conference import aiortc_hooks as hooks
from cybercollege.server.conference.forwarding import is_vp8_keyframe
from tests.server.conference.client import CONFIG, wait_for
from tests.server.conference.media import CounterVideo

VP8 = RTCRtpCodecParameters(mimeType="video/VP8", clockRate=90000)


def test_aiortc_is_the_pinned_version() -> None:
    assert aiortc.__version__.startswith("1.16."), "re-check every hook against the new aiortc, then re-pin"


async def test_tapped_receiver_hands_encoded_frames_over_and_never_decodes() -> None:
    sender_pc, receiver_pc = RTCPeerConnection(CONFIG), RTCPeerConnection(CONFIG)
    sender_pc.addTrack(CounterVideo(fps=30))
    frames: list[tuple[bytes, int]] = []
    decodes = hooks.calls.decodes
    try:
        await sender_pc.setLocalDescription(await sender_pc.createOffer())
        await receiver_pc.setRemoteDescription(sender_pc.localDescription)
        (transceiver,) = receiver_pc.getTransceivers()
        tap = hooks.tap_receiver(transceiver.receiver, lambda data, ts: frames.append((data, ts)))
        await receiver_pc.setLocalDescription(await receiver_pc.createAnswer())
        await sender_pc.setRemoteDescription(receiver_pc.localDescription)
        await wait_for(lambda: len(frames) >= 10, timeout=5, what="tapped frames")
        assert is_vp8_keyframe(frames[0][0]), "a stream starts with a keyframe"
        assert frames[0][1] == 0 and all(b[1] > a[1] for a, b in itertools.pairwise(frames))
        assert tap.qsize() == 0 and hooks.calls.decodes == decodes
        with pytest.raises(hooks.HookError, match="before the receiver starts"):
            hooks.tap_receiver(transceiver.receiver, lambda data, ts: None)
    finally:
        await sender_pc.close()
        await receiver_pc.close()
    assert hooks.calls.decodes == decodes, "stopping the receiver only stops its idle decoder thread"


def test_receiver_decoder_worker_still_reads_the_queue_given_at_start() -> None:
    source = inspect.getsource(RTCRtpReceiver.receive)
    assert "self.__decoder_queue" in source and "decoder_worker" in source
    put_source = inspect.getsource(RTCRtpReceiver._handle_rtp_packet)
    assert "self.__decoder_queue.put((codec, encoded_frame))" in put_source


@pytest.mark.parametrize("fmt", [RTCP_PSFB_PLI, RTCP_PSFB_FIR])
async def test_keyframe_requests_of_the_remote_peer_reach_the_callback(fmt: int) -> None:
    pc = RTCPeerConnection(CONFIG)
    sender = pc.addTransceiver("video", direction="sendonly").sender
    requests: list[bool] = []
    hooks.on_keyframe_request(sender, lambda: requests.append(True))
    await sender._handle_rtcp_packet(RtcpPsfbPacket(fmt=fmt, ssrc=1, media_ssrc=sender._ssrc))
    assert requests == [True]
    await pc.close()


async def test_send_pli_puts_a_pli_for_the_media_ssrc_on_the_wire() -> None:
    pc = RTCPeerConnection(CONFIG)
    receiver = pc.addTransceiver("video", direction="recvonly").receiver
    receiver._set_rtcp_ssrc(1234)
    sent: list[bytes] = []

    async def capture(data: bytes) -> None:
        sent.append(data)

    receiver.transport._send_rtp = capture  # type: ignore[method-assign]
    await hooks.send_pli(receiver, 5678)
    assert sent == [bytes(RtcpPsfbPacket(fmt=RTCP_PSFB_PLI, ssrc=1234, media_ssrc=5678))]
    await pc.close()


async def test_pack_only_sender_packs_packets_and_refuses_frames() -> None:
    pc = RTCPeerConnection(CONFIG)
    sender = pc.addTransceiver("video", direction="sendonly").sender
    assert getattr(sender, hooks.SENDER_ENCODER) is None, "aiortc creates its encoder lazily"
    encoder = hooks.pack_only(sender, VP8)
    assert getattr(sender, hooks.SENDER_ENCODER) is encoder
    packet = av.Packet(b"\x10" + bytes(3000))
    packet.pts, packet.time_base = 9000, fractions.Fraction(1, 90000)
    payloads, timestamp = encoder.pack(packet)
    assert timestamp == 9000 and len(payloads) == 3 and sum(map(len, payloads)) > 3000
    encodes = hooks.calls.encodes
    with pytest.raises(hooks.HookError):
        encoder.encode(av.VideoFrame(16, 16, "yuv420p"))
    assert hooks.calls.encodes == encodes + 1
    await pc.close()


def test_sender_packs_non_frames_instead_of_encoding() -> None:
    source = inspect.getsource(aiortc.RTCRtpSender._next_encoded_frame)
    assert "self.__encoder.pack(data)" in source and "if self.__encoder is None" in source


def candidate_ports(sdp: str) -> set[int]:
    return {int(line.split()[5]) for line in sdp.splitlines() if line.startswith("a=candidate:")}


async def connect_pair_in_port_range(low: int, high: int) -> set[int]:
    """Connect two peers with every ICE socket in ``low..high``; the ports their candidates use."""
    hooks.limit_udp_ports((low, high))
    offerer, answerer = RTCPeerConnection(CONFIG), RTCPeerConnection(CONFIG)
    try:
        offerer.addTrack(CounterVideo(fps=30))
        await offerer.setLocalDescription(await offerer.createOffer())
        await answerer.setRemoteDescription(offerer.localDescription)
        await answerer.setLocalDescription(await answerer.createAnswer())
        await offerer.setRemoteDescription(answerer.localDescription)
        await wait_for(lambda: answerer.connectionState == "connected", timeout=5, what="connection")
        return candidate_ports(offerer.localDescription.sdp) | candidate_ports(answerer.localDescription.sdp)
    finally:
        hooks.limit_udp_ports(None)
        await offerer.close()
        await answerer.close()


async def test_udp_port_range_binds_ice_sockets_in_range_skipping_busy_ports() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as busy:
        busy.bind(("127.0.0.1", 41000))
        ports = await connect_pair_in_port_range(41000, 41099)
    assert len(ports) == 2 and all(41001 <= p <= 41099 for p in ports)
    assert aioice.ice.asyncio is asyncio, "limit_udp_ports(None) restores aioice"


def test_udp_port_range_works_under_uvloop_as_in_the_world_server() -> None:
    ports = uvloop.run(connect_pair_in_port_range(41100, 41199))
    assert len(ports) == 2 and all(41100 <= p <= 41199 for p in ports)


def test_a_bad_port_range_is_refused() -> None:
    with pytest.raises(ValueError):
        hooks.limit_udp_ports((5000, 4000))
