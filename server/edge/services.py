"""What the edge's request handlers share, built once by :func:`cybercollege.server.edge.app.build`."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from aiohttp import web

from cybercollege.server.auth.directory import DemoDirectory
from cybercollege.server.auth.tokens import TokenService
from cybercollege.server.cluster.feature import Cluster
from cybercollege.server.config import Settings
from cybercollege.server.core.identity import Identity
from cybercollege.server.core.ratelimit import KeyedBuckets, connect_budget
from cybercollege.server.core.world import World
from cybercollege.server.edge import content
from cybercollege.server.persistence import Place, Store, WriteBehind
from cybercollege.server.persistence.places import PlaceLoader

log = logging.getLogger("cybercollege.app")

PLACE_WAIT_S = 10.0
"""How long a connection waits for her last place before she starts at the spawn instead. Loads are batched
(:class:`PlaceLoader`), so only a database that does not answer at all reaches this."""


@dataclass
class Services:
    """The edge's own state: the world (and through it, its features), tokens, the database, world content.
    Features hold their own state; the edge reaches one with ``world.features.get(Kind)``."""

    settings: Settings
    world: World
    tokens: TokenService
    store: Store
    writer: WriteBehind
    directory: DemoDirectory | None
    files: dict[str, content.Entry]
    world_hash: str
    limits: dict[str, int]
    cluster: Cluster
    connections: int = 0
    stopping: bool = False
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    audit_handler: logging.Handler | None = None
    places: PlaceLoader = field(init=False)
    connects: KeyedBuckets = field(default_factory=connect_budget)
    """Connections per user (checked at HELLO, before the place is loaded)."""

    def __post_init__(self) -> None:
        self.places = PlaceLoader(self.store)

    async def load_place(self, identity: Identity) -> Place | None:
        """The user's last place, or None (guests, first visit, or the database failing or silent for
        ``PLACE_WAIT_S``: that must not keep anyone out; the loader logs the failure once per batch)."""
        if identity.is_guest:
            return None
        unwritten = self.writer.unwritten_place(identity.user_id)  # left a moment ago: not in the database yet
        if unwritten is not None:
            return unwritten
        try:
            return await asyncio.wait_for(self.places.load(identity.user_id), PLACE_WAIT_S)
        except Exception:
            self.places.failures += 1
            return None

    async def logout(self, sid: str) -> None:
        """End a login session everywhere (close 4011): see :class:`Cluster`."""
        await self.cluster.logout(sid)

    async def claim(self, user_id: str) -> None:
        """This process is now the user's home: see :class:`Cluster`."""
        await self.cluster.claim(user_id)


SERVICES: web.AppKey[Services] = web.AppKey("services", Services)
