"""Conference signalling: the WebRTC handshake and the host's controls, as protocol messages (codes 64..95).

Each participant has two WebRTC connections to the server's media forwarder (docs/conference.md):

* a **publish** connection, offered by the client (``CONF_PUBLISH``) and answered by the server, carrying
  the participant's own camera and microphone (only allowed to the host and speakers);
* a **subscribe** connection, offered by the server (``CONF_SUBSCRIBE_OFFER``, again whenever tracks are
  added) and answered by the client, carrying everyone else's media. ``CONF_TRACKS`` says which ``mid``
  carries whose audio or video; slots are reused without renegotiation when speakers change.

ICE: no trickle. Both sides gather all their candidates before sending an SDP, so candidates travel inside
the SDP (aiortc always does this). Refusals are the ordinary ``ERROR`` message (``ACCESS_DENIED``,
``UNEXPECTED_MESSAGE``, ``UNKNOWN_AVATAR``, ``INVALID_FIELD``, ``RATE_LIMITED``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from cybercollege.protocol.fields import Bool, Int, ListOf, Rec, Str
from cybercollege.protocol.messages import IDENT, U32, Direction, message, record

MAX_SDP_CHARS = 64 * 1024
"""Largest SDP in an offer or answer."""
MAX_CONF_TRACKS = 256
"""Most tracks listed in one ``CONF_TRACKS``."""
MAX_LINKED_ROOMS = 16
"""Most rooms a conference includes besides its own (``CONF_LINK``)."""


class ConferenceRole(StrEnum):
    """A participant's role in a conference."""

    HOST = "host"  # runs the conference, always has the floor
    SPEAKER = "speaker"  # has been given the floor: their media are forwarded
    AUDIENCE = "audience"  # watches and listens


class Kind(StrEnum):
    AUDIO = "audio"
    VIDEO = "video"


SDP = Str(MAX_SDP_CHARS, 1)
ROLE = Str(16, 1, lambda s: s in ConferenceRole.__members__.values(), "host, speaker or audience")
KIND = Str(8, 1, lambda s: s in Kind.__members__.values(), "audio or video")
MID = Str(32, 1, lambda s: s.isascii() and s.isprintable(), "printable ASCII")
VERSION = Int(1, 2**31 - 1)

C = Direction.TO_SERVER
S = Direction.TO_CLIENT


@record
@dataclass(slots=True, frozen=True)
class TrackInfo:
    """Which media of which participant a ``mid`` of my subscribe connection carries."""

    mid: Annotated[str, MID]
    participant: Annotated[int, U32]
    kind: Annotated[str, KIND]


# --- client -> server ------------------------------------------------------------------------------


@message(64, C)
@dataclass(slots=True, frozen=True)
class ConfPublish:
    """SDP offer of my publish connection (my camera and microphone); also to renegotiate it."""

    sdp: Annotated[str, SDP]


@message(65, C)
@dataclass(slots=True, frozen=True)
class ConfSubscribeAnswer:
    """SDP answer to the server's ``CONF_SUBSCRIBE_OFFER`` number ``version``."""

    version: Annotated[int, VERSION]
    sdp: Annotated[str, SDP]


@message(66, C)
@dataclass(slots=True, frozen=True)
class ConfUnpublish:
    """I stop publishing (my publish connection is closed)."""


@message(67, C)
@dataclass(slots=True, frozen=True)
class ConfFloor:
    """Host only: give (``speaker`` true) or take back (false) the floor of a participant.

    ``host`` true (a host of the college only): make a guest a *guest host* for her class (role ``host``);
    her controls then apply to the guests of her own invitation only. ``speaker`` false and ``host`` false
    make a guest host audience again."""

    participant: Annotated[int, U32]
    speaker: Annotated[bool, Bool()]
    host: Annotated[bool, Bool()] = False


@message(68, C)
@dataclass(slots=True, frozen=True)
class ConfMute:
    """Host only: stop (``muted`` true) or resume forwarding one kind of a participant's media."""

    participant: Annotated[int, U32]
    kind: Annotated[str, KIND]
    muted: Annotated[bool, Bool()]


@message(69, C)
@dataclass(slots=True, frozen=True)
class ConfRemove:
    """Host only: remove a participant from the conference (a guest goes back to the lobby)."""

    participant: Annotated[int, U32]


# --- server -> client ------------------------------------------------------------------------------


@message(80, S)
@dataclass(slots=True, frozen=True)
class ConfPublishAnswer:
    """SDP answer to my ``CONF_PUBLISH``."""

    sdp: Annotated[str, SDP]


@message(81, S)
@dataclass(slots=True, frozen=True)
class ConfSubscribeOffer:
    """SDP offer of my subscribe connection; answer with ``CONF_SUBSCRIBE_ANSWER`` and the same version.

    ``restart`` true: the server replaced a subscribe connection that closed or failed; answer it with a
    new peer connection (close the old one)."""

    version: Annotated[int, VERSION]
    sdp: Annotated[str, SDP]
    restart: Annotated[bool, Bool()] = False


@message(82, S)
@dataclass(slots=True, frozen=True)
class ConfTracks:
    """The full, current list of what my subscribe connection carries (mids not listed are idle)."""

    tracks: Annotated[list[TrackInfo], ListOf(Rec(TrackInfo), MAX_CONF_TRACKS)]


@message(83, S)
@dataclass(slots=True, frozen=True)
class ConfRole:
    """A participant's role (mine included): sent to everyone on join and on every floor change."""

    participant: Annotated[int, U32]
    role: Annotated[str, ROLE]


@message(84, S)
@dataclass(slots=True, frozen=True)
class ConfMuted:
    """The host muted or unmuted one kind of a participant's media (sent to everyone)."""

    participant: Annotated[int, U32]
    kind: Annotated[str, KIND]
    muted: Annotated[bool, Bool()]


@message(85, S)
@dataclass(slots=True, frozen=True)
class ConfLeft:
    """A participant left the conference, or was removed (``removed`` true; if it is me, I am out)."""

    participant: Annotated[int, U32]
    removed: Annotated[bool, Bool()]


# --- recording (client 70..79, server 86..95) ----------------------------------------------------


@message(70, C)
@dataclass(slots=True, frozen=True)
class ConfRecord:
    """Host only: start (``recording`` true) or stop recording the conference."""

    recording: Annotated[bool, Bool()]


@message(86, S)
@dataclass(slots=True, frozen=True)
class ConfRecording:
    """The conference is (``recording`` true) or is no longer being recorded; ``by`` is the host who
    started or stopped it (0: stopped because everyone left). Sent to everyone, and to newcomers."""

    recording: Annotated[bool, Bool()]
    by: Annotated[int, U32]


# --- rooms of a conference (client 71, server 88) -----------------------------------------------


@message(71, C)
@dataclass(slots=True, frozen=True)
class ConfLink:
    """Host only: include (``linked`` true) or leave out another room of the world in this conference
    (a classroom, the CDI, the hall...). Everyone in an included room takes part, in the audience (the
    room's own teachers as hosts), and sees the conference on that room's screen."""

    room: Annotated[str, IDENT]
    linked: Annotated[bool, Bool()]


@message(88, S)
@dataclass(slots=True, frozen=True)
class ConfRooms:
    """The rooms taking part in the conference: ``conference`` (its own room, the amphitheatre) and the
    rooms included with ``CONF_LINK``. Sent to every participant on joining and whenever it changes."""

    conference: Annotated[str, IDENT]
    rooms: Annotated[list[str], ListOf(IDENT, MAX_LINKED_ROOMS)]


# --- network (server 87) -------------------------------------------------------------------------------------


@message(87, S)
@dataclass(slots=True, frozen=True)
class ConfIce:
    """The STUN/TURN servers to give my peer connections, sent on entering a conference room (before any
    offer). Empty ``urls``: host candidates only (a server on the same network)."""

    urls: Annotated[list[str], ListOf(Str(256, 1), 8)]
    username: Annotated[str, Str(256)] = ""
    credential: Annotated[str, Str(256)] = ""
