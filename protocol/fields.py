"""Field types of the wire protocol: each checks a decoded MessagePack value and names what is wrong."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cybercollege.protocol.errors import ErrorCode, ProtocolError

Path = Any
"""Where a value sits: a message name, or ``(parent, field name)`` / ``(parent, index)``.

Built as cheap tuples while decoding and turned into text (``Move.x``, ``Frame.updates[3].id``) only
when something is wrong.
"""


def render(path: Path) -> str:
    if type(path) is not tuple:
        return str(path)
    parent, part = path
    return f"{render(parent)}[{part}]" if type(part) is int else f"{render(parent)}.{part}"


def invalid(path: Path, reason: str) -> ProtocolError:
    return ProtocolError(ErrorCode.INVALID_FIELD, f"{render(path)}: {reason}")


class Field:
    """A field type. ``check`` returns the (possibly converted) value or raises :class:`ProtocolError`."""

    wire: str = "any"

    def check(self, value: Any, path: Path) -> Any:
        raise NotImplementedError

    def to_wire(self, value: Any) -> Any:
        return value


@dataclass(frozen=True, slots=True)
class Int(Field):
    lo: int
    hi: int

    @property
    def wire(self) -> str:  # type: ignore[override]
        return f"int {self.lo}..{self.hi}"

    def check(self, value: Any, path: Path) -> int:
        if type(value) is not int:
            raise invalid(path, f"expected an integer, got {_kind(value)}")
        if not self.lo <= value <= self.hi:
            raise invalid(path, f"{value} is outside {self.lo}..{self.hi}")
        return value


@dataclass(frozen=True, slots=True)
class Str(Field):
    max_len: int
    min_len: int = 0
    allowed: Callable[[str], bool] | None = None
    allowed_desc: str = ""

    @property
    def wire(self) -> str:  # type: ignore[override]
        return f"str {self.min_len}..{self.max_len} chars" + (f", {self.allowed_desc}" if self.allowed_desc else "")

    def check(self, value: Any, path: Path) -> str:
        if type(value) is not str:
            raise invalid(path, f"expected a string, got {_kind(value)}")
        if not self.min_len <= len(value) <= self.max_len:
            raise invalid(path, f"length {len(value)} is outside {self.min_len}..{self.max_len}")
        if self.allowed is not None and not self.allowed(value):
            raise invalid(path, f"must be {self.allowed_desc}")
        return value


@dataclass(frozen=True, slots=True)
class Bool(Field):
    wire = "bool"

    def check(self, value: Any, path: Path) -> bool:
        if type(value) is not bool:
            raise invalid(path, f"expected a boolean, got {_kind(value)}")
        return value


@dataclass(frozen=True, slots=True)
class Opt(Field):
    inner: Field

    @property
    def wire(self) -> str:  # type: ignore[override]
        return f"nil | {self.inner.wire}"

    def check(self, value: Any, path: Path) -> Any:
        return None if value is None else self.inner.check(value, path)

    def to_wire(self, value: Any) -> Any:
        return None if value is None else self.inner.to_wire(value)


@dataclass(frozen=True, slots=True)
class ListOf(Field):
    item: Field
    max_len: int

    @property
    def wire(self) -> str:  # type: ignore[override]
        return f"array (at most {self.max_len}) of {self.item.wire}"

    def check(self, value: Any, path: Path) -> list[Any]:
        if type(value) is not list:
            raise invalid(path, f"expected an array, got {_kind(value)}")
        if len(value) > self.max_len:
            raise invalid(path, f"{len(value)} items, at most {self.max_len} allowed")
        check = self.item.check
        return [check(v, (path, i)) for i, v in enumerate(value)]

    def to_wire(self, value: Any) -> Any:
        to_wire = self.item.to_wire
        return [to_wire(v) for v in value]


@dataclass(frozen=True, slots=True)
class StrIntMap(Field):
    max_len: int
    wire = "map str -> int"

    def check(self, value: Any, path: Path) -> dict[str, int]:
        if type(value) is not dict or len(value) > self.max_len:
            raise invalid(path, f"expected a map of at most {self.max_len} entries")
        for k, v in value.items():
            if type(k) is not str or type(v) is not int:
                raise invalid(path, "keys must be strings and values integers")
        return value


class Rec(Field):
    """A nested record (a dataclass declared with :func:`cybercollege.protocol.messages.record`), sent as an array."""

    def __init__(self, cls: type) -> None:
        self.cls = cls

    @property
    def wire(self) -> str:  # type: ignore[override]
        return self.cls.__name__

    def check(self, value: Any, path: Path) -> Any:
        return self.cls.__protocol__.from_fields(value, path)  # type: ignore[attr-defined]  # set by @record

    def to_wire(self, value: Any) -> Any:
        return self.cls.__protocol__.to_fields(value)  # type: ignore[attr-defined]  # set by @record


def _kind(value: Any) -> str:
    return {bytes: "binary", list: "array", dict: "map", type(None): "nil", float: "float"}.get(
        type(value), type(value).__name__
    )
