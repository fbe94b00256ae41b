"""Journey fixtures: the headless client and world server of tests/client, and a folder of screenshots."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from panda3d.core import Filename

from tests.client.conftest import base, driver, http, server  # noqa: F401
from tests.journeys.keyboard import frames

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def shots(request) -> Path:
    """var/journeys/<test name>/, emptied of older screenshots."""
    folder = ROOT / "var" / "journeys" / re.sub(r"[^\w.-]+", "_", request.node.name)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    return folder


async def save_shot(showbase, path: Path) -> Path:
    """Save the Panda window as ``path`` (PNG) once two fresh frames show the current state."""
    await frames(showbase, 2)
    if not showbase.win.save_screenshot(Filename.from_os_specific(str(path))):
        raise AssertionError(f"could not save the screenshot {path}")
    return path
