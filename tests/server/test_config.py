"""The configuration reference is generated from the settings, and bad settings are refused."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from cybercollege.server.config import Settings, markdown

DOC = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


def test_configuration_document_lists_every_option() -> None:
    text = DOC.read_text("utf-8")
    generated = text.split("<!-- BEGIN GENERATED -->\n", 1)[1].split("<!-- END GENERATED -->", 1)[0]
    assert generated == markdown(), (
        "run: python -m cybercollege.server.config --markdown and paste it into docs/configuration.md"
    )


def test_every_option_is_described() -> None:
    assert all(field.description for field in Settings.model_fields.values())


def test_production_refuses_demo_and_weak_secrets() -> None:
    problems = Settings(production=True, demo=True).check()
    assert any("demo mode is refused" in p for p in problems)
    assert any("secret" in p for p in problems)
    assert Settings(production=True, secret="x" * 40).check() == []
    assert Settings(production=True, demo=True, allow_demo=True, secret="x" * 40).check() == []


def test_demo_users_only_when_asked_for_and_on_loopback() -> None:
    """A deployment that forgot production=true must not hand a demo staff token to anyone."""
    assert Settings().demo is False
    assert Settings(demo=True).check() == []  # 127.0.0.1: the developer's machine
    problems = Settings(demo=True, host="0.0.0.0").check()
    assert any("demo mode on 0.0.0.0" in p and "allow_demo" in p for p in problems)
    assert Settings(demo=True, host="0.0.0.0", allow_demo=True).check() == []
    assert Settings(demo=True, host="::1").check() == [] and Settings(demo=True, host="localhost").check() == []


def test_out_of_range_values_are_refused() -> None:
    with pytest.raises(ValidationError):
        Settings(tick_hz=0)
    with pytest.raises(ValidationError):
        Settings(unknown_option=1)  # type: ignore[call-arg]
