"""Floor control for everyone, guests included, over the world protocol with real aiortc peers: an admitted
guest starts in the audience, cannot publish, is seen and heard once a host gives her the floor, and
nothing of hers is forwarded once it is taken back or she is muted. Every "nothing arrives" is a count of
her frames at a subscriber while the host's frames keep arriving there."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from protocol import ErrorCode
from protocol.conference import ConfFloor, ConfLeft, ConfMute, ConfPublish, ConfRemove, ConfRole
from protocol.invitation import Admit
from server.conference import Participant
from server.services import Services
from tests.server.conference.client import wait_for
from tests.server.conference.test_world_conference import into
from tests.server.conference.world_client import Peer
from tests.server.conftest import Connect
from tests.server.test_invitation import guest, invite


@dataclass
class Amphi:
    """The French teacher (host), a pupil of the invited class and an admitted guest, all in the amphitheatre."""

    host: Peer
    pupil: Peer
    guest: Peer
    services: Services
    invitation: dict

    def participant(self, peer: Peer) -> Participant:
        return self.services.conferencing.sfu.conferences["amphi"].participants[peer.me]

    async def frames_stop(self, subscriber: Peer, mids: list[str]) -> None:
        """Nothing more arrives on ``mids`` while ``subscriber`` decodes 30 more frames of the host."""
        await subscriber.seen(self.host.me, 10, "the host's video while what was in flight arrives")
        before = [subscriber.frames[mid] for mid in mids]
        await subscriber.seen(self.host.me, 30, "the host's video, still (others unaffected)")
        assert [subscriber.frames[mid] for mid in mids] == before, "nothing of hers is forwarded"


async def admitted_guest(
    http: aiohttp.ClientSession, server: TestServer, connect: Connect, teacher: Peer, name: str, invitation: dict
) -> Peer:
    status, login = await guest(http, server, invitation["code"], name)
    assert status == 200, login
    peer = Peer(await connect("", token=login["access_token"]))
    await teacher.conn.wait_for(lambda m: peer.me in [g.id for g in m.lobby])
    await teacher.conn.send(Admit([peer.me]))
    await peer.conn.wait_for(lambda m: m.room == "amphi")
    return peer


@pytest.fixture
async def amphi(
    server: TestServer, http: aiohttp.ClientSession, connect: Connect, services: Services
) -> AsyncIterator[Amphi]:
    host = Peer(await connect("mme.durand"))
    status, invitation = await invite(http, server)
    assert status == 201, invitation
    emma = await admitted_guest(http, server, connect, host, "Emma", invitation)
    pupil = Peer(await connect("lea.martin"))
    await into(host.conn, services, "amphi")
    await into(pupil.conn, services, "amphi")
    room = Amphi(host, pupil, emma, services, invitation)
    try:
        await host.publish()
        await pupil.seen(host.me, 5, "the host's video at the pupil")
        yield room
    finally:
        for peer in (host, pupil, emma):
            await peer.close()


async def give_floor(amphi: Amphi) -> None:
    emma = amphi.guest
    await amphi.host.conn.send(ConfFloor(emma.me, True))
    await wait_for(lambda: emma.role_of(emma.me) == "speaker", 5, "her new role")
    await emma.publish()
    for subscriber in (amphi.pupil, amphi.host):
        await subscriber.seen(emma.me, 15, "the guest's video")
        await wait_for(lambda s=subscriber: s.audio[emma.me] >= 25, 10, "the guest's voice")


async def test_a_guest_given_the_floor_is_seen_and_heard_until_it_is_taken_back(amphi: Amphi) -> None:
    host, pupil, emma = amphi.host, amphi.pupil, amphi.guest
    for peer in (host, pupil, emma):
        assert peer.role_of(emma.me) == "audience", "an admitted guest starts in the audience"
    await emma.conn.send(ConfPublish("v=0"))
    await wait_for(lambda: emma.errors(64), 5, "the refusal")
    assert emma.errors(64)[0].code == ErrorCode.ACCESS_DENIED
    assert all(emma.me not in p.mids.values() for p in (host, pupil)), "nothing of hers is forwarded"

    await give_floor(amphi)
    await emma.seen(host.me, 10, "the host's video at the guest")
    assert pupil.video[emma.me] == sorted(pupil.video[emma.me]), "her frames in order"

    her_mids = pupil.mids_of(emma.me)
    assert len(her_mids) == 2
    await host.conn.send(ConfFloor(emma.me, False))
    await wait_for(lambda: not pupil.mids_of(emma.me) and not host.mids_of(emma.me), 5, "her tracks gone")
    assert emma.role_of(emma.me) == "audience" and amphi.participant(emma).publisher is None
    await amphi.frames_stop(pupil, her_mids)
    pc = emma.pub_pc
    assert pc is not None
    await wait_for(lambda: pc.connectionState in ("closed", "failed"), 10, "her publish connection closed")

    await emma.conn.send(ConfPublish("v=0"))  # and without the floor again, she may not publish again
    await wait_for(lambda: len(emma.errors(64)) == 2, 5, "the second refusal")
    assert emma.errors(64)[1].code == ErrorCode.ACCESS_DENIED


async def test_a_muted_guest_is_not_forwarded(amphi: Amphi) -> None:
    host, pupil, emma = amphi.host, amphi.pupil, amphi.guest
    await give_floor(amphi)
    for kind in ("audio", "video"):
        await host.conn.send(ConfMute(emma.me, kind, True))
    await amphi.frames_stop(pupil, pupil.mids_of(emma.me))
    assert pupil.mids_of(emma.me), "she still has the floor: only her media are held back"

    await host.conn.send(ConfMute(emma.me, "video", False))
    await pupil.seen(emma.me, 10, "her video again once unmuted")


async def test_a_removed_guest_waits_in_the_lobby_and_may_be_admitted_again(amphi: Amphi) -> None:
    host, pupil, emma = amphi.host, amphi.pupil, amphi.guest
    await give_floor(amphi)
    her_mids = pupil.mids_of(emma.me)
    await host.conn.send(ConfRemove(emma.me))
    await emma.conn.wait_for(lambda m: m.room == "lobby")
    assert ConfLeft(emma.me, True) in emma.received and not emma.conn.closed
    await host.conn.wait_for(lambda m: [g.id for g in m.lobby] == [emma.me])
    await wait_for(lambda: not pupil.mids_of(emma.me), 5, "her tracks gone")
    await amphi.frames_stop(pupil, her_mids)

    joined = len(emma.received)
    await host.conn.send(Admit([emma.me]))
    await emma.conn.wait_for(lambda m: m.room == "amphi")
    await host.conn.wait_for(lambda m: m.lobby == [])
    await wait_for(lambda: ConfRole(emma.me, "audience") in emma.received[joined:], 5, "back in the audience")
    assert amphi.participant(emma).publisher is None


async def test_a_pupil_removed_from_the_amphitheatre_goes_to_the_hall(amphi: Amphi) -> None:
    await amphi.host.conn.send(ConfRemove(amphi.pupil.me))
    await amphi.pupil.conn.wait_for(lambda m: m.room == "hall")
    assert ConfLeft(amphi.pupil.me, True) in amphi.pupil.received


async def test_a_guest_host_controls_the_guests_of_her_own_invitation_only(
    amphi: Amphi, http: aiohttp.ClientSession, server: TestServer, connect: Connect
) -> None:
    host, pupil, emma = amphi.host, amphi.pupil, amphi.guest
    jonas = await admitted_guest(http, server, connect, host, "Jonas", amphi.invitation)
    _, other = await invite(http, server, partner_school="Liceo Galilei", language="it")
    marco = await admitted_guest(http, server, connect, host, "Marco", other)
    try:
        await emma.conn.send(ConfFloor(jonas.me, True, host=True))  # only a host of the college makes guest hosts
        await wait_for(lambda: emma.errors(67), 5, "the refusal")
        assert emma.errors(67)[-1].code == ErrorCode.ACCESS_DENIED

        await host.conn.send(ConfFloor(emma.me, True, host=True))
        await wait_for(lambda: pupil.role_of(emma.me) == "host" and marco.role_of(emma.me) == "host", 5, "guest host")
        await emma.conn.send(ConfFloor(jonas.me, True))
        await wait_for(lambda: jonas.role_of(jonas.me) == "speaker", 5, "her class's guest given the floor")
        await emma.conn.send(ConfMute(jonas.me, "audio", True))
        await emma.conn.send(ConfRemove(jonas.me))
        await jonas.conn.wait_for(lambda m: m.room == "lobby")

        refused = len(emma.errors())
        for msg in (ConfFloor(marco.me, True), ConfMute(pupil.me, "audio", True), ConfRemove(host.me)):
            await emma.conn.send(msg)
        await wait_for(lambda: len(emma.errors()) == refused + 3, 5, "three refusals")
        for error in emma.errors()[refused:]:
            assert error.code == ErrorCode.ACCESS_DENIED
            assert error.message == "a guest host controls only the guests of her own invitation"
        assert marco.role_of(marco.me) == "audience" and amphi.participant(pupil).present

        await emma.conn.send(ConfPublish("v=0"))  # a guest host has the floor: her offer is read (and is garbage)
        await wait_for(lambda: emma.errors(64), 5, "the reply to her offer")
        assert emma.errors(64)[-1].code == ErrorCode.INVALID_FIELD

        await host.conn.send(ConfFloor(emma.me, False, host=False))  # the French host takes it back
        await wait_for(lambda: pupil.role_of(emma.me) == "audience", 5, "back in the audience")
        await emma.conn.send(ConfFloor(jonas.me, True))
        await wait_for(lambda: emma.errors(67)[-1].message == "only the host may do that", 5, "no control left")
    finally:
        await jonas.close()
        await marco.close()
