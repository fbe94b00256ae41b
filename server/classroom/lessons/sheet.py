"""A lesson's attendance as CSV, in the reader's language, like the room's attendance (server/classroom/control.py)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime, tzinfo

from cybercollege.server.classroom.control import AttendanceWords
from cybercollege.server.classroom.lessons.model import Presence


def attendance_csv(rows: Sequence[Presence], words: AttendanceWords, zone: tzinfo, now: datetime) -> str:
    """One line per stay: name, role, arrival and departure (ISO 8601 with the college's offset), minutes.
    Starts with a BOM: Excel then reads it as UTF-8."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=words.delimiter, lineterminator="\r\n")
    writer.writerow(words.headers)
    for row in rows:
        minutes = f"{((row.left or now) - row.joined).total_seconds() / 60:.1f}".replace(".", words.decimal)
        left = row.left.astimezone(zone).isoformat(timespec="seconds") if row.left else ""
        writer.writerow([_safe(row.display_name), words.roles.get(row.role, row.role),
                         row.joined.astimezone(zone).isoformat(timespec="seconds"), left, minutes])  # fmt: skip
    return out.getvalue()


def _safe(text: str) -> str:
    """A name a spreadsheet would take for a formula (``=``, ``+``, ``-``, ``@``) is quoted as text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
