"""The settings dialog: which camera and microphone conferences use (``auto``, ``none``, the generated test
pattern / tone, or a device found on this computer), large text and high contrast, kept between runs
(client/preferences.py)."""

from __future__ import annotations

from collections.abc import Callable

from direct.gui.DirectGui import DirectFrame
from panda3d.core import TextNode

from cybercollege.client import style
from cybercollege.client.devices import Device
from cybercollege.client.i18n import tr
from cybercollege.client.preferences import Preferences
from cybercollege.client.sources import TEST
from cybercollege.client.ui.column import fit
from cybercollege.client.ui.focus import FocusRing, button
from cybercollege.client.ui.login import CARD, label

FRAME = (-0.95, 0.95, -0.64, 0.64)
"""The dialog's card (aspect2d units)."""
LABEL_WIDTH = 0.5  # a setting's name, before its "<" button
SHOWN_WIDTH = 0.85  # the chosen value, between "<" and ">"
TOGGLE_WIDTH = 1.5


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
        label(parent, title, (-0.88, z), fit(title, LABEL_WIDTH, 0.05 * style.TEXT_SCALE))
        self.buttons = [button(parent, "<", self.step, (-0.32, z), width=0.1, scale=0.05, ring=ring, extra=(-1,)),
                        button(parent, ">", self.step, (0.72, z), width=0.1, scale=0.05, ring=ring, extra=(1,))]
        self.shown = label(parent, "", (0.2, z), 0.045 * style.TEXT_SCALE, align=TextNode.A_center)
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
        self.shown.setScale(fit(self.shown["text"], SHOWN_WIDTH, 0.045 * style.TEXT_SCALE))


class Toggle:
    """An on / off option: one button saying its name and state ("Grands caractères : oui")."""

    def __init__(self, parent, key: str, on: bool, z: float, ring: FocusRing) -> None:
        self.key, self.on = key, on
        self.button = button(parent, "", self.flip, (0, z), width=TOGGLE_WIDTH, scale=0.045, ring=ring,
                             color=style.ACCENT)
        self.button["text_fg"] = style.BUTTON_TEXT
        self._show()

    def flip(self) -> None:
        self.on = not self.on
        self._show()

    def _show(self) -> None:
        text = f"{tr(self.key)} : {tr('option_on' if self.on else 'option_off')}"
        scale = fit(text, TOGGLE_WIDTH, 0.045 * style.TEXT_SCALE)
        self.button["text"] = text
        self.button.setScale(scale)
        self.button["frameSize"] = (-TOGGLE_WIDTH / scale / 2, TOGGLE_WIDTH / scale / 2, -0.6 * 0.045 / scale,
                                    1.15 * 0.045 / scale)


class SettingsDialog:
    """Shown over the world; ``on_save(preferences)`` or ``on_cancel()`` when done. Large text and high
    contrast apply when saved (client/style.py ``configure``)."""

    def __init__(self, prefs: Preferences, cameras: list[Device], microphones: list[Device],
                 on_save: Callable[[Preferences], None], on_cancel: Callable[[], None]) -> None:
        self.on_save = on_save
        self.ring = FocusRing()
        self.root = DirectFrame(frameColor=(0, 0, 0, 0.45), frameSize=(-3, 3, -1, 1))
        self.card = card = DirectFrame(parent=self.root, frameColor=CARD, frameSize=FRAME)
        label(card, tr("settings"), (0, 0.5), fit(tr("settings"), 1.7, 0.07 * style.TEXT_SCALE), style.ACCENT,
              TextNode.A_center)
        self.camera = Choice(card, tr("camera"), choices(prefs.camera, cameras, tr("device_test_pattern")),
                             prefs.camera, 0.34, self.ring)
        self.microphone = Choice(card, tr("microphone"), choices(prefs.microphone, microphones,
                                                                 tr("device_test_tone")),
                                 prefs.microphone, 0.2, self.ring)
        label(card, tr("settings_when"), (0, 0.08), 0.036 * style.TEXT_SCALE, style.TEXT_DARK, TextNode.A_center,
              wrap=1.7 / (0.036 * style.TEXT_SCALE))
        self.large_text = Toggle(card, "large_text", prefs.large_text, -0.12, self.ring)
        self.high_contrast = Toggle(card, "high_contrast", prefs.high_contrast, -0.27, self.ring)
        self.save_button = button(card, tr("save"), self.save, (-0.3, -0.5), width=0.5,
                                  scale=fit(tr("save"), 0.5, 0.055), ring=self.ring)
        self.cancel_button = button(card, tr("cancel"), on_cancel, (0.3, -0.5), width=0.5,
                                    scale=fit(tr("cancel"), 0.5, 0.055), color=(0.4, 0.45, 0.55, 1), ring=self.ring)

    def preferences(self) -> Preferences:
        return Preferences(camera=self.camera.value, microphone=self.microphone.value,
                           large_text=self.large_text.on, high_contrast=self.high_contrast.on)

    def save(self) -> None:
        self.on_save(self.preferences())

    def destroy(self) -> None:
        self.ring.destroy()
        self.root.destroy()
