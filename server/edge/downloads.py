"""The client downloads (docs/client.md, "On school PCs"): the builds of scripts/build_client.py, served by the
world server, each one made to open on this server.

    GET /downloads/               the page: each platform's files, their size and SHA-256, how to install
    GET /downloads/latest.json    {"version", "page", "files": [...]}: what a starting client checks itself against
    GET /downloads/{name}         a file, by a content-hashed name (cacheable for ever)

The builds are read from the ``downloads`` folder (``dist/client``: its ``downloads.json`` lists them). Each
archive is served with ``data/server.json`` added (``{"url": <this server>}``, client/origin.py): the client
unpacked from it opens on the server it came from. The copies are made once per server URL, in a thread, under
``<downloads>/served/``; the Windows installer (NSIS) is served as built (the client asks for the server once).
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import html
import json
import logging
import shutil
import tarfile
import zipfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from aiohttp import web

from cybercollege.server.config import Settings
from cybercollege.server.edge.services import SERVICES
from cybercollege.server.guests.page import DEFAULT, LOCALE_DIR, language_of

log = logging.getLogger("cybercollege.downloads")

SERVER_FILE = "server.json"
MARKER = "data/modules.txt"
"""Every build has it (scripts/build_client.py); ``server.json`` goes beside it."""
MAX_ORIGINS = 4
"""Server URLs copies are made for when ``public_url`` is not set (the request's own address): a bound on the disk
a stream of made-up Host headers could fill."""
PLATFORM_ORDER = ("win_amd64", "macosx_11_0_arm64", "macosx_11_0_x86_64", "manylinux2014_x86_64")
DOWNLOADS: web.AppKey[Downloads] = web.AppKey("downloads")


@dataclass(frozen=True)
class Download:
    platform: str
    name: str
    """The served name: ``cybercollege-0.1.0-win_amd64-<12 hex of its SHA-256>.zip``."""
    path: Path
    size: int
    sha256: str

    @property
    def kind(self) -> str:
        return "exe" if self.name.endswith(".exe") else "tar" if self.name.endswith(".tar.gz") else "zip"


class Downloads:
    """The builds in ``source``, and their copies for each server URL (made on first use)."""

    def __init__(self, source: Path) -> None:
        self.source = source
        self._made: dict[str, asyncio.Task[list[Download]]] = {}
        self._by_name: dict[str, Download] = {}

    def manifest(self) -> dict:
        """``downloads.json`` (``{"version", "files": {platform: [{"file", "bytes", "sha256"}]}}``), or empty."""
        try:
            data = json.loads((self.source / "downloads.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) and isinstance(data.get("files"), dict) else {}

    async def for_server(self, url: str) -> list[Download]:
        """The downloads that open on ``url`` (made in a thread the first time)."""
        if url not in self._made:
            if len(self._made) >= MAX_ORIGINS:
                url = next(iter(self._made))
            else:
                self._made[url] = asyncio.create_task(asyncio.to_thread(self._make, url))
        try:
            made = await asyncio.shield(self._made[url])
        except Exception:  # a broken build in the folder: logged, the page says there is none, a later request retries
            log.exception("client downloads for %s could not be made from %s", url, self.source)
            self._made.pop(url, None)
            return []
        self._by_name.update((d.name, d) for d in made)
        return made

    def find(self, name: str) -> Download | None:
        return self._by_name.get(name)

    def _make(self, url: str) -> list[Download]:
        manifest = self.manifest()
        version = str(manifest.get("version", ""))
        folder = self.source / "served" / hashlib.sha256(url.encode()).hexdigest()[:16]
        _prune(folder.parent, keep=folder)
        folder.mkdir(parents=True, exist_ok=True)
        made = []
        for platform in sorted(manifest.get("files", {}), key=_platform_rank):
            for entry in manifest["files"][platform]:
                built = self.source / str(entry.get("file", ""))
                if built.parent != self.source or not built.is_file():
                    log.warning("download %s listed in downloads.json but missing", built.name)
                    continue
                made.append(_served_copy(built, folder, platform, version, url))
        log.info("%d client downloads ready for %s", len(made), url)
        return made


def _prune(served: Path, keep: Path) -> None:
    """Leave at most MAX_ORIGINS copies on disk (the most recently made): each is the size of all the builds, and
    a server reached at many addresses (test servers on random ports) would otherwise fill the disk."""
    if not served.is_dir():
        return
    others = sorted((d for d in served.iterdir() if d.is_dir() and d != keep), key=lambda d: d.stat().st_mtime)
    for old in others[: max(0, len(others) - (MAX_ORIGINS - 1))]:
        shutil.rmtree(old, ignore_errors=True)


def _platform_rank(platform: str) -> int:
    return PLATFORM_ORDER.index(platform) if platform in PLATFORM_ORDER else len(PLATFORM_ORDER)


def _served_copy(built: Path, folder: Path, platform: str, version: str, url: str) -> Download:
    """``built`` with ``server.json`` added (archives), under its content-hashed name in ``folder``."""
    suffix = ".tar.gz" if built.name.endswith(".tar.gz") else built.suffix
    stem = f"cybercollege-{version}-{platform}"
    if suffix == ".exe":
        copy = built
    else:
        copy = folder / f"{stem}{suffix}"
        stamp = folder / f"{stem}{suffix}.source"
        source_id = f"{built.stat().st_mtime_ns} {built.stat().st_size}"
        if not copy.is_file() or not stamp.is_file() or stamp.read_text() != source_id:
            work = copy.with_name(copy.name + ".part")
            config = json.dumps({"url": url}).encode()
            (_add_to_zip if suffix == ".zip" else _add_to_tar)(built, work, config)
            work.replace(copy)
            stamp.write_text(source_id)
    digest = _sha256(copy)
    name = f"{stem}-{digest[:12]}{suffix}"
    return Download(platform, name, copy, copy.stat().st_size, digest)


def _add_to_zip(built: Path, target: Path, config: bytes) -> None:
    shutil.copyfile(built, target)
    with zipfile.ZipFile(target, "a") as archive:
        markers = [n for n in archive.namelist() if n.endswith(MARKER)]  # (not next(): a StopIteration cannot
        if not markers:  # leave a thread's future, the request would hang)
            raise ValueError(f"{built.name} is not a client build")
        archive.writestr(markers[0][: -len("modules.txt")] + SERVER_FILE, config)


def _add_to_tar(built: Path, target: Path, config: bytes) -> None:
    """A gzip stream cannot be appended to: the archive is copied member by member, and the file added."""
    import io

    with tarfile.open(built, "r:gz") as source, gzip.open(target, "wb", compresslevel=6) as raw, \
            tarfile.open(fileobj=raw, mode="w") as out:  # fmt: skip
        marker = None
        for member in source:
            out.addfile(member, source.extractfile(member) if member.isfile() else None)
            if member.name.endswith(MARKER):
                marker = member
        if marker is None:
            raise ValueError(f"{built.name} is not a client build")
        info = tarfile.TarInfo(marker.name[: -len("modules.txt")] + SERVER_FILE)
        info.size, info.mode, info.mtime = len(config), 0o644, marker.mtime
        out.addfile(info, io.BytesIO(config))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --- the routes ------------------------------------------------------------------------------------


def setup_downloads(app: web.Application, settings: Settings) -> None:
    app[DOWNLOADS] = Downloads(settings.downloads)
    app.router.add_get("/downloads", redirect)
    app.router.add_get("/downloads/", page)
    app.router.add_get("/downloads/latest.json", latest)
    app.router.add_get("/downloads/{name}", file)


async def redirect(request: web.Request) -> web.Response:
    raise web.HTTPMovedPermanently("/downloads/")


def server_url(request: web.Request) -> str:
    """The URL the downloads open on: ``public_url`` if set, else the address this request came to."""
    settings = request.app[SERVICES].settings
    return (settings.public_url or f"{request.scheme}://{request.host}").rstrip("/")


async def page(request: web.Request) -> web.Response:
    lang = language_of(request.query.get("lang"), request.headers.get("Accept-Language", ""))
    url = server_url(request)
    downloads = request.app[DOWNLOADS]
    version = str(downloads.manifest().get("version", ""))
    made = await downloads.for_server(url) if version else []
    return web.Response(
        text=render(lang, url, version, made),
        content_type="text/html",
        headers={"Cache-Control": "no-cache", "Content-Language": lang},
    )


async def latest(request: web.Request) -> web.Response:
    downloads = request.app[DOWNLOADS]
    version = str(downloads.manifest().get("version", ""))
    if not version:
        raise web.HTTPNotFound(text="no client downloads on this server")
    url = server_url(request)
    made = await downloads.for_server(url)
    files = [
        {"platform": d.platform, "url": f"{url}/downloads/{d.name}", "bytes": d.size, "sha256": d.sha256} for d in made
    ]
    return web.json_response(
        {"version": version, "page": f"{url}/downloads/", "files": files}, headers={"Cache-Control": "no-cache"}
    )


async def file(request: web.Request) -> web.StreamResponse:
    downloads = request.app[DOWNLOADS]
    name = request.match_info["name"]
    if downloads.find(name) is None and downloads.manifest():
        await downloads.for_server(server_url(request))  # after a restart, names are known again once made
    found = downloads.find(name)
    if found is None:
        lang = language_of(None, request.headers.get("Accept-Language", ""))
        text = tr(lang, "not_found", url=f"{server_url(request)}/downloads/")
        return web.Response(status=404, text=text, content_type="text/plain", headers={"Content-Language": lang})
    return web.FileResponse(
        found.path,
        headers={
            "Content-Disposition": f'attachment; filename="{found.name}"',
            "Cache-Control": "public, max-age=31536000, immutable",
        },
    )


# --- the page ----------------------------------------------------------------------------------------


@cache
def strings(lang: str) -> dict[str, str]:
    """The ``downloads.*`` strings of ``lang`` (without the prefix), French where a key is missing."""

    def load(code: str) -> dict[str, str]:
        data = json.loads((LOCALE_DIR / f"{code}.json").read_text(encoding="utf-8"))
        return {k.removeprefix("downloads."): v for k, v in data.items() if k.startswith("downloads.")}

    return load(DEFAULT) | load(lang)


def tr(lang: str, key: str, **fields: object) -> str:
    text = strings(lang).get(key, key)
    return text.format(**fields) if fields else text


def render(lang: str, url: str, version: str, made: list[Download]) -> str:
    """The downloads page: a section per platform, each file with its size and SHA-256, then how to check."""

    def t(key: str, **fields: object) -> str:
        return html.escape(tr(lang, key, **fields))

    sections = []
    for platform in dict.fromkeys(d.platform for d in made):
        rows = "".join(
            f'<li><a href="/downloads/{html.escape(d.name)}" download>{html.escape(d.name)}</a> '
            f"({t('kind_' + d.kind)}, {t('size', size=f'{d.size / 1e6:.0f}')})<br>"
            f'{t("checksum")}: <code class="sha">{d.sha256}</code></li>'
            for d in made
            if d.platform == platform
        )
        how = "install_macos" if platform.startswith("macosx") else f"install_{platform}"
        sections.append(f"<section><h2>{t(platform)}</h2><ul>{rows}</ul><p>{t(how)}</p></section>")
    body = "".join(sections) if sections else f"<p>{t('none')}</p>"
    version_line = f"<p>{t('version', version=version)}</p>" if version else ""
    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{t("title")}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;line-height:1.5}}
a{{color:#0b57a4}}code.sha{{word-break:break-all;font-size:.85rem}}
section{{border-top:1px solid #ccd;margin-top:1.2rem}}</style>
</head><body><main>
<h1>{t("title")}</h1>
<p>{t("lead", url=url)}</p>
{version_line}
{body}
<p>{t("check_help")}</p>
</main></body></html>
"""
