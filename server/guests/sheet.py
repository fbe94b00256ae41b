"""The printable invitation sheet: one A4 page in the partner class's language (docs/invitations.md).

    POST /api/invitations/sheet   teacher: {"code"} -> application/pdf

The server keeps only the hash of a code, so the teacher's client sends the code it was just shown; the code
must belong to an invitation this teacher may manage. The page has the inviting school, the partner school,
the validity window, the link and its QR code, the code and a three-step how-to. Its texts are the
catalogues' ``sheet.*`` keys (client/locale/*.json); the font is the client's DejaVu Sans (assets/fonts).
"""

from __future__ import annotations

import json
import re
import time
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import segno
from aiohttp import web
from fpdf import FPDF
from fpdf.enums import WrapMode

from cybercollege.server.core.identity import Role
from cybercollege.server.guests.invitation import Invitation, display_code, normalise_code
from cybercollege.server.guests.page import describe, language_of
from cybercollege.server.http import api_error, bearer_identity, json_body

if TYPE_CHECKING:
    from cybercollege.server.guests.feature import Guests

ROOT = Path(__file__).resolve().parents[2]
FONTS = ROOT / "assets" / "fonts"
LOCALE_DIR = ROOT / "client" / "locale"
MAX_CODE_CHARS = 64
MARGIN = 20.0  # mm
QR_SIZE = 60.0  # mm
FALLBACK = "en"
"""A partner whose language has no catalogue reads English."""


@dataclass(frozen=True)
class SheetFacts:
    """What the sheet says: ``code`` as shown (XXXX-XXXX-...), times in Unix seconds."""

    language: str
    school: str
    partner_school: str
    valid_from: float
    valid_until: float
    link: str
    code: str


@cache
def sheet_strings(lang: str) -> dict[str, str]:
    """The ``sheet.*`` strings of ``lang`` (French where one is missing), without the prefix."""

    def load(code: str) -> dict[str, str]:
        data = json.loads((LOCALE_DIR / f"{code}.json").read_text(encoding="utf-8"))
        return {k.removeprefix("sheet."): v for k, v in data.items() if k.startswith("sheet.")}

    return load("fr") | load(lang)


def _paris() -> tzinfo:
    try:
        return ZoneInfo("Europe/Paris")
    except ZoneInfoNotFoundError:  # no time zone database: say the time in UTC rather than fail
        return UTC


def render_sheet(facts: SheetFacts) -> bytes:
    """The PDF of one invitation sheet."""
    text = sheet_strings(facts.language)
    pdf = FPDF(format="A4")
    pdf.set_title(f"{text['title']} — {facts.partner_school}")
    pdf.set_creator("Cybercollège")
    pdf.add_font("DejaVu", "", FONTS / "DejaVuSans.ttf")
    pdf.add_font("DejaVu", "B", FONTS / "DejaVuSans-Bold.ttf")
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(False)
    pdf.add_page()
    width = pdf.w - 2 * MARGIN

    def paragraph(words: str, size: float, style: str = "", gap: float = 3.0) -> None:
        pdf.set_font("DejaVu", style, size)
        pdf.multi_cell(width, size * 0.5, words, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)

    paragraph(text["title"], 24, "B", 6)
    school = facts.school or text["school_unknown"]
    paragraph(text["invited"].format(school=school, partner=facts.partner_school), 14)
    zone, fmt = _paris(), text["date"]
    start = datetime.fromtimestamp(facts.valid_from, zone).strftime(fmt)
    end = datetime.fromtimestamp(facts.valid_until, zone).strftime(fmt)
    paragraph(text["valid"].format(start=start, end=end), 12, gap=8)

    _qr(pdf, facts.link, (pdf.w - QR_SIZE) / 2, pdf.get_y(), QR_SIZE)
    pdf.set_y(pdf.get_y() + QR_SIZE + 2)
    pdf.set_font("DejaVu", "", 10)
    pdf.cell(width, 5, text["scan"], align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)

    paragraph(text["link"], 11, "B", 1)
    pdf.set_font("DejaVu", "", _fitting_size(pdf, facts.link, width, 14, 8))
    pdf.multi_cell(width, 7, facts.link, align="L", wrapmode=WrapMode.CHAR, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    paragraph(text["code"], 11, "B", 1)
    pdf.set_font("DejaVu", "B", _fitting_size(pdf, facts.code, width, 28, 12))
    pdf.cell(width, 14, facts.code, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)

    paragraph(text["howto"], 14, "B", 2)
    for n in (1, 2, 3):
        paragraph(f"{n}. {text[f'step{n}']}", 12, gap=2)
    pdf.set_y(pdf.h - MARGIN - 6)
    pdf.set_font("DejaVu", "", 9)
    pdf.cell(width, 6, text["private"], align="C")
    return bytes(pdf.output())


def _fitting_size(pdf: FPDF, words: str, width: float, largest: float, smallest: float) -> float:
    """The largest font size (points) from ``largest`` down to ``smallest`` at which ``words`` fit ``width``."""
    size = largest
    while size > smallest:
        pdf.set_font_size(size)
        if pdf.get_string_width(words) <= width:
            break
        size -= 1
    return size


def _qr(pdf: FPDF, link: str, x: float, y: float, size: float) -> None:
    """The link's QR code as filled squares (vector: sharp at any print size), quiet zone included."""
    rows = list(segno.make(link, error="m").matrix_iter(border=4))
    module = size / len(rows)
    pdf.set_fill_color(0, 0, 0)
    for j, row in enumerate(rows):
        for i, dark in enumerate(row):
            if dark:
                pdf.rect(x + i * module, y + j * module, module, module, style="F")


def sheet_name(partner_school: str, valid_from: float) -> str:
    """The file name offered for the sheet: ``invitation-<partner>-<date>.pdf``, accents dropped."""
    plain = unicodedata.normalize("NFKD", partner_school).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", plain).strip("-")[:40]
    day = datetime.fromtimestamp(valid_from, _paris()).strftime("%Y-%m-%d")
    return f"invitation-{slug or 'classe'}-{day}.pdf"


async def sheet(guests: Guests, request: web.Request) -> web.Response:
    """``POST /api/invitations/sheet {"code"}`` (teacher's bearer token): the sheet as a PDF download."""
    teacher = bearer_identity(request)
    if teacher.role not in (Role.TEACHER, Role.STAFF):
        raise api_error(403, "invitation_forbidden", "Seuls les enseignants peuvent imprimer une invitation.")
    code = (await json_body(request)).get("code")
    if not isinstance(code, str) or not 1 <= len(code) <= MAX_CODE_CHARS:
        raise api_error(400, "code_invalid", "« code » : le code d'invitation est attendu.")
    invitation = guests.book.lookup(code)
    if invitation is None:
        raise api_error(404, "invitation_unknown", "Ce code d'invitation n'existe pas.")
    if not invitation.may_manage(teacher):
        raise api_error(403, "invitation_not_yours", "Cette invitation est celle d'un autre établissement.")
    if invitation.revoked:
        raise api_error(410, "invitation_revoked", "Cette invitation a été retirée.")
    if invitation.valid_until <= time.time():
        raise api_error(410, "invitation_expired", "Cette invitation n'est plus valable.")
    return sheet_response(guests, invitation, code)


def sheet_response(guests: Guests, invitation: Invitation, code: str) -> web.Response:
    """The sheet of ``invitation`` (whose code is ``code``) as a PDF download."""
    facts = SheetFacts(
        language=language_of(invitation.language, FALLBACK),
        school=str(describe(guests, invitation)["school"]),
        partner_school=invitation.partner_school,
        valid_from=invitation.valid_from,
        valid_until=invitation.valid_until,
        link=f"{guests.world.settings.base_url()}/invite/{display_code(normalise_code(code))}",
        code=display_code(normalise_code(code)),
    )
    name = sheet_name(invitation.partner_school, invitation.valid_from)
    return web.Response(
        body=render_sheet(facts),
        content_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )
