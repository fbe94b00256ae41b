"""The few HTML pages of the login flow (French, no JavaScript, no external resources)."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from urllib.parse import quote

from cybercollege.server.core.identity import Identity

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#222}"
    "h1{font-size:1.5rem}a.ent,button{display:block;box-sizing:border-box;width:100%;margin:.5rem 0;padding:.8rem;"
    "font-size:1rem;"
    "text-align:left;border:1px solid #3561a8;border-radius:.4rem;background:#f3f6fc;color:#17346b;"
    "text-decoration:none;cursor:pointer}.demo{border:2px dashed #b36b00;padding:.5rem 1rem;margin-top:2rem}"
    ".demo h2{color:#b36b00;font-size:1.1rem}.err{border-left:4px solid #b00020;padding-left:1rem}"
)


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} – Cybercollège</title><style>{_STYLE}</style></head>"
        f"<body><h1>{escape(title)}</h1>{body}</body></html>"
    )


def login_page(ents: Iterable[tuple[str, str]], request_id: str, demo: bool) -> str:
    """The list of ENTs (``(id, name)``) to log in with, and the demo entry when demo mode is on."""
    req = quote(request_id, safe="")
    links = "".join(
        f'<a class="ent" href="/auth/ent/{quote(ent_id)}/start?req={req}">Se connecter avec {escape(name)}</a>'
        for ent_id, name in ents
    )
    if not links and not demo:
        links = "<p>Aucun ENT n'est configuré sur ce serveur.</p>"
    if links:
        body = f"<p>Choisissez votre ENT. Vous saisirez votre mot de passe sur la page de l'ENT.</p>{links}"
    else:  # demo mode without an ENT: the demo accounts are the only way in, say so first
        body = "<p>Aucun ENT n'est configuré sur ce serveur de démonstration : entrez avec un compte fictif.</p>"
    if demo:
        body += (
            '<div class="demo"><h2>Démonstration</h2><p>Mode démonstration : comptes fictifs, '
            "sans mot de passe.</p>"
            f'<a class="ent" href="/auth/demo/pick?req={req}">'
            "Entrer avec un compte de démonstration</a></div>"
        )
    return _page("Se connecter avec mon ENT", body)


def demo_page(users: Iterable[tuple[str, Identity]], request_id: str) -> str:
    """Demo users to pick from; each button posts the login (the browser cookie protects the form)."""
    buttons = "".join(
        f'<button name="login" value="{escape(login)}">{escape(ident.display_name)} '
        f"({_ROLE_FR.get(ident.role.value, ident.role.value)}"
        f"{', ' + escape(' '.join(ident.classes)) if ident.classes else ''})</button>"
        for login, ident in users
    )
    body = (
        '<div class="demo"><h2>Démonstration</h2><p>Comptes fictifs du collège de démonstration.</p>'
        f'<form method="post" action="/auth/demo/pick">'
        f'<input type="hidden" name="req" value="{escape(request_id)}">{buttons}</form></div>'
    )
    return _page("Démonstration : choisir un compte", body)


def message_page(title: str, message: str, *, error: bool = True, link: tuple[str, str] | None = None) -> str:
    """A short message, optionally followed by one link ``(href, text)``."""
    css = ' class="err"' if error else ""
    more = f'<a class="ent" href="{escape(link[0])}">{escape(link[1])}</a>' if link else ""
    return _page(title, f"<p{css}>{escape(message)}</p>{more}")


_ROLE_FR = {"pupil": "élève", "teacher": "enseignant·e", "staff": "personnel", "guest": "invité·e"}
