"""Bad input from a participant, with real aiortc peers: a renegotiation flood, a world connection that
drops without BYE, a peer connection that dies silently. In every case the others' frames keep arriving
(counted at a subscriber) and the culprit's tracks leave every CONF_TRACKS."""

from __future__ import annotations

from pathlib import Path

import aioice.ice
import pytest
from aiortc import RTCSessionDescription

from cybercollege.client.network import WorldConnection
from cybercollege.protocol import ErrorCode
from cybercollege.protocol.conference import ConferenceRole, ConfMute, ConfMuted, ConfPublish, ConfSubscribeAnswer
from cybercollege.server.conference import Sfu
from cybercollege.server.config import Settings
from tests.server.conference.amphi import Amphi, give_floor
from tests.server.conference.client import Client, wait_for
from tests.server.conference.world_client import Peer
from tests.server.conftest import make_settings


async def test_a_renegotiation_flood_is_refused_and_nobody_is_affected(amphi_world: Amphi) -> None:
    host, pupil, emma = amphi_world.host, amphi_world.pupil, amphi_world.guest
    await give_floor(amphi_world)
    pc = emma.pub_pc
    assert pc is not None
    offer = pc.localDescription.sdp
    answered, refused = len(emma.answers()), len(emma.errors(64))
    for _ in range(40):  # in a tight loop (under the connection's own flood limit of 100 messages a second)
        await emma.conn.send(ConfPublish(offer))
        await emma.conn.send(ConfSubscribeAnswer(999, "v=0\r\n"))
    await wait_for(
        lambda: len(emma.answers()) - answered + len(emma.errors(64)) - refused == 40, 20, "a reply to every offer"
    )
    limited = [e.code for e in emma.errors(64)[refused:]]
    assert limited and set(limited) == {ErrorCode.RATE_LIMITED}, "the flood refused, nothing else"
    assert len(emma.answers()) > answered, "the offers within her allowance answered"
    await wait_for(lambda: len(emma.errors(65)) == 40, 10, "a reply to every answer")
    assert ErrorCode.RATE_LIMITED in {e.code for e in emma.errors(65)}
    assert not emma.conn.closed, "her connection stays open"

    await pupil.seen(host.me, 30, "the host's video at the pupil during and after the flood")
    await pupil.seen(emma.me, 30, "the flooder's own video, still forwarded")
    await host.seen(emma.me, 10, "the flooder's video at the host")

    # Once she stops, a renegotiation of hers is answered again (as soon as her allowance has refilled).
    while True:
        answered, refused = len(emma.answers()), len(emma.errors(64))
        await pc.setLocalDescription(await pc.createOffer())
        await emma.conn.send(ConfPublish(pc.localDescription.sdp))
        await wait_for(lambda a=answered, r=refused: len(emma.answers()) > a or len(emma.errors(64)) > r, 10, "a reply")
        if len(emma.answers()) > answered:
            break
        assert emma.errors(64)[-1].code == ErrorCode.RATE_LIMITED, emma.errors(64)[-1]
        await pupil.seen(host.me, 15, "time passing (the host's frames)")
    await pc.setRemoteDescription(RTCSessionDescription(emma.answers()[-1].sdp, "answer"))
    await pupil.seen(emma.me, 15, "her video after the renegotiation")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """A resume grace far longer than the test: what takes her tracks away is the drop itself."""
    return make_settings(tmp_path, resume_grace=300.0)


async def test_a_dropped_world_connection_unpublishes_at_once(amphi_world: Amphi) -> None:
    host, pupil, emma = amphi_world.host, amphi_world.pupil, amphi_world.guest
    await give_floor(amphi_world)
    her_mids = pupil.mids_of(emma.me)
    await emma.conn.drop()  # the WebSocket closes without BYE; her peer connections are not closed
    await wait_for(
        lambda: not pupil.mids_of(emma.me) and not host.mids_of(emma.me), 15, "her tracks gone from every CONF_TRACKS"
    )
    world = amphi_world.services.world
    assert emma.me in world.avatars and world.avatars[emma.me].session is None, "her avatar waits for a resume"
    assert amphi_world.participant(emma).publisher is None
    await amphi_world.frames_stop(pupil, her_mids)
    assert not host.conn.closed and not pupil.conn.closed


async def test_a_peer_connection_that_dies_is_unpublished_by_ice_consent(
    sfu: Sfu, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The peer stops answering (its sockets black-holed) without closing anything: aioice's consent
    checks fail (6 in a row, every 5 s in production: ~30 s; every 0.2 s here) and its tracks go."""
    monkeypatch.setattr(aioice.ice, "CONSENT_INTERVAL", 0.2)
    host = Client(await sfu.join("amphi", 1, ConferenceRole.HOST))
    speaker = Client(await sfu.join("amphi", 2, ConferenceRole.SPEAKER))
    viewer = Client(await sfu.join("amphi", 3, ConferenceRole.AUDIENCE))
    try:
        await host.publish()
        await speaker.publish()
        await wait_for(lambda: len(viewer.seen[2].counters) > 10, 20, "the speaker's video")
        assert speaker.pub_pc is not None
        for transceiver in speaker.pub_pc.getTransceivers():
            for protocol in transceiver.sender.transport.transport._connection._protocols:
                monkeypatch.setattr(protocol, "datagram_received", lambda data, addr: None)
                monkeypatch.setattr(protocol.transport, "sendto", lambda *args, **kwargs: None)
        await wait_for(lambda: 2 not in viewer.mids.values(), 30, "the speaker's tracks gone from CONF_TRACKS")
        assert speaker.participant.publisher is None
        frames = len(viewer.seen[1].counters)
        await wait_for(lambda: len(viewer.seen[1].counters) > frames + 30, 10, "the host's video, still")
        assert 1 in viewer.mids.values()
    finally:
        for client in (host, speaker, viewer):
            await client.close()


async def test_a_resumed_speaker_keeps_the_floor_and_her_mutes(amphi_world: Amphi) -> None:
    """Dropping the connection is no way around a host's decisions, nor a way to lose the floor."""
    host, pupil, emma = amphi_world.host, amphi_world.pupil, amphi_world.guest
    await give_floor(amphi_world)
    await host.conn.send(ConfMute(emma.me, "audio", True))
    await wait_for(lambda: ConfMuted(emma.me, "audio", True) in pupil.received, 15, "the mute")
    await emma.conn.drop()
    await wait_for(lambda: not pupil.mids_of(emma.me), 15, "her tracks gone")
    await emma.close()

    conn = WorldConnection(emma.conn.http, emma.conn.url, emma.conn.token)
    again = Peer(conn)  # listening before it connects: her role and mute may come with the first frames
    await conn.connect(resume=emma.conn.mirror.resume)
    try:
        assert again.me == emma.me
        await wait_for(lambda: again.role_of(again.me) == "speaker", 20, "her role, kept")
        assert ConfMuted(emma.me, "audio", True) in again.received, "her mute, kept"
        await again.publish()
        await pupil.seen(emma.me, 15, "her video again")
        audio = pupil.audio[emma.me]
        await pupil.seen(host.me, 30, "the host's video meanwhile")
        assert pupil.audio[emma.me] == audio, "her voice still muted"
    finally:
        await again.close()
        await conn.close()
