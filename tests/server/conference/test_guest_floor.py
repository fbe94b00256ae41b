"""Floor control for everyone, guests included, over the world protocol with real aiortc peers: an admitted
guest starts in the audience, cannot publish, is seen and heard once a host gives her the floor, and
nothing of hers is forwarded once it is taken back or she is muted. Every "nothing arrives" is a count of
her frames at a subscriber while the host's frames keep arriving there."""

from __future__ import annotations

import aiohttp
from aiohttp.test_utils import TestServer

from cybercollege.protocol import ErrorCode
from cybercollege.protocol.conference import ConfFloor, ConfLeft, ConfMute, ConfPublish, ConfRemove, ConfRole
from cybercollege.protocol.invitation import Admit
from tests.server.conference.amphi import Amphi, admitted_guest, give_floor
from tests.server.conference.client import wait_for
from tests.server.conftest import Connect
from tests.server.test_invitation import invite


async def test_a_guest_given_the_floor_is_seen_and_heard_until_it_is_taken_back(amphi_world: Amphi) -> None:
    host, pupil, emma = amphi_world.host, amphi_world.pupil, amphi_world.guest
    for peer in (host, pupil, emma):
        assert peer.role_of(emma.me) == "audience", "an admitted guest starts in the audience"
    await emma.conn.send(ConfPublish("v=0"))
    await wait_for(lambda: emma.errors(64), 15, "the refusal")
    assert emma.errors(64)[0].code == ErrorCode.ACCESS_DENIED
    assert all(emma.me not in p.mids.values() for p in (host, pupil)), "nothing of hers is forwarded"

    await give_floor(amphi_world)
    await emma.seen(host.me, 10, "the host's video at the guest")
    assert pupil.video[emma.me] == sorted(pupil.video[emma.me]), "her frames in order"

    her_mids = pupil.mids_of(emma.me)
    assert len(her_mids) == 2
    await host.conn.send(ConfFloor(emma.me, False))
    await wait_for(lambda: not pupil.mids_of(emma.me) and not host.mids_of(emma.me), 15, "her tracks gone")
    await wait_for(lambda: emma.role_of(emma.me) == "audience", 15, "her role at her client")
    assert amphi_world.participant(emma).publisher is None
    await amphi_world.frames_stop(pupil, her_mids)
    pc = emma.pub_pc
    assert pc is not None
    await wait_for(lambda: pc.connectionState in ("closed", "failed"), 10, "her publish connection closed")

    await emma.conn.send(ConfPublish("v=0"))  # and without the floor again, she may not publish again
    await wait_for(lambda: len(emma.errors(64)) == 2, 15, "the second refusal")
    assert emma.errors(64)[1].code == ErrorCode.ACCESS_DENIED


async def test_a_muted_guest_is_not_forwarded(amphi_world: Amphi) -> None:
    host, pupil, emma = amphi_world.host, amphi_world.pupil, amphi_world.guest
    await give_floor(amphi_world)
    for kind in ("audio", "video"):
        await host.conn.send(ConfMute(emma.me, kind, True))
    await amphi_world.frames_stop(pupil, pupil.mids_of(emma.me))
    assert pupil.mids_of(emma.me), "she still has the floor: only her media are held back"

    await host.conn.send(ConfMute(emma.me, "video", False))
    await pupil.seen(emma.me, 10, "her video again once unmuted")


async def test_a_removed_guest_waits_in_the_lobby_and_may_be_admitted_again(amphi_world: Amphi) -> None:
    host, pupil, emma = amphi_world.host, amphi_world.pupil, amphi_world.guest
    await give_floor(amphi_world)
    her_mids = pupil.mids_of(emma.me)
    await host.conn.send(ConfRemove(emma.me))
    await emma.conn.wait_for(lambda m: m.room == "lobby")
    assert ConfLeft(emma.me, True) in emma.received and not emma.conn.closed
    await host.conn.wait_for(lambda m: [g.id for g in m.lobby] == [emma.me])
    await wait_for(lambda: not pupil.mids_of(emma.me), 15, "her tracks gone")
    await amphi_world.frames_stop(pupil, her_mids)

    joined = len(emma.received)
    await host.conn.send(Admit([emma.me]))
    await emma.conn.wait_for(lambda m: m.room == "amphi")
    await host.conn.wait_for(lambda m: m.lobby == [])
    await wait_for(lambda: ConfRole(emma.me, "audience") in emma.received[joined:], 15, "back in the audience")
    assert amphi_world.participant(emma).publisher is None


async def test_a_pupil_removed_from_the_amphitheatre_goes_to_the_hall(amphi_world: Amphi) -> None:
    await amphi_world.host.conn.send(ConfRemove(amphi_world.pupil.me))
    await amphi_world.pupil.conn.wait_for(lambda m: m.room == "hall")
    assert ConfLeft(amphi_world.pupil.me, True) in amphi_world.pupil.received


async def test_a_guest_host_controls_the_guests_of_her_own_invitation_only(
    amphi_world: Amphi, http: aiohttp.ClientSession, server: TestServer, connect: Connect
) -> None:
    host, pupil, emma = amphi_world.host, amphi_world.pupil, amphi_world.guest
    jonas = await admitted_guest(http, server, connect, host, "Jonas", amphi_world.invitation)
    _, other = await invite(http, server, partner_school="Liceo Galilei", language="it")
    marco = await admitted_guest(http, server, connect, host, "Marco", other)
    try:
        await emma.conn.send(ConfFloor(jonas.me, True, host=True))  # only a host of the college makes guest hosts
        await wait_for(lambda: emma.errors(67), 15, "the refusal")
        assert emma.errors(67)[-1].code == ErrorCode.ACCESS_DENIED

        await host.conn.send(ConfFloor(emma.me, True, host=True))
        await wait_for(lambda: pupil.role_of(emma.me) == "host" and marco.role_of(emma.me) == "host", 15, "guest host")
        await emma.conn.send(ConfFloor(jonas.me, True))
        await wait_for(lambda: jonas.role_of(jonas.me) == "speaker", 15, "her class's guest given the floor")
        await emma.conn.send(ConfMute(jonas.me, "audio", True))
        await emma.conn.send(ConfRemove(jonas.me))
        await jonas.conn.wait_for(lambda m: m.room == "lobby")

        refused = len(emma.errors())
        for msg in (ConfFloor(marco.me, True), ConfMute(pupil.me, "audio", True), ConfRemove(host.me)):
            await emma.conn.send(msg)
        await wait_for(lambda: len(emma.errors()) == refused + 3, 15, "three refusals")
        for error in emma.errors()[refused:]:
            assert error.code == ErrorCode.ACCESS_DENIED
            assert error.message == "a guest host controls only the guests of her own invitation"
        assert marco.role_of(marco.me) == "audience" and amphi_world.participant(pupil).present

        await emma.conn.send(ConfPublish("v=0"))  # a guest host has the floor: her offer is read (and is garbage)
        await wait_for(lambda: emma.errors(64), 15, "the reply to her offer")
        assert emma.errors(64)[-1].code == ErrorCode.INVALID_FIELD

        await host.conn.send(ConfFloor(emma.me, False, host=False))  # the French host takes it back
        await wait_for(lambda: pupil.role_of(emma.me) == "audience", 15, "back in the audience")
        await emma.conn.send(ConfFloor(jonas.me, True))
        await wait_for(lambda: emma.errors(67)[-1].message == "only the host may do that", 15, "no control left")
    finally:
        await jonas.close()
        await marco.close()
