"""A user's data, for the school's data protection officer: find a person, export everything held about her,
erase it (RGPD rights of access and erasure). The portal's « Données personnelles » pages and the command line
use it.

Every holder of personal data is a :class:`~cybercollege.server.persistence.personal.PersonalData`: the database's
places, chat and audit (:class:`Database`, here) and what each feature declares with ``Feature.personal_data()``
(the attendance of the rooms, ...). A new store of personal data registers there, and export and erasure cover it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from cybercollege.protocol import CloseCode
from cybercollege.server.core.world import World
from cybercollege.server.persistence import Store, WriteBehind
from cybercollege.server.persistence.personal import PersonalData
from cybercollege.server.persistence.records import check_id, utcnow

log = logging.getLogger("cybercollege.privacy")

ERASED_REASON = "vos données ont été effacées à la demande de l'établissement"


class Database:
    """The database's own tables about a person: her last place, the chat lines she sent or received, her audit
    events. Its erasure is :meth:`Store.forget_user`, which also writes the proof (so :class:`Privacy` runs it last)."""

    name = "database"
    kept = "places: one per user; chat: chat_retention_days; audit: 180 days"

    def __init__(self, store: Store) -> None:
        self.store = store

    async def export(self, user_id: str) -> dict[str, Any]:
        return (await self.store.export_user(user_id)).as_json()


class DisabledAccount:
    """Whether the school's administrator disabled her account (``disabled_users``): exported, and kept by an
    erasure (a security decision, until ``cybercollege user enable``)."""

    name = "disabled"
    kept = "until the account is enabled again (kept by an erasure)"

    def __init__(self, store: Store) -> None:
        self.store = store

    async def export(self, user_id: str) -> list[dict[str, Any]]:
        """``[{"disabled": true}]`` if she is (when, and by whom: her ``user_disabled`` audit event)."""
        return [{"disabled": True}] if user_id in await self.store.disabled_users() else []

    async def forget(self, user_id: str) -> int:
        return 0


@dataclass(frozen=True, slots=True)
class Person:
    """Someone found: her user id and, when the world knows it (she is connected, or in a room's attendance),
    her name."""

    user_id: str
    name: str | None
    connected: bool


class Privacy:
    """Export and erasure across every holder of personal data."""

    def __init__(self, world: World | None, store: Store, writer: WriteBehind, holders: Iterable[PersonalData]) -> None:
        """``world`` None: the command line, on the database while the server may be stopped (no one to sign out)."""
        self.world, self.store, self.writer = world, store, writer
        self.database = Database(store)
        self.holders = [*holders, DisabledAccount(store)]

    @classmethod
    def of(cls, world: World, writer: WriteBehind) -> Privacy:
        """Over the world's features' holders (``Feature.personal_data``) and the database."""
        holders = [holder for feature in world.features.all for holder in feature.personal_data()]
        return cls(world, writer.store, writer, holders)

    def names(self) -> dict[str, str]:
        """The names the world knows, by user id: who is connected, and who is in a room's attendance."""
        found: dict[str, str] = {}
        for holder in self.holders:
            found.update(getattr(holder, "names", dict)())
        found.update((uid, a.identity.display_name) for uid, a in self.connected().items())
        return found

    def connected(self) -> dict[str, Any]:
        """The avatars in this process's world, by user id."""
        return self.world.by_user if self.world is not None else {}

    async def find(self, query: str, limit: int = 50) -> list[Person]:
        """People whose user id or known name contains ``query`` (case-insensitive), sorted by id."""
        query = query.strip()[:128]
        if not query:
            return []
        names = self.names()
        folded = query.casefold()
        ids = set(await self.store.known_users(query, limit))
        ids.update(uid for uid, name in names.items() if folded in name.casefold() or folded in uid.casefold())
        return [Person(uid, names.get(uid), uid in self.connected()) for uid in sorted(ids)[:limit]]

    async def export(self, user_id: str) -> dict[str, Any]:
        """Everything held about ``user_id``: the database's tables and every other holder, with how long each is
        kept (the right of access: a JSON document for the family)."""
        check_id(user_id, "user_id")
        held: dict[str, Any] = {self.database.name: await self.database.export(user_id)}
        kept = {self.database.name: self.database.kept}
        for holder in self.holders:
            held[holder.name] = await holder.export(user_id)
            kept[holder.name] = holder.kept
        connected = self.connected().get(user_id)
        return {
            "user_id": user_id,
            "name": self.names().get(user_id),
            "exported_at": utcnow().isoformat(),
            "connected": connected is not None,
            "data": held,
            "kept": kept,
        }

    async def forget(self, user_id: str, *, by: str) -> dict[str, int]:
        """Erase ``user_id`` everywhere; returns the counts by holder. Audited as ``user_forgotten`` with who asked.

        Connected, she is taken out of the world first (her client is told, close 4012). Then, with the writer's
        flushes paused and the chat journal's write under way committed, so that nothing buffered lands afterwards:
        what the writer still holds of her is dropped, every holder erases, and the database erases last and
        records the proof with every count.
        """
        check_id(user_id, "user_id")
        if self.world is not None:
            self.world.remove_user(user_id, CloseCode.REMOVED, ERASED_REASON)
        async with self.writer.paused():
            await self.writer.chatlog.settled()  # a line of hers being committed now is then in the table
            buffered = self.writer.discard(user_id)  # never written: nothing to count in the proof
            counts = {holder.name: await holder.forget(user_id) for holder in self.holders}
            erased = await self.store.forget_user(user_id, by=by, also=counts)
        counts = {"places": erased.places, "chat": erased.chat, "audit": erased.audit, **counts}
        log.debug("erasure of %s: %d buffered records dropped", user_id, buffered)
        log.info("personal data erased user=%s by=%s %s", user_id, by, counts)
        return counts
