"""``cybercollege world check PATH``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from cybercollege.worlds import default_world_path
from cybercollege.worlds.check import main

MakeWorld = Callable[..., Path]


def test_default_world_is_ok(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(default_world_path())]) == 0
    assert capsys.readouterr().out == "OK Collège Jean Moulin: 9 rooms, 9 doors\n"


def test_path_to_the_toml_file_works_too(make_world: MakeWorld, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(make_world() / "world.toml")]) == 0
    assert capsys.readouterr().out == "OK Mini collège: 2 rooms, 1 doors\n"


def test_broken_world_lists_issues(make_world: MakeWorld, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_world(replace={"capacity = 30": "capacity = 0", 'to = "s1"': 'to = "s1"\nwidth_cm = 90'})
    assert main([str(root)]) == 1
    lines = capsys.readouterr().err.splitlines()
    assert lines == [
        f"{root / 'world.toml'}: rooms[0].doors[0].width_cm: Extra inputs are not permitted",
        f"{root / 'world.toml'}: rooms[1].capacity: Input should be greater than 0",
    ]


def test_missing_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path / "nowhere")]) == 1
    assert "no such file" in capsys.readouterr().err
