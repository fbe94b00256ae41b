"""A second, independent CAS 3 server for tests: django-cas-server (PyPI) on a free 127.0.0.1 port.

:func:`start` provisions the small Django project in ``tests/idp/djangocas/`` (no ``__init__.py``: it is put
on the subprocess's path only) into an isolated SQLite database: migrations, one user per person of
:mod:`tests.idp.people` (their passwords), and a service pattern for ``{sp_url}/auth/cas/`` releasing every
attribute. Then it runs ``django-admin runserver --noreload``. Shapes released: ``ENTPersonProfils`` packed
with ``;``, ``ENTAuxEnsClasses``/``ENTEleveClasses`` as repeated elements, the rest single-valued.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from cybercollege.server.auth.ent.config import CasConfig
from tests.idp.lemonldap import free_port
from tests.idp.people import Person
from tests.idp.process import stop_process, wait_until_served

PROJECT = Path(__file__).parent / "djangocas"
ROOT = Path(__file__).parents[2]
ENT_ID = "djcas"
ENT_NAME = "ENT de test (django-cas-server)"


@dataclass
class Running:
    """A running django-cas-server; ``url`` is its CAS server URL (no trailing slash)."""

    url: str
    process: subprocess.Popen
    workdir: Path

    @property
    def ent(self) -> CasConfig:
        return CasConfig(id=ENT_ID, name=ENT_NAME, protocol="cas", server_url=self.url, cas_version=3)

    def stop(self) -> None:
        stop_process(self.process)

    def log(self) -> str:
        return (self.workdir / "djcas.log").read_text(errors="replace")


def check_installed() -> None:
    """Raises RuntimeError (never skip) when django-cas-server is not importable."""
    if importlib.util.find_spec("cas_server") is None or importlib.util.find_spec("django") is None:
        raise RuntimeError("django-cas-server is not installed: .venv/bin/pip install django-cas-server")


def start(workdir: Path, sp_url: str) -> Running:
    """Provision and start a CAS server trusting our service URLs under ``sp_url`` (no trailing slash)."""
    check_installed()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "djcas.settings",
        "DJCAS_WORKDIR": str(workdir),
        "PYTHONPATH": os.pathsep.join([str(PROJECT), str(ROOT)]),
    }
    done = subprocess.run(
        [sys.executable, "-m", "djcas.provision", sp_url], env=env, cwd=workdir, capture_output=True, text=True
    )
    if done.returncode:
        raise RuntimeError(f"django-cas-server provisioning failed:\n{done.stdout}{done.stderr}")
    port = free_port()
    log = (workdir / "djcas.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "django", "runserver", "--noreload", "--skip-checks", f"127.0.0.1:{port}"],
        env=env,
        cwd=workdir,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    running = Running(f"http://127.0.0.1:{port}/cas", process, workdir)
    _wait_ready(running)
    return running


def _wait_ready(running: Running) -> None:
    wait_until_served(running.process, running.url + "/login", "django-cas-server", running.log)


async def sign_in(page, person: Person) -> None:
    """On django-cas-server's login page loaded in ``page``, type the credentials and submit, as a user."""
    await page.fill("#login_form input[name=username]", person.login)
    await page.fill("#login_form input[name=password]", person.password)
    await page.click("#login_form button[type=submit]")
