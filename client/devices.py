"""The cameras and microphones this computer has, for the settings dialog (client/ui/settings.py).

Linux only: cameras are the V4L2 capture nodes (``/sys/class/video4linux``), microphones the PulseAudio
(or PipeWire-Pulse) sources that are not monitors (``pactl list short sources``). Elsewhere the lists are
empty and the dialog offers ``auto`` and ``none``; a device can still be named with ``--camera`` /
``--microphone`` (client/sources.py gives FFmpeg's names per platform).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

PACTL_TIMEOUT = 2.0  # seconds


@dataclass(frozen=True)
class Device:
    """A device as FFmpeg opens it (``name``) and as the user sees it (``label``)."""

    name: str
    label: str


def cameras(sysfs: Path = Path("/sys/class/video4linux"), platform: str = sys.platform) -> list[Device]:
    """V4L2 capture devices, by device node (``/dev/video0``...); metadata nodes are left out."""
    if not platform.startswith("linux") or not sysfs.is_dir():
        return []
    found = []
    for node in sorted(sysfs.iterdir(), key=_node_number):
        if _read(node / "index", "0") != "0":  # a camera's second node carries metadata, not pictures
            continue
        found.append(Device(f"/dev/{node.name}", _read(node / "name", node.name)))
    return found


def microphones(platform: str = sys.platform) -> list[Device]:
    """PulseAudio sources that are microphones (not the ``.monitor`` of an output)."""
    pactl = shutil.which("pactl")
    if not platform.startswith("linux") or pactl is None:
        return []
    try:
        out = subprocess.run([pactl, "list", "short", "sources"], capture_output=True, text=True,
                             timeout=PACTL_TIMEOUT, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return parse_sources(out)


def parse_sources(text: str) -> list[Device]:
    """``pactl list short sources`` lines: ``index<TAB>name<TAB>driver<TAB>format<TAB>state``."""
    found = []
    for line in text.splitlines():
        fields = line.split("\t")
        if len(fields) >= 2 and fields[1] and not fields[1].endswith(".monitor"):
            found.append(Device(fields[1], _pretty(fields[1])))
    return found


def _pretty(name: str) -> str:
    """``alsa_input.usb-Logitech_C920-02.analog-stereo`` -> ``usb Logitech C920 02 analog stereo``."""
    short = name.removeprefix("alsa_input.").removeprefix("bluez_input.")
    return short.replace("_", " ").replace("-", " ").replace(".", " ")


def _node_number(node: Path) -> int:
    digits = "".join(c for c in node.name if c.isdigit())
    return int(digits) if digits else 0


def _read(path: Path, default: str) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip() or default
    except OSError:
        return default
