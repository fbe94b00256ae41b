"""World files and assets served by content hash, cacheable forever."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Entry:
    path: str
    sha256: str
    size: int
    file: Path


def catalogue(world_files: list[Path], world_root: Path, assets: Path) -> list[Entry]:
    """Every world file (as ``world/<relative path>``) and asset (``assets/<relative path>``), hashed."""
    entries = [_entry(f, f"world/{f.relative_to(world_root).as_posix()}") for f in sorted(world_files)]
    if assets.is_dir():
        for f in sorted(p for p in assets.rglob("*") if p.is_file()):
            entries.append(_entry(f, f"assets/{f.relative_to(assets).as_posix()}"))
    return entries


def world_hash(entries: list[Entry]) -> str:
    """One hash for the whole world: clients compare it to their cache."""
    h = hashlib.sha256()
    for e in entries:
        if e.path.startswith("world/"):
            h.update(f"{e.path}\0{e.sha256}\n".encode())
    return h.hexdigest()


def _entry(file: Path, path: str) -> Entry:
    data = file.read_bytes()
    return Entry(path, hashlib.sha256(data).hexdigest(), len(data), file)
