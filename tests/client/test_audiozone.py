"""Remote voices by zone: the policy (flat classrooms, the amphitheatre's PA, distance in the hall and the
courtyard), scaling real audio frames, and a headless client playing a far teacher quieter."""

from __future__ import annotations

import itertools
import statistics
from pathlib import Path

import aioice.ice
import av
import numpy as np
import pytest
from aiortc.codecs.opus import OpusDecoder, OpusEncoder
from aiortc.jitterbuffer import JitterFrame

from cybercollege.client import sources, speakers
from cybercollege.client.audiozone import CUTOFF, FAR_AWAY, REFERENCE_DISTANCE, apply_gain, gain, position, rolloff
from cybercollege.client.media import SPEAKING_LEVEL
from cybercollege.client.mirror import AvatarState
from cybercollege.worlds import default_world_path, load_world
from tests.client.helpers import until
from tests.client.sessions import in_world, start, stop
from tests.client.test_media import into_amphi, teacher_peer
from tests.server.conference.media import Tone
from tests.worlds.conftest import MINI

COLLEGE = load_world(default_world_path())
AMPHI, HALL, SALLE = COLLEGE.rooms["amphi"], COLLEGE.rooms["hall"], COLLEGE.rooms["salle-101"]
COUR = COLLEGE.rooms["cour"]
ON_STAGE, BACK_ROW = (26.0, -6.0), (26.0, 6.0)  # the amphitheatre: stage y -8..-4.5, 12 m apart


@pytest.fixture(autouse=True)
def loopback_ice(monkeypatch: pytest.MonkeyPatch) -> None:
    """aioice skips 127.0.0.1; offering only it keeps every connection local (tests only)."""
    monkeypatch.setattr(aioice.ice, "get_host_addresses", lambda use_ipv4, use_ipv6: ["127.0.0.1"])


# --- the policy ---------------------------------------------------------------------------------------

def test_a_classroom_plays_everyone_at_full_level() -> None:
    assert SALLE.audio == "flat"
    for speaker in ((20.0, 15.0), (33.0, 18.0), None):
        assert gain(SALLE, (21.0, 12.0), speaker) == 1.0


def test_outside_the_world_everyone_is_at_full_level() -> None:
    assert gain(None, (0.0, 0.0), (500.0, 0.0)) == 1.0


def test_the_amphitheatre_stage_and_screen_are_heard_everywhere() -> None:
    assert AMPHI.floor_height(*ON_STAGE) > 0
    assert gain(AMPHI, BACK_ROW, ON_STAGE) == 1.0
    assert gain(AMPHI, (34.0, 7.5), (18.5, -7.5)) == 1.0  # far corner, still the PA
    assert gain(AMPHI, BACK_ROW, None) == 1.0  # a partner class, through the screen


def test_the_amphitheatre_audience_fades_with_distance() -> None:
    assert gain(AMPHI, BACK_ROW, (25.0, 6.0)) == 1.0  # my neighbour
    assert gain(AMPHI, BACK_ROW, (18.0, 6.0)) == pytest.approx(REFERENCE_DISTANCE / 8)
    assert gain(AMPHI, BACK_ROW, (18.0, 6.0)) < gain(AMPHI, BACK_ROW, (22.0, 6.0))


def test_rolloff_is_full_near_then_decreasing_then_silent() -> None:
    distances = np.linspace(0.0, 40.0, 801)
    gains = [rolloff(float(d)) for d in distances]
    assert all(a >= b for a, b in itertools.pairwise(gains)), "never louder farther away"
    assert max(abs(a - b) for a, b in itertools.pairwise(gains)) < 0.03, "no sudden jump"
    assert rolloff(REFERENCE_DISTANCE) == 1.0 and rolloff(4.0) == pytest.approx(0.5)
    assert rolloff(CUTOFF - 1.0) > 0.0
    assert rolloff(CUTOFF) == 0.0 and rolloff(100.0) == 0.0


def test_the_hall_attenuates_with_distance() -> None:
    assert HALL.audio == "distance"
    me = (3.0, 2.0)
    assert gain(HALL, me, (4.0, 2.0)) == 1.0
    assert gain(HALL, me, (3.0, 12.0)) == pytest.approx(0.2)  # 10 m
    assert gain(HALL, me, (3.0 + CUTOFF, 2.0)) == 0.0
    assert gain(HALL, me, FAR_AWAY) == 0.0  # in the hall but too far for my client to see
    screen = HALL.screen  # a remote voice comes from the hall's information screen
    assert gain(HALL, me, None) == pytest.approx(rolloff(((screen.x - 3.0) ** 2 + (screen.y - 2.0) ** 2) ** 0.5))
    assert COUR.audio == "distance" and COUR.screen is None
    assert gain(COUR, me, None) == 1.0  # no screen in the courtyard: a remote voice at full level


def test_a_remote_voice_comes_from_the_screen_in_a_distance_room(tmp_path: Path) -> None:
    screen = '\n[rooms.screen]\nx = 0.02\ny = 5.0\nwidth = 3.0\nheight = 1.5\nheading = 270.0\n'
    text = MINI.replace("spawn_points = [[5.0, 5.0, 0.0]]\n", "spawn_points = [[5.0, 5.0, 0.0]]\n" + screen, 1)
    (tmp_path / "world.toml").write_text(text, encoding="utf-8")
    hall = load_world(tmp_path).rooms["hall"]
    assert hall.screen is not None and hall.audio == "distance"
    assert gain(hall, (1.0, 5.0), None) == 1.0  # standing at the screen
    assert gain(hall, (9.0, 5.0), None) == pytest.approx(rolloff(8.98))


def test_where_participants_stand() -> None:
    avatars = {7: AvatarState(7, "Léa", "pupil", 3.0, 4.0, 0.0, 0)}
    assert position(7, avatars, {7, 8}) == (3.0, 4.0)
    assert position(8, avatars, {7, 8}) == FAR_AWAY  # in my room, not seen (grid interest)
    assert position(9, avatars, {7, 8}) is None  # elsewhere: through the screen


# --- scaling the samples ------------------------------------------------------------------------------

async def tone_frames(count: int) -> list[av.AudioFrame]:
    """Real frames of the client's own test tone (beeping: the first 12 frames are loud)."""
    tone = sources.Tone()
    return [await tone.recv() for _ in range(count)]


async def test_a_gain_scales_the_samples_and_keeps_the_timing() -> None:
    (frame,) = await tone_frames(1)
    half = apply_gain(frame, 0.5)
    assert sources.level(half) == pytest.approx(sources.level(frame) / 2, rel=0.01)
    assert (half.format.name, half.layout.name, half.samples) == (frame.format.name, frame.layout.name, 960)
    assert (half.sample_rate, half.pts, half.time_base) == (frame.sample_rate, frame.pts, frame.time_base)
    assert apply_gain(frame, 1.0) is frame
    assert sources.level(apply_gain(frame, 0.0)) == 0.0
    assert sources.level(frame) > 0.1  # the original is untouched


def test_stereo_frames_like_the_opus_decoder_gives_are_scaled_without_wrapping() -> None:
    loud = np.array([[32767, -32768] * 960], np.int16)  # full scale, left and right interleaved
    frame = av.AudioFrame.from_ndarray(loud, format="s16", layout="stereo")
    frame.sample_rate = 48000
    out = apply_gain(frame, 0.999)
    samples = out.to_ndarray()
    assert out.layout.name == "stereo" and samples.shape == (1, 1920)
    assert samples[0, 0] > 32000 and samples[0, 1] < -32000, "scaled down, never wrapped to the other sign"


async def test_the_speakers_get_20_ms_of_samples_per_decoded_frame() -> None:
    """aiortc's Opus decoder pads each frame's buffer (6× the samples): only the samples are played and measured."""
    encoder, decoder = OpusEncoder(), OpusDecoder()
    for frame in await tone_frames(6):
        payloads, timestamp = encoder.encode(frame)
        (decoded,) = decoder.decode(JitterFrame(payloads[0], timestamp))
    assert decoded.planes[0].buffer_size > 960 * 2 * 2
    assert len(speakers._pcm(decoded)) == 960 * 2 * 2  # 20 ms, 2 channels, 16 bits
    assert len(speakers._pcm(apply_gain(decoded, 0.5))) == 960 * 2 * 2
    assert sources.level(decoded) > 0.7 * sources.level(frame), "the decoded tone is about as loud as the one sent"


# --- a headless client --------------------------------------------------------------------------------

async def test_a_far_teacher_is_played_quieter_in_a_distance_room_only(base, server, http, driver, tmp_path):
    """Léa at the back of the amphitheatre, the teacher on the stage 12 m away: the PCM handed to the speakers
    is at full level under the amphitheatre's PA and with a flat policy, about 2/12 of it with distance."""
    session, task = await start(base, http, driver, server.url, "lea.martin", tmp_path)
    await in_world(session)
    teacher = await teacher_peer(http, server)
    try:
        await into_amphi(server, teacher.conn.mirror.me, (*ON_STAGE, 0.0))
        await into_amphi(server, session.conn.mirror.me, (*BACK_ROW, 180.0))
        await until(lambda: session.view.walker.room.id == "amphi", what="Léa in the amphitheatre")
        host, media = teacher.conn.mirror.me, session.conference.media
        played: list[float] = []
        media.play = lambda who, frame: played.append(sources.level(frame)) if who == host else None
        await teacher.publish(Tone())
        await until(lambda: len(played) >= 25, 15, "the teacher's voice played")

        async def level(policy: str) -> float:
            session.conference.room.audio = policy  # the client's copy of the room (the server ignores it)
            played.clear()
            await until(lambda: len(played) >= 5, 5, f"five frames played after choosing {policy!r}")  # in flight
            played.clear()
            await until(lambda: len(played) >= 25, 5, f"half a second played with {policy!r}")
            return statistics.median(played)

        room = session.conference.room
        assert room is session.view.walker.room and room.audio == "stage"
        stage, flat, distance = await level("stage"), await level("flat"), await level("distance")
        assert flat > SPEAKING_LEVEL and stage == pytest.approx(flat, rel=0.15)
        assert distance == pytest.approx(flat * REFERENCE_DISTANCE / 12, rel=0.2)
        assert host in media.speaking(), "a quiet voice still shows as speaking (measured before the gain)"
    finally:
        if session.conference is not None and session.conference.room is not None:
            session.conference.room.audio = "stage"
        await teacher.close()
        await stop(session, task)
