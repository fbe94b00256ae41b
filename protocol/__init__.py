"""The Cybercollège wire protocol, sans I/O: messages, their encoding, limits and the handshake.

Nothing here touches a socket or an event loop, so the server, the client, bots and fuzzers share it
and test it without a network. The specification is docs/protocol.md.
"""

from cybercollege.protocol.codec import decode, encode, encode_frame, encode_frames, encode_update
from cybercollege.protocol.errors import CloseCode, ErrorCode, ProtocolError
from cybercollege.protocol.messages import Direction

__all__ = [
    "CloseCode",
    "Direction",
    "ErrorCode",
    "ProtocolError",
    "decode",
    "encode",
    "encode_frame",
    "encode_frames",
    "encode_update",
]

# Feature messages register themselves in the same tables when imported.
from cybercollege.protocol import classroom as _classroom  # noqa: F401
from cybercollege.protocol import conference as _conference  # noqa: F401
from cybercollege.protocol import invitation as _invitation  # noqa: F401
from cybercollege.protocol import teacher as _teacher  # noqa: F401
from cybercollege.protocol import whiteboard as _whiteboard  # noqa: F401
