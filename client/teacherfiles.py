"""The teacher's files over the HTTP API: attendance, slides, board exports, and where downloads are saved.

Each call carries my bearer token (docs/teacher-tools.md, docs/classroom.md §1–2). Downloads go to the
user's documents folder (``$CYBERCOLLEGE_DOCUMENTS``, else ``~/Documents/Cybercollege``).
"""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path

import aiohttp

from cybercollege.client.i18n import language

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
"""The server's limit for one upload (server/classroom/slides.py)."""


class FileRefused(Exception):
    """The file could not be sent or fetched: ``code`` is the server's error code, or a local one
    (``file_missing``, ``upload_too_large``, ``unreachable``)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def documents_dir() -> Path:
    """Where downloads are saved: ``$CYBERCOLLEGE_DOCUMENTS``, else ``Cybercollege`` in the user's documents."""
    if os.environ.get("CYBERCOLLEGE_DOCUMENTS"):
        return Path(os.environ["CYBERCOLLEGE_DOCUMENTS"])
    home = Path.home()
    documents = home / "Documents"
    return (documents if documents.is_dir() else home) / "Cybercollege"


def save(folder: Path, name: str, data: bytes) -> Path:
    """Write ``data`` as ``name`` in ``folder`` (``name-2.ext``... if taken); returns the path."""
    folder.mkdir(parents=True, exist_ok=True)
    stem, dot, ext = (re.sub(r"[^\w.-]", "-", name).lstrip(".") or "export").rpartition(".")
    stem, ext = (stem, dot + ext) if stem else (ext, "")
    path, n = folder / f"{stem}{ext}", 1
    while path.exists():
        n += 1
        path = folder / f"{stem}-{n}{ext}"
    path.write_bytes(data)
    return path


async def _refusal(resp: aiohttp.ClientResponse) -> FileRefused:
    try:
        answer = await resp.json(content_type=None)
    except (ValueError, aiohttp.ClientError):
        answer = None
    return FileRefused(str(answer.get("error", resp.status)) if isinstance(answer, dict) else str(resp.status))


async def download(http: aiohttp.ClientSession, url: str, token: str, path: str) -> tuple[str, bytes]:
    """``GET url + path`` with my token: (the server's file name, the body)."""
    try:
        headers = {"Authorization": f"Bearer {token}", "Accept-Language": language()}  # the attendance's words
        async with http.get(url + path, headers=headers) as resp:
            if resp.status != 200:
                raise await _refusal(resp)
            name = resp.content_disposition.filename if resp.content_disposition else None
            return name or path.rsplit("/", 1)[-1], await resp.read()
    except (aiohttp.ClientError, OSError, TimeoutError) as exc:
        raise FileRefused("unreachable") from exc


async def upload_slides(http: aiohttp.ClientSession, url: str, token: str, board: str, file: Path) -> int:
    """``POST /api/boards/{board}/slides`` with the PDF or image at ``file``; returns the number of slides."""
    try:
        if file.stat().st_size > MAX_UPLOAD_BYTES:
            raise FileRefused("upload_too_large")
        data = await asyncio.to_thread(file.read_bytes)
    except OSError:
        raise FileRefused("file_missing") from None
    try:
        async with http.post(f"{url}/api/boards/{board}/slides", data=data,
                             headers={"Authorization": f"Bearer {token}",
                                      "Content-Type": "application/octet-stream"}) as resp:
            if resp.status != 201:
                raise await _refusal(resp)
            return len((await resp.json())["pages"])
    except (aiohttp.ClientError, OSError, TimeoutError, KeyError, ValueError) as exc:
        raise FileRefused("unreachable") from exc
