"""Recording a conference: the forwarded VP8/Opus frames muxed into WebM, a playable file, metadata, retention."""

from __future__ import annotations

import json
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path

import av
import pytest

from cybercollege.protocol import ErrorCode
from cybercollege.protocol.conference import ConferenceRole, ConfRecord, ConfRecording
from cybercollege.protocol.messages import Error
from cybercollege.server.conference import Sfu, SfuConfig, aiortc_hooks
from cybercollege.server.conference.recording import METADATA, purge, vp8_size
from tests.server.conference.client import Client, wait_for
from tests.server.conference.media import read_counter


@pytest.fixture
async def recording_sfu(tmp_path: Path) -> AsyncIterator[Sfu]:
    sfu = Sfu(SfuConfig(recordings_dir=str(tmp_path / "recordings"), retention_days=30))
    yield sfu
    await sfu.close()


def codec_work() -> tuple[int, int]:
    return aiortc_hooks.calls.decodes, aiortc_hooks.calls.encodes


def decode(path: Path) -> tuple[list[int], int, float]:
    """Counters of the decoded video frames, the number of decoded audio frames, and the audio seconds."""
    with av.open(str(path)) as container:
        counters = [read_counter(f) for f in container.decode(video=0)]
    with av.open(str(path)) as container:
        frames = list(container.decode(audio=0))
    return counters, len(frames), sum(f.samples for f in frames) / 48000


async def test_a_recording_is_a_playable_webm_with_metadata(recording_sfu: Sfu, tmp_path: Path) -> None:
    host = Client(await recording_sfu.join("amphi", 1, ConferenceRole.HOST, "Mme Durand"))
    pupil = Client(await recording_sfu.join("amphi", 2, ConferenceRole.AUDIENCE, "Léa Martin"))
    try:
        await host.publish()
        await wait_for(lambda: len(pupil.seen[1].counters) > 3, 10, "the pupil seeing the host")
        codec_calls = codec_work()
        assert await host.send(ConfRecord(True)) == []
        await wait_for(
            lambda: any(isinstance(m, ConfRecording) and m.recording for m in pupil.events),
            5,
            "the pupil told about the recording",
        )
        late = Client(await recording_sfu.join("amphi", 3, ConferenceRole.AUDIENCE, "Giulia"))
        await wait_for(lambda: ConfRecording(True, 1) in late.events, 5, "a newcomer told")
        await wait_for(lambda: host.video is not None and host.video.counter > 45, 10, "3 s of media")
        assert await host.send(ConfRecord(False)) == []
        await wait_for(lambda: ConfRecording(False, 1) in pupil.events, 5, "the end of the recording")
        assert codec_work() == codec_calls, "the server recorded without decoding or encoding"
        await late.close()
    finally:
        await host.close()
        await pupil.close()

    (directory,) = (tmp_path / "recordings").iterdir()
    meta = json.loads((directory / METADATA).read_text())
    assert meta["room"] == "amphi" and meta["started_by"] == {"id": 1, "name": "Mme Durand"}
    assert {p["name"] for p in meta["participants"]} == {"Mme Durand", "Léa Martin", "Giulia"}
    assert meta["stopped_at"] >= meta["started_at"] and meta["retention_days"] == 30
    (entry,) = meta["files"]
    assert entry["participant"] == 1 and entry["kinds"] == ["audio", "video"]
    counters, audio_frames, audio_seconds = decode(directory / entry["file"])
    assert len(counters) >= 30, f"{len(counters)} video frames decoded"
    assert counters == sorted(counters) and counters[-1] - counters[0] >= len(counters) - 3
    assert audio_frames >= 50 and audio_seconds >= 1.5


async def test_only_the_host_records(recording_sfu: Sfu) -> None:
    host = Client(await recording_sfu.join("amphi", 1, ConferenceRole.HOST))
    pupil = Client(await recording_sfu.join("amphi", 2, ConferenceRole.AUDIENCE))
    try:
        (reply,) = await pupil.send(ConfRecord(True))
        assert isinstance(reply, Error) and reply.code == ErrorCode.ACCESS_DENIED
    finally:
        await host.close()
        await pupil.close()


async def test_recording_needs_a_directory(sfu: Sfu) -> None:
    host = Client(await sfu.join("amphi", 1, ConferenceRole.HOST))
    try:
        (reply,) = await host.send(ConfRecord(True))
        assert isinstance(reply, Error) and reply.code == ErrorCode.ACCESS_DENIED
    finally:
        await host.close()


async def test_everyone_leaving_ends_the_recording(recording_sfu: Sfu, tmp_path: Path) -> None:
    host = Client(await recording_sfu.join("amphi", 1, ConferenceRole.HOST))
    await host.send(ConfRecord(True))
    await host.close()
    await recording_sfu.leave("amphi", 1)
    (directory,) = (tmp_path / "recordings").iterdir()
    assert json.loads((directory / METADATA).read_text())["stopped_at"] is not None


def test_expired_recordings_are_purged(tmp_path: Path) -> None:
    old, fresh, unknown = tmp_path / "old", tmp_path / "fresh", tmp_path / "unknown"
    for path, expires in ((old, "2020-01-01T00:00:00+00:00"), (fresh, "2999-01-01T00:00:00+00:00")):
        path.mkdir()
        (path / METADATA).write_text(json.dumps({"expires_at": expires}))
    unknown.mkdir()  # no metadata (a crash): its age decides
    os.utime(unknown, (time.time() - 31 * 86400,) * 2)
    assert sorted(purge(tmp_path, 30)) == [old, unknown]
    assert fresh.exists() and not old.exists()


def test_vp8_keyframe_size() -> None:
    header = bytes([0x10, 0x02, 0x00, 0x9D, 0x01, 0x2A]) + (160).to_bytes(2, "little") + (120).to_bytes(2, "little")
    assert vp8_size(header) == (160, 120)
