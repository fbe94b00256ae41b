"""The portal's pages, one module each (docs/portal.md, "Adding a page"): importing them declares them."""

from cybercollege.server.portal.views import (
    classes,
    home,
    invitations,
    lessons,
    lobby,
    recordings,
    signin,
    slides,
    staff,
    staff_audit,
    staff_privacy,
)

__all__ = [
    "classes",
    "home",
    "invitations",
    "lessons",
    "lobby",
    "recordings",
    "signin",
    "slides",
    "staff",
    "staff_audit",
    "staff_privacy",
]
