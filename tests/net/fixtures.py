"""pytest fixtures of a school network: import them into a conftest or test module.

```python
from tests.net.fixtures import school_net, turn  # noqa: F401

def test_x(school_net, turn):  # a UDP-blocked namespace, and coturn on its host side (TCP 3478, TLS 443)
    subprocess.run(school_net.command("prog"))        # runs inside the namespace
    SfuConfig(ice_urls=turn.urls(tls=True), ice_secret=turn.secret)
```

Both are session-scoped: one namespace and one coturn per pytest process, torn down at the end even after a
failure. They fail (not skip) with what is missing when the machine cannot provide them.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.net.coturn import TurnServer, turn_server
from tests.net.netns import NetnsUnavailable, SchoolNetwork, check_available, school_network


@pytest.fixture(scope="session")
def school_net() -> Iterator[SchoolNetwork]:
    """A network namespace that drops all UDP, joined to the host by a veth pair (tests/net/netns.py)."""
    try:
        check_available()
    except NetnsUnavailable as exc:
        pytest.fail(str(exc))
    with school_network() as net:
        yield net


@pytest.fixture(scope="session")
def turn(school_net: SchoolNetwork, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TurnServer]:
    """coturn on ``school_net.host_ip``: TURN over TCP on 3478 and TLS on 443 (tests/net/coturn.py)."""
    with turn_server(school_net, tmp_path_factory.mktemp("coturn")) as server:
        yield server
