"""The front door's languages: the ``departement.*`` keys of the five catalogues (client/locale/*.json), read as
the portal reads its own (server/portal/i18n.py).

The language is ``?lang=`` when given, else the browser's (Accept-Language), else French; a key missing in a
catalogue falls back to French. No cookie: the front door keeps nothing about anyone.
"""

from __future__ import annotations

from cybercollege.server.portal.i18n import Catalogue
from cybercollege.server.portal.i18n import choose as choose

CATALOGUE = Catalogue("departement.")
strings = CATALOGUE.strings
translate = CATALOGUE.translate
