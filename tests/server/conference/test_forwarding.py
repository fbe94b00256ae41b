"""Forwarding rules without a network: keyframe start, pausing a lagging subscriber, PLI rate limiting."""

from __future__ import annotations

import asyncio
import time

import pytest
from aiortc.mediastreams import MediaStreamError

from cybercollege.protocol.conference import Kind
from cybercollege.server.conference.forwarding import ForwardedTrack, Forwarder, KeyframeRequester, is_vp8_keyframe
from tests.server.waits import until

KEY, DELTA = b"\x10\x02\x00", b"\x11\x02\x00"


def video_forwarder(interval: float = 0.5) -> tuple[Forwarder, list[int]]:
    plis: list[int] = []

    async def pli() -> None:
        plis.append(1)

    return Forwarder(7, Kind.VIDEO, KeyframeRequester(pli, interval)), plis


def reading(kind: Kind, max_queue: int) -> ForwardedTrack:
    """A subscriber track whose sender is already reading (connected)."""
    track = ForwardedTrack(kind, max_queue)
    track.start()
    return track


def test_vp8_keyframe_bit() -> None:
    assert is_vp8_keyframe(KEY) and not is_vp8_keyframe(DELTA) and not is_vp8_keyframe(b"")


async def test_new_subscriber_starts_on_a_keyframe_and_asks_for_one() -> None:
    forwarder, plis = video_forwarder()
    track = reading(Kind.VIDEO, max_queue=8)
    forwarder.attach(track)
    await asyncio.sleep(0)
    assert plis == [1], "attaching asks the publisher for a keyframe"
    forwarder.on_frame(DELTA, 0)
    forwarder.on_frame(KEY, 3000)
    forwarder.on_frame(DELTA, 6000)
    first, second = await track.recv(), await track.recv()
    assert (bytes(first), bytes(second), second.pts - first.pts) == (KEY, DELTA, 3000)


async def test_a_lagging_subscriber_is_paused_until_the_next_keyframe() -> None:
    forwarder, _ = video_forwarder()
    slow, fast = reading(Kind.VIDEO, max_queue=3), reading(Kind.VIDEO, max_queue=100)
    forwarder.attach(slow)
    forwarder.attach(fast)
    forwarder.on_frame(KEY, 0)
    for i in range(1, 6):
        forwarder.on_frame(DELTA, i * 3000)
    assert slow.pauses == 1 and slow.waiting_keyframe
    forwarder.on_frame(KEY, 18000)
    fast_pts = [(await fast.recv()).pts for _ in range(7)]
    assert [p - fast_pts[0] for p in fast_pts] == [i * 3000 for i in range(7)], "others are unaffected"
    resumed = await slow.recv()
    assert resumed.pts - fast_pts[0] == 18000, "its backlog is gone; it resumes on the fresh keyframe"


async def test_keyframe_requests_are_rate_limited_and_a_late_one_deferred() -> None:
    forwarder, plis = video_forwarder(interval=0.2)
    for _ in range(5):
        forwarder.keyframes.request()
    await asyncio.sleep(0)  # the PLI tasks made by those requests have run
    assert plis == [1]
    await until(lambda: len(plis) == 2, "the deferred PLI")
    assert plis == [1, 1] and forwarder.keyframes.sent == 2, "requests made during the interval become one PLI"


async def test_muted_forwarder_sends_nothing_and_video_resumes_on_a_keyframe() -> None:
    forwarder, _ = video_forwarder()
    track = reading(Kind.VIDEO, max_queue=8)
    forwarder.attach(track)
    forwarder.on_frame(KEY, 0)
    forwarder.set_muted(True)  # what was queued is dropped too
    forwarder.on_frame(DELTA, 3000)
    forwarder.set_muted(False)
    forwarder.on_frame(DELTA, 6000)
    forwarder.on_frame(KEY, 9000)
    first = await track.recv()
    assert forwarder._base is not None and first.pts - forwarder._base == 9000 and not track._queue


async def test_audio_is_forwarded_at_once_and_a_backlog_dropped() -> None:
    async def pli() -> None:
        raise AssertionError("audio never asks for keyframes")

    forwarder = Forwarder(7, Kind.AUDIO, KeyframeRequester(pli, 0.5))
    track = reading(Kind.AUDIO, max_queue=4)
    forwarder.attach(track)
    for i in range(6):
        forwarder.on_frame(b"\xfc\x00", i * 960)
    assert track.pauses == 1
    first, second = await track.recv(), await track.recv()
    assert bytes(first) == bytes(second) == b"\xfc\x00" and second.pts - first.pts == 960


async def test_stopped_track_ends_its_sender() -> None:
    track = reading(Kind.AUDIO, max_queue=4)
    waiting = asyncio.create_task(track.recv())
    await asyncio.sleep(0)
    track.stop()
    with pytest.raises(MediaStreamError):
        await waiting


async def test_a_slot_passed_to_a_new_publisher_never_goes_back_in_time() -> None:
    old, _ = video_forwarder()
    track = reading(Kind.VIDEO, max_queue=8)
    old.attach(track)
    old.on_frame(KEY, 900_000)  # ten seconds into the old publisher's stream
    last_old = (await track.recv()).pts
    old.detach(track)
    await until(lambda: round(time.monotonic() * 90_000) > last_old, "the shared clock past the old stream")
    new, _ = video_forwarder()
    new.attach(track)
    new.on_frame(KEY, 0)
    assert (await track.recv()).pts > last_old


async def test_a_stopped_sink_is_skipped() -> None:
    forwarder, _ = video_forwarder()
    track = reading(Kind.VIDEO, max_queue=2)
    forwarder.attach(track)
    track.stop()
    for i in range(5):
        forwarder.on_frame(KEY, i * 3000)
    assert track.pauses == 0


async def test_nothing_is_queued_before_the_sender_reads() -> None:
    forwarder, plis = video_forwarder(interval=0.01)
    track = ForwardedTrack(Kind.VIDEO, max_queue=2)
    forwarder.attach(track)
    for i in range(5):
        forwarder.on_frame(KEY if i == 0 else DELTA, i * 3000)
    # A fresh requester sends its first request at once, counted in `sent`: none was made.
    assert track.pauses == 0 and forwarder.keyframes.sent == 0, "a connecting subscriber neither queues nor asks"
    reader = asyncio.create_task(track.recv())
    await until(lambda: plis, "the first read's PLI")
    assert plis == [1], "its first read asks for a keyframe"
    forwarder.on_frame(DELTA, 15000)
    forwarder.on_frame(KEY, 18000)
    assert bytes(await reader) == KEY


async def test_what_is_queued_is_dropped_when_the_floor_goes_or_a_mute_comes() -> None:
    """A sender behind its queue sends not one more frame of a publisher who lost the floor or was muted."""
    for stop in ("detach", "mute"):
        forwarder = Forwarder(7, Kind.AUDIO, KeyframeRequester(_no_pli, 0.5))
        sink = reading(Kind.AUDIO, 25)
        forwarder.attach(sink)
        for n in range(5):
            forwarder.on_frame(bytes([n]), n * 960)
        assert len(sink._queue) == 5
        if stop == "detach":
            forwarder.detach(sink)
        else:
            forwarder.set_muted(True)
        assert len(sink._queue) == 0, stop


async def _no_pli() -> None:
    pass
