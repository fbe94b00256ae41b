"""« Établissement »: what the school's staff need to know about this college: the ENTs connected, the rooms and
their capacities, and how long each kind of personal data is kept (the values in effect)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cybercollege.server.auth.ent.config import CasConfig, EntConfig, OidcConfig
from cybercollege.server.classroom.lessons.model import RETENTION as LESSON_RETENTION
from cybercollege.server.persistence import AUDIT_RETENTION
from cybercollege.server.portal.pages import Context, Who, page


@dataclass(frozen=True, slots=True)
class Ent:
    """An ENT as staff see it: never a secret (no client secret, no key)."""

    name: str
    protocol: str
    address: str
    schools: tuple[str, ...]


@page("GET", "/portal/school", template="staff_school.html", who=Who.STAFF, nav="nav.school")
async def school(ctx: Context) -> dict[str, Any]:
    """The ENTs, the rooms, the retention periods."""
    schools = tuple(sorted(ctx.portal.schools))
    ents = [_ent(e, schools) for e in ctx.portal.login.ents.values()]
    rooms = sorted(ctx.portal.world.rooms.values(), key=lambda r: r.spec.name)
    return {
        "ents": ents,
        "schools": ", ".join(schools),
        "rooms": [(r.spec.name, r.spec.capacity, r.spec.access.policy, len(r.members)) for r in rooms],
        "retention": retention(ctx),
        "timezone": ctx.portal.settings.timezone,
    }


def _ent(ent: EntConfig, schools: tuple[str, ...]) -> Ent:
    if isinstance(ent, CasConfig):
        address = str(ent.server_url)
    elif isinstance(ent, OidcConfig):
        address = str(ent.issuer)
    else:
        address = ent.idp_metadata_file.name
    admitted = tuple(dict.fromkeys((*schools, *((ent.default_uai,) if ent.default_uai else ()))))
    return Ent(ent.name, ent.protocol.upper(), address, admitted)


def retention(ctx: Context) -> list[tuple[str, str]]:
    """(what, how long) for every store of personal data, from the settings in effect (docs/persistence.md)."""
    settings = ctx.portal.settings
    days = lambda n: ctx.t("school.days", n=n)  # noqa: E731
    return [
        (ctx.t("school.keep_chat"), days(settings.chat_retention_days)),
        (ctx.t("school.keep_audit"), days(AUDIT_RETENTION.days)),
        (ctx.t("school.keep_recordings"), days(settings.recording_retention_days)),
        (ctx.t("school.keep_attendance"), ctx.t("school.until_restart")),
        (ctx.t("school.keep_lessons"), ctx.t("school.after_lesson", n=LESSON_RETENTION.days)),
        (ctx.t("school.keep_places"), ctx.t("school.overwritten")),
        (ctx.t("school.keep_invitations"), ctx.t("school.day_after_end")),
    ]
