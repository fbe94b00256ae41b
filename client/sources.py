"""My camera and microphone for conferences: the platform's devices through aiortc's ``MediaPlayer``, or a
test pattern and a tone (headless runs); each wrapped so that it can be muted without renegotiating.

Device choice (``--camera``, ``--microphone``): ``auto`` (the platform's default device), ``none``, ``test``
(the test pattern — moving colour bars and my name — or the tone), or a device name as FFmpeg knows it
(``/dev/video2``, ``video=Integrated Camera``, ``hw:1``...). :func:`open_tracks_or_pattern` puts the test
pattern or the tone in place of a device that cannot be opened (the caller says so on screen).
"""

from __future__ import annotations

import asyncio
import fractions
import logging
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
from aiortc import MediaStreamTrack
from av.frame import Frame

log = logging.getLogger("cybercollege.client.media")

FONT = Path(__file__).resolve().parent.parent / "assets" / "fonts" / "DejaVuSans.ttf"  # as client/style.py
TEST = "test"
"""The device value of the generated test pattern (camera) or tone (microphone)."""
PATTERN_SIZE = (320, 240)
PATTERN_FPS = 15
RATE = 48000
SAMPLES = 960  # 20 ms
BARS = [(235, 235, 235), (235, 235, 16), (16, 235, 235), (16, 235, 16), (235, 16, 235), (235, 16, 16),
        (16, 16, 235), (16, 16, 16)]


@dataclass(frozen=True)
class Devices:
    """Which camera and microphone to publish: ``auto``, ``none`` or an FFmpeg device name."""

    camera: str = "auto"
    microphone: str = "auto"
    synthetic: bool = False
    """Headless: a test pattern and a tone instead of the devices."""


def level(frame: av.AudioFrame) -> float:
    """Loudness of 16-bit audio, 0..1 (RMS). Read with ``to_ndarray``: a decoded frame's plane buffer is
    padded (aiortc's Opus decoder: 6× the samples), its tail is not audio."""
    samples = frame.to_ndarray()
    if samples.size == 0:
        return 0.0
    return float(np.sqrt(np.mean(samples.astype(np.float32) ** 2)) / 32768.0)


class TestPattern(MediaStreamTrack):
    """Colour bars with a bar sweeping across: shows that video moves, and its colours; ``name`` (who sends
    it) is written on a dark band at the bottom."""

    kind = "video"

    def __init__(self, size: tuple[int, int] = PATTERN_SIZE, fps: int = PATTERN_FPS, name: str = "") -> None:
        super().__init__()
        self.fps, self.count, self._start = fps, 0, 0.0
        width, height = size
        self.image = np.zeros((height, width, 3), np.uint8)
        for i, colour in enumerate(BARS):
            self.image[:, i * width // len(BARS) : (i + 1) * width // len(BARS)] = colour
        if name:
            _write(self.image, name)

    async def recv(self) -> av.VideoFrame:
        if self.count == 0:
            self._start = time.monotonic()
        await asyncio.sleep(max(0.0, self._start + self.count / self.fps - time.monotonic()))
        image = self.image.copy()
        x = self.count * 4 % image.shape[1]
        image[:, x : x + 6] = 0
        frame = av.VideoFrame.from_ndarray(image, format="rgb24")
        frame.pts, frame.time_base = self.count * 90000 // self.fps, fractions.Fraction(1, 90000)
        self.count += 1
        return frame


def _write(image: np.ndarray, text: str) -> None:
    """``text`` in white on a dark band over the bottom fifth of ``image`` (in place)."""
    from PIL import Image, ImageDraw, ImageFont

    height, width = image.shape[:2]
    band = height // 5
    picture = Image.fromarray(image)
    draw = ImageDraw.Draw(picture)
    draw.rectangle((0, height - band, width, height), fill=(16, 16, 16))
    size = max(10, band * 3 // 5)
    font: ImageFont.FreeTypeFont | ImageFont.ImageFont
    try:  # the client's DejaVu Sans has every accent; Pillow's own font has none
        font = ImageFont.truetype(str(FONT), size)
    except OSError:
        font = ImageFont.load_default(size=size)
    draw.text((width // 2, height - band // 2), text[:40], fill=(235, 235, 235), font=font, anchor="mm")
    image[:] = np.asarray(picture)


class Tone(MediaStreamTrack):
    """A soft 440 Hz tone, beeping twice a second, in 20 ms frames (48 kHz mono)."""

    kind = "audio"

    def __init__(self) -> None:
        super().__init__()
        self.count, self._start = 0, 0.0

    async def recv(self) -> av.AudioFrame:
        if self.count == 0:
            self._start = time.monotonic()
        await asyncio.sleep(max(0.0, self._start + self.count * SAMPLES / RATE - time.monotonic()))
        t = (np.arange(SAMPLES) + self.count * SAMPLES) / RATE
        on = (self.count // 12) % 2 == 0
        samples = (np.sin(2 * math.pi * 440 * t) * (6000 if on else 0)).astype(np.int16).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
        frame.sample_rate, frame.pts = RATE, self.count * SAMPLES
        frame.time_base = fractions.Fraction(1, RATE)
        self.count += 1
        return frame


class Mutable(MediaStreamTrack):
    """A local track that can be muted: silence or a black picture is sent instead, the connection stays."""

    def __init__(self, source: MediaStreamTrack) -> None:
        super().__init__()
        self.kind = source.kind
        self.source = source
        self.muted = False
        self.level = 0.0  # my own loudness (audio), for the speaking indicator

    async def recv(self) -> Frame:
        frame = await self.source.recv()
        # a capture track (a device, TestPattern, Tone) decodes: it yields frames of its kind, never packets
        if self.kind == "audio":
            assert isinstance(frame, av.AudioFrame)
            self.level = 0.0 if self.muted else level(frame)
            return _silent(frame) if self.muted else frame
        assert isinstance(frame, av.VideoFrame)
        return _black(frame) if self.muted else frame

    def stop(self) -> None:
        super().stop()
        self.source.stop()


def _silent(frame: av.AudioFrame) -> av.AudioFrame:
    out = av.AudioFrame(format=frame.format.name, layout=frame.layout.name, samples=frame.samples)
    for plane in out.planes:
        plane.update(bytes(plane.buffer_size))
    out.sample_rate, out.pts, out.time_base = frame.sample_rate, frame.pts, frame.time_base
    return out


def _black(frame: av.VideoFrame) -> av.VideoFrame:
    out = av.VideoFrame.from_ndarray(np.zeros((frame.height, frame.width, 3), np.uint8), format="rgb24")
    out.pts, out.time_base = frame.pts, frame.time_base
    return out


def test_track(kind: str, name: str = "") -> Mutable:
    """The test pattern (``video``, labelled ``name``) or the tone (``audio``)."""
    return Mutable(TestPattern(name=name) if kind == "video" else Tone())


async def open_tracks(devices: Devices, name: str = "") -> list[Mutable]:
    """The tracks to publish (none if no device could be opened); never raises. ``name`` labels the test
    pattern."""
    if devices.synthetic:
        return [test_track("video", name), test_track("audio")]
    tracks = []
    for kind, device_name in (("video", devices.camera), ("audio", devices.microphone)):
        if device_name == "none":
            continue
        if device_name == TEST:
            tracks.append(test_track(kind, name))
            continue
        try:
            track = await asyncio.to_thread(_open_device, kind, device_name)
        except Exception as exc:  # FFmpeg raises many types for a missing or busy device
            log.warning("no %s device %r: %s", kind, device_name, exc)
            continue
        if track is not None:
            tracks.append(Mutable(track))
    return tracks


async def open_tracks_or_pattern(devices: Devices, name: str = "") -> tuple[list[Mutable], list[str]]:
    """Like :func:`open_tracks`, with the test pattern or the tone in place of a camera or microphone that
    could not be opened (not of one set to ``none``); also returns the kinds so replaced."""
    tracks = await open_tracks(devices, name)
    have = {t.kind for t in tracks}
    replaced = [kind for kind, device_name in (("video", devices.camera), ("audio", devices.microphone))
                if device_name != "none" and kind not in have]
    return tracks + [test_track(kind, name) for kind in replaced], replaced


def _open_device(kind: str, name: str) -> MediaStreamTrack | None:
    from aiortc.contrib.media import MediaPlayer

    file, fmt, options = device(kind, name, sys.platform)
    if fmt == "v4l2" and not Path(file).exists():
        return None
    player = MediaPlayer(file, format=fmt, options=options)
    return player.video if kind == "video" else player.audio


def device(kind: str, name: str, platform: str) -> tuple[str, str, dict[str, str]]:
    """FFmpeg's input (file, format, options) for a camera (``video``) or microphone (``audio``)."""
    video = {"video_size": "640x360", "framerate": "15"}
    if platform.startswith("linux"):
        if kind == "video":
            return ("/dev/video0" if name == "auto" else name), "v4l2", video
        return ("default" if name == "auto" else name), "pulse", {}
    if platform == "darwin":
        if kind == "video":
            return f"{'default' if name == 'auto' else name}:none", "avfoundation", video
        return f"none:{'default' if name == 'auto' else name}", "avfoundation", {}
    prefix = "video" if kind == "video" else "audio"  # Windows: DirectShow needs the device's name
    return f"{prefix}={name if name != 'auto' else _first_dshow(kind)}", "dshow", video if kind == "video" else {}


def _first_dshow(kind: str) -> str:
    return "Integrated Camera" if kind == "video" else "Microphone"
