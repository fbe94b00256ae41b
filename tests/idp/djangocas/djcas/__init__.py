"""A minimal Django project serving django-cas-server for the interop tests (see ``tests/idp/djangocas.py``)."""
