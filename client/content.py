"""The world files, fetched from the server by content hash and kept in the user's cache directory.

``GET /world/manifest`` lists every file with its SHA-256; each is fetched once from
``GET /files/<sha256>``, verified, and stored under its hash. A world directory is then assembled
under the manifest's hash, so an unchanged world costs one small request.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path, PurePosixPath

import aiohttp

from cybercollege import worlds

WORLD_PREFIX = "world/"
MAX_FILE_BYTES = 8 * 1024 * 1024


class ContentError(Exception):
    """The server's world files are missing, altered or invalid."""


def cache_dir() -> Path:
    """Where the client caches files: ``$CYBERCOLLEGE_CACHE``, else the platform's user cache directory."""
    if os.environ.get("CYBERCOLLEGE_CACHE"):
        return Path(os.environ["CYBERCOLLEGE_CACHE"])
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA", Path.home())) / "Cybercollege" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "Cybercollege"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "cybercollege"


async def fetch_world(http: aiohttp.ClientSession, url: str, root: Path | None = None) -> worlds.World:
    """The server's world, from the cache when its hash is known. Raises ``ContentError``."""
    root = root or cache_dir()
    try:
        async with http.get(f"{url}/world/manifest") as resp:
            resp.raise_for_status()
            manifest = await resp.json()
        world_dir = root / "worlds" / _safe_name(manifest["hash"]) / "world"
        for item in manifest["files"]:
            if item["path"].startswith(WORLD_PREFIX):
                await _install(http, url, root, item, world_dir)
    except (KeyError, TypeError, ValueError) as exc:
        raise ContentError(f"bad manifest: {exc}") from exc
    try:
        return worlds.load_world(world_dir)
    except worlds.WorldError as exc:
        raise ContentError(f"invalid world: {exc}") from exc


async def _install(http: aiohttp.ClientSession, url: str, root: Path, item: dict, world_dir: Path) -> None:
    relative = PurePosixPath(item["path"][len(WORLD_PREFIX):])
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        raise ContentError(f"unsafe path in manifest: {item['path']!r}")
    target = world_dir.joinpath(*relative.parts)
    sha = _safe_name(item["sha256"])
    if target.is_file() and _sha256(target.read_bytes()) == sha:
        return
    blob = root / "files" / sha
    data = blob.read_bytes() if blob.is_file() else b""
    if _sha256(data) != sha:
        data = await _download(http, url, sha, int(item["size"]))
        _write(blob, data)
    _write(target, data)


async def _download(http: aiohttp.ClientSession, url: str, sha: str, size: int) -> bytes:
    if size > MAX_FILE_BYTES:
        raise ContentError(f"file {sha[:12]} is too large ({size} bytes)")
    data = bytearray()
    async with http.get(f"{url}/files/{sha}") as resp:
        resp.raise_for_status()
        async for chunk in resp.content.iter_any():  # the whole body: behind a proxy it comes in pieces
            data += chunk
            if len(data) > MAX_FILE_BYTES:
                raise ContentError(f"file {sha[:12]} is too large")
    if _sha256(bytes(data)) != sha:
        raise ContentError(f"file {sha[:12]} does not match its hash")
    return bytes(data)


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(path)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _safe_name(value: str) -> str:
    if not (isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value)):
        raise ContentError(f"not a sha256: {value!r}")
    return value
