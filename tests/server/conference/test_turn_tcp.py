"""A school that drops all UDP still joins the conference: through TURN over TCP, or TLS on port 443.

The SFU and a publishing participant run here, in the host namespace; the school's participant runs in a
network namespace whose firewall drops every UDP datagram (tests/net), in its own process, told of the TURN
server by CONF_ICE with REST credentials (``SfuConfig.ice_secret``) that the real coturn checks.
"""

from __future__ import annotations

import gc
import os
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aioice.ice
import pytest

from protocol.conference import ConfIce, Role
from server.conference import Sfu, SfuConfig
from tests.net.coturn import TurnServer
from tests.net.fixtures import school_net, turn  # noqa: F401
from tests.net.netns import SchoolNetwork
from tests.net.remote_peer import RemotePeer
from tests.server.conference.client import Client, wait_for

HOST, SCHOOL = 1, 2


@pytest.fixture(autouse=True)
def host_side_ice(monkeypatch: pytest.MonkeyPatch, school_net: SchoolNetwork) -> Iterator[None]:  # noqa: F811
    """The SFU and the host's client offer the veth's host address, as a server offers its public one."""
    monkeypatch.setattr(aioice.ice, "get_host_addresses", lambda use_ipv4, use_ipv6: [school_net.host_ip])
    yield
    gc.collect()


@pytest.fixture
async def host(sfu_with_turn: Sfu) -> AsyncIterator[Client]:
    client = Client(await sfu_with_turn.join("amphi", HOST, Role.HOST))
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
    async with RemotePeer(await sfu.join("amphi", SCHOOL, Role.SPEAKER), net.command, env) as peer:
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
    async with RemotePeer(await sfu_with_turn.join("amphi", SCHOOL, Role.SPEAKER), school_net.command, env) as peer:
        peer.deliver(ConfIce([]))
        report = await peer.wait(lambda r: r["pub"] == "failed", 60, "the school's publish connection to fail")
        assert report["pub_pair"] is None and decoded(report, "video") == 0
    assert host.seen[SCHOOL].counters == []
