"""The settings dialog: which camera and microphone conferences use (``auto``, ``none``, the generated test
pattern / tone, or a device found on this computer), kept between runs (client/preferences.py)."""

from __future__ import annotations

from collections.abc import Callable

from direct.gui.DirectGui import DirectFrame
from panda3d.core import TextNode

from cybercollege.client import style
from cybercollege.client.devices import Device
from cybercollege.client.i18n import tr
from cybercollege.client.preferences import Preferences
from cybercollege.client.sources import TEST
from cybercollege.client.ui.focus import FocusRing, button
from cybercollege.client.ui.login import CARD, label


def choices(current: str, found: list[Device], test: str = "") -> list[tuple[str, str]]:
    """(value, label) pairs: auto, none, the test pattern or tone (labelled ``test``), the devices found, and
    the current value if it is none of those (a device named on the command line, or unplugged since)."""
    options = [("auto", tr("device_auto")), ("none", tr("device_none"))]
    if test:
        options.append((TEST, test))
    options += [(d.name, d.label) for d in found]
    if current not in {value for value, _ in options}:
        options.append((current, current))
    return options


class Choice:
    """One setting: a label, ``<`` and ``>`` buttons cycling through the choices, the chosen one's label."""

    def __init__(self, parent, title: str, options: list[tuple[str, str]], current: str, z: float,
                 ring: FocusRing) -> None:
        self.options = options
        self.index = next(i for i, (value, _) in enumerate(options) if value == current)
        label(parent, title, (-0.8, z), 0.05)
        button(parent, "<", self.step, (-0.32, z), width=0.1, scale=0.05, ring=ring, extra=(-1,))
        self.shown = label(parent, "", (0.2, z), 0.045, align=TextNode.A_center)
        button(parent, ">", self.step, (0.72, z), width=0.1, scale=0.05, ring=ring, extra=(1,))
        self._show()

    @property
    def value(self) -> str:
        return self.options[self.index][0]

    def step(self, by: int) -> None:
        self.index = (self.index + by) % len(self.options)
        self._show()

    def _show(self) -> None:
        text = self.options[self.index][1]
        self.shown["text"] = text if len(text) <= 32 else text[:31] + "…"


class SettingsDialog:
    """Shown over the world; ``on_save(preferences)`` or ``on_cancel()`` when done."""

    def __init__(self, prefs: Preferences, cameras: list[Device], microphones: list[Device],
                 on_save: Callable[[Preferences], None], on_cancel: Callable[[], None]) -> None:
        self.on_save = on_save
        self.ring = FocusRing()
        self.root = DirectFrame(frameColor=(0, 0, 0, 0.45), frameSize=(-3, 3, -1, 1))
        card = DirectFrame(parent=self.root, frameColor=CARD, frameSize=(-0.95, 0.95, -0.5, 0.45))
        label(card, tr("settings"), (0, 0.3), 0.07, style.ACCENT, TextNode.A_center)
        self.camera = Choice(card, tr("camera"), choices(prefs.camera, cameras, tr("device_test_pattern")),
                             prefs.camera, 0.14, self.ring)
        self.microphone = Choice(card, tr("microphone"), choices(prefs.microphone, microphones,
                                                                 tr("device_test_tone")),
                                 prefs.microphone, 0.0, self.ring)
        label(card, tr("settings_when"), (0, -0.15), 0.04, style.TEXT_DARK, TextNode.A_center, wrap=40)
        button(card, tr("save"), self.save, (-0.3, -0.36), width=0.5, ring=self.ring)
        button(card, tr("cancel"), on_cancel, (0.3, -0.36), width=0.5, color=(0.4, 0.45, 0.55, 1), ring=self.ring)

    def preferences(self) -> Preferences:
        return Preferences(camera=self.camera.value, microphone=self.microphone.value)

    def save(self) -> None:
        self.on_save(self.preferences())

    def destroy(self) -> None:
        self.ring.destroy()
        self.root.destroy()
