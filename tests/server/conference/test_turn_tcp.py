"""A school that drops all UDP still joins the conference: through TURN over TCP, or TLS on port 443.

The SFU and a publishing participant run here, in the host namespace; the school's participant runs in a
network namespace whose firewall drops every UDP datagram (tests/net), in its own process, told of the TURN
server by CONF_ICE with REST credentials (``SfuConfig.ice_secret``) that the real coturn checks.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import aioice.ice
import aioice.stun
import aioice.turn
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from aiortc import MediaStreamTrack, RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError

from cybercollege.client.network import WorldConnection
from cybercollege.protocol.conference import ConferenceRole, ConfIce
from cybercollege.server.conference import Sfu, SfuConfig
from cybercollege.server.conference.config import turn_rest_credentials
from cybercollege.server.edge.app import build
from cybercollege.server.edge.services import SERVICES
from tests.net.browser import browser_in
from tests.net.coturn import TurnServer
from tests.net.fixtures import school_net, turn  # noqa: F401
from tests.net.netns import SchoolNetwork
from tests.net.remote_peer import RemotePeer
from tests.server.conference.client import Client, wait_for
from tests.server.conference.media import CounterVideo
from tests.server.conference.test_world_conference import into
from tests.server.conftest import make_settings

HOST, SCHOOL = 1, 2


@pytest.fixture(autouse=True)
def host_side_ice(monkeypatch: pytest.MonkeyPatch, school_net: SchoolNetwork) -> Iterator[None]:  # noqa: F811
    """The SFU and the host's client offer the veth's host address, as a server offers its public one."""
    monkeypatch.setattr(aioice.ice, "get_host_addresses", lambda use_ipv4, use_ipv6: [school_net.host_ip])
    yield
    gc.collect()


@pytest.fixture
async def host(sfu_with_turn: Sfu) -> AsyncIterator[Client]:
    client = Client(await sfu_with_turn.join("amphi", HOST, ConferenceRole.HOST))
    await client.publish()
    yield client
    await client.close()


@pytest.fixture
async def sfu_with_turn(turn: TurnServer) -> AsyncIterator[Sfu]:  # noqa: F811
    sfu = Sfu(SfuConfig(ice_urls=turn.urls(tls=True), ice_secret=turn.secret))
    yield sfu
    await sfu.close()


def decoded(report: dict[str, Any], kind: str) -> int:
    return int(report["decoded"].get(f"{HOST}/{kind}", 0))


async def call_through(sfu: Sfu, host: Client, net: SchoolNetwork, ice: ConfIce, env: dict[str, str]) -> dict:
    """The school joins as a speaker; returns its report once both sides decoded each other's media."""
    async with RemotePeer(await sfu.join("amphi", SCHOOL, ConferenceRole.SPEAKER), net.command, env) as peer:
        peer.deliver(ice)
        report = await peer.wait(
            lambda r: r["pub"] == r["sub"] == "completed" and decoded(r, "video") > 10 and decoded(r, "audio") > 10,
            90,
            "the school decoding the host's video and audio",
        )
        await wait_for(lambda: len(host.seen[SCHOOL].counters) > 10, 60, "the host decoding the school's video")
        await wait_for(lambda: host.seen[SCHOOL].audio_frames > 10, 60, "the host hearing the school")
        return report


@pytest.mark.parametrize("scheme", ["turn", "turns"])
async def test_a_school_without_udp_connects_through_turn_over_tcp(
    sfu_with_turn: Sfu,
    host: Client,
    school_net: SchoolNetwork,  # noqa: F811
    turn: TurnServer,  # noqa: F811
    scheme: str,
) -> None:
    url = turn.urls(tcp=scheme == "turn", tls=scheme == "turns")
    ice = SfuConfig(ice_urls=url, ice_secret=turn.secret).ice_for(str(SCHOOL))
    sessions, dropped = len(turn.sessions(str(SCHOOL))), school_net.udp_dropped()
    report = await call_through(sfu_with_turn, host, school_net, ice, {**os.environ, "SSL_CERT_FILE": str(turn.cert)})
    for pair in (report["pub_pair"], report["sub_pair"]):
        assert pair["local"] == "relay" and pair["local_addr"] == turn.host, report
    new = turn.sessions(str(SCHOOL))[sessions:]
    assert len(new) >= 2 and all(("method=TLS" in line) == (scheme == "turns") for line in new), new
    assert school_net.udp_dropped() > dropped  # the school's peer did try UDP, and the firewall dropped it


async def test_without_turn_a_school_without_udp_does_not_connect(
    sfu_with_turn: Sfu,
    host: Client,
    school_net: SchoolNetwork,  # noqa: F811
) -> None:
    """Proves the block is real: the same call with host candidates only fails."""
    env = {**os.environ, "PEER_STUN_RETRIES": "3"}  # fail after 3.5 s of unanswered checks, not 31.5 s
    participant = await sfu_with_turn.join("amphi", SCHOOL, ConferenceRole.SPEAKER)
    async with RemotePeer(participant, school_net.command, env) as peer:
        peer.deliver(ConfIce([]))
        report = await peer.wait(lambda r: r["pub"] == "failed", 60, "the school's publish connection to fail")
        assert report["pub_pair"] is None and decoded(report, "video") == 0
    assert host.seen[SCHOOL].counters == []


# --- a browser in the school ------------------------------------------------------------------------------------

PAGE = """<!doctype html><meta charset="utf-8"><title>école</title>
<video id="remote" autoplay playsinline muted></video>
<script>
let pc;
window.call = async (iceServers) => {
  pc = new RTCPeerConnection({iceServers});  // no iceTransportPolicy: the browser finds TURN/TCP on its own
  const stream = await navigator.mediaDevices.getUserMedia({video: true, audio: true});
  for (const track of stream.getTracks()) pc.addTrack(track, stream);
  pc.ontrack = (e) => { document.getElementById("remote").srcObject = new MediaStream([e.track]); };
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((done) => {
    if (pc.iceGatheringState === "complete") done();
    pc.onicegatheringstatechange = () => { if (pc.iceGatheringState === "complete") done(); };
  });
  return pc.localDescription.sdp;
};
window.answer = (sdp) => pc.setRemoteDescription({type: "answer", sdp});
window.report = async () => {
  const stats = [...(await pc.getStats()).values()];
  const byId = Object.fromEntries(stats.map((s) => [s.id, s]));
  const transport = stats.find((s) => s.type === "transport" && s.selectedCandidatePairId);
  const pair = transport && byId[transport.selectedCandidatePairId];
  const local = pair && byId[pair.localCandidateId];
  const video = stats.find((s) => s.type === "inbound-rtp" && s.kind === "video");
  return {
    state: pc.iceConnectionState,
    local: local ? {type: local.candidateType, relayProtocol: local.relayProtocol || null, address: local.address}
                 : null,
    framesDecoded: video ? video.framesDecoded : 0,
  };
};
</script>
"""


@pytest.fixture
async def page_url(school_net: SchoolNetwork) -> AsyncIterator[str]:  # noqa: F811
    """The test page, served from the host namespace on the veth's host address."""

    async def page(_: web.Request) -> web.Response:
        return web.Response(text=PAGE, content_type="text/html")

    app = web.Application()
    app.router.add_get("/", page)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, school_net.host_ip, 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://{school_net.host_ip}:{port}"
    await runner.cleanup()


async def count_frames(track: MediaStreamTrack, seen: list[int]) -> None:
    with contextlib.suppress(MediaStreamError):
        while True:
            await track.recv()
            seen.append(1)


@pytest.mark.parametrize("scheme", ["turn", "turns"])
async def test_a_browser_without_udp_connects_through_turn_over_tcp(
    school_net: SchoolNetwork,  # noqa: F811
    turn: TurnServer,  # noqa: F811
    page_url: str,
    tmp_path: Path,
    scheme: str,
) -> None:
    config = SfuConfig(ice_urls=turn.urls(tcp=scheme == "turn", tls=scheme == "turns"), ice_secret=turn.secret)
    answerer = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    received: list[int] = []
    readers: list[asyncio.Task[None]] = []
    answerer.on("track", lambda track: readers.append(asyncio.create_task(count_frames(track, received))))
    trust = [f"--ignore-certificate-errors-spki-list={turn.spki()}"]
    async with browser_in(school_net, tmp_path, origins=[page_url], extra_args=trust) as context:
        page = await context.new_page()
        await page.goto(page_url)
        offer = await page.evaluate("(servers) => window.call(servers)", config.browser_ice_servers("browser"))
        await answerer.setRemoteDescription(RTCSessionDescription(offer, "offer"))
        answerer.addTrack(CounterVideo())
        await answerer.setLocalDescription(await answerer.createAnswer())
        await page.evaluate("(sdp) => window.answer(sdp)", answerer.localDescription.sdp)
        report: dict[str, Any] = {}
        deadline = time.monotonic() + 60
        while not (report.get("framesDecoded", 0) > 10 and len(received) > 10):
            assert time.monotonic() < deadline, f"no media through TURN: browser {report}, aiortc {len(received)}"
            await asyncio.sleep(0.2)
            report = await page.evaluate("() => window.report()")
    for task in readers:
        task.cancel()
    await answerer.close()
    assert report["local"]["type"] == "relay", report
    assert report["local"]["relayProtocol"] == ("tls" if scheme == "turns" else "tcp"), report
    assert any("method=TLS" in s for s in turn.sessions("browser")) == (scheme == "turns")


# --- credentials ------------------------------------------------------------------------------------------------


class _Sink(asyncio.DatagramProtocol):
    pass


async def allocate(server: TurnServer, username: str, credential: str) -> None:
    """One TURN allocation over TCP from the host, as a peer does (raises when coturn refuses it)."""
    transport, _ = await aioice.turn.create_turn_endpoint(
        _Sink, (server.host, server.tcp_port), username, credential, transport="tcp"
    )
    transport.close()


async def test_coturn_takes_fresh_rest_credentials_and_refuses_expired_or_forged_ones(
    turn: TurnServer,  # noqa: F811
) -> None:
    await allocate(turn, *turn_rest_credentials(turn.secret, "fresh", 600))
    expired = turn_rest_credentials(turn.secret, "expired", 600, now=time.time() - 1200)
    forged = turn_rest_credentials("not-the-secret", "forged", 600)
    for username, credential in (expired, forged):
        with pytest.raises(aioice.stun.TransactionFailed, match="401"):
            await allocate(turn, username, credential)
    assert [len(turn.sessions(user)) for user in ("fresh", "expired", "forged")] == [1, 0, 0]


async def test_the_world_server_gives_each_participant_its_own_turn_credentials(
    tmp_path: Path,
    http: aiohttp.ClientSession,
) -> None:
    settings = make_settings(tmp_path, ice_servers="turns:turn.example.fr:443?transport=tcp", ice_secret="s" * 32)
    srv = TestServer(build(settings), host="127.0.0.1")
    await srv.start_server()
    try:
        base = str(srv.make_url("")).rstrip("/")
        async with http.post(f"{base}/auth/demo", json={"login": "mme.durand"}) as r:
            token = (await r.json())["access_token"]
        teacher = WorldConnection(http, base, token)
        received: list[Any] = []
        teacher.mirror.listeners.append(received.append)
        await teacher.connect()
        await into(teacher, srv.app[SERVICES], "amphi")
        await wait_for(lambda: any(isinstance(m, ConfIce) for m in received), 10, "CONF_ICE")
        ice = next(m for m in received if isinstance(m, ConfIce))
        expiry, _, user = ice.username.partition(":")
        assert (ice.urls, user) == (["turns:turn.example.fr:443?transport=tcp"], str(teacher.mirror.me))
        assert (ice.username, ice.credential) == turn_rest_credentials("s" * 32, user, 8 * 3600, int(expiry) - 8 * 3600)
        await teacher.close()
    finally:
        await srv.close()
