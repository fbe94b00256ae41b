"""Invitations of foreign partner classes: expiring, revocable, high-entropy codes scoped to one room.

A teacher creates an invitation (partner school, country, language, the room of the conference, validity
window, maximum guests, and the French classes taking part). Guests type the code (or open the link), pick
a first name or pseudonym, wait in the lobby and are admitted by the teacher. Only a hash of the code is
kept, like a password.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
from dataclasses import asdict, dataclass, field

from cybercollege.server.core.identity import Identity, Role, class_key

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
"""No 0/O, 1/I/L, U: codes are read aloud and typed by children."""
CODE_LENGTH = 16
"""16 characters of a 30-letter alphabet: 78 bits."""
MAX_VALIDITY = 14 * 24 * 3600
MAX_GUESTS = 60
MAX_OPEN_PER_TEACHER = 50
"""Invitations of one teacher not ended yet (not revoked, not past their end): the store cannot grow without bound."""
_NAME = re.compile(r"^[^\W\d_](?:[^\W\d_]|[ '’-]){0,29}$")


class InvitationError(Exception):
    """Refused: ``code`` is stable (``invitation_unknown``, ``invitation_expired``...), ``message`` French."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


@dataclass
class Invitation:
    id: str
    code_hash: str
    teacher: str
    school_uai: str | None
    partner_school: str
    country: str
    language: str
    room: str
    classes: tuple[str, ...]
    valid_from: float
    valid_until: float
    max_guests: int
    revoked: bool = False
    guests: set[str] = field(default_factory=set)
    """user ids of the guests who joined with it."""

    def active(self, now: float | None = None) -> bool:
        now = time.time() if now is None else now
        return not self.revoked and self.valid_from <= now < self.valid_until

    def to_json(self) -> str:
        data = asdict(self)
        data["classes"] = list(self.classes)
        data["guests"] = sorted(self.guests)
        return json.dumps(data)

    @classmethod
    def from_json(cls, text: str) -> Invitation:
        data = json.loads(text)
        data["classes"] = tuple(data["classes"])
        data["guests"] = set(data["guests"])
        return cls(**data)

    def public(self) -> dict[str, object]:
        return {
            "id": self.id,
            "partner_school": self.partner_school,
            "country": self.country,
            "language": self.language,
            "room": self.room,
            "classes": list(self.classes),
            "valid_from": int(self.valid_from),
            "valid_until": int(self.valid_until),
            "max_guests": self.max_guests,
            "guests": len(self.guests),
            "revoked": self.revoked,
            "active": self.active(),
        }

    def owned_by(self, identity: Identity) -> bool:
        """Listed and revoked by: the inviting teacher, or the school's staff (not a colleague)."""
        if identity.user_id == self.teacher:
            return True
        same_school = identity.school_uai is not None and identity.school_uai == self.school_uai
        return same_school and identity.role is Role.STAFF

    def may_manage(self, identity: Identity) -> bool:
        """Admitted into the lesson and printed by: the inviting teacher, or a teacher or staff member of the same
        school (a colleague in the amphitheatre may let the partner class in)."""
        if identity.user_id == self.teacher:
            return True
        same_school = identity.school_uai is not None and identity.school_uai == self.school_uai
        return same_school and identity.role in (Role.TEACHER, Role.STAFF)


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(code: str) -> str:
    """What a person typed: spaces, dashes and case do not matter."""
    return re.sub(r"[\s-]", "", code).upper()


def display_code(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def hash_code(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def check_guest_name(name: str) -> str:
    """A first name or pseudonym: letters, spaces, apostrophes and hyphens, 1 to 30 characters."""
    name = " ".join(name.split())
    if not _NAME.match(name):
        raise InvitationError(
            "guest_name_invalid", "Choisissez un prénom ou un pseudonyme (lettres seulement, 30 au plus)."
        )
    return name


class InvitationBook:
    """All invitations of this server. ``changed`` names the invitations to save (the server's write-behind
    task saves them; docs/invitations.md)."""

    def __init__(self) -> None:
        self.by_id: dict[str, Invitation] = {}
        self._by_hash: dict[str, Invitation] = {}
        self.changed: set[str] = set()

    def load(self, invitation: Invitation) -> None:
        self.by_id[invitation.id] = invitation
        self._by_hash[invitation.code_hash] = invitation

    def create(
        self,
        teacher: Identity,
        *,
        partner_school: str,
        country: str,
        language: str,
        room: str,
        classes: tuple[str, ...],
        valid_from: float,
        valid_until: float,
        max_guests: int,
    ) -> tuple[Invitation, str]:
        """A new invitation and its code (shown once: only its hash is kept)."""
        if teacher.role not in (Role.TEACHER, Role.STAFF):
            raise InvitationError("invitation_forbidden", "Seuls les enseignants peuvent inviter.", 403)
        if not valid_from < valid_until or valid_until - valid_from > MAX_VALIDITY:
            raise InvitationError("invitation_window_invalid", "La période de validité doit durer au plus 14 jours.")
        if valid_until <= time.time():
            raise InvitationError("invitation_window_invalid", "La période de validité est déjà passée.")
        if not 1 <= max_guests <= MAX_GUESTS:
            raise InvitationError("invitation_guests_invalid", f"Entre 1 et {MAX_GUESTS} invités.")
        now = time.time()
        open_ones = sum(1 for i in self.by_id.values() if i.teacher == teacher.user_id and not i.revoked
                        and i.valid_until > now)  # fmt: skip
        if open_ones >= MAX_OPEN_PER_TEACHER:
            raise InvitationError(
                "invitation_too_many",
                f"Vous avez déjà {MAX_OPEN_PER_TEACHER} invitations en cours : "
                "révoquez-en une avant d'en créer une autre.",
                409,
            )
        code = new_code()
        invitation = Invitation(
            id=secrets.token_urlsafe(9),
            code_hash=hash_code(code),
            teacher=teacher.user_id,
            school_uai=teacher.school_uai,
            partner_school=partner_school,
            country=country,
            language=language,
            room=room,
            classes=classes,
            valid_from=valid_from,
            valid_until=valid_until,
            max_guests=max_guests,
        )
        self.load(invitation)
        self.changed.add(invitation.id)
        return invitation, code

    def lookup(self, code: str) -> Invitation | None:
        """The invitation of ``code``, usable or not."""
        return self._by_hash.get(hash_code(code))

    def find(self, code: str) -> Invitation:
        """The invitation of ``code`` if a guest may redeem it now; raises :class:`InvitationError`."""
        invitation = self.lookup(code)
        if invitation is None:
            raise InvitationError("invitation_unknown", "Ce code d'invitation n'existe pas.", 404)
        now = time.time()
        if invitation.revoked or now >= invitation.valid_until:
            raise InvitationError("invitation_expired", "Cette invitation n'est plus valable.", 410)
        if now < invitation.valid_from:
            raise InvitationError("invitation_not_yet", "Cette invitation n'est pas encore ouverte.", 409)
        if len(invitation.guests) >= invitation.max_guests:
            raise InvitationError("invitation_full", "Tous les invités attendus sont déjà là.", 409)
        return invitation

    def redeem(self, code: str, name: str) -> Identity:
        """A guest's identity for a valid code (one more guest of the invitation)."""
        invitation = self.find(code)
        display_name = check_guest_name(name)
        user_id = f"guest:{secrets.token_urlsafe(9)}"
        invitation.guests.add(user_id)
        self.changed.add(invitation.id)
        return Identity(
            user_id, display_name, Role.GUEST, "invitation", invitation=invitation.id,
            affiliation=invitation.partner_school,
        )  # fmt: skip

    def revoke(self, invitation_id: str) -> Invitation | None:
        invitation = self.by_id.get(invitation_id)
        if invitation is not None:
            invitation.revoked = True
            self.changed.add(invitation.id)
        return invitation

    def classes_for(self, room_id: str) -> set[str]:
        """French classes invited into ``room_id`` by an invitation active now, each namespaced by the inviting
        teacher's school (:func:`~cybercollege.server.core.identity.class_key`)."""
        now = time.time()
        return {class_key(i.school_uai, c) for i in self.by_id.values() if i.room == room_id and i.active(now)
                for c in i.classes}  # fmt: skip

    def ended(self, now: float | None = None) -> list[Invitation]:
        """Invitations whose guests must leave now (revoked or past their window) and still have guests."""
        now = time.time() if now is None else now
        return [i for i in self.by_id.values() if i.guests and not i.active(now) and now >= i.valid_from]
