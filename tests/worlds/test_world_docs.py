"""The example in docs/worlds.md is a valid world."""

from __future__ import annotations

import re
from pathlib import Path

from cybercollege.worlds import load_world

DOC = Path(__file__).resolve().parents[2] / "docs" / "worlds.md"


def test_documented_example_loads(tmp_path: Path) -> None:
    [example] = re.findall(r"```toml\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    (tmp_path / "world.toml").write_text(example, encoding="utf-8")
    world = load_world(tmp_path)
    s1 = world.rooms["s1"]
    assert len(s1.seats) == 28 and s1.access.classes == ("6A", "6B")
    assert world.doors["porte-s1"].landing("s1")[:2] == (10.8, 5.0)
