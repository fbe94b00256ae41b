"""A school's network for tests: a network namespace joined to the host by a veth pair, with all UDP dropped.

``with school_network() as net:`` creates namespace ``net.name`` holding ``net.ns_ip`` (a /30 whose other
end, ``net.host_ip``, is in the host namespace), drops every UDP datagram in and out of it with nftables
(loopback included: a school firewall that lets no UDP through), and removes everything on exit, even after a
failure. Run a program inside it with ``net.command("prog", ...)`` (``ip netns exec NAME prog ...``); it
reaches the host's services listening on ``net.host_ip`` (or on 0.0.0.0) over TCP only.

Needs root (``ip netns add``) and nftables (``apt-get install nftables``,
scripts/install-test-system-deps.sh). Names and addresses are unique per process (a lock file guards the
choice), so parallel pytest runs do not collide; leftovers of dead test processes are removed first.
"""

from __future__ import annotations

import contextlib
import fcntl
import ipaddress
import itertools
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass

PREFIX = "ccnet"  # namespace "ccnet<pid>x<n>", host side of the veth "ccn<pid>x<n>h"
POOL = ipaddress.IPv4Network("10.213.0.0/16")  # /30 subnets are taken from here
LOCK = "/run/lock/cybercollege-test-netns.lock"
INSTALL = "apt-get install -y --no-install-recommends nftables iproute2 (scripts/install-test-system-deps.sh)"
_counter = itertools.count()

DROP_UDP = """
table inet school_firewall {
    chain input { type filter hook input priority 0; policy accept; meta l4proto udp counter drop; }
    chain output { type filter hook output priority 0; policy accept; meta l4proto udp counter drop; }
}
"""


class NetnsUnavailable(RuntimeError):
    """This machine cannot make the test network (not root, no tools, or the kernel refuses namespaces)."""


@dataclass(frozen=True, slots=True)
class SchoolNetwork:
    name: str
    """The namespace's name (``ip netns exec NAME ...``)."""
    host_if: str
    """The host side of the veth pair."""
    host_ip: str
    """The host side's address: where the namespace reaches the host's services (and the TURN server)."""
    ns_ip: str
    """The namespace side's address."""
    udp_blocked: bool

    def command(self, *argv: str) -> list[str]:
        """``argv`` run inside the namespace."""
        return ["ip", "netns", "exec", self.name, *argv]

    def udp_dropped(self) -> int:
        """How many UDP packets the namespace's firewall has dropped so far (0 without the firewall)."""
        if not self.udp_blocked:
            return 0
        out = _run(*self.command("nft", "list", "table", "inet", "school_firewall"))
        return sum(int(n) for n in re.findall(r"counter packets (\d+)", out))


def _run(*argv: str) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    if done.returncode != 0:
        raise NetnsUnavailable(f"`{' '.join(argv)}` failed ({done.returncode}): {done.stderr.strip()}")
    return done.stdout


def check_available() -> None:
    """Raise NetnsUnavailable with what is missing: root, ``ip``, ``nft``."""
    if os.geteuid() != 0:
        raise NetnsUnavailable("the school-network tests create network namespaces: run them as root")
    for tool in ("ip", "nft"):
        if shutil.which(tool) is None:
            raise NetnsUnavailable(f"`{tool}` is not installed: {INSTALL}")


def _remove_leftovers() -> None:
    """Namespaces of test processes that died without cleaning up (their veth goes with them)."""
    for line in _run("ip", "netns", "list").splitlines():
        match = re.match(rf"({PREFIX}(\d+)x\d+)\b", line)
        if match and not os.path.exists(f"/proc/{match.group(2)}"):
            subprocess.run(["ip", "netns", "delete", match.group(1)], capture_output=True)


def _free_subnet() -> ipaddress.IPv4Network:
    used = [ipaddress.ip_interface(a) for a in re.findall(r"inet (\S+)", _run("ip", "-4", "-o", "addr"))]
    for subnet in POOL.subnets(new_prefix=30):
        if not any(subnet.overlaps(u.network) for u in used):
            return subnet
    raise NetnsUnavailable(f"no free /30 left in {POOL}")


def _create(udp_blocked: bool) -> SchoolNetwork:
    n = next(_counter)
    name = f"{PREFIX}{os.getpid()}x{n}"
    host_if, ns_if = f"ccn{os.getpid()}x{n}h", f"ccn{os.getpid()}x{n}n"
    with open(LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _remove_leftovers()
        subnet = _free_subnet()
        host_ip, ns_ip = (str(a) for a in list(subnet.hosts())[:2])
        try:
            _run("ip", "netns", "add", name)
        except NetnsUnavailable as exc:
            raise NetnsUnavailable(f"the kernel refused a network namespace: {exc}") from exc
        net = SchoolNetwork(name, host_if, host_ip, ns_ip, udp_blocked)
        try:
            _run("ip", "link", "add", host_if, "type", "veth", "peer", "name", ns_if, "netns", name)
            _run("ip", "addr", "add", f"{host_ip}/30", "dev", host_if)
            _run("ip", "link", "set", host_if, "up")
        except BaseException:
            _delete(net)
            raise
    try:
        _run(*net.command("ip", "addr", "add", f"{ns_ip}/30", "dev", ns_if))
        _run(*net.command("ip", "link", "set", ns_if, "up"))
        _run(*net.command("ip", "link", "set", "lo", "up"))
        _run(*net.command("ip", "route", "add", "default", "via", host_ip))
        if udp_blocked:
            done = subprocess.run(net.command("nft", "-f", "-"), input=DROP_UDP, capture_output=True, text=True)
            if done.returncode != 0:
                raise NetnsUnavailable(f"nft could not drop UDP in {name}: {done.stderr.strip()}")
    except BaseException:
        _delete(net)
        raise
    return net


def _delete(net: SchoolNetwork) -> None:
    subprocess.run(["ip", "netns", "delete", net.name], capture_output=True)
    subprocess.run(["ip", "link", "delete", net.host_if], capture_output=True)  # gone with the namespace, usually


@contextlib.contextmanager
def school_network(*, udp_blocked: bool = True) -> Iterator[SchoolNetwork]:
    """A fresh namespace (UDP dropped unless ``udp_blocked`` is false), deleted on exit."""
    check_available()
    net = _create(udp_blocked)
    try:
        yield net
    finally:
        _delete(net)
