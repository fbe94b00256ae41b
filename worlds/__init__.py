"""The college as data: world files (TOML), their validation and the geometry the server checks moves with."""

from cybercollege.worlds.errors import Issue, WorldError
from cybercollege.worlds.loader import default_world_path, load_world
from cybercollege.worlds.model import Door, Furniture, Platform, Room, Screen, Seat, Wall, Whiteboard, World
from cybercollege.worlds.schema import AccessPolicy

__all__ = [
    "AccessPolicy", "Door", "Furniture", "Issue", "Platform", "Room", "Screen", "Seat", "Wall", "Whiteboard",
    "World", "WorldError", "default_world_path", "load_world",
]
