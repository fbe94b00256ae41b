"""Coverage-guided fuzzing of the wire decoders (``protocol.decode`` in both directions, the whiteboard's
messages and records included, and the server's connection state machine) with atheris, libFuzzer for Python.

    python -m fuzz.decode -atheris_runs=100000 fuzz/corpus/decode   # a few minutes; the corpus grows
    python -m fuzz.decode -max_total_time=3600 -jobs=2 -workers=2 /tmp/corpus fuzz/corpus/decode  # an hour
    python -m fuzz.decode --make-corpus fuzz/corpus/decode              # (re)write the seed corpus

The first argument that is a directory is the corpus: libFuzzer adds what reaches new code to it (copy the
committed one to keep it small). Each input is read four ways, chosen by its first bytes: raw bytes, a nearly
valid message built from the protocol's declarations (fuzz/shapes.py; a whiteboard message one time in three),
a MessagePack header declaring a huge array, map or string, and a series of frames (text ones included) fed
to a :class:`~cybercollege.protocol.connection.ServerConnection`. A failure (libFuzzer writes ``crash-<sha1>``,
replay it with ``python -m fuzz.decode crash-<sha1>``) is any exception but a :class:`ProtocolError` with an
:class:`ErrorCode`, a decoded message that does not encode back to itself, or a connection that answers a
malformed message with anything but an ERROR (and the close 4000 at the 20th).
"""

from __future__ import annotations

import hashlib
import inspect
import sys
from pathlib import Path
from typing import Any

from cybercollege.protocol import Direction, ErrorCode, ProtocolError, decode, encode
from cybercollege.protocol import limits as L
from cybercollege.protocol.connection import Close, Received, Send, ServerConnection, State
from cybercollege.protocol.messages import Avatar, Hello, Welcome
from fuzz import shapes

WELCOME = Welcome(1, Avatar(1, "Léa", "pupil", 0, 0, 0, 0), "hall", "r" * 16, "w", 20, {})
HELLO = encode(Hello([1], "t" * 40))


def check(data: bytes) -> None:
    """Decode ``data`` both ways: a typed refusal, or a message that encodes back to itself."""
    for direction in Direction:
        try:
            msg = decode(data, direction)
        except ProtocolError as exc:
            assert isinstance(exc.code, ErrorCode), exc
            assert exc.ref is None or 0 <= exc.ref <= 255, exc
            continue
        again = decode(encode(msg), direction)
        assert again == msg, (msg, again)


def check_connection(frames: list[bytes | str]) -> None:
    """HELLO, then ``frames``: every refused one gets an ERROR; the 20th refused closes with 4000."""
    conn = ServerConnection(0.0, flood_rate=1e9)  # the flood limit has its own tests: count every refusal here
    conn.receive(HELLO, 0.0)
    conn.accept(WELCOME)
    for i, frame in enumerate(frames):
        before, was_open = conn.malformed, conn.state is State.OPEN
        events = conn.receive(frame, 1.0 + i / 1000)
        for ev in events:
            assert type(ev) in (Received, Send, Close), ev
        if not was_open:
            assert events == [], events
        elif conn.malformed > before:
            assert type(events[0]) is Send and events[0].error is not None, events
            assert conn.malformed < L.MALFORMED_BEFORE_CLOSE or events[-1] == Close(4000, conn.close_reason)


class FuzzedSource:
    """atheris's choices as a :class:`~fuzz.shapes.Source`."""

    def __init__(self, fdp: Any) -> None:
        self.fdp = fdp

    def number(self, lo: int, hi: int) -> int:
        return int(self.fdp.ConsumeIntInRange(lo, hi))

    def blob(self, n: int) -> bytes:
        return bytes(self.fdp.ConsumeBytes(self.fdp.ConsumeIntInRange(0, n)))


def run(src: shapes.Source, mode: int, rest: bytes = b"") -> None:
    """One input, read the way ``mode`` says (0: raw ``rest``, 1: nearly valid, 2: huge, 3: a connection)."""
    if mode == 0:
        check(rest)
    elif mode == 1:
        check(shapes.message(src))
    elif mode == 2:
        check(shapes.declared_huge(src))
    else:
        frames: list[bytes | str] = []
        for _ in range(src.number(1, 24)):
            kind = src.number(0, 9)
            frames.append(
                src.blob(64).decode("latin-1") if kind == 0 else src.blob(64) if kind == 1 else shapes.message(src)
            )
        check_connection(frames)


def one_input(data: bytes) -> None:
    import atheris

    fdp = atheris.FuzzedDataProvider(data)
    mode = fdp.ConsumeIntInRange(0, 3)
    if mode == 0:
        run(FuzzedSource(fdp), 0, fdp.ConsumeBytes(fdp.remaining_bytes()))
    else:
        run(FuzzedSource(fdp), mode)


def make_corpus(folder: Path, count: int = 400) -> int:
    """Seed inputs: raw messages (mode 0) that decode, one file each, named by their hash."""
    folder.mkdir(parents=True, exist_ok=True)
    seen: set[int] = set()
    written = 0
    for seed in range(20_000):
        data = shapes.message(shapes.RandomSource(seed))
        try:
            decode(data, Direction.TO_SERVER)
        except ProtocolError:
            try:
                decode(data, Direction.TO_CLIENT)
            except ProtocolError:
                continue
        code = data[1] if len(data) > 1 else -1
        if len(data) > 2048 or (code in seen and seed % 7):
            continue
        seen.add(code)
        (folder / hashlib.sha1(data).hexdigest()).write_bytes(b"\x00" + data)  # first byte 0: read raw
        written += 1
        if written >= count:
            break
    return written


def instrument(atheris: Any) -> None:
    """Coverage of the protocol's Python code and of the shapes (msgpack is C: its coverage is not seen). Only
    those: ``atheris.instrument_all()`` takes 40 s here for the 3,900 functions loaded."""
    for name, module in list(sys.modules.items()):
        if not name.startswith(("cybercollege.protocol", "fuzz")):
            continue
        for item in list(vars(module).values()):
            for func in [item, *vars(item).values()] if inspect.isclass(item) else [item]:
                if inspect.isfunction(func) and func.__module__ == name:
                    atheris.instrument_func(func)
                elif isinstance(func, property) and inspect.isfunction(func.fget):
                    atheris.instrument_func(func.fget)


def main(argv: list[str]) -> None:
    if argv[1:2] == ["--make-corpus"]:
        print(make_corpus(Path(argv[2]), 200), "seed inputs")
        return
    import atheris

    instrument(atheris)
    atheris.Setup(argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
