"""A school's network for tests: a network namespace that drops all UDP, and a TURN server that gets through.

- ``netns.py``: ``school_network()`` — the namespace, its veth pair and its nftables firewall.
- ``coturn.py``: ``turn_server(net, folder)`` — Debian's coturn on the host side, TCP 3478 and TLS 443.
- ``fixtures.py``: the session-scoped pytest fixtures ``school_net`` and ``turn`` built on them.
- ``browser.py``: ``browser_in(net, folder, ...)`` — Playwright's Chromium running inside the namespace.
- ``conference_peer.py`` / ``remote_peer.py``: an aiortc conference participant in another process (inside
  the namespace), relayed to a server-side ``Participant``.

A journey through a school network (the world server in the host namespace, the guest's browser inside)::

    from tests.net.fixtures import school_net, turn  # noqa: F401
    settings = make_settings(tmp_path, ice_servers=",".join(turn.urls(tls=True)), ice_secret=turn.secret)
    srv = TestServer(build(settings), host=school_net.host_ip)  # where the namespace reaches it (host clients too)
    url = f"http://{school_net.host_ip}:{srv.port}/invite/{code}"
    trust = [f"--ignore-certificate-errors-spki-list={turn.spki()}"]   # for turns:
    async with browser_in(school_net, tmp_path, locale="de-DE", origins=[url_origin], extra_args=trust) as ctx:
        ...

The SFU may keep offering 127.0.0.1 only (tests/server/conference/conftest.py): coturn relays to loopback
peers and to ``school_net.host_ip``, nothing else.
"""
