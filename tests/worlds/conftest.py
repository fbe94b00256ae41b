"""Fixtures for the worlds tests: a small valid world (MINI) that each validation test breaks on purpose."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

# Two rooms side by side sharing the wall x = 10; the door d1 sits in the middle of it.
MINI = """\
[world]
id = "mini"
name = "Mini collège"
version = 1
spawn_room = "hall"

[[rooms]]
id = "hall"
name = "Hall"
kind = "hall"
capacity = 50
rect = [0.0, 0.0, 10.0, 10.0]
spawn_points = [[5.0, 5.0, 0.0]]

[[rooms.doors]]
id = "d1"
to = "s1"
x = 10.0
y = 5.0
width = 1.0
label = "Salle 1"

[[rooms]]
id = "s1"
name = "Salle 1 – Mathématiques"
kind = "classroom"
capacity = 30
access = { policy = "class", classes = ["6A"] }
rect = [10.0, 0.0, 20.0, 10.0]

[[rooms.whiteboards]]
id = "wb1"
x = 19.98
y = 5.0
width = 3.0
height = 1.2
heading = 90.0

[[rooms.furniture]]
kind = "desk"
x = 15.0
y = 5.0
sx = 1.0
sy = 0.5
sz = 0.75
"""

MakeWorld = Callable[..., Path]


@pytest.fixture
def make_world(tmp_path: Path) -> MakeWorld:
    """Write MINI (with ``replace`` edits and optional ``append`` text / extra files) and return the dir."""

    def make(replace: dict[str, str] | None = None, append: str = "", files: dict[str, str] | None = None,
             text: str = MINI) -> Path:
        for old, new in (replace or {}).items():
            assert old in text, f"test setup: {old!r} not in the world text"
            text = text.replace(old, new, 1)
        (tmp_path / "world.toml").write_text(text + append, encoding="utf-8")
        for name, content in (files or {}).items():
            (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / name).write_text(content, encoding="utf-8")
        return tmp_path

    return make
