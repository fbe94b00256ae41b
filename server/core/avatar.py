"""An avatar: the authoritative state of one user in the world."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from cybercollege.protocol import encode_update
from cybercollege.protocol.messages import Avatar as AvatarRecord
from cybercollege.protocol.messages import Member
from cybercollege.protocol.quantize import heading_to_wire, to_cm
from cybercollege.server.core.identity import Identity

if TYPE_CHECKING:
    from cybercollege.server.core.room import Room
    from cybercollege.server.core.session import Session


@dataclass(slots=True, eq=False)
class Avatar:
    """Position in metres and degrees, with its quantised wire form kept alongside.

    ``blob`` is the pre-encoded update of the latest state: the tick splices it into every frame
    that needs it, so a change is encoded once however many clients see it.
    """

    id: int
    identity: Identity
    room: Room
    x: float
    y: float
    heading: float
    anim: int = 0
    resume_token: str = ""
    session: Session | None = None
    xq: int = 0
    yq: int = 0
    hq: int = 0
    blob: bytes = b""
    changed_tick: int = 0
    seq: int = 0
    move_budget: float = 0.0
    last_move: float = 0.0
    disconnected_at: float | None = None
    saved_spot: tuple[str, int, int, int] | None = None
    """Room and wire position last given to the writer (the place checkpoint writes only who moved)."""

    def place(self, x: float, y: float, heading: float, budget: float = 0.0) -> None:
        """Teleport (join, door): set the position and its wire form, and the distance allowed at once."""
        self.x, self.y, self.heading = x, y, heading
        self.move_budget = budget
        self.xq, self.yq, self.hq = to_cm(x), to_cm(y), heading_to_wire(heading)
        self.encode()

    def encode(self) -> None:
        self.blob = encode_update(self.id, self.xq, self.yq, self.hq, self.anim)

    def record(self) -> AvatarRecord:
        i = self.identity
        return AvatarRecord(self.id, i.shown_name, i.role.value, self.xq, self.yq, self.hq, self.anim)

    def member(self) -> Member:
        return Member(self.id, self.identity.shown_name, self.identity.role.value)

    @property
    def connected(self) -> bool:
        return self.session is not None
