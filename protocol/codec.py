"""Bytes <-> messages. Decoding raises only :class:`ProtocolError`, whatever the bytes."""

from __future__ import annotations

from typing import Any

import msgpack

from cybercollege.protocol import limits as L
from cybercollege.protocol.errors import ErrorCode, ProtocolError
from cybercollege.protocol.messages import TO_CLIENT, TO_SERVER, Direction, Frame, Schema, schema_of

_FRAME_CODE: int = Frame.__protocol__.code  # type: ignore[attr-defined]


def encode(msg: Any) -> bytes:
    """One message as a MessagePack array ``[type, *fields]``."""
    schema: Schema = schema_of(msg)
    return msgpack.packb([schema.code, *schema.to_fields(msg)], use_bin_type=True)


def decode(data: bytes | str, direction: Direction, max_bytes: int | None = None) -> Any:
    """Decode one message sent in ``direction`` (TO_SERVER: what a server receives)."""
    if max_bytes is None:
        max_bytes = L.MAX_FRAME_BYTES if direction is Direction.TO_SERVER else L.MAX_SERVER_FRAME_BYTES
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ProtocolError(ErrorCode.MALFORMED, "messages are binary MessagePack, not text")
    if len(data) > max_bytes:
        raise ProtocolError(ErrorCode.FRAME_TOO_LARGE, f"{len(data)} bytes, at most {max_bytes}")
    value = _unpack(data, max_bytes)
    if type(value) is not list or not value:
        raise ProtocolError(ErrorCode.MALFORMED, "a message must be a non-empty array")
    code = value[0]
    if type(code) is not int:
        raise ProtocolError(ErrorCode.MALFORMED, "a message must start with an integer type code")
    table = TO_SERVER if direction is Direction.TO_SERVER else TO_CLIENT
    schema = table.get(code)
    if schema is None:
        raise ProtocolError(ErrorCode.UNKNOWN_TYPE, f"unknown message type {code}", ref=_ref(code))
    try:
        return schema.from_fields(value, schema.name, offset=1)
    except ProtocolError as exc:
        exc.ref = code
        raise


def _unpack(data: bytes, max_bytes: int) -> Any:
    try:
        return msgpack.unpackb(
            data,
            raw=False,
            use_list=True,
            strict_map_key=True,
            max_str_len=max_bytes,
            max_bin_len=max_bytes,
            max_array_len=max_bytes,
            max_map_len=max_bytes // 2,
            max_ext_len=0,
        )
    except Exception as exc:  # msgpack raises many types (ValueError, ExtraData, StackError...)
        raise ProtocolError(ErrorCode.MALFORMED, f"not valid MessagePack: {type(exc).__name__}") from None


def _ref(code: int) -> int | None:
    return code if 0 <= code <= 255 else None


# --- fast paths for the server's tick -------------------------------------------------------------


def encode_update(avatar_id: int, x: int, y: int, heading: int, anim: int) -> bytes:
    """One pre-encoded :class:`~protocol.messages.Update`, to splice into many frames."""
    return msgpack.packb((avatar_id, x, y, heading, anim))


_packer = msgpack.Packer(use_bin_type=True)


FRAME_OVERHEAD = 32
"""Bytes of a FRAME beyond its events and updates (array headers, code, tick): a generous bound."""
MAX_UPDATE_BYTES = 32
"""An encoded update is a MessagePack array of five bounded integers: at most 26 bytes."""


def encode_frames(tick: int, events: list[bytes], updates: list[bytes]) -> list[bytes]:
    """As many FRAMEs as needed to carry ``events`` then ``updates`` within the limits a client checks
    (:data:`~protocol.limits.MAX_EVENTS_PER_FRAME`, :data:`~protocol.limits.MAX_UPDATES_PER_FRAME`,
    :data:`~protocol.limits.MAX_SERVER_FRAME_BYTES`); order is kept. Usually one."""
    budget = L.MAX_SERVER_FRAME_BYTES - FRAME_OVERHEAD
    if (  # the usual case, decided without measuring every update (this runs for every client every tick)
        len(events) <= L.MAX_EVENTS_PER_FRAME
        and len(updates) <= L.MAX_UPDATES_PER_FRAME
        and (not events or sum(map(len, events)) + len(updates) * MAX_UPDATE_BYTES <= budget)
    ):
        return [encode_frame(tick, events, updates)]
    frames: list[bytes] = []
    evs: list[bytes] = []
    ups: list[bytes] = []
    size = 0
    for item, is_event in [(e, True) for e in events] + [(u, False) for u in updates]:
        full = len(evs) == L.MAX_EVENTS_PER_FRAME if is_event else len(ups) == L.MAX_UPDATES_PER_FRAME
        if full or (size + len(item) > budget and (evs or ups)):
            frames.append(encode_frame(tick, evs, ups))
            evs, ups, size = [], [], 0
        (evs if is_event else ups).append(item)
        size += len(item)
    if evs or ups:
        frames.append(encode_frame(tick, evs, ups))
    return frames


def encode_frame(tick: int, events: list[bytes], updates: list[bytes]) -> bytes:
    """A FRAME from pre-encoded events (:func:`encode`) and updates (:func:`encode_update`)."""
    pack_array_header = _packer.pack_array_header
    return b"".join(
        (
            pack_array_header(4),
            _packer.pack(_FRAME_CODE),
            _packer.pack(tick),
            pack_array_header(len(events)),
            *events,
            pack_array_header(len(updates)),
            *updates,
        )
    )
