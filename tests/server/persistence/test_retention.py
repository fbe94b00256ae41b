"""The running server applies the retention periods itself: the configured chat retention and the audit's 180 days."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cybercollege.server.config import Settings
from cybercollege.server.edge.services import Services
from cybercollege.server.persistence import AuditEvent, ChatRecord, Store
from tests.server.conftest import make_settings
from tests.server.waits import HANG

LEA = "demo:lea.martin"


@pytest.fixture
async def settings(tmp_path: Path) -> Settings:
    """A server keeping chat 7 days, whose database already holds old and recent lines and events."""
    settings = make_settings(tmp_path, chat_retention_days=7)
    now = datetime.now(UTC)
    async with Store(settings.database_url) as store:
        await store.add_chat([ChatRecord("hall", LEA, None, "il y a dix jours", now - timedelta(days=10))])
        await store.add_chat([ChatRecord("hall", LEA, None, "hier", now - timedelta(days=1))])
        await store.audit([AuditEvent("login", LEA, detail="old", at=now - timedelta(days=181))])
        await store.audit([AuditEvent("login", LEA, detail="recent", at=now - timedelta(days=1))])
    return settings


async def test_the_server_purges_what_is_past_retention_when_it_starts(services: Services) -> None:
    async def kept() -> tuple[list[str], list[str]]:
        chat = [line.text for line in await services.store.recent_chat("hall")]
        return chat, [e.detail for e in await services.store.audit_log(LEA)]

    try:
        async with asyncio.timeout(HANG):
            while await kept() != (["hier"], ["recent"]):
                await asyncio.sleep(0.05)
    except TimeoutError:
        raise AssertionError(f"hung: the store still holds {await kept()}") from None
