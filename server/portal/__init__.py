"""The teacher's web portal: server-rendered pages signed in through the ENT (docs/portal.md, docs/adr/0015).

``app.py`` puts it on the edge's application; ``pages.py`` is how a page is declared; ``views/`` holds one module
per page; ``session.py``, ``csrf.py`` and ``headers.py`` are its security; ``i18n.py`` its five languages.
"""
