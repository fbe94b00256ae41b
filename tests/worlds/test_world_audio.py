"""The room field ``audio`` (how remote voices are heard): defaults by kind, overrides, clear errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from cybercollege.worlds import WorldError, default_world_path, load_world

MakeWorld = Callable[..., Path]  # the make_world fixture (conftest.py)
S1_KIND = 'kind = "classroom"'


def test_the_college_rooms_default_by_kind() -> None:
    world = load_world(default_world_path())
    audio = {room.id: room.audio for room in world.rooms.values()}
    assert audio == {
        "hall": "distance", "cour": "distance", "amphi": "stage", "couloir": "flat", "cdi": "flat",
        "salle-101": "flat", "salle-102": "flat", "salle-103": "flat", "salle-104": "flat",
    }


@pytest.mark.parametrize("policy", ["flat", "stage", "distance"])
def test_a_room_may_choose_its_policy(make_world: MakeWorld, policy: str) -> None:
    world = load_world(make_world(replace={S1_KIND: f'{S1_KIND}\naudio = "{policy}"'}))
    assert world.rooms["s1"].audio == policy
    assert world.rooms["hall"].audio == "distance"  # the other room keeps its kind's default


@pytest.mark.parametrize(("value", "reason"), [
    ('"loud"', "Input should be 'flat', 'stage' or 'distance'"),
    ('"Flat"', "Input should be 'flat', 'stage' or 'distance'"),
    ("1", "Input should be 'flat', 'stage' or 'distance'"),
])
def test_an_unknown_policy_names_file_path_and_reason(make_world: MakeWorld, value: str, reason: str) -> None:
    root = make_world(replace={S1_KIND: f"{S1_KIND}\naudio = {value}"})
    with pytest.raises(WorldError) as info:
        load_world(root)
    assert f"{root / 'world.toml'}: rooms[1].audio: {reason}" in str(info.value).splitlines()


def test_an_error_in_an_included_file_names_that_file(make_world: MakeWorld) -> None:
    extra = """\
[[rooms]]
id = "s2"
name = "Salle 2"
kind = "library"
capacity = 10
audio = "surround"
rect = [20.0, 0.0, 30.0, 10.0]
"""
    root = make_world(replace={'spawn_room = "hall"': 'spawn_room = "hall"\ninclude = ["s2.toml"]'},
                      files={"s2.toml": extra})
    with pytest.raises(WorldError) as info:
        load_world(root)
    (issue,) = info.value.issues
    assert (Path(issue.file), issue.path) == (root / "s2.toml", "rooms[0].audio")
    assert "'flat', 'stage' or 'distance'" in issue.reason
