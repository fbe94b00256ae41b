"""The security headers of the portal's pages: a strict Content-Security-Policy and its companions (docs/portal.md).

Only the portal's own responses get them (its pages, its static files, the home page): the guest page sets its own
policy (server/guests/page.py), and the JSON API and file downloads need none of them.
"""

from __future__ import annotations

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
"""No inline script or style, nothing from elsewhere, never inside a frame."""
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def is_portal(path: str) -> bool:
    """The paths the portal answers: the home page and everything under ``/portal``."""
    return path == "/" or path == "/portal" or path.startswith("/portal/")
