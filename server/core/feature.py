"""The one way to extend the world server (docs/adr/0004-one-extension-contract.md).

A feature (the classroom, the guests, the conference...) is a :class:`Feature`. It declares in one place the
messages it handles, the rooms it builds, what it checks and does when people enter, arrive, leave and come back,
its periodic jobs, its start and stop, and its HTTP routes. The world builds one dispatch table and one list of hooks
from every feature before it builds its rooms, so nothing depends on the order in which features are listed, and
two features handling the same message is an error at start.

Rooms follow one lifecycle (after Colyseus), whoever builds them: ``on_create``, ``on_auth``, ``on_join``,
``on_leave``, ``on_resume``, ``on_dispose`` (:class:`~cybercollege.server.core.room.Room`); every feature is told
about each step of every room through the hooks below.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from cybercollege import worlds
    from cybercollege.server.core.avatar import Avatar
    from cybercollege.server.core.identity import Identity
    from cybercollege.server.core.room import Refused, Room
    from cybercollege.server.core.session import Session
    from cybercollege.server.core.world import World
    from cybercollege.server.persistence.personal import PersonalData

Handler = Callable[["Avatar", "Session", Any], None]
"""A message handler: changes state, may queue events and errors, never awaits (docs/adr/0002)."""


@dataclass(frozen=True, slots=True)
class Route:
    """One HTTP route of a feature; ``handler`` is an aiohttp handler (the edge registers it)."""

    method: str
    path: str
    handler: Callable[[Any], Awaitable[Any]]


class Feature:
    """Override what the feature uses; every hook has a neutral default."""

    name = "feature"
    world: World

    def bind(self, world: World) -> None:
        """Called once by the world, before it builds its rooms."""
        self.world = world

    # --- declarations --------------------------------------------------------------------------------

    def handlers(self) -> Mapping[type, Handler]:
        """The protocol messages this feature handles, by message class."""
        return {}

    def room(self, spec: worlds.Room) -> Room | None:
        """A room of this feature for ``spec`` (a classroom for a room with whiteboards), or None."""
        return None

    def rooms(self) -> Iterable[Room]:
        """Rooms that are not in the world file (the guests' lobby)."""
        return ()

    def routes(self) -> Iterable[Route]:
        return ()

    def personal_data(self) -> Iterable[PersonalData]:
        """Where this feature keeps data about people, for a user's export and erasure (server/privacy.py)."""
        return ()

    # --- checks (asked before acting; the first refusal wins) ----------------------------------------

    def may_enter(self, identity: Identity, room: Room) -> None:
        """Raise :class:`Refused` to keep ``identity`` out of ``room`` now (a locked room)."""

    def allows(self, identity: Identity, room: Room) -> bool | None:
        """The feature's verdict on ``room``'s access policy for ``identity``, or None to leave it to the room."""
        return None

    def may_move(self, a: Avatar) -> bool:
        return True

    def may_chat(self, a: Avatar) -> Refused | None:
        """Why ``a`` may not chat here now, or None."""
        return None

    def home(self, identity: Identity) -> Room | None:
        """Where ``identity`` starts and is sent back to, if not the world's spawn room (a guest's lobby)."""
        return None

    def answers_for(self, teacher: Identity, person: Identity) -> bool:
        """``teacher`` is responsible for ``person`` (her class's pupil, her invitation's guest): she may see
        where that person was in a room open to every class, such as the amphitheatre."""
        return False

    # --- what happens (every room, every avatar) -----------------------------------------------------

    def joined(self, a: Avatar, room: Room) -> None:
        """``a`` entered ``room`` (after the room's ``on_join``)."""

    def left(self, a: Avatar, room: Room) -> None:
        """``a`` left ``room`` (after the room's ``on_leave``)."""

    def resumed(self, a: Avatar, room: Room) -> None:
        """``a``'s client reconnected in ``room`` (after the room's ``on_resume``)."""

    def connected(self, a: Avatar) -> None:
        """A connection was attached to ``a`` (new, resumed or replacing another)."""

    def removed(self, a: Avatar) -> None:
        """``a`` left the world for good."""

    def every_second(self) -> None:
        """A periodic job, run by the tick once a second (short: it runs inside the tick)."""

    async def start(self) -> None:
        """The server starts (load what the feature keeps in the database)."""

    async def stop(self) -> None:
        """The server stops, after every client was told (save, close media)."""


HOOKS = ("may_enter", "allows", "may_move", "may_chat", "home", "joined", "left", "resumed", "connected",
         "removed", "every_second")  # fmt: skip


FeatureT = TypeVar("FeatureT", bound=Feature)


class Features:
    """Every feature of one world: one dispatch table, and per hook only the features that use it."""

    def __init__(self, features: Iterable[Feature]) -> None:
        self.all = list(features)
        self.handlers: dict[type, Handler] = {}
        for feature in self.all:
            for kind, handler in feature.handlers().items():
                if kind in self.handlers:
                    raise ValueError(f"{kind.__name__} is handled twice (by {feature.name} and another feature)")
                self.handlers[kind] = handler
        used = {hook: [f for f in self.all if getattr(type(f), hook) is not getattr(Feature, hook)] for hook in HOOKS}
        self._may_enter = [f.may_enter for f in used["may_enter"]]
        self._allows = [f.allows for f in used["allows"]]
        self._may_move = [f.may_move for f in used["may_move"]]
        self._may_chat = [f.may_chat for f in used["may_chat"]]
        self._home = [f.home for f in used["home"]]
        self._joined = [f.joined for f in used["joined"]]
        self._left = [f.left for f in used["left"]]
        self._resumed = [f.resumed for f in used["resumed"]]
        self._connected = [f.connected for f in used["connected"]]
        self._removed = [f.removed for f in used["removed"]]
        self._every_second = [f.every_second for f in used["every_second"]]

    def get(self, kind: type[FeatureT]) -> FeatureT:
        """The feature of class ``kind`` (for the edge and tests)."""
        for feature in self.all:
            if isinstance(feature, kind):
                return feature
        raise LookupError(f"no {kind.__name__} in this world")

    def answers_for(self, teacher: Identity, person: Identity) -> bool:
        """Any feature says ``teacher`` is responsible for ``person`` (asked rarely: no dispatch table)."""
        return any(feature.answers_for(teacher, person) for feature in self.all)

    def may_enter(self, identity: Identity, room: Room) -> None:
        for check in self._may_enter:
            check(identity, room)

    def allows(self, identity: Identity, room: Room) -> bool | None:
        for verdict in self._allows:
            answer = verdict(identity, room)
            if answer is not None:
                return answer
        return None

    def may_move(self, a: Avatar) -> bool:
        for check in self._may_move:  # noqa: SIM110 - every move asks: a plain loop, no generator
            if not check(a):
                return False
        return True

    def may_chat(self, a: Avatar) -> Refused | None:
        for check in self._may_chat:
            refusal = check(a)
            if refusal is not None:
                return refusal
        return None

    def home(self, identity: Identity) -> Room | None:
        for where in self._home:
            room = where(identity)
            if room is not None:
                return room
        return None

    def joined(self, a: Avatar, room: Room) -> None:
        for hook in self._joined:
            hook(a, room)

    def left(self, a: Avatar, room: Room) -> None:
        for hook in self._left:
            hook(a, room)

    def resumed(self, a: Avatar, room: Room) -> None:
        for hook in self._resumed:
            hook(a, room)

    def connected(self, a: Avatar) -> None:
        for hook in self._connected:
            hook(a)

    def removed(self, a: Avatar) -> None:
        for hook in self._removed:
            hook(a)

    def every_second(self) -> None:
        for job in self._every_second:
            job()
