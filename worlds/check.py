"""``cybercollege world check PATH``: load a world and report whether it is valid."""

from __future__ import annotations

import argparse
import sys

from cybercollege.worlds.errors import WorldError
from cybercollege.worlds.loader import default_world_path, load_world


def main(argv: list[str] | None = None) -> int:
    """Print ``OK <name>: N rooms, M doors`` (exit 0), or one ``file: path: reason`` per issue (exit 1)."""
    parser = argparse.ArgumentParser(prog="cybercollege world check", description=__doc__)
    parser.add_argument("path", nargs="?", default=str(default_world_path()),
                        help="world directory or its world.toml (default: the shipped collège)")
    args = parser.parse_args(argv)
    try:
        world = load_world(args.path)
    except WorldError as err:
        for issue in err.issues:
            print(issue, file=sys.stderr)
        return 1
    print(f"OK {world.name}: {len(world.rooms)} rooms, {len(world.doors)} doors")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
