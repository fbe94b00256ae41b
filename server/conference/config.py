"""Settings of the media forwarder, as plain parameters (the world server's config fills them in)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiortc import RTCBundlePolicy, RTCConfiguration, RTCIceServer

from cybercollege.protocol.conference import ConfIce

if TYPE_CHECKING:
    from cybercollege.server.config import Settings


@dataclass(frozen=True, slots=True)
class SfuConfig:
    ice_urls: tuple[str, ...] = ()
    """STUN/TURN server URLs, e.g. ``("turn:turn.example.fr:3478",)``. Empty: host candidates only."""
    ice_username: str | None = None
    ice_credential: str | None = None
    ice_secret: str | None = None
    """coturn's ``static-auth-secret`` (``use-auth-secret``, the TURN REST scheme): each peer then gets its own
    time-limited credentials from :meth:`ice_for`, and ``ice_username``/``ice_credential`` are not used."""
    ice_ttl_s: int = 8 * 3600
    """Lifetime of those credentials: a TURN allocation cannot be refreshed past it (a school day)."""
    udp_ports: tuple[int, int] | None = None
    """Inclusive UDP port range for the media sockets (to open in a firewall); None: ephemeral ports.
    Applies to the whole process while the Sfu is open."""
    keyframe_interval_s: float = 0.5
    """At most one keyframe request (PLI) per publisher track in this interval; later ones are deferred."""
    video_queue_frames: int = 8
    """A subscriber's sender this many video frames behind is paused until the next keyframe."""
    audio_queue_frames: int = 25
    """... and this many audio frames (20 ms each) behind drops its audio backlog."""
    recordings_dir: str | None = None
    """Where recordings go (one directory each, docs/conference.md); None: recording is refused."""
    retention_days: int = 30
    """Recordings older than this are deleted (checked whenever a recording starts or stops)."""
    negotiation_rate: float = 2.0
    negotiation_burst: int = 10
    """Per participant, at most ``negotiation_burst`` ``CONF_PUBLISH`` (and as many ``CONF_SUBSCRIBE_ANSWER``)
    at once, then ``negotiation_rate`` a second; more get ``ERROR RATE_LIMITED``."""

    def ice_for(self, user: str, now: float | None = None) -> ConfIce:
        """The STUN/TURN servers and credentials to give ``user``'s peer connections (CONF_ICE, browsers too)."""
        if not self.ice_urls:
            return ConfIce([])
        if self.ice_secret:
            return ConfIce(list(self.ice_urls), *turn_rest_credentials(self.ice_secret, user, self.ice_ttl_s, now))
        return ConfIce(list(self.ice_urls), self.ice_username or "", self.ice_credential or "")

    def browser_ice_servers(self, user: str, now: float | None = None) -> list[dict[str, object]]:
        """:meth:`ice_for` as a browser's ``RTCPeerConnection({iceServers})`` takes it."""
        ice = self.ice_for(user, now)
        if not ice.urls:
            return []
        server: dict[str, object] = {"urls": ice.urls}
        if ice.username or ice.credential:
            server |= {"username": ice.username, "credential": ice.credential}
        return [server]

    def rtc_configuration(self) -> RTCConfiguration:
        ice = self.ice_for("sfu")
        servers = [RTCIceServer(ice.urls, ice.username or None, ice.credential or None)] if ice.urls else []
        # MAX_BUNDLE: with the default policy aiortc never sent a second audio track (FIELD-NOTES).
        return RTCConfiguration(iceServers=servers, bundlePolicy=RTCBundlePolicy.MAX_BUNDLE)


def turn_rest_credentials(secret: str, user: str, ttl_s: int, now: float | None = None) -> tuple[str, str]:
    """``(username, credential)`` valid ``ttl_s`` seconds, as coturn's ``use-auth-secret`` checks them: the user
    name is ``"<expiry unix time>:<user>"``, the credential base64(HMAC-SHA1(secret, user name))."""
    expiry = int(time.time() if now is None else now) + ttl_s
    username = f"{expiry}:{user}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode()


def sfu_config(settings: Settings) -> SfuConfig:
    """The media forwarder's settings (raises ValueError on a malformed port range)."""
    urls = tuple(u.strip() for u in settings.ice_servers.split(",") if u.strip())
    return SfuConfig(
        urls,
        settings.ice_username or None,
        settings.ice_credential or None,
        settings.ice_secret or None,
        settings.ice_ttl,
        settings.rtc_port_range(),
        recordings_dir=str(settings.recordings_dir),
        retention_days=settings.recording_retention_days,
    )
