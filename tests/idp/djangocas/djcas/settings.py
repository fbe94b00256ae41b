"""Settings of the test CAS server: SQLite in ``$DJCAS_WORKDIR``, no network, no admin, people.py's accounts."""

from __future__ import annotations

import os
from pathlib import Path

WORKDIR = Path(os.environ["DJCAS_WORKDIR"])

SECRET_KEY = "djcas-test-only-secret-key-0123456789-not-for-production"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "cas_server",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
ROOT_URLCONF = "djcas.urls"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(WORKDIR / "cas.sqlite3")}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
# Test accounts only: a fast hasher (PBKDF2's million rounds would cost CPU at every login for nothing).
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Europe/Paris"
LANGUAGE_CODE = "fr"
STATIC_URL = "/static/"
# Our login server shares the host 127.0.0.1 (cookies ignore ports): names of our own.
SESSION_COOKIE_NAME = "djcas_session"
CSRF_COOKIE_NAME = "djcas_csrftoken"

CAS_AUTH_CLASS = "djcas.auth.PeopleAuthUser"
# The default True makes every login page GET pypi.org with `requests` and no timeout.
CAS_NEW_VERSION_HTML_WARNING = False
CAS_NEW_VERSION_EMAIL_WARNING = False
# The login page links Bootstrap and jQuery from CDNs: empty documents instead (no network in tests).
CAS_COMPONENT_URLS = {
    name: "data:text/css," if name.endswith("_css") else "data:text/javascript,"
    for name in ("bootstrap3_css", "bootstrap3_js", "html5shiv", "respond", "bootstrap4_css", "bootstrap4_js", "jquery")
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(name)s %(levelname)s %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "cas_server": {"handlers": ["stderr"], "level": "DEBUG"},
        "django.request": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
    },
}
