"""Synthetic media for conference tests: video whose pixels carry a frame counter, and an Opus-able tone."""

from __future__ import annotations

import asyncio
import fractions
import time

import av
import numpy as np
from aiortc import MediaStreamTrack

WIDTH, HEIGHT = 160, 120
BITS = 16
COLUMNS = 8
CELL_W, CELL_H = WIDTH // COLUMNS, HEIGHT // (BITS // COLUMNS)


def counter_image(counter: int) -> np.ndarray:
    """A grey-level image: bit i of ``counter`` is a white (1) or black (0) cell."""
    image = np.zeros((HEIGHT, WIDTH), dtype=np.uint8)
    for bit in range(BITS):
        if counter >> bit & 1:
            row, col = divmod(bit, COLUMNS)
            image[row * CELL_H : (row + 1) * CELL_H, col * CELL_W : (col + 1) * CELL_W] = 255
    return image


def read_counter(frame: av.VideoFrame) -> int:
    """The counter painted by :func:`counter_image`, read back from a decoded frame."""
    image = frame.to_ndarray(format="gray")
    value = 0
    for bit in range(BITS):
        row, col = divmod(bit, COLUMNS)
        if image[row * CELL_H + CELL_H // 2, col * CELL_W + CELL_W // 2] > 128:
            value |= 1 << bit
    return value


class CounterVideo(MediaStreamTrack):
    """Live video at ``fps`` whose frame n shows the counter n."""

    kind = "video"

    def __init__(self, fps: int = 15) -> None:
        super().__init__()
        self.fps = fps
        self.counter = 0
        self._start: float | None = None

    async def recv(self) -> av.VideoFrame:
        if self._start is None:
            self._start = time.monotonic()
        await asyncio.sleep(max(0.0, self._start + self.counter / self.fps - time.monotonic()))
        gray = counter_image(self.counter)
        yuv = np.concatenate([gray, np.full((HEIGHT // 2, WIDTH), 128, dtype=np.uint8)])
        frame = av.VideoFrame.from_ndarray(yuv, format="yuv420p")
        frame.pts = self.counter * 90000 // self.fps
        frame.time_base = fractions.Fraction(1, 90000)
        self.counter += 1
        return frame


class Tone(MediaStreamTrack):
    """A 440 Hz tone in 20 ms frames (48 kHz mono)."""

    kind = "audio"
    RATE = 48000
    SAMPLES = 960

    def __init__(self) -> None:
        super().__init__()
        self.sent = 0
        self._start: float | None = None

    async def recv(self) -> av.AudioFrame:
        if self._start is None:
            self._start = time.monotonic()
        await asyncio.sleep(max(0.0, self._start + self.sent * 0.02 - time.monotonic()))
        t = (np.arange(self.SAMPLES) + self.sent * self.SAMPLES) / self.RATE
        samples = (np.sin(2 * np.pi * 440 * t) * 8000).astype(np.int16).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
        frame.sample_rate = self.RATE
        frame.pts = self.sent * self.SAMPLES
        frame.time_base = fractions.Fraction(1, self.RATE)
        self.sent += 1
        return frame
