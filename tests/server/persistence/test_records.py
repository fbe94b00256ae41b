"""Records are validated where they are built, so a bad value never reaches a write-behind batch."""

from datetime import UTC, datetime, timedelta, timezone

import numpy
import pytest

from cybercollege.server.persistence import AuditEvent, ChatRecord, Place
from cybercollege.server.persistence.records import MAX_DETAIL_CHARS, REDACTED

PARIS = timezone(timedelta(hours=1))


def test_timestamps_are_converted_to_utc():
    record = ChatRecord("hall", "demo:lea.martin", None, "bonjour", datetime(2026, 3, 1, 9, 0, tzinfo=PARIS))
    assert record.created_at == datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    assert record.created_at.tzinfo is UTC


def test_default_timestamps_are_now_in_utc():
    before = datetime.now(UTC)
    assert before <= AuditEvent("login", "demo:lea.martin").at <= datetime.now(UTC)
    assert ChatRecord("hall", "demo:lea.martin", None, "hi").created_at.tzinfo is UTC


def test_naive_timestamps_are_refused():
    with pytest.raises(ValueError, match="created_at must be timezone-aware"):
        ChatRecord("hall", "demo:lea.martin", None, "hi", datetime(2026, 3, 1, 9, 0))
    with pytest.raises(ValueError, match="at must be timezone-aware"):
        AuditEvent("login", "demo:lea.martin", at=datetime(2026, 3, 1))


@pytest.mark.parametrize(("room_id", "recipient"), [(None, None), ("hall", "demo:tom")])
def test_a_chat_line_goes_to_a_room_or_to_one_person(room_id, recipient):
    with pytest.raises(ValueError, match="exactly one"):
        ChatRecord(room_id, "demo:lea.martin", recipient, "hi")


@pytest.mark.parametrize("text", ["x" * 2001, "nul\x00byte", 42])
def test_bad_chat_text_is_refused(text):
    with pytest.raises(ValueError, match="text must be"):
        ChatRecord("hall", "demo:lea.martin", None, text)


@pytest.mark.parametrize(
    ("field", "value"),
    [("user_id", ""), ("user_id", "u" * 129), ("room_id", None), ("x", float("nan")), ("heading", 1e999)],
)
def test_bad_places_are_refused(field, value):
    fields = {"user_id": "demo:lea.martin", "room_id": "hall", "x": 1.0, "y": 2.0, "heading": 0.5}
    with pytest.raises(ValueError, match=field):
        Place(**(fields | {field: value}))


@pytest.mark.parametrize(
    "secret",
    [
        "ST-1-abcdefghijklmnop-lemonldap",
        "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJkZW1vIn0.c2lnbmF0dXJl",
        "ticket=ST-42-xyz123456",
        "token=abc.def",
    ],
)
def test_audit_details_never_keep_tickets_or_tokens(secret):
    event = AuditEvent("login_failed", None, None, f"validation refused {secret} by the ENT")
    assert secret not in event.detail
    assert event.detail == f"validation refused {REDACTED} by the ENT"


def test_long_audit_details_are_cut():
    event = AuditEvent("kicked", "demo:tom", "hall", "x" * 500)
    assert len(event.detail) == MAX_DETAIL_CHARS
    assert event.detail.endswith("…")


def test_records_are_immutable():
    place = Place("demo:lea.martin", "hall", 1, 2, 3)
    with pytest.raises(AttributeError):
        place.x = 5  # type: ignore[misc]


def test_coordinates_are_stored_as_plain_floats():
    place = Place("demo:lea.martin", "hall", 120, numpy.int64(-40), numpy.float32(0.5))
    assert (place.x, place.y, place.heading) == (120.0, -40.0, 0.5)
    assert all(type(v) is float for v in (place.x, place.y, place.heading))


@pytest.mark.parametrize("detail", ["moved to St-Étienne campus", "first-class", "postcode=75001", "STOP-it"])
def test_ordinary_details_are_kept(detail):
    assert AuditEvent("room_change", "demo:tom", "hall", detail).detail == detail
