"""Who a connected user is: the identity the ENT (or the demo directory, or an invitation) vouches for."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from cybercollege.protocol.limits import MAX_NAME_CHARS

SEPARATOR = " · "
"""Between a guest's name and her school."""
CLASS_SEPARATOR = "$"
"""Between a school's UAI and a class name (as the SDET writes classes: ``0699990Z$4A``)."""


def class_key(school_uai: str | None, name: str) -> str:
    """A class namespaced by its school: "4A" of one school is not "4A" of another. A name that names its school
    already (``0750001A$4A``) is kept."""
    return name if CLASS_SEPARATOR in name else f"{school_uai or ''}{CLASS_SEPARATOR}{name}"


class Role(StrEnum):
    """A user's role in the college. Parents are not admitted by default (see docs/sso.md)."""

    PUPIL = "pupil"
    TEACHER = "teacher"
    STAFF = "staff"
    GUEST = "guest"


@dataclass(frozen=True, slots=True)
class Identity:
    """The minimum we keep about a user (data minimisation: pupils are minors).

    ``user_id`` is stable and namespaced by its source: ``"<ent>:<id>"`` for an ENT user,
    ``"demo:<login>"`` for the demo directory, ``"guest:<random>"`` for an invited guest.
    """

    user_id: str
    display_name: str
    role: Role
    source: str
    school_uai: str | None = None
    classes: tuple[str, ...] = field(default=())
    groups: tuple[str, ...] = field(default=())
    invitation: str | None = None
    affiliation: str | None = None
    """A guest's partner school: shown with her name to everyone (a guest never passes for one of ours)."""

    @property
    def shown_name(self) -> str:
        """The name others see: a guest's comes with her partner school (cut to fit the protocol's limit)."""
        if not self.affiliation:
            return self.display_name
        room = MAX_NAME_CHARS - len(self.display_name) - len(SEPARATOR)
        if room < 4:
            return self.display_name
        school = self.affiliation if len(self.affiliation) <= room else self.affiliation[: room - 1] + "…"
        return f"{self.display_name}{SEPARATOR}{school}"

    @property
    def class_keys(self) -> frozenset[str]:
        """Her classes namespaced by her school (:func:`class_key`)."""
        return frozenset(class_key(self.school_uai, c) for c in self.classes)

    @property
    def is_pupil(self) -> bool:
        return self.role is Role.PUPIL

    @property
    def is_guest(self) -> bool:
        return self.role is Role.GUEST

    @property
    def is_teacher(self) -> bool:
        return self.role is Role.TEACHER

    def to_claims(self) -> dict[str, object]:
        """The identity as JSON-safe token claims."""
        claims: dict[str, object] = {
            "sub": self.user_id,
            "name": self.display_name,
            "role": self.role.value,
            "src": self.source,
        }
        if self.school_uai:
            claims["uai"] = self.school_uai
        if self.classes:
            claims["cls"] = list(self.classes)
        if self.groups:
            claims["grp"] = list(self.groups)
        if self.invitation:
            claims["inv"] = self.invitation
        if self.affiliation:
            claims["aff"] = self.affiliation
        return claims

    @classmethod
    def from_claims(cls, claims: dict[str, object]) -> Identity:
        """Rebuild an identity from token claims; raises ValueError on a malformed claim set."""
        try:
            return cls(
                user_id=str(claims["sub"]),
                display_name=str(claims["name"]),
                role=Role(str(claims["role"])),
                source=str(claims["src"]),
                school_uai=str(claims["uai"]) if claims.get("uai") else None,
                classes=_strings(claims.get("cls")),
                groups=_strings(claims.get("grp")),
                invitation=str(claims["inv"]) if claims.get("inv") else None,
                affiliation=str(claims["aff"]) if claims.get("aff") else None,
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise ValueError(f"malformed identity claims: {exc}") from exc


def _strings(claim: object) -> tuple[str, ...]:
    """A list claim's items as text; none when it is absent or empty, TypeError when it is not a list."""
    if not claim:
        return ()
    if not isinstance(claim, Iterable):
        raise TypeError(f"{type(claim).__name__!r} object is not iterable")
    return tuple(str(item) for item in claim)
