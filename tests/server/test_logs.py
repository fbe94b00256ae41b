"""A flood of bad input cannot fill the disk: bad-input warnings are bounded per kind and say how many were
left out."""

from __future__ import annotations

import logging

import pytest

from cybercollege.server.core import logs


def test_bad_input_warnings_are_bounded_and_count_what_they_left_out(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [1000.0]
    monkeypatch.setattr(logs.time, "monotonic", lambda: now[0])
    monkeypatch.setattr(logs, "_budgets", {})
    log = logging.getLogger("cybercollege.gateway.test")
    with caplog.at_level(logging.WARNING, log.name):
        for i in range(1000):  # a million-frame fuzz, in small
            logs.bad_input(log, "bad_message", code="MALFORMED", n=i)
        assert len(caplog.records) == logs.WARNINGS_PER_MINUTE
        logs.bad_input(log, "flood", user="x")  # another kind has its own budget
        assert caplog.records[-1].getMessage() == "flood"
        now[0] += 10.0  # ten seconds later: ten more lines may go, the first says what was left out
        for _ in range(20):
            logs.bad_input(log, "bad_message", code="MALFORMED")
    lines = [r for r in caplog.records if r.getMessage() == "bad_message"]
    assert len(lines) == logs.WARNINGS_PER_MINUTE + 10
    assert lines[logs.WARNINGS_PER_MINUTE].suppressed == 1000 - logs.WARNINGS_PER_MINUTE  # type: ignore[attr-defined]
