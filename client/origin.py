"""Which server the client opens on, and whether that server offers a newer client (docs/client.md, "On school PCs").

The server: ``--url`` if given; else the ``server.json`` the world server wrote into the download it served (a
built client: client/installed.py); else the server the user last entered the world on (``server.json`` beside
the settings, client/preferences.py); else the local demo server.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from pathlib import Path

import aiohttp

from cybercollege.client import preferences
from cybercollege.client.i18n import tr

log = logging.getLogger("cybercollege.client")

DEFAULT_URL = "http://127.0.0.1:8765"
LATEST = "/downloads/latest.json"
"""What the world server says of its client downloads: ``{"version": ..., "page": ...}`` (server/edge/downloads.py)."""
CHECK_S = 5.0
"""How long the start waits for the server's answer before going on without an offer."""


def bundled_file() -> Path | None:
    """``data/server.json`` of a built client (``__file__`` is ``data/cybercollege/client/origin.py`` there)."""
    return Path(__file__).resolve().parents[2] / "server.json" if getattr(sys, "frozen", False) else None


def remembered_file() -> Path:
    return preferences.config_path().with_name("server.json")


def server_url(given: str | None) -> str:
    """The URL to open on (without a trailing slash)."""
    if given:
        return given.rstrip("/")
    for path in (bundled_file(), remembered_file()):
        url = _read_url(path) if path is not None else None
        if url:
            return url
    return DEFAULT_URL


def remember(url: str) -> None:
    """Keep ``url`` for the next start (never fatal: a read-only profile just forgets)."""
    path = remembered_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"url": url}), encoding="utf-8")
    except OSError as exc:
        log.warning("server URL not remembered in %s: %s", path, exc)


def _read_url(path: Path) -> str | None:
    try:
        url = json.loads(path.read_text(encoding="utf-8")).get("url")
    except FileNotFoundError:
        return None
    except (OSError, ValueError, AttributeError) as exc:
        log.warning("%s ignored: %s", path, exc)
        return None
    return url.rstrip("/") if isinstance(url, str) and re.match(r"https?://[^\s/]+", url) else None


def client_version() -> str:
    """This client's version: the build's (``build.json``, written by scripts/build_client.py), else the
    installed package's."""
    build = Path(__file__).resolve().with_name("build.json")
    try:
        return str(json.loads(build.read_text(encoding="utf-8"))["version"])
    except (OSError, ValueError, KeyError):
        pass
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("cybercollege")
    except PackageNotFoundError:
        return "0"


def newer(offered: str, mine: str) -> bool:
    """Whether version ``offered`` is after ``mine`` (numeric parts compared; anything else is never newer)."""
    parse = [re.fullmatch(r"\d+(\.\d+)*", v) for v in (offered, mine)]
    if not all(parse):
        return False
    return tuple(map(int, offered.split("."))) > tuple(map(int, mine.split(".")))


async def offer(http: aiohttp.ClientSession, url: str, mine: str | None = None) -> str:
    """The sentence offering the server's newer client, in the user's language, or "" (none, or no answer)."""
    try:
        async with http.get(url + LATEST, timeout=aiohttp.ClientTimeout(total=CHECK_S)) as resp:
            if resp.status != 200:
                return ""
            latest = await resp.json(content_type=None)
        offered, page = str(latest["version"]), str(latest["page"])
    except (aiohttp.ClientError, TimeoutError, ValueError, KeyError, TypeError) as exc:
        log.info("no client version from %s: %s", url, exc)
        return ""
    current = mine or client_version()
    if not newer(offered, current):
        return ""
    log.info("the server offers client %s (this is %s): %s", offered, current, page)
    return tr("update_available", version=offered, current=current, url=page)
