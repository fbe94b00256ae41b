"""All server configuration, in one typed place.

Every option can be set by an environment variable ``CYBERCOLLEGE_<NAME>`` (upper case) or a CLI flag of
``cybercollege serve``. docs/configuration.md is generated from the descriptions below
(``python -m cybercollege.server.config --markdown``).
"""

from __future__ import annotations

import ipaddress
import sys
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """The server's settings. Defaults are the embedded demo set-up (SQLite, default world, demo users)."""

    model_config = SettingsConfigDict(env_prefix="CYBERCOLLEGE_", extra="forbid")

    # --- network ---
    host: str = Field("127.0.0.1", description="Address to listen on.")
    port: int = Field(8765, ge=0, le=65535, description="TCP port to listen on (0: any free port).")
    public_url: str = Field(
        "", description="URL users reach the server at (for ENT redirects). Default: http://HOST:PORT."
    )

    # --- content ---
    world: Path | None = Field(None, description="World directory (see docs/worlds.md). Default: the college.")
    assets: Path = Field(ROOT / "assets", description="Assets directory served by content hash.")
    downloads: Path = Field(
        ROOT / "dist" / "client",
        description="The client builds served at /downloads/ (scripts/build_client.py's output, docs/client.md).",
    )
    timezone: str = Field(
        "Europe/Paris",
        description="The college's time zone (an IANA name, e.g. Europe/Paris or America/Cayenne): times in "
        "attendance lists carry its UTC offset.",
    )

    # --- identity ---
    secret: str = Field(
        "",
        description="Secret that signs session tokens (at least 32 characters). "
        "Empty: a random one per start (demo mode only; tokens die with the process).",
    )
    token_ttl: int = Field(3600, ge=60, description="Lifetime of a session token, seconds.")
    demo: bool = Field(
        False,
        description="Demo mode: the demo directory of fictitious users (a staff member among them) can log in. Only "
        "when asked for (`python3 dev.py run` asks), and on a non-loopback address only with allow_demo.",
    )
    production: bool = Field(False, description="Production: refuses demo mode unless allow_demo is set.")
    allow_demo: bool = Field(
        False, description="Allow demo mode in production or on a non-loopback address (labelled, for trials)."
    )
    metrics_token: str = Field(
        "",
        description="Bearer token /metrics asks for (Prometheus: authorization credentials). Empty: /metrics "
        "answers anyone, except in production, where it is then off (404).",
    )
    ent_config: Path | None = Field(None, description="TOML file listing the ENTs (docs/sso.md).")
    school_uai: str = Field(
        "",
        pattern=r"^(\d{7}[A-Z])?$",
        description="Overrides the world's `schools` (docs/worlds.md) with this one UAI: only this school's people "
        "sign in, enter and use the portal. Empty: the world's `schools`.",
    )

    # --- persistence ---
    database_url: str = Field(
        "sqlite+aiosqlite:///var/cybercollege.db",
        description="SQLAlchemy URL: sqlite+aiosqlite:///PATH or postgresql+asyncpg://USER@HOST/DB.",
    )
    chat_retention_days: int = Field(30, ge=1, description="Chat history is deleted after this many days.")
    flush_interval: float = Field(1.0, gt=0, description="Seconds between write-behind flushes.")

    # --- simulation ---
    tick_hz: int = Field(20, ge=1, le=60, description="Ticks per second; one batched frame per client per tick.")
    max_speed: float = Field(6.0, gt=0, description="Fastest legal movement, metres per second.")
    speed_tolerance: float = Field(
        1.5, ge=1, description="Slack factor on max_speed for network jitter before a move is corrected."
    )
    door_reach: float = Field(2.0, gt=0, description="How close (metres) an avatar must be to use a door.")
    interest_cap: int = Field(30, ge=1, le=200, description="Most avatars one client sees in a grid room.")
    near_radius: float = Field(10.0, gt=0, description="Within this distance (m) updates go every tick.")
    far_divisor: int = Field(4, ge=1, description="Farther visible avatars are updated every Nth tick.")
    interest_every: int = Field(
        5, ge=1, description="Grid rooms recompute who sees whom every N ticks (a 1/N share of members each tick)."
    )
    resume_grace: float = Field(30.0, ge=0, description="Seconds a dropped avatar keeps its place.")
    place_checkpoint_seconds: int = Field(
        5,
        ge=0,
        le=3600,
        description="Where connected users stand is saved this often (those who moved), not only when they leave: "
        "after a crash they come back there. 0: only when they leave.",
    )
    handshake_timeout: float = Field(10.0, gt=0, description="Seconds to send HELLO after connecting.")

    # --- limits and backpressure ---
    move_rate: float = Field(30.0, gt=0, description="MOVE messages per second allowed (burst: one second).")
    chat_rate: float = Field(0.5, gt=0, description="Chat lines per second allowed on average.")
    chat_burst: int = Field(5, ge=1, description="Chat lines allowed in a burst.")
    door_rate: float = Field(
        1.0, gt=0, description="Doors one avatar may go through per second on average (each is an audit row)."
    )
    door_burst: int = Field(5, ge=1, description="Doors allowed in a burst (walking through a few rooms at once).")
    room_change_audit_window: float = Field(
        30.0,
        ge=0,
        description="Room changes of one avatar within this many seconds of the last one written to the audit log "
        "are counted and written as one row ('from hall, 12 passages') when the window ends or she leaves.",
    )
    flood_rate: float = Field(100.0, gt=0, description="Messages per second of any kind before a flood close.")
    send_buffer: int = Field(
        64 * 1024,
        ge=4096,
        description="Bytes queued in a socket before a client is 'slow' (gets coalesced state).",
    )
    socket_send_buffer: int = Field(
        128 * 1024,
        ge=0,
        description="Kernel send buffer per client socket (SO_SNDBUF), bytes; 0 keeps the OS default. A small "
        "buffer makes a slow client visible sooner, so it gets fresh coalesced state, not seconds of stale frames.",
    )
    max_pending_events: int = Field(
        1024, ge=16, description="Events queued for a slow client before it is disconnected (close 4008)."
    )
    slow_client_seconds: float = Field(
        30.0, gt=0, description="A client too slow to take any frame for this long is disconnected (close 4008)."
    )

    # --- conferences (WebRTC media) ---
    ice_servers: str = Field(
        "", description="STUN/TURN URLs offered to WebRTC peers, comma-separated (e.g. turn:turn.example.fr:3478)."
    )
    ice_username: str = Field("", description="TURN user name.")
    ice_credential: str = Field("", description="TURN password.")
    ice_secret: str = Field(
        "",
        description="coturn's static-auth-secret (use-auth-secret): each peer gets its own time-limited TURN "
        "credentials instead of ice_username/ice_credential.",
    )
    ice_ttl: int = Field(8 * 3600, ge=60, description="Lifetime of those TURN credentials, seconds.")
    rtc_ports: str = Field("", description="UDP port range for media, LOW-HIGH (e.g. 40000-40199); empty: any port.")
    recordings_dir: Path = Field(
        Path("var/recordings"),
        description="Where conference recordings are stored. Default: var/recordings/<world id>, one folder per "
        "collège; a directory given here is this collège's alone (docs/scaling.md).",
    )
    recording_retention_days: int = Field(
        30, ge=1, description="Conference recordings are deleted after this many days."
    )

    # --- sandbox (uploaded slides, board exports: docs/security.md) ---
    sandbox_workers: int = Field(
        2, ge=1, le=32, description="Worker processes that convert slides and draw board exports, each one job at once."
    )
    sandbox_queue: int = Field(
        8, ge=0, description="Jobs waiting for a worker; one more gets 503 'serveur occupé' at once."
    )
    sandbox_memory_mb: int = Field(
        1024, ge=256, description="Memory (address space) of one worker, MiB; a file needing more is refused."
    )
    sandbox_cpu_seconds: float = Field(60.0, gt=0, description="CPU seconds one conversion or export may use.")
    sandbox_wall_seconds: float = Field(
        120.0, gt=0, description="Seconds one conversion or export may last before its worker is killed and replaced."
    )

    # --- scale-out ---
    broker_url: str = Field("", description="Empty: one process. redis://HOST:PORT/DB: share revocations and presence.")
    standby_takeover_seconds: float = Field(
        4.0,
        ge=2.0,
        le=120.0,
        description="With broker_url: one process serves a collège (its world id); another started for it waits as "
        "a standby and takes over at once when the first stops, within about twice this when it is killed.",
    )

    # --- operations ---
    log_format: Literal["json", "text"] = Field("text", description="Log line format.")
    log_level: str = Field("INFO", description="Python logging level.")
    uvloop: bool = Field(True, description="Run on uvloop when it is installed (10-15% less CPU).")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo

        try:
            ZoneInfo(value)
        except (KeyError, ValueError, OSError):  # ZoneInfoNotFoundError is a KeyError
            raise ValueError(f"unknown time zone {value!r} (an IANA name, e.g. Europe/Paris)") from None
        return value

    def of_college(self, college: str) -> Settings:
        """These settings for the collège ``college`` (its world's id): its own recordings folder unless one was
        given."""
        if "recordings_dir" in self.model_fields_set:
            return self
        return self.model_copy(update={"recordings_dir": self.recordings_dir / college})

    def base_url(self) -> str:
        return self.public_url or f"http://{self.host}:{self.port}"

    def world_path(self) -> Path:
        if self.world is not None:
            return self.world.resolve()
        from cybercollege.worlds import default_world_path

        return default_world_path()

    def rtc_port_range(self) -> tuple[int, int] | None:
        """``rtc_ports`` as (low, high), or None; raises ValueError on a malformed range."""
        if not self.rtc_ports:
            return None
        low, _, high = self.rtc_ports.partition("-")
        try:
            ports = (int(low), int(high))
        except ValueError:
            ports = (0, 0)
        if not 1024 <= ports[0] <= ports[1] <= 65535:
            raise ValueError(f"rtc_ports {self.rtc_ports!r}: expected LOW-HIGH within 1024-65535")
        return ports

    def check(self) -> list[str]:
        """Problems that must stop the server from starting."""
        problems = []
        if self.production and self.demo and not self.allow_demo:
            problems.append("demo mode is refused in production (set demo=false, or allow_demo=true)")
        elif self.demo and not _loopback(self.host) and not self.allow_demo:
            problems.append(f"demo mode on {self.host} would let anyone in as a demo staff member: listen on "
                            "127.0.0.1, or set allow_demo=true for a labelled trial")
        if self.production and len(self.secret) < 32:
            problems.append("production needs a secret of at least 32 characters")
        if self.secret and len(self.secret) < 32:
            problems.append("the secret must be at least 32 characters long")
        try:
            self.rtc_port_range()
        except ValueError as exc:
            problems.append(str(exc))
        return problems


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def markdown() -> str:
    """The configuration reference as a Markdown table."""
    lines = [
        "| option | environment variable | default | meaning |",
        "| --- | --- | --- | --- |",
    ]
    for name, field in Settings.model_fields.items():
        default = field.default
        if isinstance(default, Path):
            default = default.relative_to(ROOT) if default.is_relative_to(ROOT) else default
        shown = "" if default in ("", None) else f"`{default}`"
        lines.append(f"| `{name}` | `CYBERCOLLEGE_{name.upper()}` | {shown} | {field.description} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    if "--markdown" in sys.argv:
        print(markdown(), end="")
