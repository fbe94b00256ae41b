"""``colleges.toml``: the département's collèges (id, name, public URL, UAIs) and its ENTs (the ``[[ent]]`` tables of
``ents.toml``, server/auth/ent/config.py)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cybercollege.server.auth.ent.config import EntConfig, EntConfigError, Url, parse_ents

Uai = Annotated[str, Field(pattern=r"^\d{7}[A-Z]$")]


class DepartementConfigError(ValueError):
    """colleges.toml is missing or invalid; the message says where."""


class College(BaseModel):
    """One collège of the département: where its process answers and which schools it serves."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")
    name: str = Field(min_length=1, max_length=120)
    url: Url
    schools: tuple[Uai, ...] = Field(min_length=1)

    @property
    def portal(self) -> str:
        return self.url.rstrip("/") + "/portal/"


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="", max_length=120)
    """The département's name, shown on the home page (« Collèges du Rhône »)."""
    public_url: Url | None = None
    college: list[College] = Field(default_factory=list)
    ent: list[dict] = Field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Departement:
    """The parsed file: the collèges, their schools' index and the ENTs."""

    name: str
    public_url: str | None
    colleges: tuple[College, ...]
    ents: tuple[EntConfig, ...]

    def college_of(self, uai: str | None) -> College | None:
        """The collège that serves the school ``uai``, if any."""
        return next((c for c in self.colleges if uai in c.schools), None)


def parse(data: dict, base_dir: Path | None = None) -> Departement:
    """Validate a decoded colleges.toml; raises :class:`DepartementConfigError`."""
    try:
        parsed = _File.model_validate(data)
        ents = parse_ents({"ent": parsed.ent}, base_dir)
    except ValidationError as exc:
        where = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise DepartementConfigError(f"invalid colleges file: {where}") from None
    except EntConfigError as exc:
        raise DepartementConfigError(str(exc)) from None
    _unique("collège id", [c.id for c in parsed.college])
    _unique("UAI", [uai for c in parsed.college for uai in c.schools])
    if not parsed.college:
        raise DepartementConfigError("invalid colleges file: no [[college]]")
    return Departement(parsed.name, parsed.public_url, tuple(parsed.college), tuple(ents))


def load(path: Path | str) -> Departement:
    """Read and validate colleges.toml (relative SAML paths are resolved against its folder)."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise DepartementConfigError(f"cannot read {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise DepartementConfigError(f"{path}: invalid TOML: {exc}") from None
    return parse(data, path.parent)


def _unique(what: str, values: list[str]) -> None:
    twice = sorted({v for v in values if values.count(v) > 1})
    if twice:
        raise DepartementConfigError(f"invalid colleges file: {what} listed twice: {', '.join(twice)}")
