"""The five catalogues (client/locale/*.json: the client's strings and the server's ``web.*``, ``sheet.*`` and
``attendance.*`` ones) hold the same keys with the same placeholders, and German says "Sie" throughout."""

from __future__ import annotations

import json
import re
import string
from pathlib import Path

import pytest

LOCALE_DIR = Path(__file__).resolve().parents[2] / "client" / "locale"
LANGUAGES = ("fr", "en", "de", "es", "it")
INFORMAL_GERMAN = re.compile(r"\b(du|dein|deine|deinen|deinem|deiner|deines|dich|dir|euch|euer|eure|euren|eurem)\b",
                             re.IGNORECASE)  # fmt: skip


def catalogue(lang: str) -> dict[str, str]:
    return json.loads((LOCALE_DIR / f"{lang}.json").read_text(encoding="utf-8"))


def placeholders(text: str) -> set[str]:
    """The ``{name}`` fields ``str.format`` fills in (``{{`` is a literal brace)."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "fr"])
def test_every_catalogue_has_the_same_keys_and_placeholders_as_french(lang: str) -> None:
    reference, other = catalogue("fr"), catalogue(lang)
    assert sorted(set(reference) - set(other)) == [], f"missing in {lang}.json"
    assert sorted(set(other) - set(reference)) == [], f"in {lang}.json but not in fr.json"
    wrong = {key: (placeholders(reference[key]), placeholders(text)) for key, text in other.items()
             if placeholders(text) != placeholders(reference[key])}  # fmt: skip
    assert wrong == {}, f"{lang}.json: placeholders differ from French"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_string_is_empty_or_untrimmed(lang: str) -> None:
    bad = [key for key, text in catalogue(lang).items() if not text.strip() or text != text.strip()]
    assert bad == []


def test_german_says_sie_throughout() -> None:
    informal = {key: text for key, text in catalogue("de").items() if INFORMAL_GERMAN.search(text)}
    assert informal == {}, "German uses the formal Sie/Ihr: these strings say du/dein/dich/dir/euch/euer"


def test_the_informal_pronoun_check_finds_them() -> None:
    """The check itself: it catches each informal form at a word boundary, not inside other words."""
    for text in ("Du bist dran", "Prüfe deine Felder", "komm zu dir", "Seid ihr bereit? Wir sehen euch."):
        assert INFORMAL_GERMAN.search(text), text
    for text in ("Sie dürfen", "Durchsage", "Dienstag", "Ihr Name", "direkt", "Teuer"):
        assert not INFORMAL_GERMAN.search(text), text
