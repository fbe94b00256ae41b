"""The attendance CSV a teacher downloads opens as she expects: in her language (headers and role names), with
times that say their time zone, in UTF-8 that Excel recognises, split into columns the way her Excel splits."""

from __future__ import annotations

import csv
import io
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from pydantic import ValidationError

from cybercollege.server.config import Settings
from cybercollege.server.edge.services import Services
from tests.server.conftest import Connect, make_settings
from tests.server.test_invitation import bearer
from tests.server.test_teacher import in_room

URL = "/api/rooms/salle-103/attendance.csv"


@pytest.fixture
def settings(tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    """The tests' settings, with the college's time zone a test asks for (``indirect`` parametrisation)."""
    return make_settings(tmp_path, timezone=getattr(request, "param", "Europe/Paris"))


async def download(
    http: aiohttp.ClientSession, server: TestServer, query: str = "", language: str | None = None
) -> tuple[bytes, str]:
    headers = await bearer(http, server, "mme.durand")
    if language:
        headers["Accept-Language"] = language
    async with http.get(server.make_url(URL + query), headers=headers) as r:
        assert r.status == 200 and r.content_type == "text/csv" and r.charset == "utf-8"
        return await r.read(), r.headers["Content-Disposition"]


def rows(body: bytes, delimiter: str) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf"), "no UTF-8 byte order mark: Excel would read it as Windows-1252"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=delimiter))


async def class_in_103(connect: Connect, services: Services) -> tuple[float, float]:
    """Mme Durand and Léa in Salle 103; Léa leaves. The time before she came and after she left."""
    before = time.time()
    teacher = await connect("mme.durand")
    lea = await connect("lea.martin")
    await in_room(teacher, services)
    await in_room(lea, services)
    await teacher.wait_for(lambda m: lea.mirror.me in m.members)
    gone = lea.mirror.me
    await lea.close()
    await teacher.wait_for(lambda m: gone not in m.members)
    return before, time.time()


def local(text: str, zone: str) -> datetime:
    """An ISO 8601 time with its offset, which must be the offset of ``zone`` at that moment."""
    moment = datetime.fromisoformat(text)
    assert moment.utcoffset() is not None, f"{text}: no time zone"
    assert moment.utcoffset() == moment.astimezone(ZoneInfo(zone)).utcoffset(), f"{text} is not {zone} time"
    return moment


async def test_french_by_default(
    connect: Connect, services: Services, server: TestServer, http: aiohttp.ClientSession
) -> None:
    before, after = await class_in_103(connect, services)
    body, disposition = await download(http, server)
    assert 'filename="presence-salle-103.csv"' in disposition
    table = rows(body, ";")  # French Excel splits a CSV on semicolons
    assert table[0] == ["nom", "rôle", "arrivée", "départ", "minutes"]
    by_name = {row[0]: row for row in table[1:]}
    assert by_name["Léa M."][1] == "élève" and by_name["Claire Durand"][1] == "enseignant·e"
    lea = by_name["Léa M."]
    arrived, left = local(lea[2], "Europe/Paris"), local(lea[3], "Europe/Paris")
    assert int(before) <= arrived.timestamp() <= left.timestamp() <= after
    assert "," in lea[4] and float(lea[4].replace(",", ".")) >= 0  # decimal comma: 0,1 minutes
    assert by_name["Claire Durand"][3] == ""  # still there


async def test_german_from_the_browser_language(
    connect: Connect, services: Services, server: TestServer, http: aiohttp.ClientSession
) -> None:
    await class_in_103(connect, services)
    body, _ = await download(http, server, language="de-DE,de;q=0.9,fr;q=0.5")
    table = rows(body, ";")
    assert table[0] == ["Name", "Rolle", "Ankunft", "Weggang", "Minuten"]
    roles = {row[0]: row[1] for row in table[1:]}
    assert roles == {"Léa M.": "Schüler·in", "Claire Durand": "Lehrkraft"}
    assert "pupil" not in body.decode("utf-8-sig") and "teacher" not in body.decode("utf-8-sig")


async def test_the_lang_parameter_wins_and_english_uses_commas(
    connect: Connect, services: Services, server: TestServer, http: aiohttp.ClientSession
) -> None:
    await class_in_103(connect, services)
    body, _ = await download(http, server, "?lang=en", language="de")
    table = rows(body, ",")
    assert table[0] == ["name", "role", "arrived", "left", "minutes"]
    assert {row[0]: row[1] for row in table[1:]} == {"Léa M.": "pupil", "Claire Durand": "teacher"}
    assert "." in table[1][4]
    body, _ = await download(http, server, "?lang=xx")  # unknown: French
    assert rows(body, ";")[0][0] == "nom"


@pytest.mark.parametrize("settings", ["America/Cayenne"], indirect=True)
async def test_times_in_the_colleges_time_zone(
    connect: Connect, services: Services, server: TestServer, http: aiohttp.ClientSession
) -> None:
    """A collège in French Guiana: its times are UTC-3, and say so."""
    await class_in_103(connect, services)
    body, _ = await download(http, server, "?lang=it")
    table = rows(body, ";")
    assert table[0] == ["nome", "ruolo", "arrivo", "uscita", "minuti"]
    lea = next(row for row in table if row[0] == "Léa M.")
    assert lea[1] == "alunno/a"
    assert lea[2].endswith("-03:00") and lea[3].endswith("-03:00")
    local(lea[2], "America/Cayenne")


def test_an_unknown_time_zone_is_refused() -> None:
    with pytest.raises(ValidationError, match="unknown time zone 'Europe/Pariss'"):
        Settings(timezone="Europe/Pariss")
