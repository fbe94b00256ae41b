"""Copying text to the system clipboard with the system's own tool, or saying clearly why not.

Windows has ``clip``, macOS ``pbcopy``; on Linux the clipboard belongs to the graphical session: Wayland's
``wl-copy`` (wl-clipboard) or X11's ``xclip`` / ``xsel``. A machine with no graphical session (a server,
a test run) has no clipboard at all.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

TIMEOUT = 5.0


class NoClipboard(Exception):
    """Nothing was copied; ``key`` is the catalogue key saying why (``card_no_display``, ``card_no_tool``,
    ``card_copy_failed``)."""

    def __init__(self, key: str, detail: str = "") -> None:
        super().__init__(detail or key)
        self.key = key


def command(platform: str = sys.platform, env: os._Environ[str] | dict[str, str] = os.environ) -> list[str]:
    """The command that copies its standard input, for this system; raises :class:`NoClipboard`."""
    if platform == "win32":
        return ["clip"]
    if platform == "darwin":
        return ["pbcopy"]
    wayland, x11 = env.get("WAYLAND_DISPLAY"), env.get("DISPLAY")
    if not wayland and not x11:
        raise NoClipboard("card_no_display", "no DISPLAY or WAYLAND_DISPLAY")
    candidates = ([["wl-copy"]] if wayland else []) + (
        [["xclip", "-selection", "clipboard"], ["xsel", "--clipboard", "--input"]] if x11 else []
    )
    for candidate in candidates:
        if shutil.which(candidate[0]):
            return candidate
    raise NoClipboard("card_no_tool", "none of wl-copy, xclip, xsel is installed")


def copy(text: str) -> None:
    """Put ``text`` on the clipboard (blocks for at most :data:`TIMEOUT` seconds)."""
    cmd = command()
    data = ("\ufeff" + text).encode("utf-16-le") if cmd == ["clip"] else text.encode()  # clip reads UTF-16
    try:
        # xclip and xsel stay in the background to serve the selection: their output must not be a pipe
        # we would wait on.
        subprocess.run(cmd, input=data, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=TIMEOUT, check=True)
    except (OSError, subprocess.SubprocessError) as exc:
        raise NoClipboard("card_copy_failed", str(exc)) from exc
