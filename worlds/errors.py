"""Validation errors that name the file, the path inside it and the reason."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem in a world file: ``<file>: <path>: <reason>``."""

    file: str
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.path}: {self.reason}"


class WorldError(Exception):
    """A world could not be loaded; ``str()`` gives one ``<file>: <path>: <reason>`` line per issue."""

    def __init__(self, issues: list[Issue]) -> None:
        if not issues:
            raise ValueError("WorldError needs at least one issue")
        self.issues = list(issues)
        super().__init__("\n".join(str(issue) for issue in self.issues))

    @classmethod
    def single(cls, file: str | Path, path: str, reason: str) -> WorldError:
        """Build an error carrying one issue."""
        return cls([Issue(str(file), path, reason)])


def format_loc(loc: tuple[int | str, ...]) -> str:
    """Turn a pydantic location ``('rooms', 3, 'doors', 0, 'width')`` into ``rooms[3].doors[0].width``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"
