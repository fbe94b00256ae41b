"""H.264 forwarding: a publisher that sends H.264 is forwarded in H.264 (each subscriber's slot is offered
the publisher's codec), beside a VP8 publisher, with no codec work on the server."""

from __future__ import annotations

import itertools

import av
from aiortc.codecs import h264
from aiortc.sdp import SessionDescription

from cybercollege.protocol.conference import ConferenceRole, Kind
from cybercollege.server.conference import Sfu
from cybercollege.server.conference import aiortc_hooks as hooks
from cybercollege.server.conference.forwarding import H264, VP8, is_h264_keyframe
from tests.server.conference.client import Client, wait_for

IDR = b"\x00\x00\x00\x01\x67\x42\xe0\x1f" + b"\x00\x00\x00\x01\x68\xce" + b"\x00\x00\x01\x65\x88\x84"
"""SPS, PPS and an IDR slice (NAL types 7, 8, 5) in Annex B, with 4- and 3-byte start codes."""
P_SLICE = b"\x00\x00\x00\x01\x41\x9a\x02"


def test_h264_keyframe_is_an_access_unit_with_an_idr_slice() -> None:
    assert is_h264_keyframe(IDR)
    assert not is_h264_keyframe(P_SLICE) and not is_h264_keyframe(b"") and not is_h264_keyframe(b"\x00\x00\x01")
    assert not is_h264_keyframe(b"\x00\x00\x00\x01\x67\x42\xe0\x1f"), "parameter sets alone are no keyframe"


def increasing(counters: list[tuple[float, int]]) -> bool:
    values = [c for _, c in counters]
    return len(values) >= 10 and all(b > a for a, b in itertools.pairwise(values))


def slot_codecs(client: Client) -> dict[int, str]:
    """Publisher -> the video codec its slot carries on ``client``'s subscribe connection (from the SDP)."""
    assert client.sub_pc is not None
    sdp = SessionDescription.parse(client.sub_pc.remoteDescription.sdp)
    video = {m.rtp.muxId: m.rtp.codecs[0].mimeType.lower() for m in sdp.media if m.kind == "video"}
    return {p: video[mid] for mid, p in client.mids.items() if mid in video}


async def test_an_h264_publisher_is_forwarded_in_h264_beside_a_vp8_one(sfu: Sfu) -> None:
    decodes, encodes = hooks.calls.decodes, hooks.calls.encodes
    host = Client(await sfu.join("amphi", 1, ConferenceRole.HOST))
    browser = Client(await sfu.join("amphi", 2, ConferenceRole.SPEAKER))
    viewer = Client(await sfu.join("amphi", 3, ConferenceRole.AUDIENCE))
    clients = [host, browser, viewer]
    try:
        await host.publish()
        await browser.publish(video_codec="video/H264")
        (video,) = [f for f in sfu.conferences["amphi"].forwarders if f.publisher == 2 and f.kind is Kind.VIDEO]
        assert video.codec == H264
        await wait_for(
            lambda: increasing(viewer.seen[1].counters) and increasing(viewer.seen[2].counters),
            20,
            "the viewer decoding the VP8 and the H.264 publisher",
        )
        await wait_for(lambda: increasing(host.seen[2].counters), 10, "the host decoding the H.264 publisher")
        assert slot_codecs(viewer) == {1: VP8, 2: H264}
        assert viewer.seen[2].audio_frames > 0 and host.seen[2].audio_frames > 0
        assert (hooks.calls.decodes, hooks.calls.encodes) == (decodes, encodes), "no codec work on the server"
        assert video.keyframes.sent >= 1, "the subscribers started on an IDR the SFU asked for"

        # The H.264 publisher leaves, a VP8 one takes the floor: it gets a VP8 slot, not the idle H.264 one.
        clients.remove(browser)
        await browser.close()
        await sfu.leave("amphi", 2)
        late = Client(await sfu.join("amphi", 4, ConferenceRole.SPEAKER))
        try:
            await late.publish()
            await wait_for(lambda: increasing(viewer.seen[4].counters), 20, "the new VP8 speaker")
            assert slot_codecs(viewer)[4] == VP8
        finally:
            await late.close()
    finally:
        for client in clients:
            await client.close()


def test_aiortc_packs_annex_b_h264() -> None:
    """The forwarder hands the sender what the receiver's depacketizer wrote (Annex B): aiortc packs it."""
    packet = av.Packet(IDR)
    packet.pts, packet.time_base = 0, h264.VIDEO_TIME_BASE
    payloads, _ = h264.H264Encoder().pack(packet)
    assert payloads and all(len(p) <= h264.PACKET_MAX for p in payloads)
