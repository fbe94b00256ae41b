"""Every limit of the wire protocol, in one place (documented in docs/protocol.md §Limits)."""

PROTOCOL_VERSION = 1
"""The protocol version this code speaks."""
SUPPORTED_VERSIONS = (1,)

MAX_FRAME_BYTES = 64 * 1024
"""Largest WebSocket message a client may send: 65,536 bytes are read (and their fields checked), 65,537
close the connection with 1009. (A conference answer's SDP grows about 1.1 KB per forwarded track: 10
speakers need about 24 KB.)"""
MAX_SERVER_FRAME_BYTES = 256 * 1024
"""Largest WebSocket message the server sends (a clients' reader should accept this much)."""
MAX_TOKEN_CHARS = 4096
MAX_CLIENT_NAME_CHARS = 64
MAX_ID_CHARS = 64
"""Room, door and resume-token identifiers."""
MAX_NAME_CHARS = 64
"""Display names."""
MAX_CHAT_CHARS = 500
MAX_REASON_CHARS = 200
MAX_VERSIONS = 8
MAX_UPDATES_PER_FRAME = 256
MAX_EVENTS_PER_FRAME = 512
MAX_PRESENCE_ITEMS = 1500
MAX_LIMITS_ENTRIES = 32

HANDSHAKE_TIMEOUT_S = 10.0
"""Seconds a client has to send HELLO after the WebSocket opens (server setting ``handshake_timeout``)."""
MALFORMED_BEFORE_CLOSE = 20
"""Refused messages (MALFORMED, UNKNOWN_TYPE, INVALID_FIELD, UNEXPECTED_MESSAGE) one connection may send:
the 20th gets its ERROR, then the close 4000."""
FLOOD_RATE = 100.0
"""Messages per second of any kind, with a burst of as many, before the close 4009 (``flood_rate``)."""

COORD_MIN = -1_000_000
COORD_MAX = 1_000_000
"""Positions are centimetres in the world frame (x east, y north): ±10 km."""
HEADING_STEPS = 65536
"""Headings are quantised to 1/65536 of a turn (0 = facing +y, counter-clockwise)."""
U32_MAX = 2**32 - 1
