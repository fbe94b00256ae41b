"""Quantisation of positions and headings to the integers the protocol carries."""

from __future__ import annotations

from cybercollege.protocol import limits as L

_STEPS_PER_DEGREE = L.HEADING_STEPS / 360.0


def to_cm(metres: float) -> int:
    """Metres to protocol centimetres (clamped to the protocol's range)."""
    return max(L.COORD_MIN, min(L.COORD_MAX, round(metres * 100.0)))


def from_cm(cm: int) -> float:
    return cm / 100.0


def heading_to_wire(degrees: float) -> int:
    """Degrees (0 = facing +y, counter-clockwise) to 1/65536 turns."""
    return round((degrees % 360.0) * _STEPS_PER_DEGREE) % L.HEADING_STEPS


def heading_from_wire(steps: int) -> float:
    return steps / _STEPS_PER_DEGREE
