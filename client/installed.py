"""The start of the built client (``scripts/build_client.py`` freezes this module as the program's ``__main__``).

A built client is one frozen executable beside its data files (macOS: ``Contents/Resources`` of the .app).
Before the client is imported, this puts three things right that a checkout gets for free:

* Panda3D's freezer gives every frozen module ``__file__ == sys.executable``; ours get the path their source
  would have under the ``data`` folder (``data/cybercollege/client/style.py``...), where the build laid out their data
  files (the fonts, textures and catalogues), so ``Path(__file__).parent / ...`` finds them as in a checkout.
* The bundled OpenSSL does not know where the system keeps its certificate authorities: ``SSL_CERT_FILE``
  points at the bundled ``cacert.pem`` (certifi's, copied by the build; ``certifi.where()`` fails frozen).
* ``server.json`` in the ``data`` folder (written by the world server into the download it serves) names the
  server the client opens on (client/origin.py).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def data_dir() -> Path:
    """Where the build put the data files: beside the executable, or in the .app's Resources."""
    here = Path(sys.executable).resolve().parent
    resources = here.parent / "Resources"
    return resources if sys.platform == "darwin" and resources.is_dir() else here


def locate_our_modules(root: Path) -> None:
    """Frozen ``cybercollege.*`` modules get ``__file__`` = their source's path under ``root``."""
    from _frozen_importlib import FrozenImporter

    find = FrozenImporter.find_spec

    def find_spec(fullname, path=None, target=None):
        spec = find(fullname, path, target)
        if spec is not None and fullname.startswith("cybercollege"):
            parts = fullname.split(".")
            if spec.submodule_search_locations is not None:
                parts.append("__init__")
            spec.has_location = True
            spec.origin = str(root.joinpath(*parts).with_suffix(".py"))
            if getattr(spec.loader_state, "filename", None):  # Python 3.11+ sets __file__ from it (the
                spec.loader_state.filename = spec.origin  # build machine's stdlib folder otherwise)
        return spec

    FrozenImporter.find_spec = find_spec  # type: ignore[method-assign]


def import_all(listing: Path, report: Path | None) -> int:
    """The build's own test: import every module the build listed (ours, and every one with a native library),
    one line each (``ok`` or the error), then a summary; fail if one failed (a build that dropped a binary module).
    Each line is written as it is known, so a hang shows where it is."""
    import importlib

    names = listing.read_text(encoding="utf-8").split()
    out = report.open("w", encoding="utf-8") if report is not None else sys.stderr
    failed = 0
    for name in names:
        try:
            importlib.import_module(name)
            line = f"{name}: ok"
        except Exception as exc:  # ImportError, or an OSError from a missing shared library
            failed += 1
            line = f"{name}: {type(exc).__name__}: {exc}".replace("\n", " ")
        out.write(line + "\n")
        out.flush()
    out.write(f"{len(names) - failed} of {len(names)} modules imported\n")
    if out is not sys.stderr:
        out.close()
    return 1 if failed else 0


def main() -> int:
    root = data_dir() / "data"
    locate_our_modules(root)
    bundle = root / "cacert.pem"
    if bundle.is_file():
        os.environ.setdefault("SSL_CERT_FILE", str(bundle))
    if sys.argv[1:2] == ["--check-modules"]:  # [REPORT]: a Windows GUI program has no console to print on
        return import_all(root / "modules.txt", Path(sys.argv[2]) if len(sys.argv) > 2 else None)
    from cybercollege.client import app

    return app.main()


if __name__ == "__main__":
    sys.exit(main())
