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
TITLE = (0.75, 0.85, 1.0, 1.0)
"""A panel's title, on ``PANEL``."""
BUTTON_TEXT = (1.0, 1.0, 1.0, 1.0)
"""A button's label, on ``ACCENT``."""
MUTED = (0.4, 0.45, 0.55, 1.0)
"""A secondary button (an unselected tab, Cancel)."""
CARD = (0.06, 0.08, 0.12, 0.86)
"""Behind a message over the world (toasts, refusals): dark and nearly opaque, legible on any wall."""
CARD_TEXT = (1.0, 1.0, 1.0, 1.0)

TEXT_SCALE = 1.0
"""Every UI text's size factor: 1, or ``LARGE`` with the large-text option."""
LARGE = 1.4
HIGH_CONTRAST = False

PALETTES = {
    False: {"PANEL": PANEL, "ACCENT": ACCENT, "TEXT": TEXT, "TITLE": TITLE, "BUTTON_TEXT": BUTTON_TEXT,
            "MUTED": MUTED, "CARD": CARD, "CARD_TEXT": CARD_TEXT},
    True: {"PANEL": (0.0, 0.0, 0.0, 0.95), "ACCENT": (1.0, 0.87, 0.0, 1.0), "TEXT": (1.0, 1.0, 1.0, 1.0),
           "TITLE": (1.0, 0.87, 0.0, 1.0), "BUTTON_TEXT": (0.0, 0.0, 0.0, 1.0), "MUTED": (1.0, 1.0, 1.0, 1.0),
           "CARD": (0.0, 0.0, 0.0, 0.95), "CARD_TEXT": (1.0, 0.87, 0.0, 1.0)},
}
"""The colours each palette sets: the usual one, and high contrast (black, white and yellow)."""

_listeners: list = []


def configure(large_text: bool, high_contrast: bool) -> None:
    """Apply the accessibility options (client/preferences.py) and tell the open panels to rebuild."""
    global TEXT_SCALE, HIGH_CONTRAST
    changed = (LARGE if large_text else 1.0, high_contrast) != (TEXT_SCALE, HIGH_CONTRAST)
    TEXT_SCALE, HIGH_CONTRAST = (LARGE if large_text else 1.0), high_contrast
    globals().update(PALETTES[high_contrast])
    if changed:
        for listener in list(_listeners):
            listener()


def on_change(listener) -> None:
    """``listener()`` runs after each change of the options (until :func:`forget`)."""
    _listeners.append(listener)


def forget(listener) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


def fill(color=None) -> tuple[float, float, float, float]:
    """A widget's colour in the current palette: ``None`` or ``"accent"``, ``"muted"``, ``"error"``, or a colour."""
    if color is None or color == "accent":
        return ACCENT
    if color == "muted":
        return MUTED
    if color == "error":
        return ERROR
    return color


def label_on(color) -> tuple[float, float, float, float]:
    """A label's colour on a button of ``color``: white as usual; with high contrast, black or white, the one
    that contrasts more (black on yellow and white, white on dark swatches)."""
    back = fill(color)
    if not HIGH_CONTRAST:
        return BUTTON_TEXT if back == ACCENT else TEXT
    black, white = (0.0, 0.0, 0.0, 1.0), (1.0, 1.0, 1.0, 1.0)
    return black if contrast(black, back) >= contrast(white, back) else white


def luminance(rgb: tuple[float, ...]) -> float:
    """WCAG 2 relative luminance of an sRGB colour (components 0..1)."""
    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """WCAG 2 contrast ratio of two opaque colours (1 to 21; text needs 4.5)."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def over(top: tuple[float, ...], below: tuple[float, ...]) -> tuple[float, float, float]:
    """``top`` (with its alpha) drawn over the opaque colour ``below``."""
    alpha = top[3] if len(top) > 3 else 1.0
    return tuple(alpha * t + (1 - alpha) * b for t, b in zip(top[:3], below[:3], strict=True))  # type: ignore[return-value]

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
