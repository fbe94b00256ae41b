import re

import pytest

from cybercollege.client import i18n


def fields(text: str) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", text))


@pytest.mark.parametrize("lang", sorted(i18n.LANGUAGES))
def test_every_language_has_every_string_with_the_same_fields(lang):
    reference = i18n.catalogue("fr")
    catalogue = i18n.catalogue(lang)
    assert set(catalogue) == set(reference)
    for key, text in catalogue.items():
        assert text.strip(), f"{lang}:{key} is empty"
        assert fields(text) == fields(reference[key]), f"{lang}:{key}"


def test_french_by_default_and_switchable():
    i18n.set_language("fr")
    assert i18n.tr("people", count=3) == "Dans la salle (3)"
    i18n.set_language("de")
    assert i18n.tr("retry") == "Erneut versuchen"
    i18n.set_language("xx")  # unknown: back to French
    assert i18n.language() == "fr"
    assert i18n.tr("no-such-key") == "no-such-key"


def test_the_client_code_only_uses_keys_that_exist():
    from pathlib import Path

    used = set()
    for path in (Path(i18n.__file__).parent).rglob("*.py"):
        used |= set(re.findall(r"\btr\(\"([a-z_]+)\"", path.read_text(encoding="utf-8")))
    assert used, "no tr() call found"
    assert used <= set(i18n.catalogue("fr")), used - set(i18n.catalogue("fr"))
