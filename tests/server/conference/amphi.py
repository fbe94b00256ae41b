"""The amphitheatre over the world protocol with real peers: the French teacher, a pupil of the invited
class and an admitted guest (docs/conference.md, "Roles")."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
from aiohttp.test_utils import TestServer

from cybercollege.protocol.conference import ConfFloor
from cybercollege.protocol.invitation import Admit
from cybercollege.server.conference import Participant
from cybercollege.server.conference.conferencing import Conferencing
from cybercollege.server.edge.services import Services
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
        return self.services.world.features.get(Conferencing).sfu.conferences["amphi"].participants[peer.me]

    async def frames_stop(self, subscriber: Peer, mids: list[str]) -> None:
        """Nothing more arrives on ``mids`` while ``subscriber`` decodes 30 more frames of the host."""
        await subscriber.seen(self.host.me, 10, "the host's video while what was in flight arrives")
        before = [subscriber.frames[mid] for mid in mids]
        await subscriber.seen(self.host.me, 30, "the host's video, still (others unaffected)")
        after = [subscriber.frames[mid] for mid in mids]
        assert after == before, f"nothing of hers is forwarded: frames on {mids} went from {before} to {after}"


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


async def open_amphi(
    server: TestServer, http: aiohttp.ClientSession, connect: Connect, services: Services
) -> AsyncIterator[Amphi]:
    """The amphitheatre with the host publishing and the pupil seeing her (the ``amphi_world`` fixture)."""
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
