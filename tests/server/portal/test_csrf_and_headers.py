"""CSRF tokens (form field or header, constant-time) and the portal's Content-Security-Policy."""

from __future__ import annotations

import pytest

from cybercollege.server.portal import csrf, headers


def test_the_token_is_accepted_from_the_form_or_the_header() -> None:
    csrf.check("abc123", {"csrf": "abc123"}, {})
    csrf.check("abc123", {}, {"X-CSRF-Token": "abc123"})


WRONG = [({}, {}), ({"csrf": ""}, {}), ({"csrf": "abc12"}, {}), ({"csrf": "abc1234"}, {}),
         ({}, {"X-CSRF-Token": "x"}), ({"csrf": ["abc123"]}, {})]  # fmt: skip


@pytest.mark.parametrize(("form", "header"), WRONG)
def test_a_missing_or_wrong_token_is_refused(form: dict, header: dict) -> None:
    with pytest.raises(csrf.CsrfRefused):
        csrf.check("abc123", form, header)


def test_the_policy_allows_nothing_inline_nor_from_elsewhere() -> None:
    policy = dict(part.strip().split(" ", 1) for part in headers.CSP.split(";"))
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert "unsafe-inline" not in headers.CSP and "unsafe-eval" not in headers.CSP and "*" not in headers.CSP
    assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"
    assert headers.HEADERS["X-Content-Type-Options"] == "nosniff"
    assert headers.HEADERS["Referrer-Policy"] == "same-origin"


def test_only_the_portal_paths_get_the_policy() -> None:
    assert all(headers.is_portal(p) for p in ("/", "/portal", "/portal/", "/portal/classes", "/portal/static/a.css"))
    assert not any(headers.is_portal(p) for p in ("/invite/AB", "/auth/login", "/api/invitations", "/portals", "/ws"))
