"""django-cas-server under ``/cas/`` (its server URL is ``http://127.0.0.1:<port>/cas``), and its static files."""

from django.contrib.staticfiles.views import serve
from django.urls import include, path, re_path

urlpatterns = [
    path("cas/", include("cas_server.urls", namespace="cas_server")),
    re_path(r"^static/(?P<path>.*)$", serve, {"insecure": True}),  # DEBUG is off: runserver serves none
]
