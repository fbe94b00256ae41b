"""From the attributes an ENT sends (SDET names, in the many shapes real ENTs use) to an :class:`Identity`.

Pure functions, no I/O: :func:`flatten` normalises any nesting to ``{lower-case name: [values]}``,
:func:`identity_from_attributes` applies the mapping described in docs/sso.md.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from server.ent.errors import LoginError
from server.identity import Identity, Role

Attributes = dict[str, list[str]]

_UAI = re.compile(r"\b(\d{7}[A-Za-z])\b")
_PROFILE = re.compile(r"^(?:national_)?([a-z]{3})(?:[:$](.*))?$", re.IGNORECASE)
_PROFILE_ROLES = {
    "elv": Role.PUPIL,
    "ens": Role.TEACHER,
    "doc": Role.TEACHER,
    "dir": Role.STAFF,
    "evs": Role.STAFF,
    "eta": Role.STAFF,
    "col": Role.STAFF,
    "aca": Role.STAFF,
}
_PARENT = "tut"
_ROLE_PRIORITY = (Role.TEACHER, Role.STAFF, Role.PUPIL)

_ID_KEYS = ("entpersonjointure", "uid")
_UAI_KEYS = ("entpersonstructrattachuai", "entpersonstructrattachrne", "uai", "rne", "entpersonstructrattach")
_PROFILE_KEYS = ("entpersonprofils", "profils", "profil")
_CLASS_KEYS = {Role.PUPIL: ("enteleveclasses",), Role.TEACHER: ("entauxensclasses",)}
_GROUP_KEYS = {Role.PUPIL: ("entelevegroupes",), Role.TEACHER: ("entauxensgroupes",)}
_GIVEN_KEYS = ("givenname", "given_name", "prenom", "firstname")
_FAMILY_KEYS = ("sn", "family_name", "nom", "lastname")
_DISPLAY_KEYS = ("displayname", "name", "cn")

PARENTS_REFUSED = (
    "Les comptes parents ne peuvent pas entrer dans le collège virtuel. "
    "Connectez-vous avec le compte ENT de votre enfant ou demandez une invitation à un enseignant."
)
UNKNOWN_PROFILE = (
    "Votre profil ENT ne permet pas d'entrer dans le collège virtuel "
    "(seuls les élèves et les personnels de l'établissement y ont accès)."
)


@dataclass(frozen=True, slots=True)
class MappingPolicy:
    """Per-ENT choices: parents admitted (as guests), the UAI to assume when none is sent, and the
    attribute holding the stable user id when it is not ``ENTPersonJointure``/``uid``."""

    allow_parents: bool = False
    default_uai: str | None = None
    id_attribute: str | None = None


def flatten(raw: object, into: Attributes | None = None) -> Attributes:
    """Every ``name → values`` pair found at any depth, names lower-cased, values de-duplicated in order.

    Nested mappings (``{"attributes": {...}}``) are merged into the top level; lists may hold scalars
    or further mappings; ``None`` and empty strings are dropped.
    """
    out: Attributes = {} if into is None else into
    if isinstance(raw, Mapping):
        for key, value in raw.items():
            if isinstance(value, Mapping) or (isinstance(value, list | tuple) and _has_mapping(value)):
                flatten(value, out)
            else:
                _add(out, str(key).lower(), value)
    elif isinstance(raw, list | tuple):
        for item in raw:
            flatten(item, out)
    return out


def identity_from_attributes(
    ent_id: str, raw: object, *, user: str | None = None, policy: MappingPolicy | None = None
) -> Identity:
    """The identity described by ``raw``; ``user`` is the protocol's own user name (CAS user, OIDC sub).

    Raises :class:`LoginError` (French message) for parents (unless allowed) and unknown profiles.
    """
    policy = policy or MappingPolicy()
    attrs = flatten(raw)
    id_keys = (policy.id_attribute.lower(),) if policy.id_attribute else _ID_KEYS
    local_id = _first(attrs, id_keys) or user
    if not local_id:
        raise LoginError("no_user_id", "L'ENT n'a pas transmis d'identifiant utilisateur.")
    role, profile_uai = _role(attrs, policy)
    uai = _school_uai(attrs, profile_uai) or policy.default_uai
    return Identity(
        user_id=f"{ent_id}:{local_id}",
        display_name=_display_name(attrs, role),
        role=role,
        source=ent_id,
        school_uai=uai,
        classes=_codes(attrs, _CLASS_KEYS.get(role, ()), uai),
        groups=_codes(attrs, _GROUP_KEYS.get(role, ()), uai),
    )


def _has_mapping(values: list | tuple) -> bool:
    return any(isinstance(v, Mapping) for v in values)


def _add(out: Attributes, key: str, value: object) -> None:
    values = value if isinstance(value, list | tuple) else [value]
    bucket = out.setdefault(key, [])
    for v in values:
        text = "" if v is None else str(v).strip()
        if text and text not in bucket:
            bucket.append(text)
    if not bucket:
        del out[key]


def _values(attrs: Attributes, keys: tuple[str, ...]) -> list[str]:
    return [v for k in keys for v in attrs.get(k, ())]


def _first(attrs: Attributes, keys: tuple[str, ...]) -> str | None:
    values = _values(attrs, keys)
    return values[0] if values else None


def _role(attrs: Attributes, policy: MappingPolicy) -> tuple[Role, str | None]:
    """The most capable role among the profiles, and a UAI written in a local profile (``ENS:0690078K``)."""
    found: dict[Role, str | None] = {}
    parent = False
    for value in _values(attrs, _PROFILE_KEYS):
        match = _PROFILE.match(value)
        if not match:
            continue
        code, rest = match.group(1).lower(), match.group(2) or ""
        uai = _UAI.search(rest)
        if code == _PARENT:
            parent = True
        elif code in _PROFILE_ROLES:
            found.setdefault(_PROFILE_ROLES[code], uai.group(1).upper() if uai else None)
    for role in _ROLE_PRIORITY:
        if role in found:
            return role, found[role]
    if parent:
        if policy.allow_parents:
            return Role.GUEST, None
        raise LoginError("parent_refused", PARENTS_REFUSED, status=403)
    raise LoginError("unknown_profile", UNKNOWN_PROFILE, status=403)


def _school_uai(attrs: Attributes, profile_uai: str | None) -> str | None:
    for value in _values(attrs, _UAI_KEYS):
        match = _UAI.search(value)
        if match:
            return match.group(1).upper()
    return profile_uai


def _codes(attrs: Attributes, keys: tuple[str, ...], uai: str | None) -> tuple[str, ...]:
    """Class or group codes from ``<structure>$<code>`` values, keeping those of the user's school."""
    codes: list[str] = []
    for value in _values(attrs, keys):
        structure, sep, rest = value.partition("$")
        code = rest.split("$", 1)[0].strip() if sep else structure.strip()
        where = _UAI.search(structure) if sep else None
        if where and uai and where.group(1).upper() != uai:
            continue
        if code and code not in codes:
            codes.append(code)
    return tuple(codes)


def _display_name(attrs: Attributes, role: Role) -> str:
    """``Prénom Nom``; for pupils (minors) only ``Prénom N.``."""
    given, family = _first(attrs, _GIVEN_KEYS), _first(attrs, _FAMILY_KEYS)
    if not (given and family):
        full = (_first(attrs, _DISPLAY_KEYS) or "").split()
        if len(full) >= 2:
            given, family = given or full[0], family or " ".join(full[1:])
        else:
            given = given or family or (full[0] if full else None)
            family = None
    if not given:
        return "Élève" if role is Role.PUPIL else "Utilisateur ENT"
    if not family:
        return given
    if role is Role.PUPIL:
        return f"{given} {family[0].upper()}."
    return f"{given} {family}"
