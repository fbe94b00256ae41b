"""Settings of the media forwarder, as plain parameters (the world server's config fills them in)."""

from __future__ import annotations

from dataclasses import dataclass

from aiortc import RTCBundlePolicy, RTCConfiguration, RTCIceServer


@dataclass(frozen=True, slots=True)
class SfuConfig:
    ice_urls: tuple[str, ...] = ()
    """STUN/TURN server URLs, e.g. ``("turn:turn.example.fr:3478",)``. Empty: host candidates only."""
    ice_username: str | None = None
    ice_credential: str | None = None
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

    def rtc_configuration(self) -> RTCConfiguration:
        servers = [RTCIceServer(list(self.ice_urls), self.ice_username, self.ice_credential)] if self.ice_urls else []
        # MAX_BUNDLE: with the default policy aiortc never sent a second audio track (FIELD-NOTES).
        return RTCConfiguration(iceServers=servers, bundlePolicy=RTCBundlePolicy.MAX_BUNDLE)
