"""From the attributes an ENT sends (SDET names, in the many shapes real ENTs use) to an :class:`Identity`.

Pure functions, no I/O: :func:`flatten` normalises any nesting to ``{lower-case name: [values]}`` and splits
values packed into one string (LemonLDAP::NG joins multi-valued attributes with ``; ``); then
:func:`identity_from_attributes` applies the mapping of docs/sso.md §Attributes, which lists every shape.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from cybercollege.server.auth.ent.errors import LoginError
from cybercollege.server.core.identity import Identity, Role

Attributes = dict[str, list[str]]

DEFAULT_SEPARATOR = ";"  # LemonLDAP::NG's multiValuesSeparator is "; ": values are stripped after the split
_UAI = re.compile(r"(?<![0-9A-Za-z])(\d{7}[A-Za-z])(?![0-9A-Za-z])")
# National_ENS, National_elv, ENS, ENS:0690078K, ENS$0690078K; National_1 … National_7 (numbered categories)
_PROFILE = re.compile(r"^(?:national_)?([a-z]{3}|[1-7])(?:[:$](.*))?$", re.IGNORECASE)
_PROFILE_ROLES = {
    "elv": Role.PUPIL,
    "ens": Role.TEACHER,
    "doc": Role.TEACHER,
    "dir": Role.STAFF,
    "evs": Role.STAFF,
    "edu": Role.STAFF,  # agents' SSO `title`: conseiller principal d'éducation
    "eta": Role.STAFF,
    "col": Role.STAFF,
    "aca": Role.STAFF,
    # The SDET's numbered categories (Pronote's `categories`): 1 pupil, 2 parent, 3 teacher,
    # 4 head, 5 vie scolaire, 6 administrative and technical staff, 7 local-authority staff.
    "1": Role.PUPIL,
    "3": Role.TEACHER,
    "4": Role.STAFF,
    "5": Role.STAFF,
    "6": Role.STAFF,
    "7": Role.STAFF,
}
_PARENTS = {"tut", "2"}
_ROLE_PRIORITY = (Role.TEACHER, Role.STAFF, Role.PUPIL)
# ÉduConnect's FrEduVecteur: "type|NOM|Prénom|idEleve|UAI"; types 1 and 2 are legal guardians, 3 and 4 pupils.
_VECTEUR_ROLES = {"1": None, "2": None, "3": Role.PUPIL, "4": Role.PUPIL}

_ID_KEYS = ("entpersonjointure", "ido", "uid")
_UAI_KEYS = (
    "entpersonstructrattachuai",
    "entpersonstructrattachrne",
    "garpersonstructrattach",
    "uai",
    "rne",
    "entpersonstructrattach",
    "fredurne",  # agents' SSO: "UAI$UAJ$PU$N$T3$LYC$340"
)
_PROFILE_KEYS = (
    "entpersonprofils",
    "garpersonprofils",
    "profils",
    "profil",
    "categories",
    "title",  # agents' SSO
    "fredufonctadm",
)
_CLASS_KEYS = {Role.PUPIL: ("enteleveclasses",), Role.TEACHER: ("entauxensclasses",)}
_GROUP_KEYS = {Role.PUPIL: ("entelevegroupes",), Role.TEACHER: ("entauxensgroupes",)}
_GIVEN_KEYS = ("entpersonprenom", "givenname", "given_name", "pre", "prenom", "firstname")
_FAMILY_KEYS = ("entpersonnom", "sn", "family_name", "nom", "lastname")
_DISPLAY_KEYS = ("displayname", "name", "cn")

PARENTS_REFUSED = (
    "Les comptes parents ne peuvent pas entrer dans le collège virtuel. "
    "Connectez-vous avec le compte ENT de votre enfant ou demandez une invitation à un enseignant."
)
UNKNOWN_PROFILE = (
    "Votre profil ENT ne permet pas d'entrer dans le collège virtuel "
    "(seuls les élèves, les enseignants et les personnels des établissements qu'il sert y ont accès)."
)


@dataclass(frozen=True, slots=True)
class MappingPolicy:
    """Per-ENT choices: parents admitted (as guests), the UAI to assume when none is sent, the attribute
    holding the stable user id when it is not ``ENTPersonJointure``/``IDO``/``uid``, and the separator of
    values packed into one string (empty: never split)."""

    allow_parents: bool = False
    default_uai: str | None = None
    id_attribute: str | None = None
    separator: str = DEFAULT_SEPARATOR


@dataclass(frozen=True, slots=True)
class _Vecteur:
    """One ÉduConnect ``FrEduVecteur`` value."""

    role: Role | None  # None: a legal guardian
    family: str
    given: str
    uai: str | None


def flatten(raw: object, into: Attributes | None = None, separator: str = DEFAULT_SEPARATOR) -> Attributes:
    """Every ``name → values`` pair found at any depth, names lower-cased, values de-duplicated in order.

    Nested mappings (``{"attributes": {...}}``) are merged into the top level; lists may hold scalars
    or further mappings; values packed into one string with ``separator`` are split; ``None`` and empty
    strings are dropped.
    """
    out: Attributes = {} if into is None else into
    if isinstance(raw, Mapping):
        for key, value in raw.items():
            if isinstance(value, Mapping) or (isinstance(value, list | tuple) and _has_mapping(value)):
                flatten(value, out, separator)
            else:
                _add(out, str(key).lower(), value, separator)
    elif isinstance(raw, list | tuple):
        for item in raw:
            flatten(item, out, separator)
    return out


def identity_from_attributes(
    ent_id: str, raw: object, *, user: str | None = None, policy: MappingPolicy | None = None
) -> Identity:
    """The identity described by ``raw``; ``user`` is the protocol's own user name (CAS user, OIDC sub).

    Raises :class:`LoginError` (French message) for parents (unless allowed) and unknown profiles.
    """
    policy = policy or MappingPolicy()
    attrs = flatten(raw, separator=policy.separator)
    id_keys = (policy.id_attribute.lower(),) if policy.id_attribute else _ID_KEYS
    local_id = _first(attrs, id_keys) or user
    if not local_id:
        raise LoginError("no_user_id", "L'ENT n'a pas transmis d'identifiant utilisateur.")
    vecteurs = [v for v in map(_vecteur, attrs.get("freduvecteur", [])) if v]
    role, profile_uai = _role(attrs, vecteurs, policy)
    uai = _school_uai(attrs, profile_uai) or policy.default_uai
    return Identity(
        user_id=f"{ent_id}:{local_id}",
        display_name=_display_name(attrs, vecteurs, role),
        role=role,
        source=ent_id,
        school_uai=uai,
        classes=_codes(attrs, _CLASS_KEYS.get(role, ()), uai),
        groups=_codes(attrs, _GROUP_KEYS.get(role, ()), uai),
    )


def _has_mapping(values: list | tuple) -> bool:
    return any(isinstance(v, Mapping) for v in values)


def _add(out: Attributes, key: str, value: object, separator: str) -> None:
    values = value if isinstance(value, list | tuple) else [value]
    bucket = out.setdefault(key, [])
    for v in values:
        text = "" if v is None else str(v)
        for part in text.split(separator) if separator else (text,):
            part = part.strip()
            if part and part not in bucket:
                bucket.append(part)
    if not bucket:
        del out[key]


def _values(attrs: Attributes, keys: Iterable[str]) -> list[str]:
    return [v for k in keys for v in attrs.get(k, ())]


def _first(attrs: Attributes, keys: Iterable[str]) -> str | None:
    values = _values(attrs, keys)
    return values[0] if values else None


def _vecteur(value: str) -> _Vecteur | None:
    parts = [p.strip() for p in value.split("|")]
    if len(parts) < 5 or parts[0] not in _VECTEUR_ROLES:
        return None
    uai = _UAI.search(parts[4])
    return _Vecteur(_VECTEUR_ROLES[parts[0]], parts[1], parts[2], uai.group(1).upper() if uai else None)


def _role(attrs: Attributes, vecteurs: list[_Vecteur], policy: MappingPolicy) -> tuple[Role, str | None]:
    """The most capable role among the profiles, and a UAI written in a local profile (``ENS:0690078K``)."""
    found: dict[Role, str | None] = {}
    parent = False
    for value in _values(attrs, _PROFILE_KEYS):
        match = _PROFILE.match(value)
        if not match:
            continue
        code, rest = match.group(1).lower(), match.group(2) or ""
        uai = _UAI.search(rest)
        if code in _PARENTS:
            parent = True
        elif code in _PROFILE_ROLES:
            role = _PROFILE_ROLES[code]
            found[role] = found.get(role) or (uai.group(1).upper() if uai else None)
    for vecteur in vecteurs:
        if vecteur.role is None:
            parent = True
        else:
            found[vecteur.role] = found.get(vecteur.role) or vecteur.uai
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


def _display_name(attrs: Attributes, vecteurs: list[_Vecteur], role: Role) -> str:
    """``Prénom Nom``; for pupils (minors) only ``Prénom N.``.

    Given and family names come from their own attributes (SDET, LDAP, OIDC, GAR, FrEduVecteur); a full
    name (``cn``, ``displayName``, ``name``) is only a fallback, split by :func:`_split_full_name`."""
    given, family = _first(attrs, _GIVEN_KEYS), _first(attrs, _FAMILY_KEYS)
    if vecteurs and not (given and family):
        given, family = given or vecteurs[0].given, family or vecteurs[0].family
    if not given:
        full = _first(attrs, _DISPLAY_KEYS)
        given, family_from_full = _split_full_name(full or "")
        family = family or family_from_full
    if not given:
        return "Élève" if role is Role.PUPIL else "Utilisateur ENT"
    given = _readable(given)
    if not family:
        return given
    if role is Role.PUPIL:
        return f"{given} {family.strip()[0].upper()}."
    return f"{given} {_readable(family)}"


def _split_full_name(full: str) -> tuple[str | None, str | None]:
    """``(given, family)`` of a full name: French directories write ``NOM Prénom`` with the family name in
    capitals; otherwise ``Prénom Nom``. A single word is a given name only if it is not in capitals."""
    words = full.split()
    if not words:
        return None, None
    capitals = [w for w in words if _is_capitals(w)]
    if capitals and len(capitals) < len(words):
        given = " ".join(w for w in words if not _is_capitals(w))
        return given, " ".join(capitals)
    if len(words) == 1:
        return (None, None) if _is_capitals(words[0]) else (words[0], None)
    return words[0], " ".join(words[1:])


def _is_capitals(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return len(letters) > 1 and all(c.isupper() for c in letters)


def _readable(name: str) -> str:
    """A name written in capitals (``ÉCUYER``, FrEduVecteur's ``NOM``) in title case; others unchanged."""
    if not _is_capitals(name):
        return name
    return " ".join("-".join(part.capitalize() for part in word.split("-")) for word in name.split())
