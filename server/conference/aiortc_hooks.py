"""Every aiortc internal the forwarder depends on, in one place (written against aiortc 1.16, pinned).

aiortc has no public API to forward encoded media, so the SFU reaches into it here and nowhere else:

* ``RTCRtpReceiver._RTCRtpReceiver__decoder_queue``: the receiver puts each complete encoded frame
  (reassembled by its jitter buffer) there for its decoder thread. :func:`tap_receiver` puts a
  :class:`FrameTap` in its place before the receiver starts: frames go to the SFU, the decoder idles.
* ``RTCRtpSender._RTCRtpSender__encoder``: the sender packs an ``av.Packet`` with ``Encoder.pack`` and only
  encodes ``av.Frame`` objects. :func:`pack_only` installs a :class:`PackOnlyEncoder` that refuses to encode.
* ``RTCRtpSender._send_keyframe``: called when the remote peer sends a PLI or FIR.
* ``RTCRtpReceiver._send_rtcp_pli``: sends a PLI to the remote sender.
* ``aioice.ice``'s module global ``asyncio``: aioice binds its UDP sockets to port 0 with
  ``asyncio.get_running_loop().create_datagram_endpoint``; :func:`limit_udp_ports` gives that module a view
  of asyncio whose loop binds them to a port of a range instead (process-wide).

tests/server/conference/test_aiortc_hooks.py fails loudly if an aiortc upgrade changes any of these.
"""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import itertools
import queue
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aioice.ice
import av
from aiortc import RTCRtpReceiver, RTCRtpSender
from aiortc.codecs import get_encoder
from aiortc.codecs.base import Encoder
from aiortc.rtcrtpparameters import RTCRtpCodecParameters

RECEIVER_QUEUE = "_RTCRtpReceiver__decoder_queue"
RECEIVER_STARTED = "_RTCRtpReceiver__started"
SENDER_ENCODER = "_RTCRtpSender__encoder"

OnFrame = Callable[[bytes, int], None]
"""Receives each complete encoded frame: its bytes and its timestamp (codec clock, starting at 0)."""


class HookError(RuntimeError):
    """aiortc does not look like the version these hooks were written for."""


@dataclass
class CodecCalls:
    """Codec work done by tapped receivers and pack-only senders (both must stay at zero)."""

    decodes: int = 0
    encodes: int = 0


calls = CodecCalls()


class FrameTap(queue.Queue):
    """Takes the place of a receiver's decoder queue: encoded frames go to ``on_frame``, never to a decoder.

    Only the ``None`` that stops the (idle) decoder thread is queued.
    """

    def __init__(self, on_frame: OnFrame) -> None:
        super().__init__()
        self.on_frame = on_frame

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
        if item is None:
            super().put(None)
        else:
            _codec, frame = item
            self.on_frame(frame.data, frame.timestamp)

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        item = super().get(block, timeout)
        if item is not None:
            calls.decodes += 1
        return item


def tap_receiver(receiver: RTCRtpReceiver, on_frame: OnFrame) -> FrameTap:
    """Divert ``receiver``'s encoded frames to ``on_frame``. Call before the receiver starts."""
    _require(receiver, RECEIVER_QUEUE)
    if _require(receiver, RECEIVER_STARTED):
        raise HookError("tap_receiver() must be called before the receiver starts")
    tap = FrameTap(on_frame)
    setattr(receiver, RECEIVER_QUEUE, tap)
    return tap


async def send_pli(receiver: RTCRtpReceiver, media_ssrc: int) -> None:
    """Ask the remote sender of ``media_ssrc`` for a keyframe (RTCP PLI)."""
    await receiver._send_rtcp_pli(media_ssrc)


def on_keyframe_request(sender: RTCRtpSender, callback: Callable[[], None]) -> None:
    """Call ``callback`` instead of forcing a keyframe when the remote peer sends a PLI or FIR."""
    _require(sender, "_send_keyframe")
    sender._send_keyframe = callback  # type: ignore[method-assign]


class PackOnlyEncoder(Encoder):
    """Packetizes pre-encoded ``av.Packet`` objects with aiortc's own encoder; refuses to encode."""

    def __init__(self, codec: RTCRtpCodecParameters) -> None:
        self.inner = get_encoder(codec)

    def encode(self, frame: av.frame.Frame, force_keyframe: bool = False) -> tuple[list[bytes], int]:
        calls.encodes += 1
        raise HookError("a forwarding sender was given a raw frame to encode")

    def pack(self, packet: av.Packet) -> tuple[list[bytes], int]:
        return self.inner.pack(packet)


def pack_only(sender: RTCRtpSender, codec: RTCRtpCodecParameters) -> PackOnlyEncoder:
    """Make ``sender`` packetize with a :class:`PackOnlyEncoder` for ``codec``."""
    _require(sender, SENDER_ENCODER)
    encoder = PackOnlyEncoder(codec)
    setattr(sender, SENDER_ENCODER, encoder)
    return encoder


class _PortRangeLoop:
    """The running loop, except that UDP sockets asked for on port 0 get a free port of the range."""

    def __init__(self, loop: asyncio.AbstractEventLoop, ports: _Ports) -> None:
        self._loop = loop
        self._ports = ports

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loop, name)

    async def create_datagram_endpoint(self, factory: Any, local_addr: Any = None, **kwargs: Any) -> Any:
        if local_addr is None or local_addr[1] != 0:
            return await self._loop.create_datagram_endpoint(factory, local_addr=local_addr, **kwargs)
        sock = self._ports.bind(local_addr[0])
        return await self._loop.create_datagram_endpoint(factory, sock=sock, **kwargs)


class _Ports:
    def __init__(self, low: int, high: int) -> None:
        self.low, self.high = low, high
        self._next = itertools.cycle(range(low, high + 1))

    def bind(self, host: str) -> socket.socket:
        """A UDP socket bound to ``host`` and a free port of the range (tried from the last one handed out)."""
        family = socket.AF_INET6 if ipaddress.ip_address(host).version == 6 else socket.AF_INET
        for _ in range(self.high - self.low + 1):
            sock = socket.socket(family, socket.SOCK_DGRAM)
            try:
                sock.bind((host, next(self._next)))
            except OSError as exc:
                sock.close()
                if exc.errno != errno.EADDRINUSE:
                    raise
                continue
            sock.setblocking(False)
            return sock
        raise OSError(errno.EADDRINUSE, f"no free UDP port in {self.low}..{self.high}")


class _AsyncioWithPortRange:
    """What ``aioice.ice`` sees as its ``asyncio`` module while a port range is set."""

    def __init__(self, ports: _Ports) -> None:
        self._ports = ports

    def __getattr__(self, name: str) -> Any:
        return getattr(asyncio, name)

    def get_running_loop(self) -> _PortRangeLoop:
        return _PortRangeLoop(asyncio.get_running_loop(), self._ports)


def limit_udp_ports(ports: tuple[int, int] | None) -> None:
    """Bind every ICE host candidate of this process to a UDP port in ``ports`` (inclusive); None: any."""
    _require(aioice.ice, "asyncio")
    if ports is None:
        aioice.ice.asyncio = asyncio
    else:
        low, high = ports
        if not 1024 <= low <= high <= 65535:
            raise ValueError(f"bad UDP port range {low}..{high}")
        # a stand-in for the module (see _AsyncioWithPortRange): not a ModuleType, hence the ignore
        aioice.ice.asyncio = _AsyncioWithPortRange(_Ports(low, high))  # type: ignore[assignment]


def _require(obj: object, name: str) -> Any:
    try:
        return getattr(obj, name)
    except AttributeError:
        raise HookError(f"{type(obj).__name__}.{name} is gone: aiortc changed, see aiortc_hooks.py") from None
