"""The test IdP helper fails loudly, with the install command, when LemonLDAP::NG is missing."""

from __future__ import annotations

import re

import pytest

from tests.idp import lemonldap


def test_missing_lemonldap_names_the_install_script(monkeypatch):
    monkeypatch.setattr(lemonldap.shutil, "which", lambda name: None)
    with pytest.raises(lemonldap.IdpMissing, match=re.escape("scripts/install-test-idp.sh")):
        lemonldap.check_installed()


def test_installed_lemonldap_is_found():
    assert lemonldap.check_installed().endswith("plackup")
