"""The client's look: fonts, role colours, UI colours."""

from __future__ import annotations

from pathlib import Path

from panda3d.core import Filename, TextFont

ASSETS = Path(__file__).resolve().parent.parent / "assets"

ROLE_COLORS = {
    "pupil": (0.16, 0.45, 0.85, 1.0),
    "teacher": (0.85, 0.45, 0.1, 1.0),
    "staff": (0.45, 0.3, 0.7, 1.0),
    "guest": (0.3, 0.6, 0.3, 1.0),
}
PANEL = (0.1, 0.13, 0.2, 0.78)
PANEL_LIGHT = (0.95, 0.95, 0.92, 0.95)
ACCENT = (0.2, 0.55, 0.9, 1.0)
TEXT = (1.0, 1.0, 1.0, 1.0)
TEXT_DARK = (0.1, 0.12, 0.18, 1.0)
ERROR = (0.85, 0.25, 0.2, 1.0)
SKY = (0.62, 0.78, 0.92, 1.0)

_fonts: dict[str, TextFont | None] = {}


def font(bold: bool = False) -> TextFont | None:
    """DejaVu Sans (all French accents); None means Panda3D's default font if the file is missing."""
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    if name not in _fonts:
        from panda3d.core import FontPool

        path = ASSETS / "fonts" / name
        loaded = None
        if path.is_file():
            loaded = FontPool.load_font(Filename.from_os_specific(str(path)).get_fullpath())
        if loaded is not None:
            loaded.set_pixels_per_unit(48)
        _fonts[name] = loaded
    return _fonts[name]


def role_color(role: str) -> tuple[float, float, float, float]:
    return ROLE_COLORS.get(role, ROLE_COLORS["guest"])
