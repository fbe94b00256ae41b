"""Panda3D start-up: configuration (on screen or headless offscreen) and the one ShowBase of the process."""

from __future__ import annotations

from panda3d.core import load_prc_file_data

from cybercollege.client import style

_base = None

COMMON = """
window-title Cybercollège
sync-video false
notify-level-device fatal
notify-level-display error
notify-level-glgsg error
default-directnotify-level warning
text-encoding utf8
framebuffer-multisample 0
"""

OFFSCREEN = """
load-display p3headlessgl
window-type offscreen
audio-library-name null
gl-finish true
"""


def configure(offscreen: bool, size: tuple[int, int] = (1280, 720)) -> None:
    """Set the Panda3D configuration; call once, before :func:`base`."""
    load_prc_file_data("cybercollege", COMMON + f"win-size {size[0]} {size[1]}\n")
    if offscreen:
        load_prc_file_data("cybercollege-offscreen", OFFSCREEN)


def base():
    """The process's ShowBase (created on first call: Panda3D allows only one per process)."""
    global _base
    if _base is None:
        from direct.showbase.ShowBase import ShowBase

        _base = ShowBase()
        _base.disable_mouse()
        _base.set_background_color(*style.SKY)
        font = style.font()
        if font is not None:
            from direct.gui import DirectGuiGlobals

            DirectGuiGlobals.setDefaultFont(font)
    return _base
