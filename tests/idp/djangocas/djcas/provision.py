"""``python -m djcas.provision SP_URL``: migrate, create people.py's users, allow and release to our service."""

from __future__ import annotations

import re
import sys

import django


def main(sp_url: str) -> None:
    django.setup()
    from cas_server.models import ReplaceAttributName, ServicePattern
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from tests.idp.people import EVERYONE

    call_command("migrate", verbosity=0, interactive=False)
    for person in EVERYONE:
        get_user_model().objects.create_user(person.login, password=person.password)
    pattern = ServicePattern.objects.create(
        name="Cybercollège", pattern=f"^{re.escape(sp_url + '/auth/cas/')}.*$", single_log_out=False
    )
    ReplaceAttributName.objects.create(name="*", service_pattern=pattern)  # "*": every attribute, same name


if __name__ == "__main__":
    main(sys.argv[1])
