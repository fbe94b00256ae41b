"""Recording muxed in its own process (issue 12): the files are the ones the world's process used to write,
a muxer past its memory limit or stopped fails its take, never the world's loop.

The world-level cases (a pupil's PINGs while the muxer is killed or stopped) are in test_muxer_world.py.
"""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np

from cybercollege.protocol.conference import Kind
from cybercollege.server.conference.forwarding import KEYFRAME, OPUS, TIME_BASES, VP8, Forwarder, KeyframeRequester
from cybercollege.server.conference.recording import METADATA, Recording, Take, vp8_size
from cybercollege.server.sandbox.pool import Limits
from tests.server.conference.media import HEIGHT, WIDTH, counter_image, read_counter
from tests.server.waits import until

Frame = tuple[Kind, bytes, int]
"""A forwarded frame: its kind, its bytes and its timestamp on the forwarders' shared clock."""


def encoded(seconds: float = 3.0, keyframe_every: int = 30) -> list[Frame]:
    """VP8 (30 fps, counters in the pixels) and Opus (20 ms) frames in time order; audio starts first."""
    video = av.CodecContext.create("libvpx", "w")
    video.width, video.height, video.pix_fmt = WIDTH, HEIGHT, "yuv420p"
    video.time_base, video.gop_size = Fraction(1, 30), keyframe_every
    video.bit_rate = 200_000
    audio = av.CodecContext.create("libopus", "w")
    audio.sample_rate, audio.layout, audio.format = 48000, "stereo", "s16"
    frames: list[Frame] = []
    for n in range(int(seconds * 30)):
        gray = counter_image(n)
        picture = av.VideoFrame.from_ndarray(
            np.concatenate([gray, np.full((HEIGHT // 2, WIDTH), 128, dtype=np.uint8)]), format="yuv420p"
        )
        picture.pts = n
        frames += [(Kind.VIDEO, bytes(p), 3000 * n + 100_000) for p in video.encode(picture)]
    for n in range(int(seconds * 50)):
        t = (np.arange(960) + n * 960) / 48000
        tone = (np.sin(2 * np.pi * 440 * t) * 8000).astype(np.int16)
        sound = av.AudioFrame.from_ndarray(np.stack([tone, tone]).reshape(1, -1), format="s16", layout="stereo")
        sound.sample_rate, sound.pts = 48000, n * 960
        frames += [(Kind.AUDIO, bytes(p), 960 * n + 50_000) for p in audio.encode(sound)]
    return sorted(frames, key=lambda f: f[2] * TIME_BASES[f[0]])


def reference(path: Path, frames: list[Frame]) -> None:
    """What the world's process wrote before the muxer (Take.write at commit d8c9e62), straight from ``frames``:
    the file starts on the first video keyframe, timestamps from there, audio before it dropped."""
    container, origin, last = None, 0.0, {Kind.VIDEO: -1, Kind.AUDIO: -1}
    streams: dict[Kind, Any] = {}
    for kind, data, pts in frames:
        if container is None:
            if kind is not Kind.VIDEO or not KEYFRAME[VP8](data):
                continue
            container = av.open(str(path), "w", format="webm")
            streams[Kind.VIDEO] = container.add_stream("libvpx", rate=30)
            streams[Kind.VIDEO].width, streams[Kind.VIDEO].height = vp8_size(data)
            streams[Kind.VIDEO].pix_fmt = "yuv420p"
            streams[Kind.AUDIO] = container.add_stream("libopus", rate=48000)
            streams[Kind.AUDIO].layout = "stereo"
            origin = float(pts * TIME_BASES[kind])
        rebased = pts - round(origin / TIME_BASES[kind])
        if rebased < 0 or rebased <= last[kind]:
            continue
        last[kind] = rebased
        packet = av.Packet(data)
        packet.pts = packet.dts = rebased
        packet.time_base, packet.stream = TIME_BASES[kind], streams[kind]
        packet.is_keyframe = KEYFRAME[OPUS if kind is Kind.AUDIO else VP8](data)
        container.mux(packet)
    assert container is not None
    container.close()


def contents(path: Path) -> dict[str, list[Any]]:
    """What a player sees in a file: each stream's codec and format, and its packets (time, bytes, keyframe)."""
    with av.open(str(path)) as container:
        streams = []
        for stream in container.streams:
            codec: Any = stream.codec_context
            streams.append((stream.type, codec.name, codec.width if stream.type == "video" else codec.sample_rate))
        packets = [(p.stream.type, p.pts, bytes(p), p.is_keyframe) for p in container.demux() if p.size]
    return {"streams": streams, "packets": packets}


def counters(path: Path) -> list[int]:
    with av.open(str(path)) as container:
        return [read_counter(f) for f in container.decode(video=0)]


async def nothing() -> None:
    """A keyframe request (nobody publishes here)."""


def recording_of(directory: Path, **muxer: object) -> tuple[Recording, dict[Kind, Forwarder]]:
    """A recording of participant 1's camera and microphone, as the conference sets it up."""
    recording = Recording(directory, "amphi", 1, {1: "Mme Durand"}, 30, **muxer)  # type: ignore[arg-type]
    forwarders = {kind: Forwarder(1, kind, KeyframeRequester(nothing, 1.0)) for kind in (Kind.VIDEO, Kind.AUDIO)}
    for forwarder in forwarders.values():
        recording.add(forwarder)
    return recording, forwarders


def push(forwarders: dict[Kind, Forwarder], frames: list[Frame]) -> Iterator[None]:
    """Hand each frame to the recording's sinks as the forwarder does (one shared ``av.Packet``), one a step."""
    for kind, data, pts in frames:
        packet = av.Packet(data)
        packet.pts, packet.time_base = pts, TIME_BASES[kind]
        forwarder = forwarders[kind]
        for sink in list(forwarder.sinks):
            sink.push(packet, KEYFRAME[forwarder.codec](data))
        yield


def take_of(recording: Recording) -> Take:
    (take,) = [*recording.takes.values(), *recording.done]
    return take


async def test_the_muxer_writes_what_the_world_process_wrote(tmp_path: Path) -> None:
    frames = encoded()
    reference(tmp_path / "reference.webm", frames)
    recording, forwarders = recording_of(tmp_path / "recording")
    take = take_of(recording)
    for _ in push(forwarders, frames):
        pass
    await until(lambda: recording.muxer.pid is not None, "the muxer started")
    assert recording.muxer.pid != os.getpid()
    recording.stop()
    await until(recording.finished.done, "the muxer closed the file")

    path = tmp_path / "recording" / "1-1.webm"
    assert take.path == path and take.failure is None and recording.muxer.failure is None
    written, expected = contents(path), contents(tmp_path / "reference.webm")
    assert written["streams"] == expected["streams"] == [("video", "vp8", WIDTH), ("audio", "opus", 48000)]
    video = [p for p in written["packets"] if p[0] == "video"]
    audio = [p for p in written["packets"] if p[0] == "audio"]
    assert len(video) == 90 and len(audio) >= 140, (len(video), len(audio))  # audio before the keyframe dropped
    assert written["packets"] == expected["packets"]  # the same packets, bytes and times, in the same order
    assert counters(path) == list(range(90))  # every frame decodes
    meta = json.loads((tmp_path / "recording" / METADATA).read_text())
    (entry,) = meta["files"]
    assert entry["file"] == "1-1.webm" and entry["kinds"] == ["audio", "video"] and entry["failed"] is None
    assert meta["stopped_at"] is not None


def address_space_mib(pid: int) -> int:
    """A process's peak address space (what ``RLIMIT_AS`` bounds), MiB."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(status.split("VmPeak:")[1].split()[0]) // 1024


async def opened(recording: Recording, forwarders: dict[Kind, Forwarder], frames: list[Frame]) -> Take:
    """Push ``frames``; returns the take once the muxer has created its file."""
    take = take_of(recording)
    for _ in push(forwarders, frames):
        pass
    await until(lambda: take.path.exists() or take.failed, "the file created")
    return take


async def test_a_muxer_past_its_memory_limit_fails_the_take(tmp_path: Path) -> None:
    frames = encoded(seconds=1.0)
    probe, forwarders = recording_of(tmp_path / "probe")
    await opened(probe, forwarders, frames)
    assert probe.muxer.pid is not None
    needs = address_space_mib(probe.muxer.pid)  # what a muxer with a file open uses, without a big frame
    probe.stop()
    await until(probe.finished.done, "the probe finished")

    limit = needs + 32
    recording, forwarders = recording_of(tmp_path / "recording", limits=Limits(memory_mb=limit), queue_bytes=1 << 30)
    take = await opened(recording, forwarders, frames)
    assert not take.failed
    huge = (Kind.VIDEO, b"\x01" + bytes(64 << 20), frames[-1][2] + 90000)  # a 64 MiB frame: past the limit
    for _ in push(forwarders, [huge]):
        pass
    await until(lambda: take.failed, "the take failed")
    assert take.failure == f"the muxer process ended (out of memory within {limit} MiB: MemoryError)", take.failure
    recording.stop()
    await until(recording.finished.done, "the recording finished")
    (entry,) = json.loads((tmp_path / "recording" / METADATA).read_text())["files"]
    assert entry["failed"] == take.failure


async def test_a_stopped_muxer_fails_the_take_instead_of_blocking(tmp_path: Path) -> None:
    recording, forwarders = recording_of(tmp_path / "recording", queue_bytes=64 * 1024)
    take = take_of(recording)
    frames = encoded(seconds=2.0)
    later = [  # 400 s of media: far more than the queue and the pipe hold
        (kind, data, pts + round(2 * n / TIME_BASES[kind])) for n in range(200) for kind, data, pts in frames
    ]
    feeding = push(forwarders, later)
    while not take.opened:
        next(feeding)
    await until(lambda: recording.muxer.pid is not None and os.path.exists(take.path), "the file opened")
    pid = recording.muxer.pid
    assert pid is not None
    os.kill(pid, signal.SIGSTOP)
    try:
        pushed = 0
        for _ in feeding:  # the loop itself pushes: a muxer that blocked it would hang the test here
            pushed += 1
            if take.failed:
                break
        assert take.failure is not None and "the muxer fell behind (over 64 KiB" in take.failure, take.failure
        assert pushed < len(later) - 1
        await until(lambda: not forwarders[Kind.VIDEO].sinks and not forwarders[Kind.AUDIO].sinks, "detached")
    finally:
        os.kill(pid, signal.SIGCONT)
    recording.stop()
    await until(recording.finished.done, "the muxer closed the file once it went on")
    assert recording.muxer.failure is None  # the muxer itself ended well: the file is complete up to the failure
    assert 0 < len(counters(take.path)) < pushed
    (entry,) = json.loads((tmp_path / "recording" / METADATA).read_text())["files"]
    assert entry["failed"] == take.failure


async def test_a_muxer_that_cannot_write_fails_the_take(tmp_path: Path) -> None:
    (tmp_path / "recording").mkdir()
    recording, forwarders = recording_of(tmp_path / "recording")
    take = take_of(recording)
    take.path.mkdir()  # the file's name is taken by a directory
    for _ in push(forwarders, encoded(seconds=1.0)):
        pass
    await until(lambda: take.failed, "the take failed")
    recording.stop()
    await until(recording.finished.done, "the recording finished")
    assert recording.muxer.failure is None  # the process is fine: only this file failed
