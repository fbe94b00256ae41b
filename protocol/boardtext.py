"""How a text written on a board is laid out, the same on every client's 3D board and in the server's PNG / PDF
export: its top-left corner where it was written, wrapped at the board's right edge (at spaces; a word wider
than the room is cut between letters), and made smaller only until its lines end above the board's bottom edge.

Units are board units (``BOARD_UNITS`` across); widths are measured in DejaVu Sans (``dejavu_width``, Pillow's
FreeType advances, the same on both sides: the line breaks are identical, not only alike).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cybercollege.protocol.whiteboard import BOARD_UNITS

LINE_HEIGHT = 1.164
"""Baseline to baseline, in letter sizes (DejaVu Sans' ascent plus descent)."""
SMALLEST = 40
"""Board units: the least letter size (a text is never drawn smaller, nor made smaller than this)."""
SHRINK = 0.92
ROUNDS = 40
LEAST_ROOM = 200
"""Board units of width and height a text written at the very edge still gets."""
FONT = Path(__file__).resolve().parents[1] / "assets" / "fonts" / "DejaVuSans.ttf"


@dataclass(frozen=True, slots=True)
class Layout:
    size: float
    """The letter size, board units."""
    lines: list[str]


def layout(text: str, x: int, y: int, size: int, board_height: int,
           width_of: Callable[[str], float] | None = None) -> Layout:
    """``text`` written at (x, y) with letters ``size`` high on a board ``board_height`` units high (the
    server's count: ``round(BOARD_UNITS * height / width)``)."""
    measure = width_of or dejavu_width
    room_w = max(LEAST_ROOM, BOARD_UNITS - x)
    room_h = max(LEAST_ROOM, board_height - y)
    s = float(max(size, SMALLEST))
    for _ in range(ROUNDS):
        lines = wrap(text, room_w / s, measure)
        if len(lines) * LINE_HEIGHT * s <= room_h or s * SHRINK < SMALLEST:
            break
        s *= SHRINK
    return Layout(s, lines)


def wrap(text: str, room: float, width_of: Callable[[str], float]) -> list[str]:
    """The lines of ``text`` at most ``room`` letter sizes wide: its own line breaks kept, then at spaces."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            joined = f"{line} {word}" if line else word
            if not line or width_of(joined) <= room:
                line = joined
                if width_of(line) <= room:
                    continue
            else:
                lines.append(line)
                line = word
            while width_of(line) > room and len(line) > 1:  # a word wider than the room: cut between letters
                cut = max(1, max((i for i in range(1, len(line)) if width_of(line[:i]) <= room), default=1))
                lines.append(line[:cut])
                line = line[cut:]
        lines.append(line)
    return lines


def dejavu_width(text: str) -> float:
    """``text``'s advance in letter sizes, in DejaVu Sans (Pillow is installed with the client and the server)."""
    return _font().getlength(text) / 1000.0


@functools.cache
def _font():
    from PIL import ImageFont

    return ImageFont.truetype(str(FONT), 1000)
