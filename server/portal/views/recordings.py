"""« Enregistrements »: the recordings of the conferences she hosted (every one for staff), played in the page,
downloaded, deleted (with a confirmation; audited). Their files are served with HTTP Range requests so that the
browser can seek; ids and file names are checked (server/conference/archive.py): no path leaves the directory.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from aiohttp import web

from cybercollege.server.conference import archive
from cybercollege.server.conference.archive import RecordingInfo
from cybercollege.server.core.identity import Role
from cybercollege.server.portal.audit import audit
from cybercollege.server.portal.pages import NO_STORE, Context, Refusal, page, redirect


@page("GET", "/portal/recordings", template="recordings.html", nav="nav.recordings")
async def recordings(ctx: Context) -> dict[str, Any]:
    """Newest first: date, room, duration, participants, size, and when it will be deleted."""
    rows = [_row(ctx, r) for r in archive.finished(_root(ctx)) if _sees(ctx, r)]
    return {"recordings": rows, "days": ctx.portal.settings.recording_retention_days,
            "deleted": ctx.request.query.get("deleted") == "1"}  # fmt: skip


@page("GET", "/portal/recordings/{id}", template="recording.html")
async def recording(ctx: Context) -> dict[str, Any]:
    """One recording: a player per take (a speaker's camera and microphone), its download, and delete."""
    info = _found(ctx)
    href = _href(info)
    takes = [{"name": f.participant, "src": f"{href}/files/{f.name}", "audio": f.audio_only, "size": _size(ctx, f.size),
              "download": f"{href}/files/{f.name}?download=1", "failed": f.failed} for f in info.files]  # fmt: skip
    return {"r": _row(ctx, info), "takes": takes}


@page("GET", "/portal/recordings/{id}/files/{file}")
async def file(ctx: Context) -> web.StreamResponse:
    """A take's WebM (VP8 and Opus), with Range requests; ``?download=1`` as an attachment."""
    info = _found(ctx)
    take = info.file(ctx.request.match_info["file"])
    if take is None:
        raise Refusal(404, "recordings.unknown_title", "recordings.unknown")
    kind = "audio/webm" if take.audio_only else "video/webm"
    response = web.FileResponse(info.directory / take.name, headers={"Content-Type": kind, **NO_STORE})
    if ctx.request.query.get("download") == "1":
        name = f"enregistrement-{info.id}-{take.name}"
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
        audit(ctx, "recording_download", info.room, f"{info.id}/{take.name}")  # a copy leaves the server
    return response


@page("GET", "/portal/recordings/{id}/delete", template="recording_delete.html")
async def confirm(ctx: Context) -> dict[str, Any]:
    """« Supprimer définitivement ? »: the confirmation, a form that POSTs."""
    return {"r": _row(ctx, _found(ctx))}


@page("POST", "/portal/recordings/{id}/delete")
async def delete(ctx: Context) -> web.StreamResponse:
    """Delete its files and metadata; audited."""
    info = _found(ctx)
    try:
        archive.delete(info)
    except OSError:
        raise Refusal(503, "recordings.delete_failed_title", "recordings.delete_failed") from None
    audit(ctx, "recording_delete", info.room, info.id)
    return redirect("/portal/recordings?deleted=1")


def _root(ctx: Context) -> Path:
    return Path(ctx.portal.settings.recordings_dir)


def _sees(ctx: Context, info: RecordingInfo) -> bool:
    """The host teacher of the recording, and the school's staff."""
    me = ctx.me
    return me.role is Role.STAFF or (bool(info.host_user) and info.host_user == me.user_id)


def _found(ctx: Context) -> RecordingInfo:
    info = archive.read(_root(ctx), ctx.request.match_info["id"])
    if info is None or not _sees(ctx, info):
        raise Refusal(404, "recordings.unknown_title", "recordings.unknown")
    return info


def _href(info: RecordingInfo) -> str:
    return f"/portal/recordings/{quote(info.id, safe='')}"


def _row(ctx: Context, info: RecordingInfo) -> dict[str, Any]:
    zone = ZoneInfo(ctx.portal.settings.timezone)
    room = ctx.portal.world.rooms.get(info.room)
    return {
        "id": info.id,
        "href": _href(info),
        "date": _local(info.started, zone, "%d/%m/%Y %H:%M"),
        "room": room.spec.name if room is not None else info.room,
        "host": info.host_name,
        "duration": _duration(info.seconds),
        "participants": ", ".join(info.participants),
        "count": len(info.participants),
        "size": _size(ctx, info.size),
        "expires": _local(info.expires, zone, "%d/%m/%Y"),
    }


def _local(when: datetime, zone: ZoneInfo, fmt: str) -> str:
    return when.astimezone(zone).strftime(fmt)


def _duration(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def _size(ctx: Context, size: int) -> str:
    megabytes = f"{size / 1_000_000:.1f}"
    return ctx.t("recordings.megabytes", size=megabytes if ctx.lang == "en" else megabytes.replace(".", ","))
