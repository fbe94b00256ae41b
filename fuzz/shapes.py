"""Nearly valid messages, built from the protocol's own field declarations, for the fuzzers.

Raw bytes rarely get past MessagePack; a value of the right shape with one field wrong (an integer just out of
range, a string one character too long, a record with a field missing, an odd number of board points) reaches
every field check. :func:`message` builds one from any :class:`Source` of choices: atheris's
``FuzzedDataProvider`` (fuzz/decode.py), a Hypothesis ``data`` object (tests/protocol/test_fuzz_decode.py) or a
``random.Random`` (the attack benchmark's ``fuzz`` attacker).
"""

from __future__ import annotations

import random
from typing import Any, Protocol

import msgpack

from cybercollege.protocol import fields as F
from cybercollege.protocol.messages import TO_CLIENT, TO_SERVER, EventField, Schema
from cybercollege.protocol.whiteboard import BOARD_UNITS, Points

CODES = sorted(TO_SERVER) + sorted(TO_CLIENT)
"""Every type code, both directions."""
WHITEBOARD_CODES = [c for c in CODES if 32 <= c < 64]
ALPHABET = "aZ0-_.:/ é€😀\x00\n"
MAX_DEPTH = 4
MAX_BYTES = 300_000
"""Longer messages are cut (both directions refuse them anyway)."""


class Source(Protocol):
    """Where the choices come from."""

    def number(self, lo: int, hi: int) -> int:
        """An integer in ``lo..hi`` (both included)."""
        ...

    def blob(self, n: int) -> bytes:
        """At most ``n`` bytes."""
        ...


class RandomSource:
    """Choices from a seeded ``random.Random``."""

    def __init__(self, seed: int | None = None) -> None:
        self.rng = random.Random(seed)

    def number(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)

    def blob(self, n: int) -> bytes:
        return self.rng.randbytes(self.rng.randint(0, n))


def pick(src: Source, items: list[Any] | tuple[Any, ...]) -> Any:
    return items[src.number(0, len(items) - 1)]


def anything(src: Source, depth: int = 0) -> Any:
    """Any MessagePack value (the wrong type for most fields)."""
    kind = src.number(0, 9 if depth < MAX_DEPTH else 6)
    if kind == 0:
        return None
    if kind == 1:
        return bool(src.number(0, 1))
    if kind == 2:
        return pick(src, (0, -1, 1, 255, 256, 2**31, 2**32, 2**53 + 1, 2**63 - 1, -(2**63), 2**64 - 1))
    if kind == 3:
        return src.number(-(2**16), 2**16) / 7.0
    if kind == 4:
        return text(src, src.number(0, 80))
    if kind == 5:
        return src.blob(64)
    if kind == 6:
        return src.number(-(2**63), 2**64 - 1)
    if kind == 7:
        return [anything(src, depth + 1) for _ in range(src.number(0, 6))]
    if kind == 8:
        return {text(src, src.number(0, 8)): anything(src, depth + 1) for _ in range(src.number(0, 4))}
    return message_fields(src, pick(src, CODES), depth + 1)


def text(src: Source, n: int) -> str:
    return "".join(ALPHABET[src.number(0, len(ALPHABET) - 1)] for _ in range(n)) if n < 64 else "a" * n


def near(src: Source, lo: int, hi: int) -> int:
    """An integer on, just outside or inside ``lo..hi``."""
    return pick(src, (lo, hi, lo - 1, hi + 1, src.number(lo, hi), src.number(lo, hi)))


def length(src: Source, lo: int, hi: int) -> int:
    """A length on, just outside or inside ``lo..hi`` (never negative)."""
    return max(0, pick(src, (lo, hi, lo - 1, hi + 1, src.number(lo, min(hi, lo + 8)))))


def value(spec: F.Field, src: Source, depth: int = 0) -> Any:
    """A value for ``spec``: usually of its shape and near its limits, sometimes of the wrong type."""
    if depth > MAX_DEPTH or src.number(0, 15) == 0:
        return anything(src, depth)
    if isinstance(spec, F.Int):
        return near(src, spec.lo, spec.hi)
    if isinstance(spec, F.Str):
        return text(src, length(src, spec.min_len, spec.max_len))
    if isinstance(spec, F.Bool):
        return bool(src.number(0, 1))
    if isinstance(spec, F.Opt):
        return None if src.number(0, 2) == 0 else value(spec.inner, src, depth)
    if isinstance(spec, F.ListOf):
        n = length(src, 0, spec.max_len if depth == 0 else min(spec.max_len, 8))  # long lists at the top only
        if n > 16:  # a long list: one item repeated (cheap to build, as long to check)
            return [value(spec.item, src, depth + 1)] * n
        return [value(spec.item, src, depth + 1) for _ in range(n)]
    if isinstance(spec, F.StrIntMap):
        return {text(src, src.number(0, 8)): near(src, -1, 2**31) for _ in range(length(src, 0, spec.max_len))}
    if isinstance(spec, F.Rec):
        schema: Schema = spec.cls.__protocol__  # type: ignore[attr-defined]
        return fields_of(schema, src, depth + 1)
    if isinstance(spec, EventField):
        return message_fields(src, pick(src, sorted(TO_CLIENT)), depth + 1)
    if isinstance(spec, Points):
        n = length(src, 1, spec.max_points) * 2 + (1 if src.number(0, 7) == 0 else 0)
        coords = [near(src, 0, BOARD_UNITS) for _ in range(min(n, 16))]
        return (coords * (n // max(1, len(coords)) + 1))[:n]
    return anything(src, depth)


def fields_of(schema: Schema, src: Source, depth: int = 0) -> list[Any]:
    """The fields of one record or message: all, the required ones, one missing, or one too many."""
    full, required = len(schema.fields), schema.required
    n = pick(src, (full, full, required, required - 1, full + 1))
    out = [value(spec, src, depth) for _, spec in schema.fields[: max(0, n)]]
    if n > len(schema.fields):
        out.append(anything(src, depth + 1))
    return out


def message_fields(src: Source, code: int, depth: int = 0) -> list[Any]:
    """``[code, *fields]`` for a known code, ``[code, *anything]`` for an unknown one."""
    schema = TO_SERVER.get(code) or TO_CLIENT.get(code)
    if schema is None:
        return [code, *[anything(src, depth + 1) for _ in range(src.number(0, 4))]]
    return [code, *fields_of(schema, src, depth)]


def message(src: Source) -> bytes:
    """One encoded, nearly valid message (a whiteboard message one time in three), sometimes cut short."""
    choice = src.number(0, 5)
    if choice <= 1:
        code = pick(src, WHITEBOARD_CODES)
    elif choice == 2:
        code = near(src, 0, 255)
    else:
        code = pick(src, CODES)
    data: bytes = msgpack.packb(message_fields(src, code), use_bin_type=True)[:MAX_BYTES]
    if src.number(0, 7) == 0:  # truncated MessagePack
        data = data[: src.number(0, max(0, len(data) - 1))]
    return data


def declared_huge(src: Source) -> bytes:
    """A MessagePack header declaring a huge array, map, string or binary, with little or nothing after it."""
    head = pick(src, (b"\xdd", b"\xdf", b"\xdb", b"\xc6", b"\xdc", b"\xde"))  # array32, map32, str32, bin32, 16s
    size = pick(src, (2**32 - 1, 2**31, 65536, 65535, 1 << 20))
    width = 2 if head in (b"\xdc", b"\xde") else 4
    body = (min(size, 2**16 - 1) if width == 2 else size).to_bytes(width, "big")
    return pick(src, (b"", b"\x93\x10")) + head + body + src.blob(16)
