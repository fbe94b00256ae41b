"""Conferences in the client: a headless client in the amphitheatre shows a remote publisher's video on the
big screen (pixels) and receives its audio; the recording indicator; the client publishing its test pattern."""

from __future__ import annotations

import asyncio
import dataclasses
import fractions
import time

import aioice.ice
import av
import numpy as np
import pytest
from aiortc import MediaStreamTrack

from cybercollege.client import screen, sources
from cybercollege.client.media import SPEAKING_LEVEL, to_picture
from cybercollege.client.network import WorldConnection, fetch_demo_token
from cybercollege.protocol.conference import (
    ConfFloor,
    ConfRecord,
    ConfRole,
)
from cybercollege.server.conference.conferencing import Conferencing
from cybercollege.server.edge.services import SERVICES
from tests.client.helpers import count_pixels, screenshot, until
from tests.client.sessions import in_world, start, stop
from tests.server.conference.media import Tone
from tests.server.conference.test_world_conference import WorldConferenceClient
from tests.server.test_invitation import invite

PINK = (240, 30, 150)  # red ≠ blue: a channel swap would not pass
TEAL = (20, 170, 160)


@pytest.fixture(autouse=True)
def loopback_ice(monkeypatch: pytest.MonkeyPatch) -> None:
    """aioice skips 127.0.0.1; offering only it keeps every connection local (tests only)."""
    monkeypatch.setattr(aioice.ice, "get_host_addresses", lambda use_ipv4, use_ipv6: ["127.0.0.1"])


class Solid(MediaStreamTrack):
    """160×120 video of one colour at 15 fps."""

    kind = "video"

    def __init__(self, rgb: tuple[int, int, int]) -> None:
        super().__init__()
        self.image = np.full((120, 160, 3), rgb, np.uint8)
        self.count, self.start = 0, time.monotonic()

    async def recv(self) -> av.VideoFrame:
        await asyncio.sleep(max(0.0, self.start + self.count / 15 - time.monotonic()))
        frame = av.VideoFrame.from_ndarray(self.image, format="rgb24")
        frame.pts, frame.time_base = self.count * 6000, fractions.Fraction(1, 90000)
        self.count += 1
        return frame


class Peer(WorldConferenceClient):
    """A plain aiortc participant driven over a world connection: publishes, or subscribes and keeps what it
    decodes (video frames, audio levels)."""

    def __init__(self, conn: WorldConnection) -> None:
        super().__init__(conn)
        self.video_frames: list[av.VideoFrame] = []
        self.audio_levels: list[float] = []

    def on_frame(self, kind: str, frame) -> None:
        if kind == "video":
            self.video_frames.append(frame)
        else:
            self.audio_levels.append(sources.level(frame))

    async def close(self) -> None:
        await super().close()
        await self.conn.close()


def recorded_pictures(conference, who: int) -> bool:
    """More than one of ``who``'s pictures is in the recording's file."""
    take = conference.recording.takes.get(who) if conference.recording is not None else None
    return take is not None and any(s.kind.value == "video" and s.last_pts > 0 for s in take.sinks)


def black(frame: av.VideoFrame) -> bool:
    return frame.to_ndarray(format="rgb24").mean() < 30


async def into_amphi(server, avatar_id: int, position: tuple[float, float, float]) -> None:
    world = server.world
    avatar, room = world.avatars[avatar_id], world.rooms["amphi"]
    room.on_auth(avatar.identity)
    world.move_to(avatar, room, position)


async def hosted_pupil(http, server, host) -> Peer:
    """A plain aiortc pupil (Léa, 4A) in the amphitheatre facing ``host``'s client, a teacher on the stage."""
    status, _ = await invite(http, server)  # opens the amphitheatre to 4A for the conference
    assert status == 201
    pupil = Peer(WorldConnection(http, server.url, await fetch_demo_token(http, server.url, "lea.martin")))
    await pupil.conn.connect()
    await into_amphi(server, host.conn.mirror.me, (26.0, -6.0, 0.0))
    await into_amphi(server, pupil.conn.mirror.me, (26.0, 6.0, 180.0))
    return pupil


async def teacher_peer(http, server) -> Peer:
    status, _ = await invite(http, server)  # opens the amphitheatre to 4A; mme.durand hosts
    assert status == 201
    conn = WorldConnection(http, server.url, await fetch_demo_token(http, server.url, "mme.durand"))
    await conn.connect()
    return Peer(conn)


def test_grid_layout():
    assert [screen.grid(n) for n in (1, 2, 3, 4, 5, 9, 10)] == [(1, 1), (2, 1), (2, 2), (2, 2), (3, 2), (3, 3),
                                                                 (4, 3)]


def test_pictures_keep_their_aspect_ratio_on_the_screen():
    assert screen.fit((8.0, 4.5), 4 / 3) == (0.75, 1.0, 1.0)  # 4:3 on a 16:9 screen: bars left and right
    assert screen.fit((8.0, 4.5), 16 / 9) == (1.0, 1.0, 1.0)


def test_pictures_fit_the_box_in_panda3d_layout():
    image = np.zeros((720, 1280, 3), np.uint8)
    image[:10] = (255, 0, 0)  # the top rows are red
    picture = to_picture(av.VideoFrame.from_ndarray(image, format="rgb24"), 1)
    assert (picture.width, picture.height) == (640, 360)
    rows = np.frombuffer(picture.bgr, np.uint8).reshape(360, 640, 3)
    assert rows[-1, 0, 2] > 200 and rows[0, 0, 2] < 50  # Panda3D textures: BGR, from the bottom row up


async def test_remote_video_on_the_big_screen_and_audio(base, server, http, driver, tmp_path):
    services = server.app[SERVICES]
    sfu = services.world.features.get(Conferencing).sfu
    sfu.config = dataclasses.replace(sfu.config, recordings_dir=str(tmp_path / "recordings"))
    session, task = await start(base, http, driver, server.url, "lea.martin", tmp_path)
    await in_world(session)
    teacher = await teacher_peer(http, server)
    try:
        await into_amphi(server, teacher.conn.mirror.me, (26.0, -6.0, 0.0))
        await into_amphi(server, session.conn.mirror.me, (26.0, 6.0, 180.0))  # facing the screen
        await until(lambda: session.view.walker.room.id == "amphi", what="Léa in the amphitheatre")
        await teacher.publish(Solid(PINK), Tone())
        media = session.conference.media
        host = teacher.conn.mirror.me
        await until(lambda: host in media.pictures, 15, "the teacher's video decoded by Léa's client")
        await until(lambda: session.conference.screen.uploads >= 5, 5, "pictures uploaded to the screen")
        await driver.frames_later(3)
        shown = count_pixels(screenshot(base), tuple(c / 255 for c in PINK), tolerance=0.1)
        assert shown > 2000, f"the teacher's video fills the big screen ({shown} pink pixels)"
        await until(lambda: media.audio_frames.get(host, 0) >= 25, 5, "half a second of the teacher's audio")
        await until(lambda: host in media.speaking(), 3, "the speaking indicator")
        bar = session.conference.bar
        name = session.conn.mirror.members[host].name
        await until(lambda: bar.speaking.getText() == f"Parle : {name}", 2, "the speaker's name in the bar")
        assert bar.rec.getText() == ""

        await teacher.conn.send(ConfRecord(True))  # every participant sees the recording indicator
        await until(lambda: media.recording, 5, "the recording event")
        await until(lambda: bar.rec.getText().endswith("Enregistrement en cours"), 2, "the REC indicator")
        conference = sfu.conferences["amphi"]  # a take starts on the next keyframe: wait for pictures in it
        await until(lambda: recorded_pictures(conference, host), 10, "the teacher's pictures in the recording")
        await teacher.conn.send(ConfRecord(False))
        await until(lambda: not media.recording, 5, "the end of the recording")
        (meta,) = (tmp_path / "recordings").glob("amphi-*/recording.json")
        assert list(meta.parent.glob("*.webm")), "the teacher's media were recorded"

        world = server.world  # out of the amphitheatre: no conference bar, peer connections closed
        hall = world.rooms["hall"]
        world.move_to(world.avatars[session.conn.mirror.me], hall, hall.spec.spawn_points[0])
        await until(lambda: session.conference.bar is None and media.sub is None, 5, "the conference left")
    finally:
        await teacher.close()
        await stop(session, task)


async def test_a_host_client_publishes_its_test_pattern(base, server, http, driver, tmp_path):
    session, task = await start(base, http, driver, server.url, "mme.durand", tmp_path,
                                devices=sources.Devices(synthetic=True))
    await in_world(session)
    pupil = await hosted_pupil(http, server, session)
    try:
        await until(lambda: len(pupil.video_frames) >= 10, 15, "the pupil decoding the teacher's test pattern")
        bars = pupil.video_frames[-1].to_ndarray(format="rgb24")
        width = bars.shape[1]
        magenta, blue = bars[120, width * 4 // 8 + 8], bars[120, width * 6 // 8 + 8]
        assert magenta[0] > 180 and magenta[1] < 70 and magenta[2] > 180, magenta
        assert blue[0] < 70 and blue[2] > 180, blue
        await until(lambda: len(pupil.audio_levels) >= 50, 5, "a second of the teacher's tone")
        assert max(pupil.audio_levels) > SPEAKING_LEVEL, "the tone is heard"

        assert session.conference.media.toggle("audio") is True  # microphone off: silence
        await until(lambda: pupil.audio_levels[-1] < 0.005, 5, "silence")  # what was in flight has been heard
        heard = len(pupil.audio_levels)
        await until(lambda: len(pupil.audio_levels) > heard + 25, 5, "more audio")
        assert max(pupil.audio_levels[heard:]) < 0.005, "silence while muted"

        assert session.conference.media.toggle("video") is True  # camera off: black pictures
        await until(lambda: black(pupil.video_frames[-1]), 5, "a black picture")  # what was in flight was seen
        count = len(pupil.video_frames)
        await until(lambda: len(pupil.video_frames) > count + 3, 5, "more pictures")
        assert all(black(f) for f in pupil.video_frames[count:]), "black pictures while the camera is off"
    finally:
        await pupil.close()
        await stop(session, task)


async def test_two_speakers_share_the_screen(base, server, http, driver, tmp_path):
    session, task = await start(base, http, driver, server.url, "lea.martin", tmp_path)
    await in_world(session)
    teacher = await teacher_peer(http, server)
    hugo = Peer(WorldConnection(http, server.url, await fetch_demo_token(http, server.url, "hugo.moreau")))
    await hugo.conn.connect()
    try:
        for avatar, position in ((teacher.conn.mirror.me, (24.0, -6.0, 0.0)), (hugo.conn.mirror.me, (28.0, -6.0, 0.0)),
                                 (session.conn.mirror.me, (26.0, 6.0, 180.0))):
            await into_amphi(server, avatar, position)
        await teacher.publish(Solid(PINK), Tone())
        await teacher.conn.send(ConfFloor(hugo.conn.mirror.me, True))  # the host gives Hugo the floor
        await hugo.conn.wait_for(lambda m: any(isinstance(e, ConfRole) and e.role == "speaker" for e in hugo.received))
        await hugo.publish(Solid(TEAL))
        shown = session.conference.screen
        await until(lambda: len(shown.layout) == 2 and shown.uploads >= 10, 15, "both speakers on the screen")
        await driver.frames_later(3)
        image = screenshot(base)
        pink, teal = (count_pixels(image, tuple(c / 255 for c in rgb), tolerance=0.1) for rgb in (PINK, TEAL))
        assert pink > 500 and teal > 500, f"two tiles: {pink} pink and {teal} teal pixels"
    finally:
        await hugo.close()
        await teacher.close()
        await stop(session, task)


def test_platform_devices():
    assert sources.device("video", "auto", "linux")[:2] == ("/dev/video0", "v4l2")
    assert sources.device("audio", "hw:1", "linux")[:2] == ("hw:1", "pulse")
    assert sources.device("video", "auto", "darwin")[:2] == ("default:none", "avfoundation")
    assert sources.device("audio", "auto", "darwin")[:2] == ("none:default", "avfoundation")
    assert sources.device("video", "Integrated Camera", "win32")[:2] == ("video=Integrated Camera", "dshow")


async def test_missing_devices_publish_nothing():
    assert await sources.open_tracks(sources.Devices("none", "none")) == []
    assert await sources.open_tracks(sources.Devices("/dev/video-missing", "none")) == []
    tracks = await sources.open_tracks(sources.Devices(synthetic=True))
    assert sorted(t.kind for t in tracks) == ["audio", "video"]
    frame = await tracks[0].recv()
    assert (frame.width, frame.height) == sources.PATTERN_SIZE
