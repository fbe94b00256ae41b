"""A conference in the amphitheatre, signalled over the world protocol: a teacher publishes, a pupil of
the invited class receives and decodes it, with real aiortc peers on loopback."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer
from aiortc import MediaStreamTrack, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError

from cybercollege.client.network import WorldConnection
from cybercollege.protocol import ErrorCode
from cybercollege.protocol.conference import (
    ConfLeft,
    ConfPublish,
    ConfPublishAnswer,
    ConfSubscribeAnswer,
    ConfSubscribeOffer,
)
from cybercollege.server.edge.services import Services
from tests.server.conference.client import CONFIG, wait_for
from tests.server.conference.media import CounterVideo, Tone, read_counter
from tests.server.conftest import Connect
from tests.server.test_invitation import invite


class WorldConferenceClient:
    """Answers subscribe offers and decodes what arrives, from messages of a world connection."""

    def __init__(self, conn: WorldConnection) -> None:
        self.conn = conn
        self.received: list[Any] = []
        self.counters: list[int] = []
        self.pcs: list[RTCPeerConnection] = []
        self.tasks: list[asyncio.Task[None]] = []
        conn.mirror.listeners.append(self._on_message)

    def _on_message(self, msg: Any) -> None:
        if type(msg).__name__.startswith("Conf"):
            self.received.append(msg)
            if isinstance(msg, ConfSubscribeOffer):
                self.tasks.append(asyncio.get_running_loop().create_task(self._answer(msg)))

    def on_frame(self, kind: str, frame: Any) -> None:
        """A decoded frame of what I subscribe to: video frames' counters are kept."""
        if kind == "video":
            self.counters.append(read_counter(frame))

    async def _answer(self, offer: ConfSubscribeOffer) -> None:
        pc = RTCPeerConnection(CONFIG)
        self.pcs.append(pc)
        pc.on("track", lambda track: self.tasks.append(asyncio.create_task(self._read(track))))
        await pc.setRemoteDescription(RTCSessionDescription(offer.sdp, "offer"))
        await pc.setLocalDescription(await pc.createAnswer())
        await self.conn.send(ConfSubscribeAnswer(offer.version, pc.localDescription.sdp))

    async def _read(self, track: MediaStreamTrack) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                self.on_frame(track.kind, await track.recv())

    async def publish(self, *tracks: MediaStreamTrack) -> RTCPeerConnection:
        """Publish ``tracks`` (by default a frame-counter video and a tone)."""
        pc = RTCPeerConnection(CONFIG)
        self.pcs.append(pc)
        for track in tracks or (CounterVideo(), Tone()):
            pc.addTrack(track)
        await pc.setLocalDescription(await pc.createOffer())
        answered = len(self.answers())
        await self.conn.send(ConfPublish(pc.localDescription.sdp))
        await wait_for(lambda: len(self.answers()) > answered, 10, "publish answer")
        answer = self.answers()[-1]
        await pc.setRemoteDescription(RTCSessionDescription(answer.sdp, "answer"))
        return pc

    def answers(self) -> list[ConfPublishAnswer]:
        return [m for m in self.received if isinstance(m, ConfPublishAnswer)]

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        for pc in self.pcs:
            await pc.close()


async def into(conn: WorldConnection, services: Services, room_id: str) -> None:
    avatar = services.world.avatars[conn.mirror.me]
    room = services.world.rooms[room_id]
    room.on_auth(avatar.identity)
    services.world.move_to(avatar, room, room.spec.spawn_points[0])
    await conn.wait_for(lambda m: m.room == room_id)


async def test_teacher_on_the_amphitheatre_screen(
    server: TestServer, http: aiohttp.ClientSession, connect: Connect, services: Services
) -> None:
    teacher = await connect("mme.durand")
    status, _ = await invite(http, server)  # opens the amphitheatre to 4A for the conference
    assert status == 201
    lea = await connect("lea.martin")
    host, pupil = WorldConferenceClient(teacher), WorldConferenceClient(lea)
    try:
        await into(teacher, services, "amphi")
        await into(lea, services, "amphi")
        await host.publish()
        await wait_for(lambda: len(pupil.counters) >= 15, 15, "the pupil decoding the teacher's video (hung)")
        assert pupil.counters == sorted(pupil.counters) and pupil.counters[-1] > pupil.counters[0]

        await lea.send(ConfPublish("v=0"))  # the audience may not publish
        await lea.wait_for(lambda m: any(e.code == ErrorCode.ACCESS_DENIED for e in m.errors))

        await into(teacher, services, "hall")  # the host leaves the room: the pupil is told
        await wait_for(
            lambda: any(isinstance(m, ConfLeft) and m.participant == teacher.mirror.me for m in pupil.received),
            5,
            "CONF_LEFT",
        )
    finally:
        await host.close()
        await pupil.close()


async def test_conference_messages_outside_a_conference_room(connect: Connect) -> None:
    lea = await connect("lea.martin")
    await lea.send(ConfPublish("v=0"))
    await lea.wait_for(lambda m: m.errors)
    assert lea.mirror.errors[0].code == ErrorCode.UNEXPECTED_MESSAGE


async def test_ice_servers_come_from_the_configuration(tmp_path, http: aiohttp.ClientSession) -> None:
    from cybercollege.client.media import ConferenceMedia
    from cybercollege.client.sources import Devices
    from cybercollege.server.edge.app import build
    from cybercollege.server.edge.services import SERVICES
    from tests.server.conftest import make_settings

    settings = make_settings(tmp_path, ice_servers="turn:turn.example.fr:3478", ice_username="cc", ice_credential="pw")
    srv = TestServer(build(settings), host="127.0.0.1")
    await srv.start_server()
    try:
        base = str(srv.make_url("")).rstrip("/")
        async with http.post(f"{base}/auth/demo", json={"login": "mme.durand"}) as r:
            token = (await r.json())["access_token"]
        teacher = WorldConnection(http, base, token)
        await teacher.connect()
        media = ConferenceMedia(teacher.send, teacher.mirror.me, Devices())
        teacher.mirror.listeners.append(media.on_message)
        await into(teacher, srv.app[SERVICES], "amphi")
        await wait_for(lambda: media.rtc.iceServers, 5, "the ICE servers")
        servers = media.rtc.iceServers
        assert servers is not None
        server = servers[0]
        assert (server.urls, server.username, server.credential) == (["turn:turn.example.fr:3478"], "cc", "pw")
        await media.close()
        await teacher.close()
    finally:
        await srv.close()
