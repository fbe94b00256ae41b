"""The world never notices its recording's muxer (issue 12): killed with SIGKILL or stopped with SIGSTOP in
the middle of a recording of the amphitheatre, the take fails with its reason while a pupil's PINGs are
answered every tick, nobody is disconnected and the host's video still reaches the pupil; the next recording
starts a fresh muxer and works. Real processes, real peers on loopback, the real world server."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Callable
from pathlib import Path

import av
import pytest

from cybercollege.client.network import WorldConnection
from cybercollege.protocol.conference import ConfRecord, ConfRecording
from cybercollege.server.conference.conference import Conference
from cybercollege.server.conference.conferencing import Conferencing
from cybercollege.server.conference.recording import METADATA, Recording, Take
from cybercollege.server.config import Settings
from cybercollege.server.edge.services import Services
from tests.server.conference.amphi import Amphi
from tests.server.conftest import make_settings
from tests.server.waits import answered, until


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path, recordings_dir=tmp_path / "recordings")


def conference(services: Services) -> Conference:
    return services.world.features.get(Conferencing).sfu.conferences["amphi"]


async def recording_started(amphi: Amphi) -> tuple[Recording, Take]:
    """The host starts recording; returns it once a second of her media went to its muxer."""
    conf = conference(amphi.services)
    await amphi.host.conn.send(ConfRecord(True))
    await until(lambda: conf.recording is not None, "the recording started")
    recording = conf.recording
    assert recording is not None
    await until(lambda: amphi.host.me in recording.takes, "the host's take")
    take = recording.takes[amphi.host.me]
    video = next(s for s in take.sinks if s.kind.value == "video")
    await until(lambda: recording.muxer.pid is not None and video.last_pts > 90000, "a second of her video muxed")
    return recording, take


async def stopped(amphi: Amphi, times: int) -> None:
    """The host stops recording; the pupil is told (for the ``times``-th time) once its files are closed."""
    await amphi.host.conn.send(ConfRecord(False))
    stop = ConfRecording(False, amphi.host.me)
    await until(lambda: amphi.pupil.received.count(stop) == times, "the pupil told the recording stopped")


async def pongs_while(pupil: WorldConnection, services: Services, condition: Callable[[], bool], rounds: int) -> int:
    """A PING a tick from the pupil (no flood) until ``condition()`` and ``rounds`` more; how many were answered."""
    pongs = 0
    while not condition() or rounds > 0:
        if condition():
            rounds -= 1
        await answered(pupil)
        pongs += 1
        await next_tick(services)
    return pongs


async def next_tick(services: Services) -> None:
    world = services.world
    after = world.tick_no
    await until(lambda: world.tick_no > after, "the next tick")


def nobody_disconnected(amphi: Amphi) -> None:
    for peer in (amphi.host, amphi.pupil, amphi.guest):
        assert not peer.conn.closed and peer.conn.close_code is None


def decoded_frames(path: Path) -> int:
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


async def test_a_killed_muxer_fails_the_take_and_nobody_notices(amphi_world: Amphi, tmp_path: Path) -> None:
    services, pupil = amphi_world.services, amphi_world.pupil
    recording, take = await recording_started(amphi_world)
    pid = recording.muxer.pid
    assert pid is not None and pid != os.getpid()
    tick = services.world.tick_no
    os.kill(pid, signal.SIGKILL)
    pongs = await pongs_while(pupil.conn, services, lambda: take.failed, rounds=20)
    assert take.failure == "the muxer process ended (crash: exit code -9)"
    assert pongs >= 20 and services.world.tick_no >= tick + 20  # answered and ticking while the muxer is dead
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # reaped, not a zombie
    await pupil.seen(amphi_world.host.me, 15, "the host's video, still forwarded")
    nobody_disconnected(amphi_world)
    await stopped(amphi_world, 1)
    (entry,) = json.loads((recording.directory / METADATA).read_text())["files"]
    assert entry["failed"] == take.failure

    again, second = await recording_started(amphi_world)  # the next recording: a fresh muxer
    assert again.muxer.pid not in (None, pid) and not second.failed
    await stopped(amphi_world, 2)
    (entry,) = json.loads((again.directory / METADATA).read_text())["files"]
    assert entry["failed"] is None and decoded_frames(again.directory / entry["file"]) >= 15
    nobody_disconnected(amphi_world)


async def test_a_stalled_muxer_fails_the_take_and_the_world_ticks_on(amphi_world: Amphi) -> None:
    services, pupil = amphi_world.services, amphi_world.pupil
    recording, take = await recording_started(amphi_world)
    recording.muxer.queue_bytes = 16 * 1024  # (8 MiB by default: two minutes of her media) fills in a second
    pid = recording.muxer.pid
    assert pid is not None
    tick = services.world.tick_no
    os.kill(pid, signal.SIGSTOP)  # a disk that no longer answers
    try:
        pongs = await pongs_while(pupil.conn, services, lambda: take.failed, rounds=20)
        assert take.failure is not None and take.failure.startswith("the muxer fell behind (over 16 KiB"), take.failure
        assert pongs >= 20 and services.world.tick_no >= tick + 20
        await pupil.seen(amphi_world.host.me, 15, "the host's video, still forwarded")
        nobody_disconnected(amphi_world)
        assert not recording.muxer.ended  # only stopped: it finishes what it has once it goes on
    finally:
        os.kill(pid, signal.SIGCONT)
    await stopped(amphi_world, 1)
    assert recording.muxer.failure is None
    (entry,) = json.loads((recording.directory / METADATA).read_text())["files"]
    assert entry["failed"] == take.failure
    assert decoded_frames(recording.directory / entry["file"]) >= 15  # plays up to where it failed
    nobody_disconnected(amphi_world)
