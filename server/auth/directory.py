"""The demo directory: fictitious pupils and teachers with SDET-like attributes, for demo mode only.

Bots use generated logins ``bot-<n>`` (pupils of class ``4A``), so benchmarks need no data file.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from cybercollege.server.core.identity import Identity, Role

_PROFILE_ROLES = {
    "national_elv": Role.PUPIL,
    "national_ens": Role.TEACHER,
    "national_doc": Role.TEACHER,
    "national_dir": Role.STAFF,
    "national_evs": Role.STAFF,
    "national_eta": Role.STAFF,
}
_BOT_LOGIN = re.compile(r"^bot-(\d{1,6})$")


class UnknownUser(LookupError):
    """No such login in the demo directory."""


@dataclass(frozen=True, slots=True)
class DemoDirectory:
    """A read-only directory of demo users, keyed by login."""

    school_uai: str
    school_name: str
    users: dict[str, Identity]
    allow_bots: bool = True

    @classmethod
    def load(cls, path: Path | None = None, allow_bots: bool = True) -> DemoDirectory:
        """Load the directory file (the packaged demo directory by default)."""
        if path is None:
            raw = resources.files("cybercollege.server.auth.data").joinpath("demo-directory.json").read_text("utf-8")
        else:
            raw = Path(path).read_text("utf-8")
        data = json.loads(raw)
        uai = data["school"]["uai"]
        users = {u["login"]: _identity(u, uai) for u in data["users"]}
        return cls(uai, data["school"]["name"], users, allow_bots)

    def identity(self, login: str) -> Identity:
        """The identity of ``login``; raises :class:`UnknownUser`."""
        if login in self.users:
            return self.users[login]
        match = _BOT_LOGIN.match(login)
        if self.allow_bots and match:
            return Identity(
                user_id=f"demo:{login}",
                display_name=f"Bot {match.group(1)}",
                role=Role.PUPIL,
                source="demo",
                school_uai=self.school_uai,
                classes=("4A",),
            )
        raise UnknownUser(login)


def _identity(user: dict, uai: str) -> Identity:
    role = _PROFILE_ROLES[user["ENTPersonProfils"].lower()]
    classes = user.get("ENTEleveClasses") or user.get("ENTAuxEnsClasses") or []
    return Identity(
        user_id=f"demo:{user['login']}",
        display_name=f"{user['givenName']} {user['sn'][0]}."
        if role is Role.PUPIL
        else f"{user['givenName']} {user['sn']}",
        role=role,
        source="demo",
        school_uai=uai,
        classes=tuple(c.split("$", 1)[-1] for c in classes),
    )
