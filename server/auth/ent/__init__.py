"""ENT single sign-on: CAS, OpenID Connect and SAML logins ending with an
:class:`~cybercollege.server.core.identity.Identity`.

Entry point for the world server: :func:`cybercollege.server.auth.ent.routes.setup_ent`. See docs/sso.md.
"""
