"""Guest hosts and the floor rules, through Participant.handle (no network): who may make a guest host,
what she controls, what she may not do, and the per-participant limit on renegotiations."""

from __future__ import annotations

import pytest

from cybercollege.protocol import ErrorCode
from cybercollege.protocol.conference import (
    ConferenceRole,
    ConfFloor,
    ConfMute,
    ConfPublish,
    ConfRecord,
    ConfRemove,
    ConfRole,
    ConfSubscribeAnswer,
)
from cybercollege.protocol.messages import Error
from cybercollege.server.conference import Participant, Sfu, SfuConfig
from tests.server.conference.test_conference import drain

KOLN, ROMA = "inv-koln", "inv-roma"
ONLY_OWN = "a guest host controls only the guests of her own invitation"


class Amphi:
    """1: the French teacher; 2: a pupil; 10, 11: guests from Köln; 20: a guest from Rome."""

    def __init__(
        self, host: Participant, pupil: Participant, anna: Participant, jonas: Participant, marco: Participant
    ):
        self.host, self.pupil, self.anna, self.jonas, self.marco = host, pupil, anna, jonas, marco


@pytest.fixture
async def amphi(sfu: Sfu) -> Amphi:
    room = Amphi(
        await sfu.join("amphi", 1, ConferenceRole.HOST),
        await sfu.join("amphi", 2, ConferenceRole.AUDIENCE),
        await sfu.join("amphi", 10, ConferenceRole.AUDIENCE, "Anna", KOLN),
        await sfu.join("amphi", 11, ConferenceRole.AUDIENCE, "Jonas", KOLN),
        await sfu.join("amphi", 20, ConferenceRole.AUDIENCE, "Marco", ROMA),
    )
    assert await room.host.handle(ConfFloor(10, True, host=True)) == []
    return room


def refusal(code: ErrorCode, text: str, ref: int) -> list[Error]:
    return [Error(code, text, ref)]


async def test_a_host_makes_a_guest_the_host_of_her_class_and_everyone_is_told(amphi: Amphi) -> None:
    assert amphi.anna.role is ConferenceRole.HOST and amphi.anna.guest_host and not amphi.anna.college_host
    assert ConfRole(10, "host") in drain(amphi.marco)
    assert ConfRole(10, "host") in drain(amphi.pupil)


async def test_a_guest_host_gives_the_floor_mutes_and_removes_her_own_guests(amphi: Amphi) -> None:
    anna = amphi.anna
    assert await anna.handle(ConfFloor(11, True)) == []
    assert amphi.jonas.role is ConferenceRole.SPEAKER
    assert await anna.handle(ConfMute(11, "video", True)) == []
    assert (11, "video") in {(p, k.value) for p, k in anna.conference.muted}
    assert await anna.handle(ConfFloor(11, False)) == []
    assert amphi.jonas.role is ConferenceRole.AUDIENCE
    assert await anna.handle(ConfRemove(11)) == []
    assert not amphi.jonas.present


@pytest.mark.parametrize(
    "msg",
    [ConfFloor(20, True), ConfMute(20, "audio", True), ConfRemove(20), ConfFloor(2, True), ConfMute(1, "audio", True)],
    ids=["floor-other-guest", "mute-other-guest", "remove-other-guest", "floor-pupil", "mute-host"],
)
async def test_a_guest_host_controls_nobody_else(amphi: Amphi, msg: object) -> None:
    assert await amphi.anna.handle(msg) == refusal(ErrorCode.ACCESS_DENIED, ONLY_OWN, msg.__protocol__.code)  # type: ignore[attr-defined]
    assert amphi.marco.role is ConferenceRole.AUDIENCE and amphi.pupil.role is ConferenceRole.AUDIENCE
    assert amphi.marco.present


async def test_only_a_host_of_the_college_makes_or_unmakes_a_guest_host(amphi: Amphi) -> None:
    text = "only a host of the college may make or unmake a guest host"
    assert await amphi.anna.handle(ConfFloor(11, True, host=True)) == refusal(ErrorCode.ACCESS_DENIED, text, 67)
    assert await amphi.anna.handle(ConfFloor(10, False)) == refusal(ErrorCode.ACCESS_DENIED, text, 67)
    assert amphi.jonas.role is ConferenceRole.AUDIENCE and amphi.anna.role is ConferenceRole.HOST
    assert await amphi.host.handle(ConfFloor(2, True, host=True)) == refusal(
        ErrorCode.INVALID_FIELD, "only a guest can be made a guest host", 67
    )


async def test_a_guest_host_cannot_record(amphi: Amphi) -> None:
    assert await amphi.anna.handle(ConfRecord(True)) == refusal(
        ErrorCode.ACCESS_DENIED, "a guest host cannot record the conference", 70
    )


async def test_the_french_host_takes_the_floor_back_from_a_guest_host(amphi: Amphi) -> None:
    drain(amphi.pupil)
    assert await amphi.host.handle(ConfFloor(10, False, host=False)) == []
    assert amphi.anna.role is ConferenceRole.AUDIENCE and drain(amphi.pupil) == [ConfRole(10, "audience")]
    assert await amphi.anna.handle(ConfFloor(11, True)) == refusal(
        ErrorCode.ACCESS_DENIED, "only the host may do that", 67
    )


async def test_a_guest_host_may_be_made_a_plain_speaker(amphi: Amphi) -> None:
    assert await amphi.host.handle(ConfFloor(10, True)) == []
    assert amphi.anna.role is ConferenceRole.SPEAKER


async def test_the_french_host_always_has_the_floor(amphi: Amphi) -> None:
    other = await amphi.host.conference.join(3, ConferenceRole.HOST)
    for msg in (ConfFloor(1, False), ConfFloor(1, False, host=True)):
        assert await other.handle(msg) == refusal(ErrorCode.ACCESS_DENIED, "the host always has the floor", 67)
    assert amphi.host.role is ConferenceRole.HOST


async def test_a_renegotiation_flood_is_refused_and_other_requests_go_on() -> None:
    sfu = Sfu(SfuConfig(negotiation_rate=0.001, negotiation_burst=3))
    try:
        host = await sfu.join("amphi", 1, ConferenceRole.HOST)
        other = await sfu.join("amphi", 2, ConferenceRole.HOST)
        codes = [(await host.handle(ConfPublish("v=0\r\n")))[0].code for _ in range(5)]
        assert codes == [ErrorCode.INVALID_FIELD] * 3 + [ErrorCode.RATE_LIMITED] * 2
        codes = [(await host.handle(ConfSubscribeAnswer(1, "v=0\r\n")))[0].code for _ in range(4)]
        assert codes == [ErrorCode.UNEXPECTED_MESSAGE] * 3 + [ErrorCode.RATE_LIMITED], "a bucket of its own"
        (reply,) = await host.handle(ConfPublish("v=0\r\n"))
        assert reply.message == "too many renegotiations: wait a moment before the next one"
        assert await host.handle(ConfMute(2, "audio", True)) == [], "controls are not renegotiations"
        assert (await other.handle(ConfPublish("v=0\r\n")))[0].code == ErrorCode.INVALID_FIELD, "others unaffected"
    finally:
        await sfu.close()
