"""The user's own settings, kept between runs: which camera and microphone conferences use, and the
accessibility options (large text, high contrast; client/style.py).

A small JSON file in the platform's configuration directory (``$CYBERCOLLEGE_CONFIG`` if set). A missing,
unreadable or invalid file means the defaults (logged, never fatal); it is written whole, atomically.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

log = logging.getLogger("cybercollege.client")

MAX_DEVICE_CHARS = 256


@dataclass(frozen=True)
class Preferences:
    camera: str = "auto"
    """``auto`` (the platform's default camera), ``none``, or a device name (client/sources.py)."""
    microphone: str = "auto"
    """Same for the microphone."""
    large_text: bool = False
    """Every UI text larger (client/style.py ``LARGE``)."""
    high_contrast: bool = False
    """Black, white and yellow panels and buttons."""


def config_path() -> Path:
    """``$CYBERCOLLEGE_CONFIG``, else ``settings.json`` in the platform's user configuration directory."""
    if os.environ.get("CYBERCOLLEGE_CONFIG"):
        return Path(os.environ["CYBERCOLLEGE_CONFIG"])
    if sys.platform == "win32":
        root = Path(os.environ.get("APPDATA", Path.home())) / "Cybercollege"
    elif sys.platform == "darwin":
        root = Path.home() / "Library" / "Application Support" / "Cybercollege"
    else:
        root = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "cybercollege"
    return root / "settings.json"


def load(path: Path) -> Preferences:
    """The saved preferences, or the defaults if there are none or they cannot be used."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Preferences()
    except (OSError, ValueError) as exc:
        log.warning("settings %s ignored: %s", path, exc)
        return Preferences()
    if not isinstance(data, dict):
        log.warning("settings %s ignored: not a JSON object", path)
        return Preferences()
    values = {}
    for key in ("camera", "microphone"):
        value = data.get(key, "auto")
        if isinstance(value, str) and 0 < len(value) <= MAX_DEVICE_CHARS and value.isprintable():
            values[key] = value
        else:
            log.warning("settings %s: %s ignored (%r)", path, key, value)
    flags = {}
    for key in ("large_text", "high_contrast"):
        flag = data.get(key, False)
        if isinstance(flag, bool):
            flags[key] = flag
        else:
            log.warning("settings %s: %s ignored (%r)", path, key, flag)
    return Preferences(values.get("camera", "auto"), values.get("microphone", "auto"), **flags)


def save(prefs: Preferences, path: Path) -> None:
    """Write ``prefs`` (raises OSError if the directory cannot be written)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(prefs), indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)
