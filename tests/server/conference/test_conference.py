"""The host's controls and the signalling rules, through Participant.handle and the outboxes."""

from __future__ import annotations

from typing import Any

from aiortc import RTCPeerConnection, RTCRtpSender
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cybercollege.protocol import ErrorCode
from cybercollege.protocol.conference import (
    ConferenceRole,
    ConfFloor,
    ConfLeft,
    ConfMute,
    ConfMuted,
    ConfPublish,
    ConfPublishAnswer,
    ConfRemove,
    ConfRole,
    ConfSubscribeAnswer,
)
from cybercollege.protocol.messages import Error
from cybercollege.server.conference import Participant, Sfu, SfuConfig
from tests.server.conference.client import CONFIG, Client
from tests.server.conference.media import CounterVideo


def drain(participant: Participant) -> list[Any]:
    out = []
    while not participant.outbox.empty():
        out.append(participant.outbox.get_nowait())
    return out


async def test_everyone_learns_the_roles_of_everyone(sfu: Sfu) -> None:
    host = await sfu.join("amphi", 1, ConferenceRole.HOST)
    pupil = await sfu.join("amphi", 2, ConferenceRole.AUDIENCE)
    assert drain(host) == [ConfRole(1, "host"), ConfRole(2, "audience")]
    assert drain(pupil) == [ConfRole(2, "audience"), ConfRole(1, "host")]


async def test_only_the_host_and_speakers_may_publish(sfu: Sfu) -> None:
    pupil = await sfu.join("amphi", 2, ConferenceRole.AUDIENCE)
    assert await pupil.handle(ConfPublish("v=0\r\n")) == [
        Error(ErrorCode.ACCESS_DENIED, "only the host and speakers may publish", 64)
    ]


async def test_an_unusable_offer_is_refused(sfu: Sfu) -> None:
    host = await sfu.join("amphi", 1, ConferenceRole.HOST)
    (reply,) = await host.handle(ConfPublish("v=0\r\nthis is not sdp\r\n"))
    assert isinstance(reply, Error) and reply.code == ErrorCode.INVALID_FIELD and reply.ref == 64
    assert host.publisher is None


async def test_an_answer_to_no_offer_is_refused(sfu: Sfu) -> None:
    host = await sfu.join("amphi", 1, ConferenceRole.HOST)
    (reply,) = await host.handle(ConfSubscribeAnswer(3, "v=0\r\n"))
    assert reply.code == ErrorCode.UNEXPECTED_MESSAGE and reply.ref == 65


async def test_host_gives_and_takes_the_floor(sfu: Sfu) -> None:
    host = await sfu.join("amphi", 1, ConferenceRole.HOST)
    pupil = await sfu.join("amphi", 2, ConferenceRole.AUDIENCE)
    drain(host), drain(pupil)
    assert await host.handle(ConfFloor(2, True)) == []
    assert pupil.role is ConferenceRole.SPEAKER
    assert drain(pupil) == drain(host) == [ConfRole(2, "speaker")]
    assert await host.handle(ConfFloor(2, False)) == []
    assert drain(pupil) == [ConfRole(2, "audience")]


async def test_only_the_host_controls_and_only_known_participants(sfu: Sfu) -> None:
    host = await sfu.join("amphi", 1, ConferenceRole.HOST)
    speaker = await sfu.join("amphi", 2, ConferenceRole.SPEAKER)
    for msg in (ConfFloor(1, False), ConfMute(1, "audio", True), ConfRemove(1)):
        (reply,) = await speaker.handle(msg)
        assert reply.code == ErrorCode.ACCESS_DENIED
    (reply,) = await host.handle(ConfMute(99, "audio", True))
    assert reply.code == ErrorCode.UNKNOWN_AVATAR
    (reply,) = await host.handle(ConfFloor(1, False))
    assert reply.code == ErrorCode.ACCESS_DENIED, "the host keeps the floor"


async def test_mute_is_announced_and_remembered_for_newcomers(sfu: Sfu) -> None:
    host = await sfu.join("amphi", 1, ConferenceRole.HOST)
    speaker = await sfu.join("amphi", 2, ConferenceRole.SPEAKER)
    drain(speaker)
    assert await host.handle(ConfMute(2, "audio", True)) == []
    assert drain(speaker) == [ConfMuted(2, "audio", True)]
    late = await sfu.join("amphi", 3, ConferenceRole.AUDIENCE)
    assert ConfMuted(2, "audio", True) in drain(late)


async def test_host_removes_a_participant(sfu: Sfu) -> None:
    host = await sfu.join("amphi", 1, ConferenceRole.HOST)
    pupil = await sfu.join("amphi", 2, ConferenceRole.AUDIENCE)
    drain(host), drain(pupil)
    assert await host.handle(ConfRemove(2)) == []
    assert drain(pupil) == drain(host) == [ConfLeft(2, True)]
    assert 2 not in sfu.conferences["amphi"].participants
    (reply,) = await pupil.handle(ConfPublish("v=0\r\n"))
    assert reply.code == ErrorCode.UNEXPECTED_MESSAGE, "a removed participant's messages are refused"


async def test_last_one_out_closes_the_conference(sfu: Sfu) -> None:
    await sfu.join("amphi", 1, ConferenceRole.HOST)
    await sfu.leave("amphi", 1)
    await sfu.leave("amphi", 1)
    assert sfu.conferences == {}


async def test_media_ports_come_from_the_configured_range() -> None:
    sfu = Sfu(SfuConfig(udp_ports=(42000, 42049)))
    try:
        client = Client(await sfu.join("amphi", 1, ConferenceRole.HOST))
        await client.publish()
        answer = client.pub_pc.remoteDescription.sdp
        ports = {int(line.split()[5]) for line in answer.splitlines() if line.startswith("a=candidate:")}
        assert ports and all(42000 <= p <= 42049 for p in ports)
        await client.close()
    finally:
        await sfu.close()


async def test_video_must_be_sent_in_a_codec_the_server_forwards(sfu: Sfu) -> None:
    host = await sfu.join("amphi", 1, ConferenceRole.HOST)
    pc = RTCPeerConnection(CONFIG)
    transceiver = pc.addTransceiver(CounterVideo(), direction="sendonly")
    transceiver.setCodecPreferences(
        [c for c in RTCRtpSender.getCapabilities("video").codecs if c.mimeType == "video/H264"]
    )
    await pc.setLocalDescription(await pc.createOffer())
    vp9_only = pc.localDescription.sdp.replace("H264/90000", "VP9/90000")  # aiortc cannot offer VP9 itself
    (reply,) = await host.handle(ConfPublish(vp9_only))
    assert reply.code == ErrorCode.INVALID_FIELD and reply.message.startswith("unusable offer")
    assert host.publisher is None and sfu.conferences["amphi"].forwarders == []
    await pc.close()


SDP_LINES = st.sampled_from(
    [
        "v=0",
        "o=- 1 1 IN IP4 0.0.0.0",
        "s=-",
        "t=0 0",
        "m=video 9 UDP/TLS/RTP/SAVPF 97",
        "a=mid:0",
        "a=rtpmap:97 VP8/90000",
        "a=sendonly",
        "a=ssrc-group:FID x",
        "a=ssrc:1 cname:x",
        "m=audio 0 RTP/AVP 0",
        "a=setup:actpass",
        "a=fingerprint:sha-256 00",
        "a=ice-ufrag:abcd",
        "a=candidate:1 1 udp 1 1.2.3.4 9 typ host",
    ]
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(st.one_of(SDP_LINES, st.text(max_size=40)), max_size=14))
async def test_garbage_sdp_gets_an_error_reply_never_an_exception(lines: list[str]) -> None:
    sfu = Sfu()
    try:
        host = await sfu.join("amphi", 1, ConferenceRole.HOST)
        sdp = "\r\n".join(lines) + "\r\n"
        (reply,) = await host.handle(ConfPublish(sdp))
        assert isinstance(reply, Error | ConfPublishAnswer)
    finally:
        await sfu.close()
