"""Real aiortc peers on loopback through the SFU: media arrive; the server never decodes or encodes."""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any

import pytest
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.codecs import opus, vpx

from cybercollege.protocol import ErrorCode
from cybercollege.protocol.conference import (
    ConferenceRole,
    ConfFloor,
    ConfLeft,
    ConfMute,
    ConfSubscribeAnswer,
    ConfSubscribeOffer,
    ConfTracks,
    Kind,
)
from cybercollege.server.conference import Participant, Sfu
from cybercollege.server.conference import aiortc_hooks as hooks
from cybercollege.server.conference.forwarding import KeyframeRequester
from tests.server.conference.client import CONFIG, Client, wait_for


def idle(requester: KeyframeRequester) -> bool:
    """No keyframe request deferred, and the next one would be relayed at once (its interval is over)."""
    return requester._deferred is None and time.monotonic() >= requester._last + requester.interval


async def pictures_later(client: Client, publisher: int, n: int) -> None:
    """``n`` more of ``publisher``'s pictures have reached ``client``: what was in flight with them has too."""
    seen = len(client.seen[publisher].counters)
    await wait_for(lambda: len(client.seen[publisher].counters) >= seen + n, timeout=10, what=f"{n} more pictures")


def increasing(counters: list[tuple[float, int]]) -> bool:
    values = [c for _, c in counters]
    return len(values) >= 5 and all(b > a for a, b in itertools.pairwise(values))


CODECS = [
    (vpx.Vp8Encoder, "encode"),
    (vpx.Vp8Decoder, "decode"),
    (opus.OpusEncoder, "encode"),
    (opus.OpusDecoder, "decode"),
]


def count_codec_instances(monkeypatch: pytest.MonkeyPatch) -> dict[str, set[int]]:
    """Which encoder/decoder objects of the whole process did any work (one per sending/receiving track)."""
    used: dict[str, set[int]] = {}
    for cls, name in CODECS:
        instances = used[f"{cls.__name__}.{name}"] = set()
        method = getattr(cls, name)

        def counted(self: object, *args: object, _method=method, _instances=instances) -> object:
            _instances.add(id(self))
            return _method(self, *args)

        monkeypatch.setattr(cls, name, counted)
    return used


async def test_two_speakers_reach_ten_subscribers_without_transcoding(
    sfu: Sfu, monkeypatch: pytest.MonkeyPatch
) -> None:
    used = count_codec_instances(monkeypatch)
    decodes, encodes = hooks.calls.decodes, hooks.calls.encodes
    host = Client(await sfu.join("amphi", 1, ConferenceRole.HOST))
    speaker = Client(await sfu.join("amphi", 2, ConferenceRole.SPEAKER))
    audience = [Client(await sfu.join("amphi", 100 + i, ConferenceRole.AUDIENCE)) for i in range(10)]
    await host.publish()
    await speaker.publish()
    try:
        pairs = [(a, p) for a in audience for p in (1, 2)] + [(host, 2), (speaker, 1)]
        await wait_for(
            lambda: all(increasing(client.seen[p].counters) for client, p in pairs),
            timeout=20,
            what="every subscriber decoding both speakers (and the speakers each other)",
        )
        await wait_for(
            lambda: all(client.seen[p].audio_frames >= 10 for client, p in pairs),
            timeout=5,
            what="every subscriber hearing both speakers",
        )
        assert 1 not in host.seen and 2 not in speaker.seen, "nobody receives their own media"
        forwarders = sfu.conferences["amphi"].forwarders
        assert len(forwarders) == 4 and all(f.frames > 0 for f in forwarders)
        assert (hooks.calls.decodes, hooks.calls.encodes) == (decodes, encodes)
        # Two publishers encode; the 22 subscriptions (10 x 2 + host and speaker seeing each other) decode.
        # Had the server transcoded, it would add 2 decoders (its receivers) and 22 encoders (its senders).
        assert {name: len(ids) for name, ids in used.items()} == {
            "Vp8Encoder.encode": 2,
            "Vp8Decoder.decode": 22,
            "OpusEncoder.encode": 2,
            "OpusDecoder.decode": 22,
        }
    finally:
        for client in [host, speaker, *audience]:
            await client.close()


async def test_late_subscriber_gets_a_picture_at_once(sfu: Sfu) -> None:
    """Not at the publisher's next periodic keyframe (minutes away): the SFU asks for one when it joins."""
    speaker = Client(await sfu.join("amphi", 1, ConferenceRole.HOST))
    early = Client(await sfu.join("amphi", 2, ConferenceRole.AUDIENCE))
    await speaker.publish(audio=False)
    late = None
    try:
        await wait_for(lambda: len(early.seen[1].counters) > 30, timeout=10, what="two seconds of video")
        (video,) = [f for f in sfu.conferences["amphi"].forwarders if f.kind is Kind.VIDEO]
        asked, live = video.keyframes.sent, early.seen[1].counters[-1][1]
        late = Client(await sfu.join("amphi", 3, ConferenceRole.AUDIENCE))
        await wait_for(lambda: late.seen[1].counters, timeout=10, what="the late subscriber's first picture (hung)")
        _, first = late.seen[1].counters[0]
        assert video.keyframes.sent > asked, "the publisher was asked for a keyframe for it"
        assert first >= live, "its first picture was taken after it joined"
        assert first > 30, "it starts from the live stream, not from the beginning"
    finally:
        for client in (speaker, early, late):
            if client is not None:
                await client.close()


async def test_keyframe_request_of_a_subscriber_reaches_the_publisher(sfu: Sfu) -> None:
    speaker = Client(await sfu.join("amphi", 1, ConferenceRole.HOST))
    viewer = Client(await sfu.join("amphi", 2, ConferenceRole.AUDIENCE))
    await speaker.publish(audio=False)
    try:
        await wait_for(lambda: len(viewer.seen[1].counters) > 5, timeout=10, what="video")
        sender = next(t.sender for t in speaker.pub_pc.getTransceivers() if t.kind == "video")
        requests: list[str] = []
        original = sender._send_keyframe
        hooks.on_keyframe_request(sender, lambda: (requests.append("PLI"), original()))
        receiver = next(t.receiver for t in viewer.sub_pc.getTransceivers() if t.kind == "video")
        (source,) = receiver.getSynchronizationSources()
        (video,) = [f for f in sfu.conferences["amphi"].forwarders if f.kind is Kind.VIDEO]
        # The subscription's own first request is behind us: a PLI now is ours, relayed at once.
        await wait_for(lambda: idle(video.keyframes), timeout=10, what="the keyframe requester idle (hung)")
        requests.clear()
        relayed = video.keyframes.sent
        await hooks.send_pli(receiver, source.source)
        await wait_for(lambda: requests, timeout=10, what="the relayed PLI at the publisher (hung)")
        assert video.keyframes.sent > relayed, "relayed by the SFU's keyframe requester"
    finally:
        await speaker.close()
        await viewer.close()


async def test_publisher_leaving_and_rejoining_is_seen_again(sfu: Sfu) -> None:
    speaker = Client(await sfu.join("amphi", 1, ConferenceRole.HOST))
    viewer = Client(await sfu.join("amphi", 2, ConferenceRole.AUDIENCE))
    await speaker.publish()
    comeback = None
    try:
        await wait_for(lambda: len(viewer.seen[1].counters) > 5, timeout=10, what="video")
        await speaker.close()
        await sfu.leave("amphi", 1)
        await wait_for(lambda: ConfLeft(1, False) in viewer.events, timeout=2, what="the departure")
        await wait_for(lambda: ConfTracks([]) in viewer.events, timeout=2, what="empty track list")
        before = len(viewer.seen[1].counters)

        comeback = Client(await sfu.join("amphi", 1, ConferenceRole.HOST))
        await comeback.publish()
        await wait_for(lambda: len(viewer.seen[1].counters) > before + 5, timeout=5, what="the speaker again")
        after = [c for _, c in viewer.seen[1].counters[before:]]
        # The client's jitter buffer releases the old stream's last frame when the new stream starts.
        restart = 1 if after[1] < after[0] else 0
        assert after[restart] < 10, "the new stream, from its start"
        assert increasing(viewer.seen[1].counters[before + restart :])
    finally:
        await viewer.close()
        if comeback is not None:
            await comeback.close()


async def test_floor_and_mute_control_what_is_forwarded(sfu: Sfu) -> None:
    host = Client(await sfu.join("amphi", 1, ConferenceRole.HOST))
    pupil = Client(await sfu.join("amphi", 2, ConferenceRole.AUDIENCE))
    try:
        assert await host.send(ConfFloor(2, True)) == []
        await pupil.publish()
        await wait_for(
            lambda: host.seen[2].audio_frames > 10 and increasing(host.seen[2].counters),
            timeout=10,
            what="the pupil's voice and picture",
        )

        assert await host.send(ConfMute(2, "audio", True)) == []
        await pictures_later(host, 2, 5)  # the pupil's pictures as a clock: the audio in flight has arrived
        heard = host.seen[2].audio_frames
        await pictures_later(host, 2, 8)  # video still is forwarded
        assert host.seen[2].audio_frames == heard, "muted audio is not forwarded"

        assert await host.send(ConfFloor(2, False)) == []
        await wait_for(lambda: host.events[-1] == ConfTracks([]), timeout=2, what="the pupil's tracks gone")
        assert pupil.participant.publisher is None
    finally:
        await host.close()
        await pupil.close()


async def test_a_closed_publish_connection_unpublishes(sfu: Sfu) -> None:
    speaker = Client(await sfu.join("amphi", 1, ConferenceRole.HOST))
    viewer = Client(await sfu.join("amphi", 2, ConferenceRole.AUDIENCE))
    await speaker.publish()
    try:
        await wait_for(lambda: len(viewer.seen[1].counters) > 5, timeout=10, what="video")
        await speaker.pub_pc.close()
        await wait_for(lambda: ConfTracks([]) in viewer.events, timeout=2, what="the speaker's tracks gone")
        assert speaker.participant.publisher is None and sfu.conferences["amphi"].forwarders == []
    finally:
        await speaker.close()
        await viewer.close()


async def test_a_bad_answer_is_refused_and_a_good_one_still_accepted(sfu: Sfu) -> None:
    speaker = Client(await sfu.join("amphi", 1, ConferenceRole.HOST))
    await speaker.publish()
    viewer = await sfu.join("amphi", 2, ConferenceRole.AUDIENCE)
    try:
        offer = await wait_for_message(viewer, ConfSubscribeOffer)
        (reply,) = await viewer.handle(ConfSubscribeAnswer(offer.version, "v=0\r\nnot an answer\r\n"))
        assert reply.code == ErrorCode.INVALID_FIELD
        pc = RTCPeerConnection(CONFIG)
        await pc.setRemoteDescription(RTCSessionDescription(offer.sdp, "offer"))
        await pc.setLocalDescription(await pc.createAnswer())
        assert await viewer.handle(ConfSubscribeAnswer(offer.version, pc.localDescription.sdp)) == []
        await wait_for(lambda: pc.connectionState == "connected", timeout=5, what="the viewer connected")
        await pc.close()
    finally:
        await speaker.close()


async def wait_for_message(participant: Participant, kind: type) -> Any:
    while not isinstance(msg := await asyncio.wait_for(participant.outbox.get(), 5), kind):
        pass
    return msg


async def test_a_closed_subscribe_connection_is_replaced(sfu: Sfu) -> None:
    speaker = Client(await sfu.join("amphi", 1, ConferenceRole.HOST))
    viewer = Client(await sfu.join("amphi", 2, ConferenceRole.AUDIENCE))
    await speaker.publish()
    try:
        await wait_for(lambda: len(viewer.seen[1].counters) > 5, timeout=10, what="video")
        await viewer.sub_pc.close()
        before = len(viewer.seen[1].counters)
        await wait_for(
            lambda: any(isinstance(e, ConfSubscribeOffer) and e.restart for e in viewer.events),
            timeout=2,
            what="an offer for a new subscribe connection",
        )
        await wait_for(lambda: len(viewer.seen[1].counters) > before + 5, timeout=5, what="video again")
        assert increasing(viewer.seen[1].counters[before:])
    finally:
        await speaker.close()
        await viewer.close()
