"""ENT single sign-on: CAS, OpenID Connect and SAML logins ending with an :class:`~server.identity.Identity`.

Entry point for the world server: :func:`server.ent.routes.setup_ent`. See docs/sso.md.
"""
