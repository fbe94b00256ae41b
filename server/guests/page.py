"""The partner class's way in from a browser, with nothing to install (docs/invitations.md).

    GET  /invite/{code}       the guest page, in the guest's language, with the invitation checked
    POST /auth/guest/check    {"code"} -> what the invitation is for, or an error with a stable code
    GET  /guest/{file}        the page's script, style sheet and MessagePack library (server/guests/web/)

The page's language is the invitation's if it is one of the five catalogues (client/locale/*.json), else
the browser's (Accept-Language), else French. Its texts are the catalogues' ``web.*`` keys: the server
fills the HTML with them and hands the script the rest as JSON.
"""

from __future__ import annotations

import functools
import html
import json
import re
import time
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

from cybercollege.server.core.feature import Route
from cybercollege.server.guests.invitation import Invitation, InvitationError, display_code, normalise_code
from cybercollege.server.http import api_error, json_body

if TYPE_CHECKING:
    from cybercollege.server.guests.feature import Guests

WEB_DIR = Path(__file__).resolve().parent / "web"
LOCALE_DIR = Path(__file__).resolve().parents[2] / "client" / "locale"
LANGUAGES = ("fr", "en", "de", "es", "it")
DEFAULT = "fr"
MAX_CODE_CHARS = 64
_NAMES = {  # what a teacher may type as the invitation's language besides the ISO code
    "fr": ("français", "francais", "french", "französisch", "francés", "francese"),
    "en": ("english", "anglais", "englisch", "inglés", "ingles", "inglese"),
    "de": ("deutsch", "german", "allemand", "alemán", "aleman", "tedesco"),
    "es": ("español", "espanol", "spanish", "espagnol", "spanisch", "spagnolo"),
    "it": ("italiano", "italian", "italien", "italienisch"),
}
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
    "media-src 'self' blob: mediastream:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
"""The page runs only its own script and talks only to its own server (the inline JSON is data, not code)."""
_PLACEHOLDER = re.compile(r"\{\{([\w.:]+)\}\}")


def routes(guests: Guests) -> list[Route]:
    """The page, the check endpoint and the page's files."""
    return [
        Route("GET", "/invite/{code}", functools.partial(invite_page, guests)),
        Route("POST", "/auth/guest/check", functools.partial(check_invitation, guests)),
        Route("GET", "/guest/{file}", static_file),
    ]


async def static_file(request: web.Request) -> web.FileResponse:
    """``GET /guest/{file}``: the page's script, style sheet and MessagePack library (nothing else)."""
    name = request.match_info["file"]
    path = WEB_DIR / name
    if name.startswith(".") or "/" in name or not path.is_file():
        raise web.HTTPNotFound(text="no such file")
    return web.FileResponse(path)


# --- languages ---------------------------------------------------------------------------------------


def language_of(invitation_language: str | None, accept_language: str) -> str:
    """The page's language: the invitation's, then the browser's first supported one, then French."""
    if invitation_language:
        chosen = _supported(invitation_language)
        if chosen:
            return chosen
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept_language.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        match = re.search(r"q=([0-9.]+)", params)
        if match:
            try:
                weight = float(match.group(1))
            except ValueError:
                weight = 0.0
        chosen = _supported(tag)
        if chosen and weight > 0:
            ranked.append((-weight, index, chosen))
    return min(ranked)[2] if ranked else DEFAULT


def _supported(text: str) -> str | None:
    text = text.strip().lower()
    prefix = re.split(r"[-_ ]", text, maxsplit=1)[0]
    if prefix in LANGUAGES:
        return prefix
    return next((lang for lang, names in _NAMES.items() if text in names), None)


@cache
def web_strings(lang: str) -> dict[str, str]:
    """The ``web.*`` strings of ``lang``, French where a key is missing."""

    def load(code: str) -> dict[str, str]:
        data = json.loads((LOCALE_DIR / f"{code}.json").read_text(encoding="utf-8"))
        return {k: v for k, v in data.items() if k.startswith("web.")}

    return load(DEFAULT) | load(lang)


# --- the invitation, checked ------------------------------------------------------------------------


def describe(guests: Guests, invitation: Invitation) -> dict[str, Any]:
    """What a guest may know of an invitation before joining (contracts §1)."""
    room = guests.world.rooms.get(invitation.room)
    directory = guests.directory
    school = directory.school_name if directory and directory.school_uai == invitation.school_uai else ""
    return {
        "language": invitation.language,
        "partner_school": invitation.partner_school,
        "school": school,
        "room": invitation.room,
        "room_name": room.spec.name if room is not None else invitation.room,
        "valid_from": int(invitation.valid_from),
        "valid_until": int(invitation.valid_until),
    }


async def check_invitation(guests: Guests, request: web.Request) -> web.Response:
    """``POST /auth/guest/check {"code"}``: 200 with the invitation's public facts, or an API error."""
    if not guests.attempt(request.remote):
        raise api_error(429, "too_many_attempts", "Trop d'essais : attendez une minute.")
    code = (await json_body(request)).get("code")
    if not isinstance(code, str) or not 1 <= len(code) <= MAX_CODE_CHARS:
        raise api_error(400, "guest_invalid", "« code » est attendu.")
    try:
        invitation = guests.book.find(code)
    except InvitationError as exc:
        raise api_error(exc.status, exc.code, exc.message) from None
    return web.json_response(describe(guests, invitation))


# --- the page -------------------------------------------------------------------------------------


async def invite_page(guests: Guests, request: web.Request) -> web.Response:
    """The guest page; an unusable code shows why at once, in the guest's language, without a name form."""
    raw = request.match_info["code"]
    code = normalise_code(raw)[:MAX_CODE_CHARS]
    invitation: Invitation | None = None
    error: str | None = None
    status = 200
    if not guests.attempt(request.remote):
        error, status = "too_many_attempts", 429
    elif len(raw) > MAX_CODE_CHARS:
        error, status = "invitation_unknown", 404
    else:
        try:
            invitation = guests.book.find(code)
        except InvitationError as exc:
            error, status = exc.code, exc.status
            invitation = guests.book.lookup(code)  # its language, to say why in it
    lang = language_of(invitation.language if invitation else None, request.headers.get("Accept-Language", ""))
    boot = {
        "code": display_code(code),
        "lang": lang,
        "error": error,
        "invitation": describe(guests, invitation) if invitation and not error else None,
        "strings": web_strings(lang),
        "now": int(time.time()),
    }
    text = render(lang, boot)
    headers = {
        "Cache-Control": "no-store",
        "Content-Language": lang,
        "Referrer-Policy": "no-referrer",
        "Content-Security-Policy": CSP,
        "X-Content-Type-Options": "nosniff",
    }
    return web.Response(text=text, status=status, content_type="text/html", headers=headers)


@cache
def _template() -> str:
    return (WEB_DIR / "index.html").read_text(encoding="utf-8")


def render(lang: str, boot: dict[str, Any]) -> str:
    """index.html with ``{{t:web.key}}`` replaced by the escaped string, ``{{lang}}``, ``{{boot}}`` (JSON
    for the script), and ``{{hide:join}}``/``{{hide:error}}`` (``hidden`` or nothing)."""
    strings: dict[str, str] = boot["strings"]
    error = boot["error"]
    invitation = boot["invitation"] or {}

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "lang":
            return lang
        if name == "boot":
            return json.dumps(boot, ensure_ascii=False).replace("<", "\\u003c")
        if name == "state":
            return "invalid" if error else "name"
        if name == "hide:join":
            return "hidden" if error else ""
        if name == "hide:error":
            return "" if error else "hidden"
        if name == "error":
            return html.escape(strings.get(f"web.error.{error}", strings.get("web.error.generic", "")) if error else "")
        if name.startswith("inv:"):
            return html.escape(str(invitation.get(name[4:], "")))
        if name.startswith("t:"):
            return html.escape(strings.get(name[2:], name[2:]))
        return match.group(0)

    return _PLACEHOLDER.sub(fill, _template())
